"""Timeouts, 5xx, 429 + Retry-After, truncated and invalid bodies, changed shapes, the URL guard, proxies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontlines.service.sync import SyncOptions, sync
from frontlines.sources.fetch.http import FetchError, FetchSettings, HttpFetcher
from frontlines.store import MemoryStore
from tests.sync.conftest import N_VERSIONS, version_ids
from tests.sync.server import Recorded, RecordedServer

pytestmark = pytest.mark.realdata


def settings(**kw) -> FetchSettings:
    base = dict(timeout=5, retries=3, backoff=0.01, max_backoff=0.05, rate=0, concurrency=2)
    base.update(kw)
    return FetchSettings(**base)


def test_transient_failures_are_retried(server, history_dir: Path) -> None:
    ids = version_ids(history_dir)[:N_VERSIONS]
    rec = server.recorded
    rec.faults = {
        "/api/history/public": [("status", 503), ("retry_after", 2)],
        f"/api/history/{ids[0]}/geojson": [("sleep", 1.5)],  # longer than the timeout
        f"/api/history/{ids[1]}/geojson": [("truncate", None), ("status", 500)],
        f"/api/history/{ids[2]}/geojson": [("badjson", None)],
    }
    waits: list[float] = []
    st = MemoryStore()
    report = sync(st, "deepstate", options=SyncOptions(base_url=server.url, fetch=settings(timeout=0.5, max_backoff=30)),
                  sleep=waits.append)
    assert report.ok, report.failures
    assert report.added == N_VERSIONS and report.retries == 6  # 2 on the list, 1 timeout, 2 on a truncated then failing map, 1 invalid JSON
    assert 2.0 in waits  # Retry-After honoured (the other waits are short exponential backoffs)
    assert all(w < 0.1 for w in waits if w != 2.0)


def test_exhausted_retries_are_reported_not_stored_and_fetched_next_time(server, history_dir: Path) -> None:
    ids = version_ids(history_dir)[:N_VERSIONS]
    rec = server.recorded
    rec.faults = {f"/api/history/{ids[1]}/geojson": [("status", 500)] * 4,
                  f"/api/history/{ids[3]}/geojson": [("truncate", None)] * 4}
    st = MemoryStore()
    report = sync(st, "deepstate", options=SyncOptions(base_url=server.url, fetch=settings()))
    assert not report.ok and report.added == N_VERSIONS - 2
    assert {f["item"] for f in report.failures} == {str(ids[1]), str(ids[3])}
    assert "after 4 attempts" in report.failures[0]["error"]
    assert {s.file_name for s in st.snapshots()} == {f"{i}.geojson" for i in ids if i not in (ids[1], ids[3])}
    assert "last_success" not in st.sync_state("deepstate-history")
    # the next run fetches the two missing versions (no 304: the failed run kept no list ETag)
    again = sync(st, "deepstate", options=SyncOptions(base_url=server.url, fetch=settings()))
    assert again.ok and again.added == 2 and st.snapshot_count() == N_VERSIONS


def test_changed_shapes_are_reported_not_crashes(server, history_dir: Path) -> None:
    ids = version_ids(history_dir)[:N_VERSIONS]
    rec = server.recorded
    rec.faults = {f"/api/history/{ids[0]}/geojson": [("body", b'{"type": "Feature", "geometry": null}')],
                  f"/api/history/{ids[1]}/areas": [("body", b'{"areas": []}')]}
    st = MemoryStore()
    report = sync(st, "deepstate", options=SyncOptions(base_url=server.url, fetch=settings()))
    assert [f["item"] for f in report.failures] == [str(ids[0])]
    assert "expected a GeoJSON FeatureCollection, got 'Feature'" in report.failures[0]["error"]
    assert report.retries == 0  # a shape change is not retried
    assert any("area figures not stored" in w and "expected a JSON array" in w for w in report.warnings)
    assert report.added == N_VERSIONS - 1
    # the version list itself changed shape: one failure, nothing stored, no traceback
    rec.faults = {"/api/history/public": [("body", b'{"versions": []}')]}
    st2 = MemoryStore()
    report = sync(st2, "deepstate", options=SyncOptions(base_url=server.url, fetch=settings()))
    assert report.failures[0]["item"] == "(list)" and "expected a JSON array of versions" in report.failures[0]["error"]
    assert st2.snapshot_count() == 0


def test_unknown_class_name_is_reported(history_dir: Path) -> None:
    vid = version_ids(history_dir)[0]
    doc = json.loads((history_dir / f"{vid}.geojson").read_bytes())
    doc["features"].append({"type": "Feature", "properties": {"name": "Нова зона /// Brand new zone"},
                            "geometry": {"type": "Polygon", "coordinates": [[[36, 48, 0], [36.1, 48, 0], [36.1, 48.1, 0], [36, 48, 0]]]}})
    rec = Recorded(versions={vid: (json.dumps(doc).encode(), [{"hash": "#1", "area": 1.0, "percent": 0.1, "type": "new_kind"}])})
    with RecordedServer(rec) as srv:
        report = sync(MemoryStore(), "deepstate", options=SyncOptions(base_url=srv.url, fetch=settings()))
    assert report.ok and report.added == 1
    assert report.unknown_classes["Нова зона /// Brand new zone"] == 1
    assert any("unknown area type 'new_kind'" in w for w in report.warnings)


def test_requests_go_only_to_the_base_url(server) -> None:
    with HttpFetcher([server.url + "/api"], settings()) as f:
        with pytest.raises(FetchError, match="not under a configured base URL"):
            f.get(server.url + "/elsewhere")
        with pytest.raises(FetchError, match="not under a configured base URL"):
            f.get(server.url + "/apix/history")
        assert f.get(server.url + "/api/history/public").status == 200
    assert server.recorded.paths() == ["/api/history/public"]


def test_proxy_from_the_environment(recorded: Recorded, monkeypatch: pytest.MonkeyPatch) -> None:
    """A base URL on a host that does not resolve works through $HTTP_PROXY (here: the recorded server)."""
    for var in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    with RecordedServer(recorded) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        report = sync(MemoryStore(), "deepstate", options=SyncOptions(base_url="http://deepstate.invalid", dry_run=True, fetch=settings()))
        assert report.ok and report.listed == N_VERSIONS
        assert proxy.recorded.log[0][1] == "http://deepstate.invalid/api/history/public"  # absolute form: a proxy request


def test_rate_limit_spaces_requests(server) -> None:
    waits: list[float] = []
    with HttpFetcher([server.url], settings(rate=4), sleep=waits.append) as f:
        for _ in range(5):
            f.get(server.url + "/api/history/public")
    # the first request goes at once; each next one is due 1/4 s after the previous slot
    assert len(waits) == 4
    assert waits == sorted(waits) and waits[-1] == pytest.approx(1.0, abs=0.2)


def test_a_redirect_away_from_the_base_url_is_refused(server) -> None:
    with RecordedServer(Recorded()) as other:
        server.recorded.faults = {"/api/history/public": [("redirect", other.url + "/api/history/public")]}
        report = sync(MemoryStore(), "deepstate", options=SyncOptions(base_url=server.url, fetch=settings()))
        assert "not under a configured base URL" in report.failures[0]["error"]
        assert other.recorded.log == []  # nothing reached the other host
