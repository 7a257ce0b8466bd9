"""Steps and region tables of an ISW ingest (issue 18, W3) against plain overlays of the whole layers.

Real ISW layers, parsed in small batches so that several steps join two batches (those
are computed by the main process while the parse goes on, not afterwards). The reference
is shapely's overlay of the two dissolved layers and of the dissolved layer with each
oblast, measured with ``pyproj.Geod`` (geodesic areas), never the program's own output.
"""

from __future__ import annotations

import pytest
import shapely

import frontlines.service.derive as derive_module
import frontlines.service.pipeline as pipeline_module
from frontlines import service
from frontlines.conflicts import default_registry
from frontlines.store.memory import MemoryStore
from tests.conftest import ISW_DAYS as DAYS
from tests.helpers import geodesic_km2


@pytest.fixture(scope="module")
def ingested(isw_folder):
    """A store holding the eight layers, parsed three at a time; and the steps derive_layers computed itself."""
    computed: list[int] = []
    real_step = derive_module._step

    def counting_step(store, layer, prev, sid, *args, **kwargs):
        if prev is not None:
            computed.append(sid)
        return real_step(store, layer, prev, sid, *args, **kwargs)

    store = MemoryStore()
    real_extend = pipeline_module.extend_region_tables

    def keeping_extend(*args, dissolved=None, **kwargs):
        store.handed_on = dict(dissolved or {})  # type: ignore[attr-defined]
        return real_extend(*args, dissolved=dissolved, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline_module, "BATCH", 3)
        mp.setattr(derive_module, "_step", counting_step)
        mp.setattr(pipeline_module, "extend_region_tables", keeping_extend)
        report = service.ingest(store, "isw", [isw_folder], workers=1, derive="primary", region_levels=1)
    assert report.added == len(DAYS)
    return store, computed


@pytest.mark.realdata
def test_steps_between_batches_are_computed_during_the_parse(ingested) -> None:
    store, computed_after = ingested
    sel = service.select(store)
    assert len(sel.timeline) == len(DAYS)
    assert computed_after == []  # every step was at hand: from a parser, or joined two batches as they came


@pytest.mark.realdata
def test_every_step_equals_the_overlay_of_the_whole_layers(ingested) -> None:
    store, _ = ingested
    sel = service.select(store)
    ids = [sid for sid, _, _ in sel.timeline]
    steps = store.steps(sel.layer, ids, geometry=True)
    unions = {sid: shapely.union_all(list(store.layer_parts(sid, sel.layer).values())) for sid in ids}
    for prev, sid in zip(ids, ids[1:]):
        row = steps[sid]
        assert row[0] == prev
        want_gained = geodesic_km2(shapely.difference(unions[sid], unions[prev]))
        want_lost = geodesic_km2(shapely.difference(unions[prev], unions[sid]))
        # windowed steps may leave out up to 0.01 km² (core.windows.MAX_ERROR_KM2)
        assert row[1] == pytest.approx(want_gained, rel=1e-4, abs=0.02)
        assert row[2] == pytest.approx(want_lost, rel=1e-4, abs=0.02)
    for sid, _, area in sel.timeline:
        assert area == pytest.approx(geodesic_km2(unions[sid]), rel=1e-4)


@pytest.mark.realdata
def test_oblast_table_equals_the_plain_clip(ingested) -> None:
    store, _ = ingested
    sel = service.select(store)
    oblasts = default_registry().region_layer("ukraine", "oblast")
    ids = [sid for sid, _, _ in sel.timeline]
    stored = store.region_areas(ids, sel.layer, "oblast")
    for sid in (ids[0], ids[-1]):  # the first is clipped whole (its dissolve shared with its area), the last stepped
        union = shapely.union_all(list(store.layer_parts(sid, sel.layer).values()))
        for rid, region in zip(oblasts.ids, oblasts.geometries):
            want = geodesic_km2(shapely.intersection(union, region))
            assert stored[sid].get(rid, 0.0) == pytest.approx(want, rel=1e-4, abs=0.05), rid


@pytest.mark.realdata
def test_dissolved_layers_handed_on_are_the_unions(ingested) -> None:
    store, _ = ingested
    sel = service.select(store)
    first = sel.timeline[0][0]
    handed = store.handed_on  # what derive_layers gave extend_region_tables (see the fixture)
    assert list(handed) == [(first, sel.layer)]  # only the first is dissolved whole (FULL_EVERY = 256)
    union = shapely.union_all(list(store.layer_parts(first, sel.layer).values()))
    got = handed[(first, sel.layer)]
    assert shapely.symmetric_difference(got, union).area < 1e-9 * union.area
