"""The stored dissolved layer of each snapshot (schema 6, ``layer_unions``), on every backend.

Round trip and cascade of the store rows; migration of a version-5 SQLite store; the
rows an ingest and ``derive_store`` write, checked against ``shapely.union_all`` of the
snapshot's parts measured with ``pyproj.Geod`` (not with the program's own area code);
queries give the same figures whether the rows are stored or dissolved on the fly.
"""

from __future__ import annotations

import sqlite3

import pyproj
import pytest
import shapely

from frontlines import service
from frontlines.model import LayerKey
from frontlines.service.unions import layer_union
from frontlines.store import sqlite as sq
from tests.store.conftest import make_store
from tests.store.test_store_contract import LAYER, WKB, WKB_G, _add

GEOD = pyproj.Geod(ellps="WGS84")


def _geod_km2(geom) -> float:
    """Ellipsoidal area of a lon/lat (multi)polygon, straight from pyproj (the independent reference)."""
    # each polygon oriented first (exterior counter-clockwise, holes clockwise): pyproj sums
    # signed ring areas, so polygons of mixed orientation would cancel each other out
    polygons = shapely.get_parts(geom)
    return sum(GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(p, 1.0))[0] for p in polygons) / 1e6


# ------------------------------------------------------------------ store rows
def test_layer_union_rows_round_trip_replace_and_cascade(any_store):
    st = any_store
    with st.transaction():
        a, b = _add(st, 1), _add(st, 2)
    assert st.layer_unions(LAYER, [a, b]) == {}  # nothing stored yet
    with st.transaction():
        st.put_layer_unions(LAYER, [(a, WKB), (b, WKB)])
    version = st.data_version
    got = st.layer_unions(LAYER, [a, b, 999])
    assert set(got) == {a, b}  # only stored ids
    assert shapely.equals(shapely.from_wkb(got[a]), shapely.from_wkb(WKB))
    assert st.layer_unions(LayerKey("ukraine", "control"), [a, b]) == {}  # per layer key
    with st.transaction():
        st.put_layer_unions(LAYER, [(b, WKB_G)])  # replaces
    assert st.data_version == version + 1
    assert shapely.equals(shapely.from_wkb(st.layer_unions(LAYER, [b])[b]), shapely.from_wkb(WKB_G))
    with st.transaction():
        st.delete_snapshot(a)
    assert set(st.layer_unions(LAYER, [a, b])) == {b}  # deleted with its snapshot


def test_version_5_store_is_migrated_to_the_layer_unions_table(tmp_path) -> None:
    path = tmp_path / "v5.db"
    db = sqlite3.connect(path)
    for v in range(1, 6):
        db.executescript(sq._MIGRATIONS[v])
    db.execute("INSERT INTO meta VALUES('schema_version', '5')")
    db.commit()
    db.close()
    with pytest.raises(sq.StoreError, match=r"schema version 5 .*open it writable"):
        sq.SQLiteStore(path, readonly=True)
    with sq.SQLiteStore(path, create=False) as st:
        assert st.schema_version == sq.SCHEMA_VERSION
        with st.transaction():
            sid = _add(st, 3)
            st.put_layer_unions(LAYER, [(sid, WKB)])
    with sq.SQLiteStore(path, readonly=True) as st:
        assert set(st.layer_unions(LAYER, [sid])) == {sid}


# ------------------------------------------------------------------ real data
@pytest.mark.realdata
@pytest.mark.parametrize("workers", [1, 2])  # 2: dissolved (and drawn) in two threads after the parse
def test_ingest_stores_the_union_of_each_snapshots_parts(spread_history_files, any_store, workers):
    st = any_store
    service.ingest(st, "deepstate-history", spread_history_files, workers=workers, region_levels=0)
    sel = service.select(st)
    ids = [sid for sid, _, _ in sel.timeline]
    stored = st.layer_unions(sel.layer, ids)
    assert set(stored) == set(ids) and len(ids) == 3
    for sid in ids:
        parts = list(st.layer_parts(sid, sel.layer).values())
        reference = shapely.union_all(parts)
        union = shapely.from_wkb(stored[sid])
        assert union.is_valid
        assert _geod_km2(union) == pytest.approx(_geod_km2(reference), rel=1e-9)
        assert shapely.equals(union, reference)
    others = [k for k in st.source_layers(sel.source) if k != sel.layer]
    assert others and all(st.layer_unions(k, ids) == {} for k in others)  # the primary layer only


@pytest.mark.realdata
def test_derive_fills_old_stores_and_queries_fall_back_to_dissolving(spread_history_files, tmp_path, request):
    with_rows = make_store("sqlite", tmp_path, request)
    without = make_store("memory", tmp_path, request)
    try:
        service.ingest(with_rows, "deepstate-history", spread_history_files, workers=1)
        service.ingest(without, "deepstate-history", spread_history_files, workers=1, unions=False)
        sel = service.select(without)
        ids = [sid for sid, _, _ in sel.timeline]
        assert without.layer_unions(sel.layer, ids) == {}
        # Fallback: dissolved on the fly, the same geometry as the stored one; nothing written.
        version = without.data_version
        for sid, other in zip(ids, [s for s, _, _ in service.select(with_rows).timeline]):
            got = layer_union(without, sid, sel.layer)
            assert shapely.equals(got, shapely.from_wkb(with_rows.layer_unions(sel.layer, [other])[other]))
        times = [t.isoformat() for _, t, _ in sel.timeline]
        for inc in (False, True):
            a = service.change(with_rows, start=times[0], end=times[-1], by="oblast", include_redraws=inc).as_dict()
            b = service.change(without, start=times[0], end=times[-1], by="oblast", include_redraws=inc).as_dict()
            for key in ("gained_km2", "lost_km2", "net_km2"):
                assert a[key] == pytest.approx(b[key], abs=1e-6)
            assert [r["gained_km2"] for r in a["regions"]] == pytest.approx([r["gained_km2"] for r in b["regions"]],
                                                                             abs=1e-6)
        assert without.data_version == version  # queries never write
        summary = service.derive_store(without)
        assert summary["layer_unions"] == 3
        assert set(without.layer_unions(sel.layer, ids)) == set(ids)
        assert service.derive_store(without)["layer_unions"] == 0  # nothing left to fill
    finally:
        with_rows.close()
        without.close()
