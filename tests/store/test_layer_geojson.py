"""The stored display GeoJSON of each snapshot's layer (schema 10, ``layer_geojson``), on every backend.

Round trip, replace and cascade of the store rows; migration of a version-9 SQLite store; the
rows an ingest and ``derive_store`` write on real data: their geometry checked against the
snapshot's parts dissolved with ``shapely.union_all`` and simplified with shapely alone (not
with the program's display code), its area against ``pyproj.Geod``; and the web answer is the
same body whether the row is stored or the layer simplified on the fly.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pyproj
import pytest
import shapely
from fastapi.testclient import TestClient

from frontlines import service
from frontlines.model import LayerKey
from frontlines.store import sqlite as sq
from frontlines.web.app import create_app
from tests.helpers import apply_migrations
from tests.store.conftest import make_store
from tests.store.test_store_contract import LAYER, _add

GEOD = pyproj.Geod(ellps="WGS84")
TOL_KM = 0.3


def _geod_km2(geom) -> float:
    """Ellipsoidal area of a lon/lat (multi)polygon from pyproj, each polygon oriented counter-clockwise first."""
    return sum(GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(p, 1.0))[0]
               for p in shapely.get_parts(geom)) / 1e6


# ------------------------------------------------------------------ store rows
def test_layer_geojson_rows_round_trip_replace_and_cascade(any_store):
    st = any_store
    with st.transaction():
        a, b = _add(st, 1), _add(st, 2)
    assert st.layer_geojsons(LAYER, 300, [a, b]) == {}  # nothing stored yet
    with st.transaction():
        st.put_layer_geojsons(LAYER, 300, [(a, b"first"), (b, b"second")])
        st.put_layer_geojsons(LAYER, 1000, [(a, b"coarse")])
    version = st.data_version
    assert st.layer_geojsons(LAYER, 300, [a, b, 999]) == {a: b"first", b: b"second"}  # only stored ids
    assert st.layer_geojsons(LAYER, 1000, [a, b]) == {a: b"coarse"}  # per tolerance
    assert st.layer_geojsons(LayerKey("ukraine", "control"), 300, [a, b]) == {}  # per layer key
    with st.transaction():
        st.put_layer_geojsons(LAYER, 300, [(b, b"replaced")])
    assert st.data_version == version + 1
    assert st.layer_geojsons(LAYER, 300, [b]) == {b: b"replaced"}
    with st.transaction():
        st.delete_snapshot(a)
    assert st.layer_geojsons(LAYER, 300, [a, b]) == {b: b"replaced"}  # deleted with its snapshot
    assert st.layer_geojsons(LAYER, 1000, [a]) == {}


def test_version_9_store_is_migrated_to_the_layer_geojson_table(tmp_path) -> None:
    path = tmp_path / "v9.db"
    db = sqlite3.connect(path)
    apply_migrations(db, 1, 9)
    db.execute("INSERT INTO meta VALUES('schema_version', '9')")
    db.commit()
    db.close()
    with pytest.raises(sq.StoreError, match=r"schema version 9 .*open it writable"):
        sq.SQLiteStore(path, readonly=True)
    with sq.SQLiteStore(path, create=False) as st:
        assert st.schema_version == sq.SCHEMA_VERSION
        with st.transaction():
            sid = _add(st, 3)
            st.put_layer_geojsons(LAYER, 300, [(sid, b"x")])
    with sq.SQLiteStore(path, readonly=True) as st:
        assert st.layer_geojsons(LAYER, 300, [sid]) == {sid: b"x"}


# ------------------------------------------------------------------ real data
def _layer_bodies(path: Path, times: list[str]) -> list[bytes]:
    with TestClient(create_app(path), base_url="http://127.0.0.1") as client:
        out = []
        for at in times:
            r = client.get("/api/layer.geojson", params={"at": at, "tolerance": str(TOL_KM)})
            assert r.status_code == 200
            out.append(r.content)
        return out


@pytest.mark.realdata
def test_ingest_stores_the_display_geojson_and_the_web_sends_the_same_body(spread_history_files, tmp_path, request):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with_rows = make_store("sqlite", tmp_path / "a", request)
    without = make_store("sqlite", tmp_path / "b", request)
    try:
        service.ingest(with_rows, "deepstate-history", spread_history_files, workers=1, region_levels=0)
        service.ingest(without, "deepstate-history", spread_history_files, workers=1, region_levels=0, unions=False)
        sel = service.select(with_rows)
        ids = [sid for sid, _, _ in sel.timeline]
        stored = with_rows.layer_geojsons(sel.layer, 300, ids)
        assert set(stored) == set(ids) and len(ids) == 3
        others = [k for k in with_rows.source_layers(sel.source) if k != sel.layer]
        assert others and all(with_rows.layer_geojsons(k, 300, ids) == {} for k in others)  # the primary layer only
        assert without.layer_geojsons(sel.layer, 300, ids) == {}
        times = [t.isoformat() for _, t, _ in sel.timeline]
        for sid, at in zip(ids, times):
            found = service.layer_geojson_text(with_rows, at=at, tolerance_m=300)
            assert found is not None and found[0].id == sid
            served = shapely.from_geojson(found[1])
            # the reference: the stored dissolved layer (the union of the parts: tests/store/test_layer_unions.py)
            # simplified with shapely alone, unrounded (simplification depends on where rings start: the
            # same union is simplified)
            parts = list(with_rows.layer_parts(sid, sel.layer).values())
            union = shapely.from_wkb(with_rows.layer_unions(sel.layer, [sid])[sid])
            assert shapely.equals(union, shapely.union_all(parts))
            reference = shapely.make_valid(shapely.simplify(union, TOL_KM / 111.32, preserve_topology=True))
            assert served.is_valid
            # rounding to 1e-6 degrees moves each vertex by < 1e-6 degrees: the ground moves within a strip
            # of that width along the boundary
            assert shapely.area(shapely.symmetric_difference(served, reference)) < 1e-6 * reference.boundary.length
            assert _geod_km2(served) == pytest.approx(_geod_km2(shapely.union_all(parts)), rel=2e-3)
        # a copy carries the rows (ids mapped); the store without them gives a copy without them
        for origin, expected in ((with_rows, stored), (without, {})):
            copied = make_store("memory", tmp_path, request)
            service.copy_store(origin, copied)
            csel = service.select(copied)
            assert sorted(copied.layer_geojsons(csel.layer, 300, [sid for sid, _, _ in csel.timeline]).values()) == \
                sorted(expected.values())
    finally:
        with_rows.close()
        without.close()
    # the web answer: byte-identical whether the row is read or the layer simplified on the fly
    assert _layer_bodies(tmp_path / "a" / "s.db", times) == _layer_bodies(tmp_path / "b" / "s.db", times)
    # derive fills the store that has none; a second derive has nothing left to write
    with service.open_writer(tmp_path / "b" / "s.db") as st:
        assert service.derive_store(st)["layer_geojson"] == 3
        assert service.derive_store(st)["layer_geojson"] == 0
    bodies = _layer_bodies(tmp_path / "b" / "s.db", times)
    assert bodies == _layer_bodies(tmp_path / "a" / "s.db", times)
    assert all(orjson.loads(b)["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon") for b in bodies)


def test_only_the_exact_stored_tolerance_in_km_reads_a_stored_row() -> None:
    assert service.stored_tolerance_m(0.3, "km") == 300
    assert service.stored_tolerance_m(0.30000001, "km") is None
    assert service.stored_tolerance_m(0.3, "deg") is None
    assert service.stored_tolerance_m(0.0, "km") is None
    # the stored tolerance in degrees is the float the web API computes from tolerance=0.3&units=km
    from frontlines.service.layer_geojson import tolerance_m_degrees
    from frontlines.web.geo import tolerance_degrees
    assert tolerance_m_degrees(300) == tolerance_degrees(float("0.3"), "km")
