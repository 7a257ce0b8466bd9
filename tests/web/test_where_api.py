"""HTTP API of the front line and settlements: the CLI's JSON, GeoJSON tolerance, bad parameters."""

from __future__ import annotations

import orjson
import pytest
import shapely

from frontlines.cli import main as cli_main
from frontlines.core.geodesy import WGS84

pytestmark = pytest.mark.realdata


def _cli(capsys, base_store, argv: list[str]) -> dict:  # noqa: ANN001
    capsys.readouterr()
    assert cli_main([*argv, "--store", str(base_store), "--json"]) == 0
    return orjson.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("argv", "url"),
    [
        (["frontline", "--at", "2025-03-01"], "/api/frontline?at=2025-03-01"),
        (["frontline", "--at", "2024-11-15", "--contested", "inner", "--tolerance-km", "2.5"],
         "/api/frontline?at=2024-11-15&mode=inner&tolerance_km=2.5"),
        (["frontline", "--at", "2025-01-10T12:00", "--tz", "Europe/Kyiv", "--contested", "both"],
         "/api/frontline?at=2025-01-10T12:00&tz=Europe/Kyiv&mode=both"),
        (["settlements", "--at", "2025-03-01", "--min-population", "20000"],
         "/api/settlements?at=2025-03-01&min_population=20000"),
        (["settlements", "--from", "2024-10-01", "--to", "2024-12-01"], "/api/settlements?from=2024-10-01&to=2024-12-01"),
        (["settlements", "--from", "2024-08-01", "--to", "2025-02-01", "--region", "Donetsk", "--min-population", "500"],
         "/api/settlements?from=2024-08-01&to=2025-02-01&region=Donetsk&min_population=500"),
        (["settlements", "--at", "2025-01-01", "--region", "oblast:UA-14"], "/api/settlements?at=2025-01-01&region=oblast:UA-14"),
        (["change", "--from", "2024-09-01", "--to", "2025-03-01", "--depth"], "/api/change?from=2024-09-01&to=2025-03-01&depth=true"),
        (["change", "--from", "2024-12-01", "--to", "2025-02-01", "--depth", "--by", "oblast"],
         "/api/change?from=2024-12-01&to=2025-02-01&depth=true&by=oblast"),
    ],
)
def test_same_json_as_cli(client, base_store, capsys, argv: list[str], url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.json() == _cli(capsys, base_store, argv)


def test_frontline(client) -> None:
    doc = client.get("/api/frontline?at=2025-03-01").json()
    assert set(doc) >= {"source", "layer", "at", "snapshot", "length_km", "mode", "tolerance_km", "parts"}
    assert "geometry" not in doc
    assert 800 < doc["length_km"] < 2500 and doc["mode"] == "outer" and doc["tolerance_km"] == 1.0
    inner = client.get("/api/frontline?at=2025-03-01&mode=inner").json()
    assert inner["mode"] == "inner" and inner["length_km"] > 0
    assert client.get("/api/frontline?at=2025-03-01&tolerance_km=0").json()["tolerance_km"] == 0.0


def test_frontline_geojson(client) -> None:
    doc = client.get("/api/frontline?at=2025-03-01").json()
    exact = client.get("/api/frontline.geojson?at=2025-03-01")
    assert exact.headers["content-type"].startswith("application/geo+json")
    exact = exact.json()
    coarse = client.get("/api/frontline.geojson?at=2025-03-01&tolerance=2&units=km").json()
    assert exact["frontline"] == doc == coarse["frontline"]
    (f0,), (f1,) = exact["features"], coarse["features"]
    assert f0["properties"]["length_km"] == doc["length_km"] and f0["properties"]["kind"] == "frontline"
    g0, g1 = (shapely.from_geojson(orjson.dumps(f["geometry"])) for f in (f0, f1))
    assert g0.geom_type in ("LineString", "MultiLineString")
    assert coarse["tolerance_deg"] == pytest.approx(2 / 111.32)
    assert shapely.get_num_coordinates(g1) < shapely.get_num_coordinates(g0) / 2
    km0, km1 = WGS84.geometry_length(g0) / 1000, WGS84.geometry_length(g1) / 1000
    assert abs(km0 - doc["length_km"]) / doc["length_km"] < 1e-3  # unsimplified: the measured line
    assert 0.7 * km0 < km1 <= km0  # simplified for display: shorter (the measured length is in the properties)
    # Any point of the simplified line lies within the tolerance of the exact one.
    pts = shapely.points(shapely.get_coordinates(g1))
    assert float(shapely.distance(pts, g0).max()) <= 2 / 111.32 * 1.01


def test_settlements(client) -> None:
    at = client.get("/api/settlements?at=2025-03-01&min_population=1000").json()
    assert at["counts"]["control"] == sum(r["status"] == "control" for r in at["settlements"]) > 50
    assert all(r["population"] >= 1000 for r in at["settlements"])
    assert {"Donetsk", "Mariupol"} <= {r["name"] for r in at["settlements"]}
    ch = client.get("/api/settlements?from=2024-08-01&to=2025-02-01").json()
    assert ch["count"] == len(ch["settlements"]) == sum(ch["transitions"].values()) > 20
    pops = [r["population"] for r in ch["settlements"]]
    assert pops == sorted(pops, reverse=True)
    names = {r["name"] for r in ch["settlements"]}
    assert "Vuhledar" in names or "Selydove" in names
    donetsk = client.get("/api/settlements?from=2024-08-01&to=2025-02-01&region=Donetsk").json()
    assert 0 < donetsk["count"] <= ch["count"] and all(r["oblast"] == "Donetsk" for r in donetsk["settlements"])


def test_places_status_matches_settlements(client) -> None:
    doc = client.get("/api/settlements?at=2025-03-01&min_population=20000").json()
    status = {(r["lon"], r["lat"], r["name"]): r["status"] for r in doc["settlements"]}
    gj = client.get("/api/places.geojson?bbox=36,46.5,40,49.5&min_population=20000&limit=300&at=2025-03-01").json()
    assert gj["status"]["counts"] == client.get("/api/settlements?at=2025-03-01").json()["counts"]
    seen = {"control": 0, "none": 0}
    for f in gj["features"]:
        lon, lat = f["geometry"]["coordinates"]
        expect = status.get((lon, lat, f["properties"]["name"]), "none")
        assert f["properties"]["status"] == expect, f["properties"]
        seen[expect] = seen.get(expect, 0) + 1
    assert seen["control"] >= 5 and seen["none"] >= 5
    assert "status" not in client.get("/api/places.geojson?bbox=36,46.5,40,49.5&limit=5").json()["features"][0]["properties"]


def test_openapi_lists_where_endpoints(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/frontline", "/api/frontline.geojson", "/api/settlements"):
        assert p in paths, p
    assert {p["name"] for p in paths["/api/settlements"]["get"]["parameters"]} >= {"from", "to", "at", "min_population", "region"}
    h = client.get("/api/health").json()
    assert h["features"]["frontline"] and h["features"]["settlements"]


@pytest.mark.parametrize(
    ("url", "status", "needle"),
    [
        ("/api/frontline", 422, "at: Field required"),
        ("/api/frontline?at=2025-03-01&mode=middle", 422, "mode"),
        ("/api/frontline?at=2025-03-01&tolerance_km=-1", 422, "tolerance_km"),
        ("/api/frontline?at=2025-03-01&tolerance_km=nan", 422, "tolerance_km"),
        ("/api/frontline?at=2025-03-01&tolerance_km=inf", 422, "tolerance_km"),
        ("/api/frontline?at=2025-03-01&tolerance_km=51", 422, "tolerance_km"),
        ("/api/frontline?at=2025-03-01&tolerance_km=abc", 422, "tolerance_km"),
        ("/api/frontline?at=2001-01-01", 404, "no deepstate-daily snapshot"),
        ("/api/frontline?at=2025-02-30", 422, "cannot read"),
        ("/api/frontline?at=2025-03-01&source=isw", 404, "no source 'isw'"),
        ("/api/frontline?at=2025-03-01&layer=russia:bogus", 422, "unknown layer status"),
        ("/api/frontline?at=2025-03-01&tz=Mars/Olympus", 422, "unknown time zone"),
        ("/api/frontline.geojson?at=2025-03-01&tolerance=-1", 422, "tolerance"),
        ("/api/frontline.geojson?at=2025-03-01&tolerance=60", 422, "too coarse"),
        ("/api/frontline.geojson?at=2025-03-01&units=miles", 422, "units"),
        ("/api/frontline.geojson?at=2025-03-01&mode=none", 422, "mode"),
        ("/api/frontline.geojson?at=2025-03-01&tolerance_km=-2", 422, "tolerance_km"),
        ("/api/settlements", 422, "give at, or both from and to"),
        ("/api/settlements?from=2025-01-01", 422, "to is missing"),
        ("/api/settlements?to=2025-01-01", 422, "from is missing"),
        ("/api/settlements?at=2025-01-01&from=2024-01-01", 422, "not both"),
        ("/api/settlements?from=2025-01-01&to=2024-01-01", 422, "before"),
        ("/api/settlements?from=2025-03-01&to=2025-01-01", 422, "before"),
        ("/api/settlements?from=2025-03-01&to=2025-03-0x", 422, "cannot read"),
        ("/api/settlements?at=2025-01-01&min_population=-1", 422, "min_population"),
        ("/api/settlements?at=2025-01-01&min_population=many", 422, "min_population"),
        ("/api/settlements?at=2025-01-01&region=Atlantis", 422, "unknown region"),
        ("/api/settlements?at=2025-01-01&region=" + "x" * 300, 422, "region"),
        ("/api/settlements?at=2001-01-01", 404, "no deepstate-daily snapshot"),
        ("/api/settlements?at=2025-01-01&layer=ukraine:regained", 422, ""),
        ("/api/places.geojson?at=someday", 422, "cannot read"),
        ("/api/change?from=2024-09-01&to=2025-03-01&depth=maybe", 422, "depth"),
    ],
)
def test_bad_parameters(client, url: str, status: int, needle: str) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text
    assert needle.lower() in r.json()["error"].lower(), r.json()


def test_change_depth(client) -> None:
    doc = client.get("/api/change?from=2024-09-01&to=2025-03-01&depth=true").json()
    plain = client.get("/api/change?from=2024-09-01&to=2025-03-01").json()
    assert doc.pop("depth")["frontline_km"]["to"] == client.get("/api/frontline?at=2025-03-01").json()["length_km"]
    assert doc == plain
