"""``serve --gzip``: answers compressed for clients that accept gzip, the same documents once decompressed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from frontlines.cli.commands_web import gzip_answers
from frontlines.web import create_app
from frontlines.web.app import GZIP_MIN_BYTES
from .conftest import BASE_URL

CHANGE = "/api/change.geojson?from=2024-09-01&to=2025-03-01&tolerance=0.1"


@pytest.fixture(scope="module")
def zipped(base_store):
    with TestClient(create_app(base_store, gzip=True), base_url=BASE_URL) as c:
        yield c


def test_large_answers_are_gzipped_for_clients_that_accept_it(zipped, client) -> None:
    plain = client.get(CHANGE, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers  # gzip off (the default)
    for attempt in range(2):  # computed, then replayed from the response cache
        r = zipped.get(CHANGE, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and r.headers["content-encoding"] == "gzip", attempt
        assert "accept-encoding" in r.headers["vary"].lower()
        assert r.json() == plain.json()  # httpx decompressed it: the same document
        assert int(r.headers["content-length"]) < len(plain.content) / 2  # the bytes sent: coordinates shrink well
    identity = zipped.get(CHANGE, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in identity.headers and identity.content == plain.content


def test_small_answers_and_revalidation_are_not_compressed(zipped) -> None:
    r = zipped.get("/api/health", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and len(r.content) < GZIP_MIN_BYTES and "content-encoding" not in r.headers
    first = zipped.get(CHANGE, headers={"Accept-Encoding": "gzip"})
    again = zipped.get(CHANGE, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_gzip_is_on_by_default_only_off_loopback() -> None:
    assert not gzip_answers("127.0.0.1", None) and not gzip_answers("::1", None)
    assert gzip_answers("0.0.0.0", None) and gzip_answers("192.168.1.5", None)
    assert gzip_answers("127.0.0.1", True) and not gzip_answers("0.0.0.0", False)
