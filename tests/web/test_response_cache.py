"""Repeated answers come from the response cache: ETag / 304, canonical queries, new answers after an ingest."""

from __future__ import annotations

import pytest

from frontlines.web import create_app
from frontlines.web.settings import AppContext

from .conftest import BASE_URL

pytestmark = pytest.mark.realdata
TOKEN = "s3cret-token-for-tests"


@pytest.fixture()
def tclient(store_copy):
    from fastapi.testclient import TestClient

    with TestClient(create_app(store_copy, token=TOKEN), base_url=BASE_URL) as c:
        yield c


def test_etag_and_not_modified(tclient) -> None:
    r = tclient.get("/api/change?from=2025-01-01&to=2025-03-01")
    assert r.status_code == 200 and r.headers["etag"].startswith('"')
    assert r.headers["cache-control"] == "no-cache"
    etag = r.headers["etag"]
    again = tclient.get("/api/change?to=2025-03-01&from=2025-01-01")  # same query, other order
    assert again.status_code == 200 and again.headers["etag"] == etag and again.content == r.content
    assert again.headers["content-type"] == r.headers["content-type"]
    nm = tclient.get("/api/change?from=2025-01-01&to=2025-03-01", headers={"If-None-Match": etag})
    assert nm.status_code == 304 and nm.content == b""
    other = tclient.get("/api/change?from=2025-01-01&to=2025-03-02", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_hits_skip_the_routes(tclient, monkeypatch) -> None:
    first = tclient.get("/api/area?at=2025-02-01")
    assert first.status_code == 200

    def broken(*_a, **_k):
        raise AssertionError("the route ran for a cached answer")

    monkeypatch.setattr(AppContext, "cached", broken)
    hit = tclient.get("/api/area?at=2025-02-01")
    assert hit.status_code == 200 and hit.content == first.content
    assert tclient.head("/api/area?at=2025-02-01").status_code == 200


def test_errors_and_uncached_paths_are_not_kept(tclient) -> None:
    bad = tclient.get("/api/area?at=not-a-date")
    assert bad.status_code == 422 and "etag" not in bad.headers
    assert "etag" not in tclient.get("/api/health").headers
    assert "etag" not in tclient.get("/api/sources").headers


def test_ingest_makes_cached_answers_unreachable(tclient, daily_split) -> None:
    new = daily_split[1][0]  # the first daily map after the store's last
    day = new.stem.rsplit("_", 1)[-1]
    at = f"{day[:4]}-{day[4:6]}-{day[6:]}"
    before = tclient.get(f"/api/area?at={at}")
    assert before.status_code == 200
    r = tclient.post(f"/api/ingest?adapter=deepstate-daily&filename={new.name}", content=new.read_bytes(),
                     headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    after = tclient.get(f"/api/area?at={at}")
    assert after.status_code == 200
    assert after.json()["snapshot"]["id"] != before.json()["snapshot"]["id"]
    assert after.headers["etag"] != before.headers["etag"]
