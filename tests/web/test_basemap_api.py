"""``/api/basemap.geojson``: the dashboard's offline basemap, from the conflict definition."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frontlines import service
from frontlines.web import create_app

from .conftest import BASE_URL


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory):
    path: Path = tmp_path_factory.mktemp("basemap") / "demo.db"
    st = service.open_writer(path)
    service.ingest_demo(st)
    st.close()
    with TestClient(create_app(path), base_url=BASE_URL) as c:
        yield c


def _names(doc: dict, layer: str) -> set[str]:
    return {f["properties"]["name"] for f in doc["features"] if f["properties"]["layer"] == layer}


def test_basemap_layers_names_and_sides(demo_client) -> None:
    r = demo_client.get("/api/basemap.geojson?tolerance=0.5")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    assert doc["conflict"] == "ukraine" and doc["sides"] == {"ukraine": "Ukraine", "russia": "Russia"}
    assert "Natural Earth" in doc["attribution"]
    countries = [f["properties"] for f in doc["features"] if f["properties"]["layer"] == "country"]
    assert [c["name"] for c in countries if c["home"]] == ["Ukraine"]
    assert {"Russia", "Belarus", "Moldova", "Poland"} <= {c["name"] for c in countries if not c["home"]}
    russia = next(c for c in countries if c["name"] == "Russia")
    assert all(20 <= x <= 42 and 43 <= y <= 54 for x, y in russia["inner_points"])  # labels inside the basemap's box
    assert {"Black Sea", "Sea of Azov", "Kakhovka Reservoir"} <= _names(doc, "water")
    assert {"Dnipro", "Siverskyi Donets", "Oskil"} <= _names(doc, "river")
    kak = next(f["properties"] for f in doc["features"] if f["properties"]["name"] == "Kakhovka Reservoir")
    assert kak["until"] == "2023-06-06"


def test_basemap_water_as_on_a_date(demo_client) -> None:
    before = demo_client.get("/api/basemap.geojson?at=2023-06-01").json()
    after = demo_client.get("/api/basemap.geojson?at=2023-06-20").json()
    assert "Kakhovka Reservoir" in _names(before, "water")
    assert "Kakhovka Reservoir" not in _names(after, "water")
    assert _names(before, "water") - _names(after, "water") == {"Kakhovka Reservoir"}


@pytest.mark.parametrize("query", ["at=June", "tolerance=-1", "tolerance=999", "source=nope"])
def test_basemap_bad_parameters_are_clear(demo_client, query: str) -> None:
    r = demo_client.get(f"/api/basemap.geojson?{query}")
    assert 400 <= r.status_code < 500, r.text
    assert r.json().get("error")
