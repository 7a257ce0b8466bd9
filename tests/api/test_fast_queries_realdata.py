"""The fast paths of issue 18 against the plain computations, on the real DeepState history.

- settlements: the stored settlement index and the one computed in memory against the plain
  path (dissolve both maps, point in polygon, walk back for the dates): exact lists;
- region tables: ``clip_areas`` (one geometry or a batch; per polygon / region pair, oblasts
  tile by tile) against shapely's intersection of every region with the whole geometry
  measured with ``pyproj.Geod``, and the raion / hromada
  tables stored at ingest against the plain clip of each snapshot's dissolved layer;
- depth: ``region_depths`` (one pass, shared samples) against one ``advance_depth`` per piece.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from frontlines import service
from frontlines.conflicts import default_registry
from frontlines.core.depth import advance_depth, region_depths
from frontlines.core.geodesy import EDGE_STEP_DEG, areas_km2
from frontlines.core.measure import dissolve
from frontlines.core.regions import clip_areas, clip_pieces
from frontlines.service import settlement_index, where
from frontlines.store.memory import MemoryStore

WINDOWS = [("2022-09-06", "2022-09-13"), ("2022-09-01", "2022-11-16"), ("2022-09-10", "2022-09-10"),
           ("2022-11-08", "2022-11-12")]


def _plain_settlements(store, monkeypatch, **kw):
    with monkeypatch.context() as m:
        m.setattr(where, "_indexed", lambda *a: None)  # the plain path: dissolve, point in polygon, walk back
        return service.settlements(store, **kw).as_dict()


def _plain_clip(layer, geom):
    return areas_km2(shapely.intersection(layer.geometries, geom), layer.centre)


GEOD = Geod(ellps="WGS84")


def _geod_clip(layer, geom) -> np.ndarray:
    """Whole-region overlays measured on the ellipsoid by pyproj.Geod (independent of the program's areas).

    Edges are straight in lon/lat, so they are densified before Geod (whose edges are geodesics).
    """
    out = np.zeros(len(layer))
    for i in shapely.STRtree(layer.geometries).query(geom, predicate="intersects"):
        piece = shapely.segmentize(shapely.intersection(layer.geometries[i], geom), EDGE_STEP_DEG / 4)
        out[i] = abs(GEOD.geometry_area_perimeter(piece)[0]) / 1e6
    return out


def _steps(store):
    sel = service.select(store)
    ids = [s for s, _, _ in sel.timeline]
    steps = store.steps(sel.layer, ids, geometry=True)
    return [shapely.from_wkb(w) for s in steps.values() for w in (s[3], s[4]) if w]


def test_ingest_stores_a_current_settlement_index(kharkiv_store) -> None:
    sel = service.select(kharkiv_store)
    gaz = default_registry().gazetteer("ukraine")
    found = settlement_index.stored_index(kharkiv_store, sel.source, sel.layer, settlement_index.gazetteer_digest(gaz))
    assert found is not None
    basis = settlement_index.basis_of(kharkiv_store, sel)
    assert np.array_equal(found.basis, basis)
    fresh = settlement_index.compute_index(kharkiv_store, sel, gaz, basis)  # what a store lacking it computes
    for a, b in zip(found.events[:3], fresh[:3]):
        assert np.array_equal(a, b)
    assert len(found.events.position) > 1000  # every place under the layer at the first snapshot, then changes


@pytest.mark.parametrize("start,end", WINDOWS)
def test_settlements_over_a_window_equal_the_plain_computation(kharkiv_store, monkeypatch, start, end) -> None:
    fast = service.settlements(kharkiv_store, start=start, end=end).as_dict()
    plain = _plain_settlements(kharkiv_store, monkeypatch, start=start, end=end)
    assert fast == plain
    if start != end:
        assert fast["count"] > 0


@pytest.mark.parametrize("at", ["2022-09-01", "2022-09-11T12:00", "2022-11-16"])
def test_settlements_at_a_date_equal_the_plain_computation(kharkiv_store, monkeypatch, at) -> None:
    fast = service.settlements(kharkiv_store, at=at, min_population=1000).as_dict()
    assert fast == _plain_settlements(kharkiv_store, monkeypatch, at=at, min_population=1000)


def test_settlements_without_a_stored_index_compute_it_in_memory(kharkiv_store, monkeypatch) -> None:
    # a store with the same snapshots but no index row: the figures are the same
    mem = MemoryStore()
    service.copy_store(kharkiv_store, mem)
    sel = service.select(mem)
    mem._s.settlement_index.clear()  # the copy carries the index over: drop it
    assert mem.settlement_index(sel.source, sel.layer) is None
    a = service.settlements(mem, start="2022-09-06", end="2022-09-13").as_dict()
    b = service.settlements(kharkiv_store, start="2022-09-06", end="2022-09-13").as_dict()
    assert a == b


def test_copy_carries_the_redraw_classification_and_the_settlement_index(kharkiv_store) -> None:
    first = MemoryStore()
    service.copy_store(kharkiv_store, first)
    classified = service.derive_store_redraws(first)
    assert classified > 0
    second = MemoryStore()
    service.copy_store(first, second)
    assert service.derive_store_redraws(second) == 0  # every step arrived classified, under the same rules
    again = service.copy_store(first, second)  # a source held already: its classification is kept current
    assert again.copied == 0 and again.skipped == again.verified > 0
    for store in (first, second):
        sel = service.select(store)
        assert store.settlement_index(sel.source, sel.layer) is not None
        ids = [sid for sid, _, _ in sel.timeline]
        assert len(store.layer_unions(sel.layer, ids)) == len(ids)  # the dissolved layers came along
    assert first.layer_unions(sel.layer, ids[-1:])[ids[-1]] == kharkiv_store.layer_unions(sel.layer, ids[-1:])[ids[-1]]
    sel = service.select(second)
    assert settlement_index.stored_index(second, sel.source, sel.layer, settlement_index.gazetteer_digest(
        default_registry().gazetteer("ukraine"))).basis.tolist() == settlement_index.basis_of(second, sel).tolist()
    # the figures that read both are those of the store copied from, and of the plain computation
    kw = {"start": "2022-09-06", "end": "2022-09-13"}
    a, b = service.change(first, **kw).as_dict(), service.change(second, **kw).as_dict()
    assert a["redraw_km2"] == b["redraw_km2"] and a["gained_km2"] == b["gained_km2"] and a["lost_km2"] > 8000
    assert service.settlements(second, **kw).as_dict() == service.settlements(kharkiv_store, **kw).as_dict()


@pytest.mark.parametrize("kind", ["oblast", "raion", "hromada"])
def test_clip_per_pair_equals_the_plain_intersection(kharkiv_store, kind) -> None:
    layer = default_registry().region_layer("ukraine", kind)
    geoms = _steps(kharkiv_store)
    sel = service.select(kharkiv_store)
    first, last = (dissolve(list(kharkiv_store.layer_parts(sel.timeline[k][0], sel.layer).values())) for k in (0, -1))
    gained, lost = shapely.difference(last, first), shapely.difference(first, last)  # the change over the two months
    geoms += [first, last, gained, lost]
    many = clip_areas(layer, geoms)  # one batch, as the region tables are made
    assert many.shape == (len(geoms), len(layer))
    for k, geom in enumerate(geoms):
        plain = _plain_clip(layer, geom)
        assert np.abs(many[k] - plain).max() < 0.01
        assert np.abs(clip_areas(layer, geom) - many[k]).max() < 1e-9  # one geometry alone: the same row
    for geom, row in zip(geoms[-4:], many[-4:], strict=True):  # the ellipsoid, independently
        np.testing.assert_allclose(row, _geod_clip(layer, geom), rtol=1e-5, atol=0.01)
    assert many.sum() > 10_000  # the whole territory twice, and the Kharkiv steps
    assert (layer.cells is not None) == (kind == "oblast")  # oblasts are cut tile by tile


@pytest.mark.parametrize("kind", ["raion", "hromada"])
def test_region_tables_stored_at_ingest_equal_the_plain_clip(kharkiv_store, kind) -> None:
    sel = service.select(kharkiv_store)
    layer = default_registry().region_layer("ukraine", kind)
    ids = [s for s, _, _ in sel.timeline]
    stored = kharkiv_store.region_areas(ids, sel.layer, kind)
    assert set(stored) == set(ids)  # every snapshot, written by the ingest
    assert all(layer.ids[0] in stored[sid] for sid in ids)  # the first region's row marks it stored
    for sid in ids[:: max(1, len(ids) // 12)] + [ids[-1]]:
        plain = _plain_clip(layer, dissolve(list(kharkiv_store.layer_parts(sid, sel.layer).values())))
        row = np.array([stored[sid].get(r, 0.0) for r in layer.ids])  # rows of 0 km² are not written
        assert np.abs(row - plain).max() < 0.01


@pytest.mark.parametrize("start,end", [("2022-09-06", "2022-09-13"), ("2022-11-05", "2022-11-16")])
def test_depth_by_region_equals_one_advance_depth_per_piece(kharkiv_store, start, end) -> None:
    sel = service.select(kharkiv_store)
    layer = default_registry().region_layer("ukraine", "hromada")
    ch = service.change(kharkiv_store, start=start, end=end, geometry=True)
    front = service.frontline(kharkiv_store, at=start, geometry=True).geometry
    for geom in (where.substantial(ch.gained), where.substantial(ch.lost)):
        if shapely.is_empty(geom):
            continue
        pieces = clip_pieces(layer, geom)
        whole, by = region_depths(geom, front, pieces)
        assert whole == advance_depth(geom, front)
        assert by == {i: advance_depth(p, front).max_km for i, p in pieces}
    doc = service.change(kharkiv_store, start=start, end=end, by="hromada", depth=True).as_dict()
    assert any(r["retreat_max_km"] > 10 for r in doc["depth"]["regions"])
    assert sel.layer.status == "control"


def test_depth_is_kept_in_the_cache_and_never_shared(kharkiv_store) -> None:
    a = service.change(kharkiv_store, start="2022-09-06", end="2022-09-11", by="oblast", depth=True).depth
    a["regions"].clear()  # a caller changing its copy
    b = service.change(kharkiv_store, start="2022-09-06", end="2022-09-11", by="oblast", depth=True).depth
    assert b["regions"] and b["retreat"]["max_km"] > 40
    other = service.change(kharkiv_store, start="2022-09-06", end="2022-09-13", by="oblast", depth=True).depth
    assert other["retreat"]["max_km"] >= b["retreat"]["max_km"]  # another window, not the cached one


def test_ingest_without_the_settlement_index_gives_the_same_settlements(deepstate_daily_dir) -> None:
    files = sorted(deepstate_daily_dir.glob("deepstatemap_data_202409*.geojson"))[:6]
    plain, indexed = MemoryStore(), MemoryStore()
    service.ingest(plain, "deepstate-daily", files, settlement_index=False)
    service.ingest(indexed, "deepstate-daily", files)
    sel = service.select(plain)
    assert plain.settlement_index(sel.source, sel.layer) is None
    assert indexed.settlement_index(sel.source, sel.layer) is not None
    kw = {"start": files[0].stem[-8:], "end": files[-1].stem[-8:], "min_population": 0}
    a, b = service.settlements(plain, **kw).as_dict(), service.settlements(indexed, **kw).as_dict()
    assert a == b and a["count"] > 0


def test_series_by_region_reads_the_period_ends_rows(kharkiv_store) -> None:
    # each period's per-region area is the end snapshot's, by plain overlay; gained - lost is the net per region
    layer = default_registry().region_layer("ukraine", "raion")
    doc = service.series(kharkiv_store, start="2022-09-01", end="2022-11-16", freq="week", by="raion").as_dict()
    sel = service.select(kharkiv_store)
    checked = 0
    for p in doc["periods"]:
        if p.get("regions") is None:
            continue
        plain = _plain_clip(layer, dissolve(list(kharkiv_store.layer_parts(p["end_snapshot"], sel.layer).values())))
        got = np.array([r["area_km2"] for r in p["regions"]])
        assert np.abs(got - plain).max() < 0.01
        checked += 1
    assert checked >= 3
