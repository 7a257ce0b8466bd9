"""Region clips done by the parse workers (service.worker_clips) give the figures of the tail, bit for bit.

Sixty real DeepState daily maps are ingested twice: with one parser (the tail clips every step
by oblast) and with two parse processes, which clip the steps of their batches themselves; the
main process files the rows by the steps' WKB and the tail finds them there. The oblast tables
and areas must be the same bit for bit, and the first and last snapshots' rows those of a plain
shapely overlay of the dissolved layer with each oblast, measured with ``pyproj.Geod``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from frontlines import service
from frontlines.conflicts import default_registry
from frontlines.core.regions import clip_areas
from frontlines.service import tail_ahead, worker_clips
from frontlines.store.sqlite import SQLiteStore
from tests.helpers import assert_oblast_rows_plain, assert_same_tables, geodesic_km2, oblast_tables

FILES = 60
OPTIONS = dict(derive="primary", region_levels=1, settlement_index=False, unions=False)  # as bench/engine.py


@pytest.fixture(scope="module")
def daily60(deepstate_daily_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("daily60")
    for src in sorted(deepstate_daily_dir.iterdir())[:FILES]:
        (folder / src.name).symlink_to(src)
    return folder


@pytest.fixture(scope="module")
def both(daily60: Path, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("worker-clips")
    plain = SQLiteStore(tmp / "plain.db")
    service.ingest(plain, "deepstate-daily", [daily60], workers=1, **OPTIONS)
    seen = {"filed": 0, "asked": 0, "found": 0}
    real_put, real_get = tail_ahead.ClipRows.put, tail_ahead.ClipRows.get

    def counted_put(self, region_set, wkb, row):  # in the main process: rows the workers sent
        seen["filed"] += 1
        return real_put(self, region_set, wkb, row)

    def counted_get(self, region_set, wkb):
        row = real_get(self, region_set, wkb)
        seen["asked"] += 1
        seen["found"] += row is not None
        return row

    ahead = SQLiteStore(tmp / "ahead.db")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tail_ahead.ClipRows, "put", counted_put)
        mp.setattr(tail_ahead.ClipRows, "get", counted_get)
        service.ingest(ahead, "deepstate-daily", [daily60], workers=2, **OPTIONS)
    return plain, ahead, seen


@pytest.mark.realdata
def test_the_workers_clip_the_steps(both) -> None:
    _, ahead, seen = both
    sel = service.select(ahead)
    ids = [sid for sid, _, _ in sel.timeline]
    steps = ahead.steps(sel.layer, ids, geometry=True)
    pieces = sum(bool(s[3]) + bool(s[4]) for s in steps.values() if s[0] is not None)
    # two segments of 30 maps: every step but the one joining them was computed, and clipped, by a worker
    assert pieces - 2 <= seen["filed"] <= pieces
    assert seen["found"] == seen["filed"] and seen["asked"] >= seen["filed"]


@pytest.mark.realdata
def test_figures_are_those_of_the_tail_bit_for_bit(both) -> None:
    plain, ahead, _ = both
    assert_same_tables(plain, ahead, FILES)


@pytest.mark.realdata
def test_oblast_rows_equal_the_plain_overlay(both) -> None:
    _, ahead, _ = both
    ids = oblast_tables(ahead)[2]
    assert_oblast_rows_plain(ahead, [ids[0], ids[-1]])  # the first clipped whole, the last stepped from the workers' clips


def test_clip_rows_are_clip_areas_of_each_geometry_alone() -> None:
    oblasts = default_registry().region_layer("ukraine", "oblast")
    rng = np.random.default_rng(3)
    geoms = [shapely.Point(30 + 8 * rng.random(), 46.5 + 4 * rng.random()).buffer(0.05 + 0.4 * rng.random(), 6)
             for _ in range(12)]
    geoms[4] = shapely.Polygon()  # an empty step geometry: zeros
    geoms[7] = shapely.union(geoms[7], shapely.Point(35.2, 47.9).buffer(0.3, 6))  # two parts, far apart
    rows = worker_clips.clip_rows("ukraine", 1, geoms)
    assert list(rows) == ["oblast"] and rows["oblast"].shape == (12, len(oblasts))
    for g, row in zip(geoms, rows["oblast"]):
        if g.is_empty:
            assert not row.any()
            continue
        assert np.array_equal(row, clip_areas(oblasts, g))  # bit for bit, whatever the batch
        want = [geodesic_km2(shapely.intersection(g, region)) for region in oblasts.geometries]
        assert row == pytest.approx(want, rel=1e-4, abs=1e-3)
    assert worker_clips.clip_rows("ukraine", 0, geoms) == {}
    assert worker_clips.worker_levels(3) == worker_clips.WORKER_LEVELS and worker_clips.worker_levels(0) == 0

