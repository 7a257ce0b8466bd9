"""A second, made-up conflict with three sides, added without code through FRONTLINES_CONFLICTS.

The fixture (tests/fixtures/conflicts/tri, see its README) is ingested with the
``files`` adapter and measured through the CLI and the web API. Expected areas are
computed here independently: the fixture's polygons read with json + shapely and
measured with ``pyproj.Geod(ellps="WGS84").geometry_area_perimeter`` (geodesic
edges; the fixture's edges carry a vertex every 0.01°). Nothing of Ukraine's
definition may leak into any output.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, shape

from frontlines.cli import main
from frontlines.conflicts import ENV_VAR, ConflictRegistry, UnknownConflictError
from frontlines.errors import RegionError

FIXTURE = Path(__file__).parent / "fixtures" / "conflicts" / "tri"
GEOD = Geod(ellps="WGS84")
REL = 1e-4  # 0.01 %
SOURCE = "tri-maps"
#: Words of Ukraine's definition that must not appear in any output about "tri".
LEAKS = re.compile(r"oblast|raion|hromada|ukrain|russia|kyiv|putin", re.I)


# ----------------------------------------------------------------- reference figures
def _features(name: str) -> list[dict]:
    return json.loads((FIXTURE / name).read_text("utf-8"))["features"]


def _control(day: str) -> dict[str, shapely.Geometry]:
    return {f["properties"]["side"]: shape(f["geometry"]) for f in _features(f"maps/tri-{day}.geojson")}


def _regions(name: str) -> dict[str, shapely.Geometry]:
    return {f["properties"]["name"]: shape(f["geometry"]) for f in _features(name)}


def geod_km2(geom: shapely.Geometry) -> float:
    """Geodesic area (km²) of a (multi)polygon, summed over its parts, holes subtracted."""
    total = 0.0
    for part in shapely.get_parts(geom):
        if part.is_empty or part.area == 0:
            continue
        total += abs(GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(part))[0])
    return total / 1e6


def close(got: float, want: float) -> bool:
    return got == pytest.approx(want, rel=REL)


# -------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def env():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_VAR, str(FIXTURE))
        yield mp


@pytest.fixture(scope="module")
def store(env, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tri") / "tri.db"
    args = ["ingest", "files", str(FIXTURE / "maps"), "--store", str(path), "--source-name", SOURCE,
            "--conflict", "tri", "--date-from-name", r"(\d{4}-\d{2}-\d{2})", "--layer-field", "side",
            "--map", "north=north:control", "--map", "east=east:control", "--map", "west=west:control", "--json"]
    assert main(args) == 0
    return path


def run(capsys, *args: str) -> dict:
    capsys.readouterr()
    rc = main([*args, "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert not LEAKS.search(out.out), LEAKS.search(out.out)
    return json.loads(out.out)


# ----------------------------------------------------------------------------- tests
def test_registry_reads_the_fixture_from_the_environment(env) -> None:
    reg = ConflictRegistry.from_environment()
    assert {"tri", "ukraine"} <= set(reg.names())
    tri = reg.get("tri")
    assert tri.side_ids == ("north", "east", "west")
    assert tri.side("north").name() == "North" and "Queen Hild" in tri.side("north").names["en"]
    assert tri.level_kinds == ("province", "district")
    assert tri.opponent("north") is None and tri.opponents("north") == ("east", "west")
    with pytest.raises(UnknownConflictError, match="did you mean 'tri'"):
        reg.get("trii")
    provinces = reg.region_layer("tri", "provinces")
    assert provinces is reg.region_layer(tri, "province")  # read once per registry
    assert set(provinces.names) == {"Northmark", "Eastvale", "Westmoor"}
    districts = reg.region_layer(tri, "district")
    assert len(districts) == 6 and set(districts.parents) == {"P-N", "P-E", "P-W"}
    assert len(reg.gazetteer(tri)) == 20
    assert reg.outline(tri).bounds == (10.0, 50.0, 12.0, 51.0)
    with pytest.raises(RegionError, match="choose one of province, district"):
        reg.region_layer(tri, "oblast")
    # a registry without the variable does not know the conflict
    assert "tri" not in ConflictRegistry.with_paths([])


def test_snapshots_belong_to_tri(store, capsys) -> None:
    doc = run(capsys, "sources", "--store", str(store))
    text = json.dumps(doc)
    assert SOURCE in text
    snaps = run(capsys, "snapshots", "--store", str(store), "--source", SOURCE)
    rows = snaps["snapshots"] if isinstance(snaps, dict) else snaps
    assert len(rows) == 4 and {r["conflict"] for r in rows} == {"tri"}


def test_area_by_province(store, capsys) -> None:
    doc = run(capsys, "area", "--store", str(store), "--source", SOURCE, "--layer", "north:control",
              "--at", "2024-05-15", "--by", "province")
    north = _control("2024-05-01")["north"]
    assert close(doc["area_km2"], geod_km2(north))
    provinces = _regions("provinces.geojson")
    rows = {r["name"]: r for r in doc["regions"]}
    assert set(rows) == set(provinces) and doc["region_layer"] == "province"
    for name, poly in provinces.items():
        want = geod_km2(shapely.intersection(north, poly))
        assert rows[name]["area_km2"] == pytest.approx(want, rel=REL, abs=1e-3), name
        assert close(rows[name]["land_area_km2"], geod_km2(poly))
    assert rows["Westmoor"]["area_km2"] == pytest.approx(0.0, abs=1e-3)
    assert rows["Eastvale"]["area_km2"] > 300  # the May strip


def test_unknown_level_lists_the_conflicts_levels(store, capsys) -> None:
    capsys.readouterr()
    rc = main(["area", "--store", str(store), "--source", SOURCE, "--at", "2024-05-15", "--by", "oblast"])
    err = capsys.readouterr().err
    assert rc != 0 and "province, district" in re.sub(r"\s+", " ", err)


def test_change_by_district(store, capsys) -> None:
    doc = run(capsys, "change", "--store", str(store), "--source", SOURCE, "--layer", "east:control",
              "--from", "2024-05-15", "--to", "2024-06-15", "--by", "district")
    e2, e3 = _control("2024-05-01")["east"], _control("2024-06-01")["east"]
    lost = shapely.difference(e2, e3)
    assert close(doc["lost_km2"], geod_km2(lost))
    assert doc["gained_km2"] == pytest.approx(0.0, abs=1e-3)
    rows = {r["name"]: r for r in doc["regions"]}
    assert doc["region_layer"] == "district" and len(rows) == 6
    assert close(rows["Sunreach"]["lost_km2"], geod_km2(lost))  # lon 11..11.2 lies in Sunreach
    assert all(r["lost_km2"] == pytest.approx(0.0, abs=1e-3) for n, r in rows.items() if n != "Sunreach")


def test_change_depth_names_a_tri_place(store, capsys) -> None:
    doc = run(capsys, "change", "--store", str(store), "--source", SOURCE, "--layer", "north:control",
              "--from", "2024-04-15", "--to", "2024-05-15", "--depth")
    advance = doc["depth"]["advance"]
    # north pushed from lat 50.5 down to 50.4: 0.1° of latitude deep
    assert advance["max_km"] == pytest.approx(GEOD.inv(11.75, 50.5, 11.75, 50.4)[2] / 1000, rel=0.02)
    lon, lat = advance["deepest_point"]
    nearest = min(_places().items(), key=lambda kv: GEOD.inv(lon, lat, kv[1].x, kv[1].y)[2])
    assert advance["nearest_settlement"]["name"] == nearest[0]  # from tri's gazetteer


def test_series(store, capsys) -> None:
    doc = run(capsys, "series", "--store", str(store), "--source", SOURCE, "--layer", "north:control",
              "--from", "2024-04-01", "--to", "2024-07-31", "--freq", "month")
    text = json.dumps(doc)
    ctrl = {d: _control(d)["north"] for d in ("2024-04-01", "2024-05-01", "2024-06-01", "2024-07-01")}
    areas = [v for k, v in _walk(doc) if k in ("area_km2", "area_to_km2", "area_end_km2")]
    for day in ("2024-05-01", "2024-07-01"):
        want = geod_km2(ctrl[day])
        assert any(close(a, want) for a in areas), (day, want, text[:500])
    net = [v for k, v in _walk(doc) if k == "net_km2"]
    assert any(close(abs(n), geod_km2(shapely.difference(ctrl["2024-05-01"], ctrl["2024-04-01"]))) for n in net)


def _walk(doc):
    if isinstance(doc, dict):
        for k, v in doc.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                yield k, float(v)
            else:
                yield from _walk(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _walk(v)


def test_frontline(store, capsys) -> None:
    doc = run(capsys, "frontline", "--store", str(store), "--source", SOURCE, "--layer", "north:control",
              "--at", "2024-04-15")
    # north's only boundary inside the land is the parallel 50.5° from lon 10 to 12; the rest is the
    # outline, and the default 1 km tolerance drops 1 km of the line at each end (the land's border)
    lons = [10.0 + i * 0.01 for i in range(201)]
    want = GEOD.line_length(lons, [50.5] * len(lons)) / 1000 - 2 * 1.0
    assert doc["length_km"] == pytest.approx(want, rel=1e-3)


def test_settlements(store, capsys) -> None:
    doc = run(capsys, "settlements", "--store", str(store), "--source", SOURCE, "--layer", "north:control",
              "--from", "2024-04-15", "--to", "2024-05-15", "--limit", "0")
    north = {n: p for n, p in _places().items()}
    gained = sorted(n for n, p in north.items()
                    if _control("2024-05-01")["north"].intersects(p) and not _control("2024-04-01")["north"].intersects(p))
    got = sorted(r["name"] for r in doc["settlements"])
    assert got == gained and {"Borderton", "Ridgeway", "Larkspur"} <= set(got)
    row = next(r for r in doc["settlements"] if r["name"] == "Borderton")
    assert row["province"] == "Eastvale" and row["district"] == "Dawnford" and row["gained_by"] == "north"
    only = run(capsys, "settlements", "--store", str(store), "--source", SOURCE, "--layer", "west:control",
               "--at", "2024-06-15", "--region", "Sunreach district", "--limit", "0")
    assert sorted(r["name"] for r in only["settlements"]) == ["Ashford", "Greyhaven"]


def _places() -> dict[str, Point]:
    import csv

    with (FIXTURE / "places.csv").open(encoding="utf-8") as f:
        return {r["name"]: Point(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)}


def test_claim_about_north(store, capsys) -> None:
    strip = shapely.difference(_control("2024-05-01")["north"], _control("2024-04-01")["north"])
    km2 = geod_km2(strip)
    text = f"North forces captured about {round(km2):,} square kilometres over the past two weeks."
    doc = run(capsys, "check", "--store", str(store), "--text", text, "--published", "2024-05-10")
    (result,) = doc["claims"]
    assert result["claim"]["actor"] == "north" and result["claim"]["action"] == "gain"
    assert result["verdict"] == "supported", result["reason"]
    central = [r for rs in result["readings"].values() for r in rs if r["central"]]
    assert central and central[0]["layer"] == "north:control gained" and close(central[0]["value"], km2)
    # aliases, a forces word, a region of the first level, and a figure three times too big
    text = (f"Norland's Frost Guard seized {round(km2 * 3):,} square kilometres in the Eastvale province "
            "over the past two weeks, Queen Hild said.")
    (wrong,) = run(capsys, "check", "--store", str(store), "--text", text, "--published", "2024-05-10")["claims"]
    assert wrong["claim"]["actor"] == "north"
    assert wrong["claim"]["place"] == {"raw": "the Eastvale province", "region": "Eastvale", "kind": "province"}
    assert wrong["verdict"] not in ("supported", "unverifiable"), wrong["reason"]
    regional = [r for rs in wrong["readings"].values() for r in rs if r["central"] and r["region"]]
    assert regional and regional[0]["region"] == "province:P-E" and close(regional[0]["value"], km2)


def test_report_html(store, capsys, tmp_path) -> None:
    out = tmp_path / "tri.html"
    capsys.readouterr()
    assert main(["report", "--store", str(store), "--source", SOURCE, "--layer", "north:control",
                 "--from", "2024-04-15", "--to", "2024-07-15", "--out", str(out), "--region", "Northmark province"]) == 0
    html = re.sub(r"data:image/[^\"]+", "", out.read_text("utf-8"))  # base64 images may spell anything
    assert not LEAKS.search(html), LEAKS.search(html)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Northmark: North lost " in text  # a headline stating the finding, in plain words
    lost = geod_km2(shapely.difference(_control("2024-04-01")["north"], _control("2024-07-01")["north"]))
    assert f"No longer held by North {lost:,.1f} km²" in text  # three sides: no one side "retook" it
    assert "Within Northmark (province)" in text and "Districts of Northmark" in text and "Icefield" in text
    assert "Pinecross" in text  # the one place in the ground north lost


def test_web_api(store) -> None:
    from fastapi.testclient import TestClient

    from frontlines.web.app import create_app

    client = TestClient(create_app(store), base_url="http://127.0.0.1")
    r = client.get("/api/area", params={"at": "2024-05-15", "source": SOURCE, "layer": "north:control", "by": "province"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert not LEAKS.search(r.text)
    assert close(doc["area_km2"], geod_km2(_control("2024-05-01")["north"]))
    assert {x["name"] for x in doc["regions"]} == {"Northmark", "Eastvale", "Westmoor"}
    r = client.get("/api/change", params={"from": "2024-06-15", "to": "2024-07-15", "source": SOURCE,
                                          "layer": "east:control", "by": "district"})
    assert r.status_code == 200, r.text
    assert not LEAKS.search(r.text)
    e3, e4 = _control("2024-06-01")["east"], _control("2024-07-01")["east"]
    assert close(r.json()["gained_km2"], geod_km2(shapely.difference(e4, e3)))
    r = client.get("/api/area", params={"at": "2024-05-15", "source": SOURCE, "by": "oblast"})
    assert 400 <= r.status_code < 500 and "province" in r.text
    r = client.get("/api/settlements", params={"from": "2024-06-15", "to": "2024-07-15", "source": SOURCE,
                                               "layer": "east:control"})
    assert r.status_code == 200, r.text
    assert not LEAKS.search(r.text)
    assert {"Borderton", "Pinecross"} <= {s["name"] for s in r.json()["settlements"]}


def test_dates_are_what_the_file_names_say(store, capsys) -> None:
    doc = run(capsys, "area", "--store", str(store), "--source", SOURCE, "--layer", "west:control", "--at", "2024-06-02")
    assert doc["snapshot"]["published_at"].startswith("2024-06-01")
    assert dt.date.fromisoformat(doc["snapshot"]["published_at"][:10]) == dt.date(2024, 6, 1)


def test_files_refuses_an_unknown_conflict(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)  # without the variable "tri" is unknown
    capsys.readouterr()
    rc = main(["ingest", "files", str(FIXTURE / "maps" / "tri-2024-04-01.geojson"), "--store", str(tmp_path / "x.db"),
               "--conflict", "tri", "--date", "2024-04-01", "--layer", "north:control"])
    err = re.sub(r"\s+", " ", capsys.readouterr().err)
    assert rc == 1 and "unknown conflict 'tri'" in err and "FRONTLINES_CONFLICTS" in err


def test_misspelt_region_suggests_tri_names(store, capsys) -> None:
    capsys.readouterr()
    rc = main(["settlements", "--store", str(store), "--source", SOURCE, "--layer", "north:control",
               "--at", "2024-05-15", "--region", "Northmrak"])
    err = re.sub(r"\s+", " ", capsys.readouterr().err)
    assert rc == 1 and "did you mean 'Northmark'" in err and not LEAKS.search(err)


def test_definition_errors(tmp_path) -> None:
    from frontlines.conflicts import ConflictDefinitionError, read_definition

    text = (FIXTURE / "conflict.toml").read_text("utf-8")
    folder = tmp_path / "one-sided"
    folder.mkdir()
    for name in ("outline.geojson", "places.csv", "provinces.geojson", "districts.geojson"):
        (folder / name).write_bytes((FIXTURE / name).read_bytes())
    head, _, rest = text.partition("[[sides]]")
    # keep only the first side: a conflict needs two or more
    first_side = rest.split("[[sides]]")[0]
    levels = "[[levels]]" + text.split("[[levels]]", 1)[1]
    (folder / "conflict.toml").write_text(head + "[[sides]]" + first_side + levels, "utf-8")
    with pytest.raises(ConflictDefinitionError, match="needs two or more sides, has 1"):
        read_definition(folder)
    (folder / "conflict.toml").write_text(text.replace('file = "districts.geojson"', 'file = "nowhere.geojson"'), "utf-8")
    with pytest.raises(ConflictDefinitionError, match="no such file"):
        read_definition(folder)
    with pytest.raises(ConflictDefinitionError, match="no conflict.toml"):
        ConflictRegistry.with_paths([tmp_path / "empty"])
