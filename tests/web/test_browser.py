"""End to end: Debian's chromium drives the dashboard; what the page shows must match the API.

Screenshots go to test-artifacts/web/. Skipped when /usr/bin/chromium (or the npm-built
map library) is missing, unless CI=true.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from frontlines.web import create_app
from tests.helpers import skip_or_fail

from .conftest import LiveServer

pytestmark = [pytest.mark.realdata, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
VENDOR = ROOT / "src" / "frontlines" / "web" / "static" / "vendor" / "leaflet" / "leaflet.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


_skip_or_fail = skip_or_fail


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _skip_or_fail("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    if not VENDOR.exists():
        _skip_or_fail("dashboard assets missing: run scripts/build_web.sh (npm ci + copy Leaflet)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("browser tests need the playwright Python package (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(base_store):
    with LiveServer(create_app(base_store)) as srv:
        yield srv


@pytest.fixture()
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=False)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    outside: list[str] = []
    pg.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
    yield pg
    ctx.close()
    assert not errors, errors
    assert not outside, f"requests outside the app (CDN?): {outside}"


def _ready(pg) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    expect(pg.locator("#status")).to_have_attribute("data-state", "ready", timeout=30_000)


def _value(pg, sel: str) -> float:  # noqa: ANN001
    return float(pg.locator(sel).get_attribute("data-value"))


def _shot(pg, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_slider_compare_and_shareable_url(page, server) -> None:
    api_ = httpx.Client(base_url=server.url, timeout=60)
    page.goto(server.url + "/")
    _ready(page)
    last = page.locator("#date-label").text_content()
    assert _value(page, "#area-value") == api_.get("/api/area", params={"at": last}).json()["area_km2"]
    assert page.locator("#map path.leaflet-interactive").count() > 20  # region borders drawn
    assert _value(page, "#frontline-value") == api_.get("/api/frontline", params={"at": last}).json()["length_km"]
    assert page.locator(".leaflet-front-pane path").count() == 1
    _shot(page, "01-latest")

    # Move the slider back with the keyboard.
    page.locator("#date-slider").focus()
    for _ in range(40):
        page.keyboard.press("ArrowLeft")
    _ready(page)
    at = page.locator("#date-label").text_content()
    assert at < last
    assert _value(page, "#area-value") == api_.get("/api/area", params={"at": at}).json()["area_km2"]
    assert _value(page, "#frontline-value") == api_.get("/api/frontline", params={"at": at}).json()["length_km"]
    assert f"at={at}" in page.url
    _shot(page, "02-slider")

    # Compare two dates: gained and lost ground and the numbers of /api/change.
    page.locator("#compare-toggle").check()
    _ready(page)
    frm = page.locator("#from-label").text_content()
    doc = api_.get("/api/change", params={"from": frm, "to": at}).json()
    assert _value(page, "#gained-value") == doc["gained_km2"]
    assert _value(page, "#lost-value") == doc["lost_km2"]
    assert _value(page, "#net-value") == doc["net_km2"]
    assert page.locator(".leaflet-change-pane path").count() >= 1
    assert page.locator(".leaflet-front-pane path").count() == 2  # both dates' front lines
    assert _value(page, "#frontline-from-value") == api_.get("/api/frontline", params={"at": frm}).json()["length_km"]
    assert _value(page, "#changed-count") == api_.get("/api/settlements", params={"from": frm, "to": at}).json()["count"]
    _shot(page, "03-compare")

    # The URL carries the state: a fresh page on it shows the same figures.
    url = page.url
    assert "cmp=1" in url and f"from={frm}" in url
    page.goto(url)
    _ready(page)
    assert page.locator("#date-label").text_content() == at
    assert _value(page, "#gained-value") == doc["gained_km2"]


def test_region_click_and_claim_check(page, server) -> None:
    api_ = httpx.Client(base_url=server.url, timeout=120)
    page.goto(server.url + "/?at=2025-03-01&region=UA-14&places=0")
    _ready(page)
    from playwright.sync_api import expect

    expect(page.locator("#region-name")).to_have_text("Donetsk", timeout=60_000)
    _ready(page)
    area = api_.get("/api/area", params={"at": "2025-03-01", "by": "oblast"}).json()
    row = next(r for r in area["regions"] if r["id"] == "UA-14")
    assert _value(page, "#region-area") == row["area_km2"]
    assert page.locator("#region-net-chart rect").count() > 5
    _shot(page, "04-region")

    assert api_.get("/api/health").json()["features"]["check"]
    text = "Russian forces captured more than 1,500 square kilometres in Donetsk region in October 2024."
    page.locator("#claim-text").fill(text)
    page.locator("#claim-published").fill("2024-11-05")
    page.locator("#claim-run").click()
    expect(page.locator("#claim-results li")).to_have_count(1, timeout=60_000)
    report = api_.post("/api/check", json={"text": text, "published": "2024-11-05"}).json()
    assert page.locator("#claim-results li").first.get_attribute("data-verdict") == report["claims"][0]["verdict"]
    assert page.locator("#claim-message").text_content() == report["message"]
    page.locator("#claim-results li").first.click()
    expect(page.locator("#claim-message")).to_contain_text("evidence", timeout=60_000)
    _ready(page)
    ev = api_.post("/api/evidence.geojson?tolerance=0.1", json=report["claims"][0]).json()
    gained = next(f for f in ev["features"] if f["properties"]["kind"] == "gained")
    assert float(page.locator("#claim-message").get_attribute("data-evidence")) == gained["properties"]["area_km2"]
    _shot(page, "05-claim")


def test_front_lines_settlement_status_and_changed_places(page, server) -> None:
    """Compare 2024-09-01 -> 2025-02-01: both front lines, places coloured by status, the changed places listed."""
    from playwright.sync_api import expect

    api_ = httpx.Client(base_url=server.url, timeout=120)
    frm, at = "2024-09-01", "2025-02-01"
    with page.expect_response(lambda r: "/api/places.geojson" in r.url and f"at={at}" in r.url, timeout=60_000) as places:
        page.goto(server.url + f"/?at={at}&cmp=1&from={frm}&by=&view=48.0,37.6,8")
    _ready(page)

    # Front lines of both dates, with the lengths of /api/frontline.
    for sel, when in (("#frontline-value", at), ("#frontline-from-value", frm)):
        assert _value(page, sel) == api_.get("/api/frontline", params={"at": when}).json()["length_km"], sel
    assert page.locator(".leaflet-front-pane path").count() == 2

    # Places coloured by their status at the selected date, as the API has it.
    url = places.value.url
    gj = api_.get(url[url.index("/api/"):]).json()
    expected = {k: sum(f["properties"]["status"] == k for f in gj["features"]) for k in ("control", "contested", "none")}
    assert expected["control"] > 0 and expected["none"] > 0
    for k, n in expected.items():
        expect(page.locator(f".leaflet-places-pane path.place.{k}")).to_have_count(n, timeout=30_000)

    # The places that changed hands: the count and order of /api/settlements.
    doc = api_.get("/api/settlements", params={"from": frm, "to": at}).json()
    assert doc["count"] > 0
    assert _value(page, "#changed-count") == doc["count"]
    items = page.locator("#changed-list li")
    expect(items).to_have_count(min(doc["count"], 150))
    first = doc["settlements"][0]
    assert items.first.text_content().startswith(first["display_name"])
    _shot(page, "06-front-settlements")

    # Clicking one zooms the map to it (the view is in the URL).
    pick = doc["settlements"][min(3, doc["count"] - 1)]
    items.nth(min(3, doc["count"] - 1)).click()
    page.wait_for_function("() => /view=/.test(location.search) && Number(new URLSearchParams(location.search).get('view').split(',')[2]) >= 11")
    lat, lon, zoom = (float(v) for v in page.evaluate("() => new URLSearchParams(location.search).get('view')").split(","))
    assert abs(lat - pick["lat"]) < 0.01 and abs(lon - pick["lon"]) < 0.01 and zoom >= 11
    assert items.nth(min(3, doc["count"] - 1)).get_attribute("class").endswith("active")
    _ready(page)
    _shot(page, "07-changed-place")


# ------------------------------------------------------------------ basemap, phones, plain words, keyboard
_LABEL_BOXES = """() => [...document.querySelectorAll('.map-label span')].map(e => {
    const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""


def _water_share(png: bytes) -> float:
    import io

    import numpy as np
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(float)
    return float((np.linalg.norm(img - np.array([0xC6, 0xDB, 0xE8]), axis=-1) < 12).mean())


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_basemap_date_credits_and_plain_words(browser, server, width: int, height: int) -> None:
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": width, "height": height})
    pg = ctx.new_page()
    errors: list[str] = []
    outside: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
    pg.goto(server.url + "/?at=2025-03-01")
    _ready(pg)
    phone = width < 700
    box = pg.locator("#map").bounding_box()
    assert box["width"] >= 0.6 * width if not phone else box["width"] == width
    if phone:
        assert box["height"] >= 0.6 * height, box  # the map gets most of a phone's height
    # the date, large on the map; the credits of every source shown
    expect(pg.locator("#map-date")).to_have_text("1 March 2025")
    assert float(pg.locator("#map-date").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 16
    credits = pg.locator(".leaflet-control-attribution").text_content()
    assert "Natural Earth" in credits and "DeepStateMap" in credits and "OpenStreetMap" in credits
    # the basemap: seas and neighbours named, cities labelled, no two labels overlapping
    expect(pg.locator(".map-label.sea", has_text="Black Sea")).to_be_visible()
    assert pg.locator(".map-label.country").count() >= 3
    cities = [t for t, *_ in pg.evaluate(_LABEL_BOXES) if t in ("Kyiv", "Kharkiv", "Odesa", "Dnipro", "Lviv")]
    assert len(cities) >= 3, cities
    boxes = pg.evaluate(_LABEL_BOXES)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            overlap = a[1] < b[3] and a[3] > b[1] and a[2] < b[4] and a[4] > b[2]
            assert not overlap, (a, b)
    assert _water_share(pg.screenshot()) > 0.03  # the sea is tinted apart from land
    # plain words: no layer ids or bare "gained / lost" on the page
    text = pg.locator("body").inner_text()
    for raw in (":control", ":contested", ":regained", "control →", "→ none"):
        assert raw not in text, raw
    assert "Held by Russia" in text
    if phone:
        _shot(pg, "08-phone")
        assert pg.locator("#side").bounding_box()["height"] < 5  # the panel is a closed sheet
        pg.locator("#sheet-toggle").click()
        pg.wait_for_timeout(400)
        assert pg.locator("#side").bounding_box()["height"] > 200
        assert pg.locator("#map").bounding_box()["height"] > 0.25 * height
        _shot(pg, "09-phone-sheet")
    else:
        _shot(pg, "10-desktop-basemap")
        # the map is one tab stop: the claim box is a few Tab presses from the top of the page
        pg.locator("body").focus()
        presses = 0
        while presses < 40 and pg.evaluate("() => document.activeElement && document.activeElement.id") != "claim-text":
            pg.keyboard.press("Tab")
            presses += 1
        assert presses <= 20, f"{presses} Tab presses to the claim box"
    ctx.close()
    assert not errors, errors
    assert not outside, outside


def test_region_panel_shows_the_regions_change_in_compare_mode(page, server) -> None:
    from playwright.sync_api import expect

    api_ = httpx.Client(base_url=server.url, timeout=120)
    page.goto(server.url + "/?at=2025-03-01&cmp=1&from=2025-01-01&region=UA-14&places=0")
    _ready(page)
    expect(page.locator("#region-name")).to_have_text("Donetsk", timeout=60_000)
    expect(page.locator("#region-change")).to_be_visible(timeout=60_000)
    _ready(page)
    frm = page.locator("#from-label").text_content()  # the last day with a map on or before 1 January
    assert "2024-12-25" <= frm <= "2025-01-01"
    doc = api_.get("/api/change", params={"from": frm, "to": "2025-03-01", "by": "oblast"}).json()
    row = next(r for r in doc["regions"] if r["id"] == "UA-14")
    assert row["gained_km2"] > 100
    expect(page.locator("#region-gained")).to_have_attribute("data-value", str(row["gained_km2"]), timeout=30_000)
    assert _value(page, "#region-lost") == row["lost_km2"]
    assert page.locator("#region-gained-label").text_content() == "Captured by Russia"
    import datetime as dt

    d = dt.date.fromisoformat(frm)
    start = f"{d.day} {d:%B}" if d.year == 2025 else f"{d.day} {d:%B %Y}"  # the year once when both ends share it
    assert page.locator("#region-window").text_content() == f"{start} – 1 March 2025"
