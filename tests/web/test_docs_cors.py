"""/docs and /redoc from local files under a CSP on every HTML page; the CORS policy and its preflights."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frontlines.web import create_app
from frontlines.web.guard import PAGE_CSP
from frontlines.web.routers.docs import DOCS_ASSETS
from tests.helpers import skip_or_fail

from .conftest import BASE_URL

pytestmark = pytest.mark.realdata
STATIC = Path(__file__).resolve().parents[2] / "src" / "frontlines" / "web" / "static"
ORIGIN = "https://maps.example.org"


@pytest.fixture(scope="module")
def same_origin(small_store: Path):
    with TestClient(create_app(small_store), base_url=BASE_URL) as c:
        yield c


@pytest.fixture(scope="module")
def open_cors(small_store: Path):
    with TestClient(create_app(small_store, cors_origins=[ORIGIN]), base_url=BASE_URL) as c:
        yield c


def _urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href|spec-url|data-spec)=["']([^"']+)["']""", html)


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/"])
def test_html_pages_are_local_and_have_a_csp(same_origin: TestClient, path: str) -> None:
    r = same_origin.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == PAGE_CSP
    csp = dict(part.strip().split(" ", 1) for part in PAGE_CSP.split(";"))
    assert csp["script-src"] == "'self'" and csp["default-src"] == "'self'"
    urls = _urls(r.text)
    assert urls, r.text
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url  # same origin only: no CDN
    assert "<script>" not in r.text.replace(" ", "")  # no inline script (the CSP would block it)


def test_docs_assets_are_served(same_origin: TestClient) -> None:
    if not (STATIC / "vendor" / "swagger-ui" / "swagger-ui-bundle.js").exists():
        skip_or_fail("docs assets missing: run scripts/build_web.sh (scripts/setup.sh does)")
    for url in DOCS_ASSETS:
        r = same_origin.get(url)
        assert r.status_code == 200 and len(r.content) > 100, url
    docs = same_origin.get("/docs").text + same_origin.get("/redoc").text
    assert set(DOCS_ASSETS) <= set(_urls(docs))


def test_json_answers_have_no_csp_but_nosniff(same_origin: TestClient) -> None:
    r = same_origin.get("/api/health")
    assert "content-security-policy" not in r.headers and r.headers["x-content-type-options"] == "nosniff"


# -- CORS -----------------------------------------------------------------------------------------------------


def test_default_allows_no_cross_origin_reads(same_origin: TestClient) -> None:
    r = same_origin.get("/api/sources", headers={"Origin": ORIGIN})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    pre = same_origin.options("/api/sources", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert pre.status_code >= 400 and "access-control-allow-origin" not in pre.headers
    assert set(pre.json()) == {"error"}


def test_allowed_origin_may_get(open_cors: TestClient) -> None:
    r = open_cors.get("/api/sources", headers={"Origin": ORIGIN})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-credentials" not in r.headers
    pre = open_cors.options("/api/area?at=2025-01-10", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == ORIGIN
    assert set(pre.headers["access-control-allow-methods"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    assert int(pre.headers["access-control-max-age"]) > 0


@pytest.mark.parametrize(("origin", "method"), [(ORIGIN, "POST"), (ORIGIN, "DELETE"), ("https://evil.example", "GET")])
def test_other_preflights_are_refused(open_cors: TestClient, origin: str, method: str) -> None:
    pre = open_cors.options("/api/ingest?adapter=files", headers={"Origin": origin, "Access-Control-Request-Method": method})
    assert pre.status_code == 400
    assert "access-control-allow-methods" not in pre.headers or method not in pre.headers["access-control-allow-methods"]
    assert "cross-origin request refused" in pre.json()["error"]
    if origin != ORIGIN:
        r = open_cors.get("/api/sources", headers={"Origin": origin})
        assert "access-control-allow-origin" not in r.headers


def test_any_origin(small_store: Path) -> None:
    with TestClient(create_app(small_store, cors_origins=["*"]), base_url=BASE_URL) as c:
        r = c.get("/api/sources", headers={"Origin": "https://anyone.example"})
        assert r.headers["access-control-allow-origin"] == "*"
