"""HTTP API over a real store: every endpoint, bad parameters, the CLI's JSON."""

from __future__ import annotations

import orjson
import pytest
import shapely

from frontlines import service
from frontlines.cli import main as cli_main
from frontlines.core.geodesy import area_km2

from .conftest import BASE_URL

pytestmark = pytest.mark.realdata


def _json(r):  # noqa: ANN001, ANN202
    assert r.headers["content-type"].startswith(("application/json", "application/geo+json")), r.headers
    return r.json()


def test_health_and_openapi(client) -> None:
    h = _json(client.get("/api/health"))
    assert h["status"] == "ok" and h["snapshots"] > 100 and h["ingest_enabled"] is False
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/sources", "/api/snapshots", "/api/timeline", "/api/area", "/api/change", "/api/series",
              "/api/layer.geojson", "/api/change.geojson", "/api/regions", "/api/regions.geojson",
              "/api/places.geojson", "/api/ingest"):
        assert p in paths, p
    assert client.get("/docs").status_code == 200


def test_same_json_as_cli(client, base_store, capsys) -> None:
    for argv, url in [
        (["area", "--at", "2025-01-15", "--by", "oblast"], "/api/area?at=2025-01-15&by=oblast"),
        (["change", "--from", "2024-09-01", "--to", "2025-03-01"], "/api/change?from=2024-09-01&to=2025-03-01"),
        (["series", "--from", "2024-10-01", "--to", "2025-01-31", "--freq", "month"],
         "/api/series?from=2024-10-01&to=2025-01-31&freq=month"),
        (["sources"], "/api/sources"),
        (["snapshots"], "/api/snapshots"),
    ]:
        capsys.readouterr()
        assert cli_main([*argv, "--store", str(base_store), "--json"]) == 0
        cli_doc, http_doc = orjson.loads(capsys.readouterr().out), client.get(url).json()
        if argv == ["sources"]:  # the HTTP API names the store by its file name only
            assert http_doc["store"].pop("path") == base_store.name
            cli_doc["store"].pop("path")
        assert cli_doc == http_doc, argv


def test_area_change_series_match_api(client, base_store) -> None:
    st = service.open_reader(base_store)
    assert client.get("/api/area?at=2024-12-31&tz=Europe/Kyiv").json() == service.area(st, at="2024-12-31", tz="Europe/Kyiv").as_dict()
    doc = client.get("/api/change?from=2024-08-01&to=2025-05-01&by=oblast").json()
    assert doc == service.change(st, start="2024-08-01", end="2025-05-01", by="oblast").as_dict()
    redraw_net = doc["redraw_gained_km2"] - doc["redraw_lost_km2"]  # fighting + redraws = the map's change
    assert doc["gained_km2"] > 1000 and abs(doc["net_km2"] + redraw_net - (doc["area_to_km2"] - doc["area_from_km2"])) < 1
    s = client.get("/api/series?from=2024-08-01&to=2024-12-31&freq=week&layer=russia:control").json()
    assert s["freq"] == "week" and len(s["periods"]) >= 20


def test_snapshots_and_timeline(client) -> None:
    snaps = client.get("/api/snapshots").json()["snapshots"]
    tl = client.get("/api/timeline").json()
    assert len(snaps) == len(tl["snapshots"]) == tl["coverage"]["snapshots"]
    assert tl["snapshots"][0][1] == snaps[0]["map_time"]
    assert client.get("/api/snapshots?source=nope").status_code == 404


def test_layer_geojson_tolerance(client) -> None:
    exact = client.get("/api/layer.geojson?at=2025-01-01").json()
    coarse = client.get("/api/layer.geojson?at=2025-01-01&tolerance=2&units=km").json()
    deg = client.get("/api/layer.geojson?at=2025-01-01&tolerance=0.018&units=deg").json()
    f0, f1 = exact["features"][0], coarse["features"][0]
    assert f0["properties"]["area_km2"] == client.get("/api/area?at=2025-01-01").json()["area_km2"]
    g0, g1 = shapely.from_geojson(orjson.dumps(f0["geometry"])), shapely.from_geojson(orjson.dumps(f1["geometry"]))
    assert shapely.get_num_coordinates(g1) < shapely.get_num_coordinates(g0) / 2
    assert abs(area_km2(g1) - area_km2(g0)) / area_km2(g0) < 0.01
    assert abs(area_km2(g0) - f0["properties"]["area_km2"]) / f0["properties"]["area_km2"] < 1e-3
    assert deg["tolerance_deg"] == pytest.approx(0.018)
    src = client.get("/api/sources").json()["sources"][0]
    for layer in src["layers"]:
        other = client.get(f"/api/layer.geojson?at=2025-01-01&layer={layer}&tolerance=0.5").json()
        assert other["features"][0]["properties"]["layer"] == layer


def test_change_geojson(client) -> None:
    gj = client.get("/api/change.geojson?from=2024-09-01&to=2025-03-01&tolerance=0.1").json()
    kinds = {f["properties"]["kind"]: f for f in gj["features"]}
    doc = client.get("/api/change?from=2024-09-01&to=2025-03-01").json()
    assert gj["change"] == doc
    g = shapely.from_geojson(orjson.dumps(kinds["gained"]["geometry"]))
    assert kinds["gained"]["properties"]["area_km2"] == doc["gained_km2"]
    assert abs(area_km2(g) - doc["gained_km2"]) / doc["gained_km2"] < 0.02


def test_include_redraws_parameter(client) -> None:
    net = client.get("/api/change?from=2024-09-01&to=2025-03-01").json()
    raw = client.get("/api/change?from=2024-09-01&to=2025-03-01&include_redraws=true").json()
    assert net["redraws_excluded"] is True and raw["redraws_excluded"] is False
    assert net["gained_km2"] + net["redraw_gained_km2"] == pytest.approx(raw["gained_km2"], abs=0.01)
    assert net["lost_km2"] + net["redraw_lost_km2"] == pytest.approx(raw["lost_km2"], abs=0.01)
    series = client.get("/api/series?from=2024-09-01&to=2024-10-31&include_redraws=true").json()
    assert series["redraws_excluded"] is False and all("redraw_km2" in p for p in series["periods"])


def test_regions_and_places(client) -> None:
    regions = client.get("/api/regions?by=oblast").json()["regions"]
    assert len(regions) >= 25 and {"id", "name", "land_area_km2"} <= set(regions[0])
    gj = client.get("/api/regions.geojson?by=oblast&tolerance=1").json()
    assert len(gj["features"]) == len(regions)
    raion = client.get("/api/regions.geojson?by=raion&tolerance=2").json()
    assert all("parent" in f["properties"] for f in raion["features"])
    places = client.get("/api/places.geojson?bbox=37,47,39,49&min_population=20000&limit=50").json()
    assert 0 < len(places["features"]) <= 50
    for f in places["features"]:
        x, y = f["geometry"]["coordinates"]
        assert 37 <= x <= 39 and 47 <= y <= 49 and f["properties"]["population"] >= 20000
    names = {f["properties"]["name"] for f in places["features"]}
    assert "Kramatorsk" in names or "Mariupol" in names


@pytest.mark.parametrize(
    ("url", "status", "needle"),
    [
        ("/api/area?at=2001-01-01", 404, "no deepstate-daily snapshot"),
        ("/api/area?at=yesterday-ish", 422, "cannot read"),
        ("/api/area?at=2024-02-30", 422, "cannot read"),
        ("/api/area", 422, "at: Field required"),
        ("/api/area?at=2025-01-01&tz=Mars/Olympus", 422, "unknown time zone"),
        ("/api/area?at=2025-01-01&layer=russia:bogus", 422, "unknown layer status"),
        ("/api/area?at=2025-01-01&layer=ukraine:control", 422, "no layer"),
        ("/api/area?at=2025-01-01&source=isw", 404, "no source 'isw'"),
        ("/api/area?at=2025-01-01&by=county", 422, "choose one of oblast, raion, hromada"),
        ("/api/change?from=2025-01-01", 422, "to: Field required"),
        ("/api/change?from=2025-01-01&to=2024-01-01", 422, "before"),
        ("/api/series?from=2024-01-01&to=2025-01-01&freq=hour", 422, "freq"),
        ("/api/series?from=2020-01-01&to=2025-01-01&freq=day", 422, "periods"),
        ("/api/layer.geojson?at=2025-01-01&tolerance=-1", 422, "tolerance"),
        ("/api/layer.geojson?at=2025-01-01&tolerance=nan", 422, "tolerance"),
        ("/api/layer.geojson?at=2025-01-01&tolerance=500", 422, "too coarse"),
        ("/api/layer.geojson?at=2025-01-01&tolerance=1&units=miles", 422, "units"),
        ("/api/layer.geojson?at=2025-01-01&tolerance=abc", 422, "tolerance"),
        ("/api/regions.geojson?tolerance=0.9&units=deg", 422, "too coarse"),
        ("/api/places.geojson?bbox=1,2,3", 422, "four numbers"),
        ("/api/places.geojson?bbox=a,b,c,d", 422, "not four numbers"),
        ("/api/places.geojson?bbox=40,47,37,49", 422, "min must be below max"),
        ("/api/places.geojson?bbox=37,47,200,49", 422, "within"),
        ("/api/places.geojson?bbox=37,47,inf,49", 422, "finite"),
        ("/api/places.geojson?limit=0", 422, "limit"),
        ("/api/places.geojson?min_population=-5", 422, "min_population"),
        ("/api/nothing-here", 404, "Not Found"),
    ],
)
def test_bad_parameters(client, url: str, status: int, needle: str) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text
    body = r.json()
    assert needle.lower() in body["error"].lower(), body


def test_errors_do_not_leak_server_paths(client, base_store) -> None:
    body = client.get("/api/area?at=2025-01-01&source=isw").json()
    assert str(base_store.parent) not in body["error"]


def test_no_endpoint_reads_server_paths(client) -> None:
    # The CLI's --regions FILE has no HTTP counterpart: the parameter is ignored, never opened.
    r = client.get("/api/area?at=2025-01-01&regions=/etc/passwd&region_field=x")
    assert r.status_code == 200 and "regions" not in r.json()
    assert client.get("/static/../../../../etc/passwd").status_code == 404
    assert client.get("/static/%2e%2e/%2e%2e/app.py").status_code == 404


def test_dashboard_page_and_assets(client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "<title>frontlines</title>" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "https://" not in r.text  # everything is served by the app itself
    for path in ("/static/app.js", "/static/charts.js", "/static/app.css"):
        assert client.get(path).status_code == 200, path


def test_cache_follows_store_changes(store_copy, daily_split) -> None:
    from fastapi.testclient import TestClient

    from frontlines.web import create_app

    with TestClient(create_app(store_copy), base_url=BASE_URL) as c:
        before = c.get("/api/area?at=2026-12-31").json()
        assert c.get("/api/area?at=2026-12-31").json() == before  # cached
        st = service.open_writer(store_copy)
        service.ingest(st, "deepstate-daily", daily_split[1][:3])
        st.close()
        after = c.get("/api/area?at=2026-12-31").json()
        assert after["snapshot"]["id"] != before["snapshot"]["id"]


def test_claim_check_and_evidence(client) -> None:
    assert client.get("/api/health").json()["features"]["check"] is True  # claim checking is part of the product
    text = "Russian forces captured more than 1,500 square kilometres in Donetsk region in October 2024."
    r = client.post("/api/check", json={"text": text, "published": "2024-11-05"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["found"] and doc["claims"][0]["verdict"]
    ev = client.post("/api/evidence.geojson?tolerance=0.1", json=doc["claims"][0]).json()
    assert {f["properties"]["kind"] for f in ev["features"]} == {"gained", "lost"}
    assert client.post("/api/check", json={"text": ""}).status_code == 422
    assert client.post("/api/check", json={"text": "x", "published": "2024-02-31"}).status_code == 422
    assert client.post("/api/check", content=b"not json", headers={"content-type": "application/json"}).status_code == 422
    assert client.post("/api/evidence.geojson", json={"claim": 1}).status_code == 422


def test_change_depth(client) -> None:
    r = client.get("/api/change?from=2024-09-01&to=2025-03-01&depth=true")
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert "depth" in r.json()
    assert client.get("/api/change?from=2024-09-01&to=2025-03-01&depth=maybe").status_code == 422
