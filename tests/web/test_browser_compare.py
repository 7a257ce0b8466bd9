"""Compare mode in a real browser on the Kharkiv counter-offensive (DeepState history, 6 → 13 September 2022).

At national zoom the markers of places must not cover the change (clicks on the lost ground reach
the region under it, whose panel then gives that region's change, as ``/api/change?by=oblast``
does); zoomed in, the places appear; opening a compare frames the change.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from frontlines import service
from frontlines.web import create_app

from .conftest import LiveServer
from .test_browser import _ready, browser  # noqa: F401  (the module's browser fixture)

pytestmark = [pytest.mark.realdata, pytest.mark.browser]

#: Ukraine, as the dashboard frames it when it opens without a view (national zoom).
NATIONAL = [[44.3, 22.1], [52.4, 40.3]]


@pytest.fixture(scope="module")
def history_server(tmp_path_factory: pytest.TempPathFactory, deepstate_history_dir: Path):
    lo = dt.datetime(2022, 9, 1, tzinfo=dt.UTC).timestamp()
    hi = dt.datetime(2022, 9, 16, tzinfo=dt.UTC).timestamp()
    files = sorted(p for p in deepstate_history_dir.glob("*.geojson") if lo <= int(p.stem) < hi)
    assert len(files) > 15
    path = tmp_path_factory.mktemp("web-history") / "history.db"
    with service.open_writer(path) as st:
        service.ingest(st, "deepstate-history", files)
    with LiveServer(create_app(path)) as srv:
        yield srv


def _lost(api: httpx.Client, frm: str, to: str):
    gj = api.get("/api/change.geojson", params={"from": frm, "to": to, "tolerance": 0.1}).json()
    return shapely.union_all([shape(f["geometry"]) for f in gj["features"] if f["properties"]["kind"] == "lost"
                              and f["geometry"]])


def _spread_points(geom, n: int) -> list[tuple[float, float]]:
    """``n`` points inside ``geom`` spread over it (a fine grid, every k-th inside point)."""
    w, s, e, nn = geom.bounds
    xs, ys = np.meshgrid(np.linspace(w, e, 60), np.linspace(s, nn, 60))
    inside = shapely.contains_xy(geom.buffer(-0.02), xs.ravel(), ys.ravel())
    pts = list(zip(xs.ravel()[inside], ys.ravel()[inside]))
    assert len(pts) >= n
    step = len(pts) / n
    return [pts[int(k * step)] for k in range(n)]


def _page_xy(page, lon: float, lat: float) -> tuple[float, float]:
    return page.evaluate("""([lat, lon]) => {
        const m = window.frontlinesMap, p = m.latLngToContainerPoint([lat, lon]),
              r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""", [lat, lon])


def _hit(page, x: float, y: float) -> str:
    """What a click at (x, y) lands on: "place", "region" or something else."""
    return page.evaluate("""([x, y]) => {
        const el = document.elementFromPoint(x, y);
        if (!el) return "none";
        const cls = el.getAttribute("class") || "";
        if (/\\b(place|changed-place)\\b/.test(cls)) return "place";
        if (el.closest(".leaflet-regions-pane") && /leaflet-interactive/.test(cls)) return "region";
        return el.tagName + "." + cls; }""", [x, y])


def _open_compare(browser, url: str):  # noqa: F811
    """A desktop page in compare mode on 6 -> 13 September 2022, ready; its page errors collected."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "/?at=2022-09-13&cmp=1&from=2022-09-06")
    _ready(page)
    return ctx, page, errors


def test_compare_thins_places_keeps_regions_clickable_and_frames_the_change(browser, history_server) -> None:  # noqa: F811
    from playwright.sync_api import expect

    api = httpx.Client(base_url=history_server.url, timeout=120)
    ctx, page, errors = _open_compare(browser, history_server.url)
    expect(page.locator("#changed-panel")).to_be_visible(timeout=60_000)
    _ready(page)
    frm = page.locator("#from-label").text_content()
    assert frm == "2022-09-06"
    lost = _lost(api, frm, "2022-09-13")
    assert 8000 < service_area(lost) < 10000

    # compare mode frames the change: the lost ground fills the view, zoomed in beyond the national view
    zoom = page.evaluate("() => window.frontlinesMap.getZoom()")
    bounds = page.evaluate("() => window.frontlinesMap.getBounds().toBBoxString()")
    w, s, e, n = (float(v) for v in bounds.split(","))
    lw, ls, le, ln = lost.bounds
    assert w <= lw and s <= ls and e >= le and n >= ln, (bounds, lost.bounds)
    assert (le - lw) > 0.35 * (e - w), "the change should fill the view"

    # national zoom: clicks on the lost ground reach the region, not a place marker
    page.evaluate(f"() => window.frontlinesMap.fitBounds({NATIONAL})")
    _ready(page)
    assert page.evaluate("() => window.frontlinesMap.getZoom()") < zoom
    hits = [_hit(page, *_page_xy(page, lon, lat)) for lon, lat in _spread_points(lost, 24)]
    assert hits.count("place") <= 2, hits
    assert hits.count("region") >= 22, hits

    # a click there selects the oblast, whose panel gives its change over the window, as the API does
    lon, lat = next(p for p, h in zip(_spread_points(lost, 24), hits) if h == "region")
    page.mouse.click(*_page_xy(page, lon, lat))
    expect(page.locator("#region-name")).to_have_text("Kharkiv", timeout=60_000)
    expect(page.locator("#region-change")).to_be_visible(timeout=60_000)
    doc = api.get("/api/change", params={"from": frm, "to": "2022-09-13", "by": "oblast"}).json()
    row = next(r for r in doc["regions"] if r["name"] == "Kharkiv")
    assert row["lost_km2"] > 5000
    expect(page.locator("#region-lost")).to_have_attribute("data-value", str(row["lost_km2"]), timeout=30_000)
    assert float(page.locator("#region-gained").get_attribute("data-value")) == row["gained_km2"]
    assert page.locator("#region-lost-label").text_content() == "Retaken by Ukraine"

    # zoomed in (Balakliia), the places and the places that changed hands are marked
    page.evaluate("() => window.frontlinesMap.setView([49.46, 36.86], 11)")
    _ready(page)
    expect(page.locator(".leaflet-places-pane path.place").first).to_be_attached(timeout=30_000)
    assert page.locator(".leaflet-places-pane path.place").count() >= 10
    assert page.locator("path.changed-place").count() >= 5
    ctx.close()
    assert not errors, errors


def service_area(geom) -> float:
    from frontlines.core.geodesy import area_km2

    return area_km2(geom)


def test_include_redraws_toggle_switches_every_change_figure_to_the_raw_one(browser, history_server) -> None:  # noqa: F811
    from playwright.sync_api import expect

    api = httpx.Client(base_url=history_server.url, timeout=120)
    window = {"from": "2022-09-06", "to": "2022-09-13"}
    fighting = api.get("/api/change", params=window).json()
    raw = api.get("/api/change", params={**window, "include_redraws": "true"}).json()
    assert fighting["redraw_km2"] > 100  # the window holds map redraws (DeepState's border redrawn)
    # the raw figure is the fighting one plus the redraw ground, as the API reports them side by side
    assert abs(raw["lost_km2"] - (fighting["lost_km2"] + fighting["redraw_lost_km2"])) < 0.01

    ctx, page, errors = _open_compare(browser, history_server.url)
    expect(page.locator("#lost-value")).to_have_attribute("data-value", str(fighting["lost_km2"]), timeout=60_000)
    assert page.locator("#redraw-label").text_content() == "map redraws left out"
    assert float(page.locator("#redraw-value").get_attribute("data-value")) == fighting["redraw_km2"]
    dashed = page.locator(".leaflet-change-pane path[stroke-dasharray='4 3']")
    assert dashed.count() >= 1  # the redraw pieces are drawn apart from gained and lost

    page.locator("#redraws-toggle").check()
    expect(page.locator("#lost-value")).to_have_attribute("data-value", str(raw["lost_km2"]), timeout=60_000)
    assert float(page.locator("#net-value").get_attribute("data-value")) == raw["net_km2"]
    assert page.locator("#redraw-label").text_content() == "map redraws included"
    assert "redraws=1" in page.url
    page.reload()  # the choice is kept in the address
    _ready(page)
    assert page.locator("#redraws-toggle").is_checked()
    expect(page.locator("#lost-value")).to_have_attribute("data-value", str(raw["lost_km2"]), timeout=60_000)
    ctx.close()
    assert not errors, errors
