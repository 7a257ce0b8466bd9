"""Bad input through the real command line: one error line naming the file, exit 1, store untouched.

Every case starts from a store that already holds one good snapshot and compares a
dump of every table before and after the failed ingest.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Polygon

from frontlines.cli import main
from frontlines.core.geodesy import area_km2
from frontlines.store import SQLiteStore
from tests.helpers import dump

SQUARE = [[30.0, 48.0], [31.0, 48.0], [31.0, 49.0], [30.0, 49.0], [30.0, 48.0]]


def fc(*rings: list, props: dict | None = None) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": dict(props or {}), "geometry": {"type": "Polygon", "coordinates": [r]}}
            for r in rings
        ],
    }


def good_bytes(shift: float = 0.0) -> bytes:
    ring = [[x + shift, y] for x, y in SQUARE]
    return json.dumps(fc(ring)).encode()



def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A store holding one good deepstate-daily snapshot."""
    src = tmp_path / "good" / "deepstatemap_data_20240401.geojson"
    src.parent.mkdir()
    src.write_bytes(good_bytes())
    path = tmp_path / "store.db"
    rc, _, err = cli(["ingest", "deepstate-daily", str(src), "--store", str(path)], capsys)
    assert rc == 0, err
    return path


def assert_one_line_error(rc: int, err: str, *fragments: str) -> None:
    assert rc == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    for f in fragments:
        assert f in lines[0], (f, lines[0])


def _features(*feats: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(feats)}).encode()


def _corrupt_gzip() -> bytes:
    gz = bytearray(gzip.compress(good_bytes()))
    gz[20:30] = b"\xff" * 10  # damage the deflate stream
    return bytes(gz)


# (file name, bytes, message fragments)
DAILY_CASES = {
    "malformed": (
        "deepstatemap_data_20240501.geojson",
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": , "properties": {}}]}',
        ["malformed JSON", "column 76"],
    ),
    "truncated": ("deepstatemap_data_20240501.geojson", good_bytes()[:100], ["malformed JSON (file looks truncated)"]),
    "empty-file": ("deepstatemap_data_20240501.geojson", b"  \n", ["file is empty"]),
    "truncated-gzip": (
        "deepstatemap_data_20240501.geojson.gz",
        gzip.compress(good_bytes())[:40],
        ["corrupt or truncated gzip data"],
    ),
    "corrupt-gzip": ("deepstatemap_data_20240501.geojson.gz", _corrupt_gzip(), ["corrupt or truncated gzip data"]),
    "empty-collection": (
        "deepstatemap_data_20240501.geojson",
        b'{"type": "FeatureCollection", "features": []}',
        ["the FeatureCollection is empty"],
    ),
    "not-an-object": ("deepstatemap_data_20240501.geojson", b"[1, 2, 3]", ["expected a GeoJSON object, found list"]),
    "topology": (
        "deepstatemap_data_20240501.geojson",
        b'{"type": "Topology", "objects": {}}',
        ["not a GeoJSON FeatureCollection (type='Topology')"],
    ),
    "feature-not-object": (
        "deepstatemap_data_20240501.geojson",
        b'{"type": "FeatureCollection", "features": [42]}',
        ["feature 0 is not an object"],
    ),
    "properties-not-object": (
        "deepstatemap_data_20240501.geojson",
        _features({"type": "Feature", "properties": [1, 2], "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}),
        ["feature 0 has properties of type list, not an object"],
    ),
    "geometry-not-object": (
        "deepstatemap_data_20240501.geojson",
        _features({"type": "Feature", "properties": {}, "geometry": [SQUARE]}),
        ["feature 0 has unsupported geometry type None"],
    ),
    "unsupported-geometry": (
        "deepstatemap_data_20240501.geojson",
        _features({"type": "Feature", "properties": {}, "geometry": {"type": "Sphere", "coordinates": [0, 0]}}),
        ["feature 0 has unsupported geometry type 'Sphere'"],
    ),
    "unclosed-ring": (
        "deepstatemap_data_20240501.geojson",
        json.dumps(fc(SQUARE, SQUARE[:-1])).encode(),
        ["feature 1: geometry.coordinates[0] is not closed"],
    ),
    "coordinates-as-text": (
        "deepstatemap_data_20240501.geojson",
        _features({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": "30 48"}}),
        ["feature 0: geometry.coordinates is a str, not a list of rings"],
    ),
    "longitude-out-of-range": (
        "deepstatemap_data_20240501.geojson",
        json.dumps(fc([[190, 48], [191, 48], [191, 49], [190, 48]])).encode(),
        ["feature 0: coordinates outside [-180, 180] x [-90, 90]", "190.0000"],
    ),
    "latitude-out-of-range": (
        "deepstatemap_data_20240501.geojson",
        json.dumps(fc([[30, 89], [31, 89], [31, 95], [30, 89]])).encode(),
        ["coordinates outside [-180, 180] x [-90, 90]", "95.0000"],
    ),
    "projected-metres": (
        "deepstatemap_data_20240501.geojson",
        json.dumps(fc([[3339584, 6106854], [3450904, 6106854], [3450904, 6274861], [3339584, 6106854]])).encode(),
        ["feature 0: coordinates look projected", "6,274,861"],
    ),
    "no-date": ("deepstatemap_data.geojson", good_bytes(), ["no date in the file name"]),
    "impossible-date": ("deepstatemap_data_20241341.geojson", good_bytes(), ["invalid date '20241341'"]),
    "future-date": ("deepstatemap_data_20990101.geojson", good_bytes(), ["date 2099-01-01 is in the future"]),
}


@pytest.mark.parametrize("case", sorted(DAILY_CASES))
def test_bad_daily_file_is_one_error_line_and_store_unchanged(case, store, tmp_path, capsys):
    name, data, fragments = DAILY_CASES[case]
    bad = tmp_path / "in" / name
    bad.parent.mkdir()
    bad.write_bytes(data)
    before = dump(store)
    rc, out, err = cli(["ingest", "deepstate-daily", str(bad), "--store", str(store)], capsys)
    assert_one_line_error(rc, err, str(bad), *fragments)
    assert "Traceback" not in err and out.strip() == ""
    assert dump(store) == before


def test_malformed_json_in_the_middle_is_not_called_truncated(tmp_path, capsys, store):
    bad = tmp_path / "deepstatemap_data_20240501.geojson"
    bad.write_bytes(b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": , "properties": {}}]}')
    rc, _, err = cli(["ingest", "deepstate-daily", str(bad), "--store", str(store)], capsys)
    assert rc == 1 and "malformed JSON" in err and "truncated" not in err


def test_history_file_without_unix_time_or_in_future(tmp_path, capsys, store):
    before = dump(store)
    nodate = tmp_path / "snapshot.geojson"
    nodate.write_bytes(good_bytes())
    rc, _, err = cli(["ingest", "deepstate-history", str(nodate), "--store", str(store)], capsys)
    assert_one_line_error(rc, err, str(nodate), "no Unix time in the file name")
    future = tmp_path / "4102444800.geojson"  # 2100-01-01
    future.write_bytes(good_bytes())
    rc, _, err = cli(["ingest", "deepstate-history", str(future), "--store", str(store)], capsys)
    assert_one_line_error(rc, err, str(future), "date 2100-01-01 is in the future")
    assert dump(store) == before


def test_isw_unknown_layer_name_is_an_error(tmp_path, capsys, store):
    before = dump(store)
    bad = tmp_path / "20220901_RussianImaginedControl.geojson"
    bad.write_bytes(good_bytes())
    rc, _, err = cli(["ingest", "isw", str(bad), "--store", str(store)], capsys)
    assert_one_line_error(rc, err, str(bad), "unknown ISW layer 'RussianImaginedControl'", "RussianAssessedCoTinUkraine")
    odd = tmp_path / "assessed.geojson"
    odd.write_bytes(good_bytes())
    rc, _, err = cli(["ingest", "isw", str(odd), "--store", str(store)], capsys)
    assert_one_line_error(rc, err, str(odd), "file name is not YYYYMMDD_<Layer>.geojson")
    assert dump(store) == before


def _nzz(features: list[tuple[str, str | None]]) -> bytes:
    out = []
    for i, (kind, dateto) in enumerate(features):
        props = {"type": kind, "_datefrom": "2022-08-01"}
        if dateto:
            props["_dateto"] = dateto
        ring = [[x + i, y] for x, y in SQUARE]
        out.append({"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return json.dumps({"value": {"type": "FeatureCollection", "features": out}}).encode()


@pytest.mark.parametrize(
    ("features", "fragment"),
    [
        ([("nochange", None)], "no _dateto in any feature"),
        ([("nochange", "2099-03-01")], "date 2099-03-01 is in the future"),
        ([("nochange", "soon")], "unreadable _dateto ['soon']"),
        ([("losses", "2022-08-05")], "no nochange or gains polygons"),
    ],
)
def test_nzz_bad_files(features, fragment, tmp_path, capsys, store):
    before = dump(store)
    bad = tmp_path / "nzz_2022-08-05.json"
    bad.write_bytes(_nzz(features))
    rc, _, err = cli(["ingest", "nzz", str(bad), "--store", str(store)], capsys)
    assert_one_line_error(rc, err, str(bad), fragment)
    assert dump(store) == before


@pytest.mark.parametrize(
    ("feature", "fragment"),
    [
        (None, "feature 1 is not an object"),
        ({"type": "Feature", "properties": "gains", "geometry": None}, "feature 1 has properties of type str, not an object"),
    ],
)
def test_nzz_feature_of_the_wrong_shape(feature, fragment, tmp_path, capsys, store):
    before = dump(store)
    bad = tmp_path / "nzz_2022-08-05.json"
    doc = json.loads(_nzz([("nochange", "2022-08-05")]))
    doc["value"]["features"].append(feature)
    bad.write_text(json.dumps(doc))
    rc, _, err = cli(["ingest", "nzz", str(bad), "--store", str(store)], capsys)
    assert_one_line_error(rc, err, str(bad), fragment)
    assert dump(store) == before


def test_unreadable_file_is_one_error_line(tmp_path, capsys, store, monkeypatch):
    f = tmp_path / "deepstatemap_data_20240501.geojson"
    f.write_bytes(good_bytes())
    import os

    real = os.open

    def denied(path, *args, **kwargs):  # root may read anything: simulate a file it may not open
        if Path(path) == f:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    rc, _, err = cli(["ingest", "deepstate-daily", str(f), "--store", str(store)], capsys)
    assert_one_line_error(rc, err, str(f), "cannot read (Permission denied)")


def test_deepstate_class_name_that_is_not_text_is_unknown(tmp_path, capsys):
    f = tmp_path / "1714521600.geojson"  # 2024-05-01
    feats = fc(SQUARE, [[x + 2, y] for x, y in SQUARE], [[x + 4, y] for x, y in SQUARE])
    feats["features"][0]["properties"] = {"name": "Окуповано /// Occupied"}
    feats["features"][1]["properties"] = {"name": 23}
    feats["features"][2]["properties"] = {"name": ["Окуповано"]}
    f.write_text(json.dumps(feats))
    rc, out, err = cli(["ingest", "deepstate-history", str(f), "--store", str(tmp_path / "s.db"), "--json"], capsys)
    assert rc == 0, err
    assert json.loads(out)["unknown_classes"] == {"(name of type int: 23)": 1, "(name of type list: ['Окуповано'])": 1}
    with SQLiteStore(tmp_path / "s.db") as st:
        (_, _, area), = st.layer_timeline("deepstate-history", st.snapshots()[0].primary)
    assert area == pytest.approx(area_km2(Polygon(SQUARE)), rel=1e-6)


def test_nzz_unknown_type_is_counted_not_measured(tmp_path, capsys):
    f = tmp_path / "nzz_2022-08-05.json"
    f.write_bytes(_nzz([("nochange", "2022-08-05"), ("mystery", "2022-08-05")]))
    rc, out, err = cli(["ingest", "nzz", str(f), "--store", str(tmp_path / "s.db"), "--json"], capsys)
    assert rc == 0, err
    report = json.loads(out)
    assert report["unknown_classes"] == {"type='mystery'": 1}
    with SQLiteStore(tmp_path / "s.db") as st:
        (_, _, area), = st.layer_timeline("nzz", st.snapshots()[0].primary)
    assert area == pytest.approx(area_km2(Polygon(SQUARE)), rel=1e-6)


def test_deepstate_unknown_class_names_are_reported_and_not_measured(tmp_path, capsys):
    f = tmp_path / "1714521600.geojson"  # 2024-05-01
    feats = fc(SQUARE, [[x + 2, y] for x, y in SQUARE])
    feats["features"][0]["properties"] = {"name": "Окуповано /// Occupied"}
    feats["features"][1]["properties"] = {"name": "Багатокутник 23"}
    f.write_text(json.dumps(feats))
    rc, out, err = cli(["ingest", "deepstate-history", str(f), "--store", str(tmp_path / "s.db"), "--json"], capsys)
    assert rc == 0, err
    assert json.loads(out)["unknown_classes"] == {"Багатокутник 23": 1}
    with SQLiteStore(tmp_path / "s.db") as st:
        info = st.snapshots()[0]
        (_, _, area), = st.layer_timeline("deepstate-history", info.primary)
    assert info.notes["unknown_classes"] == {"Багатокутник 23": 1}
    assert area == pytest.approx(area_km2(Polygon(SQUARE)), rel=1e-6)


def test_files_adapter_without_layer_is_an_error(tmp_path, capsys, store):
    before = dump(store)
    f = tmp_path / "map.geojson"
    f.write_bytes(good_bytes())
    rc, _, err = cli(["ingest", "files", str(f), "--date", "2024-05-01", "--store", str(store)], capsys)
    assert_one_line_error(rc, err, str(f), "say which layer the features are (--layer SIDE:STATUS or --layer-field)")
    assert dump(store) == before


# ------------------------------------------------------------------ one bad file in a folder
@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("bad_index", [2, 4])
def test_one_bad_file_in_a_folder_adds_none_of_them(workers, bad_index, tmp_path, capsys, store):
    folder = tmp_path / "five"
    folder.mkdir()
    names = []
    for i in range(5):
        p = folder / f"deepstatemap_data_2024050{i + 1}.geojson"
        p.write_bytes(good_bytes(shift=0.01 * i) if i != bad_index else good_bytes()[:-7])
        names.append(p)
    before = dump(store)
    rc, _, err = cli(["ingest", "deepstate-daily", str(folder), "--store", str(store), "--workers", workers], capsys)
    assert_one_line_error(rc, err, str(names[bad_index]), "malformed JSON")
    assert dump(store) == before
    with SQLiteStore(store) as st:
        assert len(st.snapshots()) == 1
    # the same folder without the bad file goes in whole
    names[bad_index].unlink()
    rc, out, err = cli(["ingest", "deepstate-daily", str(folder), "--store", str(store), "--json", "--workers", workers], capsys)
    assert rc == 0, err
    assert json.loads(out)["snapshots_added"] == 4


# ------------------------------------------------------------------ repairable geometry
BOWTIE = [[30, 48], [31, 49], [31, 48], [30, 49], [30, 48]]
# a ring that touches itself: vertex (31, 48) lies on the edge (30, 48)-(32, 48)
SELF_TOUCHING = [[30, 48], [32, 48], [32, 50], [31, 48], [30, 50], [30, 48]]


@pytest.mark.parametrize(
    ("ring", "reason"), [(BOWTIE, "Self-intersection"), (SELF_TOUCHING, "Ring Self-intersection")]
)
def test_repairable_geometry_is_repaired_and_counted(ring, reason, tmp_path, capsys):
    f = tmp_path / "deepstatemap_data_20240501.geojson"
    f.write_text(json.dumps(fc(ring)))
    s = tmp_path / "s.db"
    rc, out, err = cli(["ingest", "deepstate-daily", str(f), "--store", str(s), "--json"], capsys)
    assert rc == 0, err
    report = json.loads(out)
    assert report["geometries_repaired"] == 1
    assert report["snapshots_added"] == 1
    expected = area_km2(shapely.make_valid(Polygon(ring), method="structure"))
    with SQLiteStore(s) as st:
        info = st.snapshots()[0]
        (_, _, area), = st.layer_timeline("deepstate-daily", info.primary)
    assert info.notes["repaired"] == 1
    assert reason in info.notes["repair_details"][0]
    assert area == pytest.approx(expected, rel=1e-6)
    assert area > 1000  # the repair kept the area, not a sliver


def test_bowtie_repair_keeps_both_lobes(tmp_path, capsys):
    f = tmp_path / "deepstatemap_data_20240501.geojson"
    f.write_text(json.dumps(fc(BOWTIE)))
    s = tmp_path / "s.db"
    assert cli(["ingest", "deepstate-daily", str(f), "--store", str(s)], capsys)[0] == 0
    with SQLiteStore(s) as st:
        (_, _, area), = st.layer_timeline("deepstate-daily", st.snapshots()[0].primary)
    # two triangles, each a quarter of the 1x1 degree square
    assert area == pytest.approx(area_km2(Polygon(SQUARE)) / 2, rel=0.01)


@pytest.mark.parametrize("ring", [BOWTIE, SELF_TOUCHING])
def test_strict_turns_repair_into_error(ring, tmp_path, capsys, store):
    f = tmp_path / "deepstatemap_data_20240501.geojson"
    f.write_text(json.dumps(fc(SQUARE, ring)))
    before = dump(store)
    rc, _, err = cli(["ingest", "deepstate-daily", str(f), "--store", str(store), "--strict"], capsys)
    assert_one_line_error(rc, err, str(f), "1 invalid geometries (--strict)", "feature 1")
    assert dump(store) == before


def test_repairs_counted_across_files(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"deepstatemap_data_2024050{i + 1}.geojson").write_text(
            json.dumps(fc(*[[[x + 2 * k + 0.01 * i, y] for x, y in BOWTIE] for k in range(i + 1)]))
        )
    rc, out, err = cli(["ingest", "deepstate-daily", str(folder), "--store", str(tmp_path / "s.db"), "--json"], capsys)
    assert rc == 0, err
    assert json.loads(out)["geometries_repaired"] == 1 + 2 + 3


def test_collapsed_ring_is_dropped_as_a_repair_and_strict_rejects_it(tmp_path, capsys):
    """A closed ring of three positions has no area: counted as repaired, measured as 0; alone, the map has no area."""
    f = tmp_path / "deepstatemap_data_20240501.geojson"
    f.write_text(json.dumps(fc(SQUARE, [[32, 48], [33, 48], [32, 48]])))
    s = tmp_path / "s.db"
    rc, out, err = cli(["ingest", "deepstate-daily", str(f), "--store", str(s), "--json"], capsys)
    assert rc == 0, err
    assert json.loads(out)["geometries_repaired"] == 1
    with SQLiteStore(s) as st:
        info = st.snapshots()[0]
        (_, _, area), = st.layer_timeline("deepstate-daily", info.primary)
    assert area == pytest.approx(area_km2(Polygon(SQUARE)), rel=1e-9)
    assert "Too few points" in info.notes["repair_details"][0]
    before = dump(s)
    f2 = tmp_path / "deepstatemap_data_20240502.geojson"
    f2.write_bytes(f.read_bytes())
    rc, _, err = cli(["ingest", "deepstate-daily", str(f2), "--store", str(s), "--strict"], capsys)
    assert_one_line_error(rc, err, str(f2), "invalid geometries (--strict)", "Too few points")
    f3 = tmp_path / "deepstatemap_data_20240503.geojson"
    f3.write_text(json.dumps(fc([[32, 48], [33, 48], [32, 48]])))
    rc, _, err = cli(["ingest", "deepstate-daily", str(f3), "--store", str(s)], capsys)
    assert_one_line_error(rc, err, str(f3), "the map holds no area")
    assert dump(s) == before


@pytest.mark.parametrize(
    ("crs", "fragment"),
    [("EPSG:999999", "cannot reproject from 'EPSG:999999'"), ("EPSG:32636", "Point outside of projection domain")],
)
def test_files_crs_that_cannot_be_used_is_a_coordinate_error(crs, fragment):
    """An unknown CRS, or points outside its domain, are CoordinateErrors naming the file, not pyproj tracebacks."""
    import numpy as np

    from frontlines.errors import CoordinateError
    from frontlines.sources.files import _to_lonlat

    far = np.array([shapely.Point(1e30, 1e30)])
    with pytest.raises(CoordinateError, match="in.gpkg: ") as info:
        _to_lonlat(far, crs, name="in.gpkg")
    assert fragment in str(info.value)
    assert info.value.field == "crs" and info.value.value == crs


def test_errors_carry_the_file_and_field():
    """Callers read the context from attributes, not by parsing the message."""
    from frontlines.errors import SourceFormatError
    from frontlines.sources._geojson import features_of, properties_of
    from frontlines.sources._payloads import load_json

    with pytest.raises(SourceFormatError) as info:
        load_json(b"{", name="a.geojson")
    assert (info.value.path, info.value.field) == ("a.geojson", None)
    with pytest.raises(SourceFormatError) as info:
        properties_of({"properties": [1]}, 3, name="a.geojson")
    assert (info.value.path, info.value.field, info.value.value) == ("a.geojson", "features[3].properties", [1])
    with pytest.raises(SourceFormatError) as info:
        features_of({"type": "Topology"}, name="b.json")
    assert (info.value.path, info.value.field, info.value.value) == ("b.json", "type", "Topology")


def test_files_adapter_on_a_table_without_geometry(tmp_path, capsys, store):
    """A store file (SQLite, no geometry column) given to ``ingest files``: one error line, not a TypeError."""
    other = tmp_path / "other.gpkg"
    other.write_bytes(store.read_bytes())
    before = dump(store)
    rc, _, err = cli(["ingest", "files", str(other), "--layer", "russia:control", "--date", "2024-05-01",
                      "--store", str(store)], capsys)
    assert_one_line_error(rc, err, str(other))
    assert f"{other}: cannot read as a vector file: not GeoJSON, GeoPackage" in err  # SQLite but not a GeoPackage
    assert dump(store) == before
