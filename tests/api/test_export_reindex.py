"""Export formats, reindex and user region layers on a small real store."""

from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from shapely.geometry import box, mapping

from frontlines import service
from frontlines.core.geodesy import area_km2
from frontlines.errors import RegionError
from frontlines.service.export import export
from frontlines.service.reindex import reindex


@pytest.fixture(scope="module")
def small_store(tmp_path_factory, deepstate_daily_dir):
    folder = tmp_path_factory.mktemp("daily10")
    for p in sorted(deepstate_daily_dir.glob("deepstatemap_data_202501*.geojson"))[:10]:
        (folder / p.name).symlink_to(p)
    store = service.open_writer(tmp_path_factory.mktemp("s") / "s.db")
    service.ingest(store, "deepstate-daily", [folder])
    return store


@pytest.mark.parametrize("fmt", ["gpkg", "parquet", "geojson", "csv"])
def test_export_round_trips_areas(small_store, tmp_path, fmt) -> None:
    out = tmp_path / f"x.{fmt}"
    n = export(small_store, fmt=fmt, out=out)
    assert n == 10
    areas = {s["id"]: s for s in service.snapshots(small_store)}
    timeline = {sid: a for sid, _, a in service.select(small_store).timeline}
    if fmt == "csv":
        rows = list(csv.DictReader(out.open()))
        assert [float(r["area_km2"]) for r in rows] == pytest.approx([timeline[int(r["snapshot_id"])] for r in rows])
        return
    if fmt == "geojson":
        feats = json.loads(out.read_text())["features"]
        geoms = [shapely.geometry.shape(f["geometry"]) for f in feats]
        ids = [f["properties"]["snapshot_id"] for f in feats]
    elif fmt == "gpkg":
        meta, _, wkb, fields = pyogrio.raw.read(out)
        geoms = list(shapely.from_wkb(wkb))
        ids = [int(v) for v in fields[meta["fields"].tolist().index("snapshot_id")]]
        assert meta["crs"] == "EPSG:4326"
    else:
        table = pq.read_table(out)
        assert json.loads(table.schema.metadata[b"geo"])["primary_column"] == "geometry"
        geoms = list(shapely.from_wkb(table["geometry"].to_pylist()))
        ids = table["snapshot_id"].to_pylist()
    for sid, geom in zip(ids, geoms):
        assert area_km2(geom) == pytest.approx(timeline[sid], rel=1e-6)
    assert set(ids) == set(areas)


def test_reindex_rebuilds_the_same_figures(small_store, tmp_path) -> None:
    store = service.open_writer(small_store.backup(tmp_path / "copy.db"))
    before = [a for _, _, a in service.select(store).timeline]
    result = reindex(store, everything=True)
    assert result == {"snapshots": 10, "reread": 10, "unchanged": 0, "areas_changed": 0}
    after = [a for _, _, a in service.select(store).timeline]
    assert after == pytest.approx(before, abs=1e-6)


def test_user_region_file(small_store, tmp_path) -> None:
    # Two hand-made sectors splitting the Donbas at 38.0 E
    west, east = box(36.0, 47.0, 38.0, 49.5), box(38.0, 47.0, 40.5, 49.5)
    path = tmp_path / "sectors.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"sector": "west"}, "geometry": mapping(west)},
        {"type": "Feature", "properties": {"sector": "east"}, "geometry": mapping(east)},
    ]}))
    doc = service.area(small_store, at="2025-01-05", regions=path, region_field="sector").as_dict()
    info, held = service.layer_geometry(small_store, at="2025-01-05")
    expected = {n: area_km2(shapely.intersection(held, g)) for n, g in (("west", west), ("east", east))}
    got = {r["name"]: r["area_km2"] for r in doc["regions"]}
    assert got["west"] == pytest.approx(expected["west"], rel=1e-4)
    assert got["east"] == pytest.approx(expected["east"], rel=1e-4)
    with pytest.raises(RegionError, match="sectors.geojson"):
        service.area(small_store, at="2025-01-05", regions=path, region_field="nope").as_dict()
