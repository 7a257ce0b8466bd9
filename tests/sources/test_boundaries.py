"""Shipped region layers, name look-ups, and reading users' region files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box

from frontlines.conflicts import default_registry
from frontlines.core.geodesy import area_km2
from frontlines.errors import RegionError
from frontlines.sources.boundaries import find_region, read_region_file

REGISTRY = default_registry()

# ---------------------------------------------------------------- shipped layers


def test_shipped_layers_have_ids_names_parents():
    oblasts = REGISTRY.region_layer("ukraine", "oblast")
    assert oblasts is REGISTRY.region_layer("ukraine", "oblasts")  # cached, alias
    assert set(oblasts.ids) == {
        "UA-05", "UA-07", "UA-09", "UA-12", "UA-14", "UA-18", "UA-21", "UA-23", "UA-26", "UA-30",
        "UA-32", "UA-35", "UA-40", "UA-43", "UA-46", "UA-48", "UA-51", "UA-53", "UA-56", "UA-59",
        "UA-61", "UA-63", "UA-65", "UA-68", "UA-71", "UA-74", "UA-77",
    }  # fmt: skip
    assert oblasts.names[oblasts.index("UA-14")] == "Donetsk"
    assert oblasts.local_names[oblasts.index("UA-14")] == "Донецька область"
    assert {"Crimea", "Kyiv City", "Sevastopol", "Kyiv"} <= set(oblasts.names)
    raions = REGISTRY.region_layer("ukraine", "raion")
    k = find_region(raions, "Kramatorsk Raion")
    assert raions.parents[k] == "UA-14" and raions.ids[k].startswith("UA14")
    hromadas = REGISTRY.region_layer("ukraine", "hromada")
    assert all(p in set(raions.ids) for p in hromadas.parents)
    assert REGISTRY.outline("ukraine").geom_type == "MultiPolygon"


def test_unknown_layer_kind():
    with pytest.raises(RegionError, match="unknown region level 'county' for conflict 'ukraine': choose one of oblast, raion, hromada"):
        REGISTRY.region_layer("ukraine", "county")


def test_kyiv_city_is_an_enclave_of_kyiv_oblast_and_land_only():
    oblasts = REGISTRY.region_layer("ukraine", "oblast")
    city = oblasts.geometries[oblasts.index("UA-30")]
    region = oblasts.geometries[oblasts.index("UA-32")]
    # the city fills the oblast's one hole exactly: together they have no hole and no overlap
    whole = shapely.coverage_union_all([region, city])
    assert sum(len(p.interiors) for p in shapely.get_parts(whole)) == 0
    assert area_km2(whole) == pytest.approx(area_km2(region) + area_km2(city), rel=1e-9)
    assert shapely.Polygon(max(shapely.get_parts(region), key=area_km2).exterior).contains(city)
    assert city.contains(shapely.Point(30.5238, 50.4547))  # Maidan
    # no sea: a point in the Sea of Azov and one off Odesa are outside every oblast
    for lon, lat in [(36.5, 46.3), (31.0, 46.3)]:
        assert not oblasts.tree.query(shapely.Point(lon, lat), predicate="intersects").size


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Donetsk", "Donetsk"), ("donetsk region", "Donetsk"), ("Donetsk Oblast", "Donetsk"),
        ("Donetska oblast", "Donetsk"), ("Донецька область", "Donetsk"), ("Донецкая область", "Donetsk"),
        ("ua-14", "Donetsk"), ("Kyiv", "Kyiv"), ("Kyiv City", "Kyiv City"), ("Київ", "Kyiv City"),
        ("Kiev", "Kyiv"), ("Odessa Oblast", "Odesa"), ("Zaporizka oblast", "Zaporizhzhia"),
        ("Autonomous Republic of Crimea", "Crimea"), ("Krym", "Crimea"), ("SEVASTOPOL", "Sevastopol"),
        ("Kharkov region", "Kharkiv"), ("Lugansk", "Luhansk"),
    ],
)  # fmt: skip
def test_find_region_forgiving(query, expected):
    oblasts = REGISTRY.region_layer("ukraine", "oblast")
    assert oblasts.names[find_region(oblasts, query, default_registry().get("ukraine"))] == expected


def test_find_region_errors():
    oblasts = REGISTRY.region_layer("ukraine", "oblast")
    with pytest.raises(RegionError, match=r"no region 'Donbas' in layer 'oblast'"):
        find_region(oblasts, "Donbas")
    with pytest.raises(RegionError, match=r"did you mean 'Kherson'"):
        find_region(oblasts, "Khersen")
    with pytest.raises(RegionError, match="empty region name"):
        find_region(oblasts, "  ")
    raions = REGISTRY.region_layer("ukraine", "raion")
    assert raions.names[find_region(raions, "Краматорський район")] == "Kramatorsk Raion"
    assert raions.names[find_region(raions, "pokrovsk district", default_registry().get("ukraine"))] == "Pokrovsk Raion"


# ------------------------------------------------------------------ user files


def _feature(geom, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}


def _write_geojson(path: Path, features: list[dict], crs: str | None = None) -> Path:
    fc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(fc))
    return path


def test_read_region_file_geojson(tmp_path):
    path = _write_geojson(tmp_path / "fronts.geojson", [
        _feature(box(37, 47, 38, 48), NAME="South", CODE="s"),
        _feature(box(37, 48, 38, 49), NAME="North", CODE="n"),
    ])  # fmt: skip
    layer = read_region_file(path, name_field="NAME", id_field="CODE")
    assert layer.name == "fronts" and layer.ids == ("s", "n") and layer.names == ("South", "North")
    assert layer.areas[0] == pytest.approx(area_km2(box(37, 47, 38, 48)), rel=1e-9)
    by_name = read_region_file(path, name_field="NAME")
    assert by_name.ids == ("South", "North")


def test_read_region_file_reprojects_projected_crs(tmp_path):
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    cells = [box(30, 48, 31, 49), box(31, 48, 32, 49)]
    merc = [shapely.transform(shapely.segmentize(c, 0.1), lambda xy: np.column_stack(to_merc.transform(xy[:, 0], xy[:, 1])))
            for c in cells]  # fmt: skip
    path = tmp_path / "merc.gpkg"
    pyogrio.raw.write(path, shapely.to_wkb(np.array(merc, dtype=object)), [np.array(["W", "E"], dtype=object)],
                      ["name"], geometry_type="Polygon", crs="EPSG:3857", driver="GPKG")  # fmt: skip
    layer = read_region_file(path, name_field="name")
    np.testing.assert_allclose(shapely.total_bounds(layer.geometries), [30, 48, 32, 49], atol=1e-9)
    # area on the ellipsoid, not the ~2.2x inflated Web Mercator area
    assert layer.areas[0] == pytest.approx(area_km2(shapely.segmentize(cells[0], 0.1)), rel=1e-6)


def test_missing_name_field_lists_fields(tmp_path):
    path = _write_geojson(tmp_path / "r.geojson", [_feature(box(30, 48, 31, 49), NAME_EN="A", pop=3)])
    with pytest.raises(RegionError, match=r"r\.geojson: no name field 'name' \(did you mean 'NAME_EN'\?\); "
                       r"available fields: NAME_EN, pop"):  # fmt: skip
        read_region_file(path, name_field="name")
    with pytest.raises(RegionError, match=r"r\.geojson: no id field 'id'"):
        read_region_file(path, name_field="NAME_EN", id_field="id")


def test_overlapping_polygons_rejected_naming_file(tmp_path):
    path = _write_geojson(tmp_path / "overlap.geojson", [
        _feature(box(30, 48, 31, 49), name="A"), _feature(box(30.9, 48, 32, 49), name="B"),
    ])  # fmt: skip
    with pytest.raises(RegionError, match=r"overlap\.geojson: 1 pair\(s\) of regions overlap: 'A' and 'B' share "
                       r"8\d\d\.\d+ km² \(10\.0 % of the smaller\)"):  # fmt: skip
        read_region_file(path, name_field="name")


def test_duplicate_names_without_id_field(tmp_path):
    path = _write_geojson(tmp_path / "dup.geojson", [
        _feature(box(30, 48, 31, 49), name="Novoselivka", k=1), _feature(box(31, 48, 32, 49), name="Novoselivka", k=2),
    ])  # fmt: skip
    with pytest.raises(RegionError, match=r"dup\.geojson: duplicate region names in field 'name' \(Novoselivka\): "
                       "pass id_field"):  # fmt: skip
        read_region_file(path, name_field="name")
    assert read_region_file(path, name_field="name", id_field="k").ids == ("1", "2")


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_projected_coordinates_without_crs(tmp_path):
    utm = [box(300_000, 5_300_000, 350_000, 5_350_000)]
    shp = tmp_path / "utm.shp"
    pyogrio.raw.write(shp, shapely.to_wkb(np.array(utm, dtype=object)), [np.array(["X"], dtype=object)],
                      ["name"], geometry_type="Polygon", crs=None, driver="ESRI Shapefile")  # fmt: skip
    assert not shp.with_suffix(".prj").exists()
    with pytest.raises(RegionError, match=r"utm\.shp: coordinates look projected \(x 300,000 \.\. 350,000, "
                       r"y 5,300,000 \.\. 5,350,000\) but the file has no CRS"):  # fmt: skip
        read_region_file(shp, name_field="name")
    # GeoJSON has no CRS of its own: out-of-range numbers contradict its implied WGS84
    gj = _write_geojson(tmp_path / "utm.geojson", [_feature(utm[0], name="X")])
    with pytest.raises(RegionError, match=r"utm\.geojson: .*coordinates look projected"):
        read_region_file(gj, name_field="name")


@pytest.mark.parametrize("content", [b"this is not a map\n", b"\x00\x01garbage\xff" * 20, b'{"type": "Feature'])
def test_garbage_file(tmp_path, content):
    path = tmp_path / "regions.geojson"
    path.write_bytes(content)
    with pytest.raises(RegionError, match=r"regions\.geojson: cannot read as a vector file"):
        read_region_file(path, name_field="name")


def test_missing_file_and_non_polygons(tmp_path):
    with pytest.raises(RegionError, match=r"nope\.gpkg: no such file"):
        read_region_file(tmp_path / "nope.gpkg", name_field="name")
    path = _write_geojson(tmp_path / "points.geojson", [_feature(shapely.Point(30, 48), name="P")])
    with pytest.raises(RegionError, match=r"points\.geojson: regions must be polygons, got Point for 'P'"):
        read_region_file(path, name_field="name")


def test_invalid_polygon_is_repaired(tmp_path):
    bowtie = shapely.Polygon([(30, 48), (31, 49), (31, 48), (30, 49)])
    path = _write_geojson(tmp_path / "bowtie.geojson", [_feature(bowtie, name="Bow")])
    layer = read_region_file(path, name_field="name")
    assert layer.geometries[0].is_valid
    assert layer.areas[0] == pytest.approx(area_km2(box(30, 48, 31, 49)) / 2, rel=2e-3)
