"""/docs and /redoc in Debian's chromium under their CSP: they render, fetch only from this server, break no rule.

Skipped when chromium or the npm-built assets are missing, unless CI=true.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from frontlines.web import create_app
from tests.helpers import skip_or_fail

from .conftest import LiveServer

pytestmark = [pytest.mark.realdata, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src" / "frontlines" / "web" / "static" / "vendor"
ARTIFACTS = ROOT / "test-artifacts" / "web"
#: Hard-wired in ReDoc's bundle; blocked by the page's CSP (img-src 'self' data:).
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    if not (VENDOR / "swagger-ui" / "swagger-ui-bundle.js").exists() or not (VENDOR / "redoc" / "redoc.standalone.js").exists():
        skip_or_fail("docs assets missing: run scripts/build_web.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("browser tests need the playwright Python package (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(small_store):
    with LiveServer(create_app(small_store)) as srv:
        yield srv


@pytest.mark.parametrize(("path", "ready"), [
    ("/docs", ".swagger-ui .opblock-summary-path"),
    ("/redoc", "[role=menuitem], .menu-content label"),
])
def test_docs_page_renders_offline_under_csp(browser, server, path: str, ready: str) -> None:
    ctx = browser.new_context(viewport={"width": 1300, "height": 900}, bypass_csp=False)
    pg = ctx.new_page()
    errors: list[str] = []
    outside: list[str] = []
    violations: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    pg.on("request", lambda r: None if r.url.startswith((server.url, "blob:", "data:")) else outside.append(r.url))
    resp = pg.goto(server.url + path)
    assert resp is not None and "default-src 'self'" in resp.headers["content-security-policy"]
    pg.wait_for_selector(ready, timeout=60_000)
    text = pg.locator("body").inner_text()
    assert "/api/area" in text  # the schema was loaded and rendered
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"docs{path.replace('/', '-')}.png"))
    ctx.close()
    # ReDoc's menu footer always asks for its maker's logo from a CDN; the CSP blocks it (no request leaves).
    blocked = [u for u in outside if u == REDOC_LOGO and any(REDOC_LOGO in v for v in violations)]
    assert outside == blocked, f"requests outside the server: {outside}"
    assert all(REDOC_LOGO in v for v in violations), violations
    assert not errors, errors
