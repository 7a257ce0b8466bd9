"""The ``files`` adapter: any vector format, user-given dates and layers, reprojection, zip safety."""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import geopandas as gpd
import pyproj
import pytest
from shapely.geometry import Polygon, box

from frontlines.cli import main
from frontlines.core.geodesy import area_km2
from frontlines.model import LayerKey
from frontlines.sources import files as files_mod
from frontlines.sources._payloads import Limits
from frontlines.store import SQLiteStore
from tests.helpers import dump

CONTROL = LayerKey("russia", "control")
REGAINED = LayerKey("ukraine", "regained")
GEOD = pyproj.Geod(ellps="WGS84")


def _star(cx: float, cy: float, r: float, n: int = 400) -> list[tuple[float, float]]:
    return [
        (cx + r * (1 + 0.2 * math.sin(7 * t)) * math.cos(t), cy + 0.7 * r * (1 + 0.2 * math.sin(7 * t)) * math.sin(t))
        for t in (2 * math.pi * i / n for i in range(n))
    ]


#: An irregular 400-vertex polygon with a hole, a box elsewhere, and a feature of an unmapped class.
OCCUPIED = Polygon(_star(37.5, 48.0, 1.0), [_star(37.5, 48.0, 0.2, 60)[::-1]])
LIBERATED = box(34.0, 49.5, 35.0, 50.2)
WEIRD = box(30.0, 46.0, 30.2, 46.2)


def geod_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def frame(crs: int | None = 4326) -> gpd.GeoDataFrame:
    g = gpd.GeoDataFrame(
        {"status": ["occupied", "liberated", "weird"], "day": ["2024-05-01"] * 3},
        geometry=[OCCUPIED, LIBERATED, WEIRD],
        crs=4326,
    )
    if crs is None:
        return g
    return g.to_crs(crs)


def write(fmt: str, folder: Path, g: gpd.GeoDataFrame, stem: str = "map_20240501") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "geojson":
        p = folder / f"{stem}.geojson"
        g.to_file(p, driver="GeoJSON")
    elif fmt == "gpkg":
        p = folder / f"{stem}.gpkg"
        g.to_file(p, driver="GPKG")
    elif fmt == "fgb":
        p = folder / f"{stem}.fgb"
        g.to_file(p, driver="FlatGeobuf")
    elif fmt == "kml":
        p = folder / f"{stem}.kml"
        g.to_file(p, driver="KML")
    elif fmt == "kmz":
        kml = write("kml", folder / "kml", g, stem)
        p = folder / f"{stem}.kmz"
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(kml, "doc.kml")
    elif fmt == "shpzip":
        shp_dir = folder / "shp"
        shp_dir.mkdir()
        g.to_file(shp_dir / f"{stem}.shp", driver="ESRI Shapefile")
        p = folder / f"{stem}.zip"
        p.write_bytes(files_mod.zip_shapefile(shp_dir / f"{stem}.shp"))
    else:  # pragma: no cover
        raise AssertionError(fmt)
    return p


def cli(argv: list[str], capsys) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err



MAP = ["--layer-field", "status", "--map", "occupied=russia:control", "--map", "liberated=ukraine:regained"]


def layer_areas(store: Path) -> dict[LayerKey, float]:
    with SQLiteStore(store) as st:
        (info,) = st.snapshots()
        return {layer: st.layer_timeline(info.source, layer)[0][2] for layer in info.layers}


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "fgb", "kml", "kmz", "shpzip"])
def test_every_format_with_a_layer_mapping(fmt, tmp_path, capsys):
    src = write(fmt, tmp_path / "in", frame())
    store = tmp_path / "s.db"
    rc, out, err = cli(["ingest", "files", str(src), "--store", str(store), "--date", "2024-05-01", *MAP, "--json"], capsys)
    assert rc == 0, err
    report = json.loads(out)
    assert report["snapshots_added"] == 1
    assert report["unknown_classes"] == {"weird": 1}
    assert report["first"] == "2024-05-01T23:59:59Z"
    areas = layer_areas(store)
    assert set(areas) == {CONTROL, REGAINED}
    assert areas[CONTROL] == pytest.approx(geod_km2(OCCUPIED), rel=1e-4)
    assert areas[REGAINED] == pytest.approx(geod_km2(LIBERATED), rel=1e-4)
    with SQLiteStore(store) as st:
        info = st.snapshots()[0]
        assert info.source == "files"
        assert info.file_name == src.name
        assert st.get_payload(info.content_hash) == src.read_bytes()


def test_single_layer_for_every_feature(tmp_path, capsys):
    src = write("gpkg", tmp_path, frame())
    store = tmp_path / "s.db"
    rc, _, err = cli(["ingest", "files", str(src), "--store", str(store), "--date", "2024-05-01", "--layer", "russia:control"], capsys)
    assert rc == 0, err
    areas = layer_areas(store)
    assert list(areas) == [CONTROL]
    assert areas[CONTROL] == pytest.approx(geod_km2(OCCUPIED) + geod_km2(LIBERATED) + geod_km2(WEIRD), rel=1e-4)


def test_map_to_none_excludes_and_strict_rejects_unmapped_values(tmp_path, capsys):
    src = write("geojson", tmp_path, frame())
    store = tmp_path / "s.db"
    rc, out, err = cli(
        ["ingest", "files", str(src), "--store", str(store), "--date", "2024-05-01", *MAP, "--map", "weird=none", "--json"], capsys
    )
    assert rc == 0, err
    report = json.loads(out)
    assert report["excluded_classes"] == {"mapped to none": 1}
    assert report["unknown_classes"] == {}
    before = dump(store)
    rc, _, err = cli(["ingest", "files", str(src), "--store", str(store), "--date", "2024-05-02", *MAP, "--strict"], capsys)
    assert rc == 1
    assert str(src) in err and "unknown status values ['weird']" in err
    assert dump(store) == before


@pytest.mark.parametrize(
    ("args", "stem", "published"),
    [
        (["--date", "2024-05-01"], "map", "2024-05-01T23:59:59Z"),
        (["--date", "2024-05-01T06:30:00Z"], "map", "2024-05-01T06:30:00Z"),
        (["--date-field", "day"], "map", "2024-05-01T23:59:59Z"),
        (["--date-from-name", r"(\d{8})"], "occupied_20240502_v2", "2024-05-02T23:59:59Z"),
        (["--date-from-name", r"v(?P<version>\d)_(?P<date>\d{4}-\d{2}-\d{2})"], "map_v3_2024-05-03", "2024-05-03T23:59:59Z"),
        (["--date-from-name", r"\d{8}"], "x_20240504", "2024-05-04T23:59:59Z"),
    ],
)
def test_date_options(args, stem, published, tmp_path, capsys):
    src = write("geojson", tmp_path, frame(), stem=stem)
    rc, out, err = cli(["ingest", "files", str(src), "--store", str(tmp_path / "s.db"), *MAP, *args, "--json"], capsys)
    assert rc == 0, err
    assert json.loads(out)["first"] == published


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--layer", "russia:control"], "no date: give --date, --date-field or --date-from-name"),
        (["--layer", "russia:control", "--date-field", "when"], "no date field 'when'; fields are status, day"),
        (["--layer", "russia:control", "--date-from-name", r"(\d{6})-"], "does not match the file name"),
        (["--layer", "russia:control", "--date-from-name", r"(map)"], "cannot read a date from 'map'"),
        (["--layer", "russia:control", "--date", "2099-12-31"], "date 2099-12-31 is in the future"),
        (["--layer-field", "kind", "--date", "2024-05-01"], "no layer field 'kind'; fields are status, day"),
    ],
)
def test_date_and_field_errors_name_the_file(args, fragment, tmp_path, capsys):
    src = write("geojson", tmp_path, frame())
    rc, _, err = cli(["ingest", "files", str(src), "--store", str(tmp_path / "s.db"), *args], capsys)
    assert rc == 1
    assert len(err.strip().splitlines()) == 1
    assert str(src) in err and fragment in err, err


def test_date_field_with_several_dates_is_an_error(tmp_path, capsys):
    g = frame()
    g["day"] = ["2024-05-01", "2024-05-02", "2024-05-01"]
    src = write("gpkg", tmp_path, g)
    rc, _, err = cli(["ingest", "files", str(src), "--store", str(tmp_path / "s.db"), "--layer", "russia:control", "--date-field", "day"], capsys)
    assert rc == 1
    assert "date field 'day' must hold one date per file" in err and "2024-05-02" in err


# ------------------------------------------------------------------ reprojection
@pytest.mark.parametrize(("fmt", "epsg"), [("gpkg", 3857), ("gpkg", 32637), ("shpzip", 32636), ("geojson", 3857), ("fgb", 32637)])
def test_reprojected_input_has_the_lonlat_area(fmt, epsg, tmp_path, capsys):
    ref_dir, proj_dir = tmp_path / "ref", tmp_path / "proj"
    ref = write(fmt, ref_dir, frame())
    src = write(fmt, proj_dir, frame(epsg))
    areas = {}
    for name, path in (("ref", ref), ("proj", src)):
        store = tmp_path / f"{name}.db"
        rc, _, err = cli(["ingest", "files", str(path), "--store", str(store), "--date", "2024-05-01", *MAP], capsys)
        assert rc == 0, err
        areas[name] = layer_areas(store)
    for layer, geom in ((CONTROL, OCCUPIED), (REGAINED, LIBERATED)):
        reference = geod_km2(geom)
        assert areas["proj"][layer] == pytest.approx(reference, rel=1e-4)
        assert areas["proj"][layer] == pytest.approx(areas["ref"][layer], rel=1e-4)
        assert area_km2(geom) == pytest.approx(reference, rel=1e-4)
    # without reprojection Web Mercator would overstate the area by about 120 % at 48 N
    if epsg == 3857:
        assert frame(3857).geometry.iloc[0].area / 1e6 > 2 * areas["proj"][CONTROL]


@pytest.mark.parametrize("fmt", ["gpkg", "shpzip"])
def test_metres_without_crs_look_projected(fmt, tmp_path, capsys):
    g = frame(32637).set_crs(None, allow_override=True)
    src = write(fmt, tmp_path, g)
    if fmt == "shpzip":
        with zipfile.ZipFile(src) as zf:
            assert not any(n.endswith(".prj") for n in zf.namelist())
    store = tmp_path / "s.db"
    rc, _, err = cli(["ingest", "files", str(src), "--store", str(store), "--date", "2024-05-01", "--layer", "russia:control"], capsys)
    assert rc == 1
    assert str(src) in err and "feature 0: coordinates look projected" in err


def test_unclosed_ring_is_a_clear_error_before_gdal_reads_it(tmp_path, capsys):
    ring = [[30, 48], [31, 48], [31, 49], [30, 49]]
    src = tmp_path / "open.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}},
    ]}))
    rc, _, err = cli(["ingest", "files", str(src), "--store", str(tmp_path / "s.db"), "--date", "2024-05-01", "--layer", "russia:control"], capsys)
    assert rc == 1
    assert f"{src} feature 1: geometry.coordinates[0] is not closed" in err


def test_bowtie_in_gpkg_is_repaired_and_strict_rejects_it(tmp_path, capsys):
    bowtie = Polygon([(30, 48), (31, 49), (31, 48), (30, 49), (30, 48)])
    g = gpd.GeoDataFrame({"status": ["occupied"]}, geometry=[bowtie], crs=4326)
    src = write("gpkg", tmp_path, g)
    store = tmp_path / "s.db"
    rc, out, err = cli(["ingest", "files", str(src), "--store", str(store), "--date", "2024-05-01", "--layer", "russia:control", "--json"], capsys)
    assert rc == 0, err
    assert json.loads(out)["geometries_repaired"] == 1
    assert layer_areas(store)[CONTROL] == pytest.approx(area_km2(box(30, 48, 31, 49)) / 2, rel=0.01)
    rc, _, err = cli(["ingest", "files", str(src), "--store", str(store), "--date", "2024-05-02", "--layer", "russia:control", "--strict"], capsys)
    assert rc == 1 and "invalid geometries (--strict)" in err and "feature 0" in err


def test_same_file_twice_is_one_snapshot(tmp_path, capsys):
    src = write("gpkg", tmp_path, frame())
    store = tmp_path / "s.db"
    args = ["ingest", "files", str(src), "--store", str(store), "--date", "2024-05-01", *MAP, "--json"]
    assert json.loads(cli(args, capsys)[1])["snapshots_added"] == 1
    before = dump(store)
    again = json.loads(cli(args, capsys)[1])
    assert (again["snapshots_added"], again["duplicates_skipped"]) == (0, 1)
    assert dump(store) == before


# ------------------------------------------------------------------ archives
def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


KML = (
    b'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
    b"<Polygon><outerBoundaryIs><LinearRing><coordinates>30,48 31,48 31,49 30,49 30,48</coordinates>"
    b"</LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"
)


def test_handwritten_kmz_is_read(tmp_path, capsys):
    src = tmp_path / "a.kmz"
    src.write_bytes(_zip({"doc.kml": KML}))
    store = tmp_path / "s.db"
    rc, _, err = cli(["ingest", "files", str(src), "--store", str(store), "--date", "2024-05-01", "--layer", "russia:control"], capsys)
    assert rc == 0, err
    assert layer_areas(store)[CONTROL] == pytest.approx(geod_km2(box(30, 48, 31, 49)), rel=1e-4)


@pytest.mark.parametrize(
    ("members", "fragment"),
    [
        ({"doc.kml": KML, "../evil.kml": KML}, "unsafe path '../evil.kml' in archive"),
        ({"/etc/evil.kml": KML}, "unsafe path '/etc/evil.kml' in archive"),
        ({"files/../../evil.kml": KML}, "unsafe path 'files/../../evil.kml'"),
        ({"C:evil.kml": KML}, "unsafe path 'C:evil.kml'"),
    ],
)
def test_kmz_with_unsafe_member_path(members, fragment, tmp_path, capsys):
    src = tmp_path / "evil.kmz"
    src.write_bytes(_zip(members))
    rc, _, err = cli(["ingest", "files", str(src), "--store", str(tmp_path / "s.db"), "--date", "2024-05-01", "--layer", "russia:control"], capsys)
    assert rc == 1
    assert str(src) in err and fragment in err


def test_zip_bomb_member_is_too_large(tmp_path, capsys):
    src = tmp_path / "bomb.kmz"
    src.write_bytes(_zip({"doc.kml": b"\0" * 12_000_000}))
    assert src.stat().st_size < 50_000
    rc, _, err = cli(["ingest", "files", str(src), "--store", str(tmp_path / "s.db"), "--date", "2024-05-01", "--layer", "russia:control"], capsys)
    assert rc == 1
    assert str(src) in err and "member 'doc.kml' expands" in err and "zip bomb" in err


def test_oversize_archive_and_too_many_members(tmp_path, monkeypatch):
    from frontlines.errors import InputTooLargeError

    data = _zip({"doc.kml": KML, "big.bin": b"x" * 5000}, zipfile.ZIP_STORED)
    with pytest.raises(InputTooLargeError, match=r"a\.kmz: archive expands to 5,\d+ bytes \(limit 4,000\)"):
        files_mod.check_zip(data, name="a.kmz", limits=Limits(total_bytes=4000))
    many = _zip({f"m{i}.kml": KML for i in range(4)})
    with pytest.raises(InputTooLargeError, match=r"b\.kmz: archive has 4 members \(limit 3\)"):
        files_mod.check_zip(many, name="b.kmz", limits=Limits(zip_members=3))
    files_mod.check_zip(_zip({f"m{i}.kml": KML for i in range(3)}), name="ok.kmz", limits=Limits(zip_members=3))


def test_corrupt_zip_and_non_vector_files(tmp_path, capsys):
    store = tmp_path / "s.db"
    for name, data, fragment in [
        ("broken.kmz", b"PK\x03\x04 not really a zip", "corrupt zip/KMZ archive"),
        ("notes.geojson", b"hello world", "cannot read as a vector file"),
        ("half.geojson", b'{"type": "FeatureCollection", "features": [{"type": ', "cannot read as a vector file"),
        ("empty.geojson", b'{"type": "FeatureCollection", "features": []}', "the file holds no features"),
    ]:
        src = tmp_path / name
        src.write_bytes(data)
        rc, _, err = cli(["ingest", "files", str(src), "--store", str(store), "--date", "2024-05-01", "--layer", "russia:control"], capsys)
        assert rc == 1, name
        assert len(err.strip().splitlines()) == 1 and str(src) in err and fragment in err, err
