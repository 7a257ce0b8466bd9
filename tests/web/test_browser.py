"""End to end: Debian's chromium drives the dashboard; what the page shows must match the API.

Screenshots go to test-artifacts/web/. Skipped when /usr/bin/chromium (or the npm-built
map library) is missing, unless CI=true.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from frontlines.web import create_app

from .conftest import LiveServer

pytestmark = [pytest.mark.realdata, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
VENDOR = ROOT / "src" / "frontlines" / "web" / "static" / "vendor" / "leaflet" / "leaflet.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _skip_or_fail(msg: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg)
    pytest.skip(msg)


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
    _shot(page, "01-latest")

    # Move the slider back with the keyboard.
    page.locator("#date-slider").focus()
    for _ in range(40):
        page.keyboard.press("ArrowLeft")
    _ready(page)
    at = page.locator("#date-label").text_content()
    assert at < last
    assert _value(page, "#area-value") == api_.get("/api/area", params={"at": at}).json()["area_km2"]
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

    if not api_.get("/api/health").json()["features"]["check"]:
        pytest.skip("claim checking not available in this version")
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
