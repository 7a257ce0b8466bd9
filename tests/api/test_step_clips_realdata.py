"""Steps clipped by oblast while the parse runs (issue 18): the same oblast tables as clipping after it.

Real DeepState history snapshots, ingested in small batches (steps inside a batch come
from the parser, steps joining batches from the main process). The tables the ingest
stores with the rows :class:`frontlines.service.step_clips.StepClipper` clipped during the
parse must be those of an ingest that clips every step afterwards (bit for bit), and
agree with the plain overlay of the dissolved layer with each oblast measured with
``pyproj.Geod``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod

import frontlines.service.pipeline as pipeline_module
import frontlines.service.step_clips as step_clips
from frontlines import service
from frontlines.conflicts import default_registry
from frontlines.core.regions import clip_areas
from frontlines.store.memory import MemoryStore

GEOD = Geod(ellps="WGS84")
FILES = slice(1040, 1064)  # 2024: a few front-line edits a day


def geod_km2(geom: shapely.Geometry) -> float:
    """Area (km²): edges straight in lon/lat (densified to 0.01°), measured on the ellipsoid with ``pyproj.Geod``."""
    total = 0.0
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon" and not part.is_empty:
            dense = shapely.segmentize(shapely.geometry.polygon.orient(part), 0.01)
            total += abs(GEOD.geometry_area_perimeter(dense)[0])
    return total / 1e6


@pytest.fixture(scope="module")
def folder(deepstate_history_dir: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("w1slice")
    for src in sorted(deepstate_history_dir.iterdir())[FILES]:
        (out / src.name).symlink_to(src)
    return out


def _ingest(folder: Path, *, clip_during_parse: bool) -> tuple[MemoryStore, dict]:
    store = MemoryStore()
    seen: dict[str, int] = {"rows_known": 0, "asked": 0}
    real = step_clips.clip_with_known

    def counting(region, geoms, known):
        seen["asked"] += len(geoms)
        seen["rows_known"] += len(known or {})
        return real(region, geoms, known)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline_module, "BATCH", 5)
        mp.setattr(step_clips, "CHUNK", 7)  # several chunks clipped during the parse
        mp.setattr("frontlines.service.derive.clip_with_known", counting)
        if not clip_during_parse:
            mp.setattr(step_clips.StepClipper, "known", lambda self: {})
        service.ingest(store, "deepstate-history", [folder], workers=1, derive="primary", region_levels=1,
                       settlement_index=False, unions=False)
    return store, seen


@pytest.mark.realdata
def test_tables_equal_clipping_after_the_parse(folder: Path) -> None:
    during, seen = _ingest(folder, clip_during_parse=True)
    after, seen_after = _ingest(folder, clip_during_parse=False)
    assert seen["rows_known"] > 0 and seen_after["rows_known"] == 0
    sel = service.select(during)
    ids = [sid for sid, _, _ in sel.timeline]
    assert len(ids) == FILES.stop - FILES.start
    a = during.region_areas(ids, sel.layer, "oblast")
    b = after.region_areas([sid for sid, _, _ in service.select(after).timeline], sel.layer, "oblast")
    assert [a[sid] for sid in ids] == [b[sid] for sid in sorted(b)]  # bit for bit


@pytest.mark.realdata
def test_tables_agree_with_the_plain_overlay(folder: Path) -> None:
    store, _ = _ingest(folder, clip_during_parse=True)
    sel = service.select(store)
    oblasts = default_registry().region_layer("ukraine", "oblast")
    ids = [sid for sid, _, _ in sel.timeline]
    stored = store.region_areas(ids, sel.layer, "oblast")
    union = shapely.union_all(list(store.layer_parts(ids[-1], sel.layer).values()))  # the last: 23 steps on
    for rid, region in zip(oblasts.ids, oblasts.geometries):
        want = geod_km2(shapely.intersection(union, region))
        assert stored[ids[-1]].get(rid, 0.0) == pytest.approx(want, rel=1e-4, abs=0.05), rid


def test_known_rows_are_taken_and_the_rest_clipped() -> None:
    oblasts = default_registry().region_layer("ukraine", "oblast")
    geoms = [shapely.box(35.0, 48.0, 35.5, 48.3), shapely.box(37.5, 47.5, 38.0, 48.2), None]
    want = clip_areas(oblasts, geoms)
    fake = np.arange(len(oblasts), dtype=float)
    known = {shapely.to_wkb(geoms[0], output_dimension=2): fake}
    got = step_clips.clip_with_known(oblasts, geoms, known)
    assert np.array_equal(got[0], fake)  # taken as given
    assert np.array_equal(got[1:], want[1:])  # clipped
    assert np.array_equal(step_clips.clip_with_known(oblasts, geoms, None), want)
