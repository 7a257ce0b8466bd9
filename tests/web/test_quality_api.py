"""``/api/quality`` and ``/api/compare`` on the daily DeepState store; stale area over HTTP."""

from __future__ import annotations

import pytest

from frontlines import service


def test_quality_lists_every_step_with_its_pieces(client, base_store) -> None:
    r = client.get("/api/quality", params={"from": "2025-01-10", "to": "2025-01-20"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["source"] == "deepstate-daily" and doc["rules"]["max_front_distance_km"] == 5.0
    assert len(doc["steps"]) >= 9
    for step in doc["steps"]:
        pieces = step["pieces"]
        fight_g = sum(p["area_km2"] for p in pieces if p["direction"] == "gained" and p["kind"] != "redraw")
        assert fight_g == pytest.approx(step["gained_km2"], abs=0.01)
        assert step["map_url"].startswith("/#mode=compare")
    # nothing dropped: fighting + redraws of each step = the stored step (independently computed at ingest)
    with service.open_reader(base_store) as st:
        sel = service.select(st)
        stored = st.steps(sel.layer, [s["to_snapshot"] for s in doc["steps"]])
    for step in doc["steps"]:
        _, g, l = stored[step["to_snapshot"]][:3]
        assert step["gained_km2"] + step["redraw_gained_km2"] == pytest.approx(g, abs=0.05)
        assert step["lost_km2"] + step["redraw_lost_km2"] == pytest.approx(l, abs=0.05)


def test_quality_bad_range_is_422(client) -> None:
    r = client.get("/api/quality", params={"from": "2025-01-20", "to": "2025-01-10"})
    assert r.status_code == 422


def test_compare_needs_two_sources_over_http(client) -> None:
    r = client.get("/api/compare", params={"sources": "deepstate-daily", "from": "2025-01-01", "to": "2025-02-01"})
    assert r.status_code == 422 and "two different sources" in r.text


def test_area_after_the_store_ends_is_stale_and_strict_is_404(client) -> None:
    doc = client.get("/api/area", params={"at": "2025-12-31"}).json()
    assert doc["stale"] is True and doc["stale_days"] > 150 and doc["warnings"]
    r = client.get("/api/area", params={"at": "2025-12-31", "strict": "true"})
    assert r.status_code == 404 and "--strict" in r.text


def test_quality_health_over_http_lists_the_missing_days(client) -> None:
    """``health_only``: the daily files of 2025-01-01 and 03-31/04-01 are missing (maps of 12-31, 03-30/31)."""
    r = client.get("/api/quality", params={"from": "2024-12-01", "to": "2025-04-30", "health_only": "true"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["steps"] == []
    (h,) = doc["health"]
    assert h["source"] == "deepstate-daily"
    assert h["missing_days"] == ["2024-12-31", "2025-03-30", "2025-03-31"]
    files = [(g["before"]["file_name"], g["after"]["file_name"]) for g in h["gaps"]]
    assert files == [("deepstatemap_data_20241231.geojson", "deepstatemap_data_20250102.geojson"),
                     ("deepstatemap_data_20250330.geojson", "deepstatemap_data_20250402.geojson")]
    assert h["reversions"] == []


def test_change_strict_over_http(client) -> None:
    doc = client.get("/api/change", params={"from": "2025-05-01", "to": "2025-12-31"}).json()
    assert doc["stale"] is True and doc["stale_days"] > 150 and doc["warnings"]
    r = client.get("/api/change", params={"from": "2025-05-01", "to": "2025-12-31", "strict": "true"})
    assert r.status_code == 404 and "--strict" in r.text
