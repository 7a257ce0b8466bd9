"""DeepState sync against a recorded server: back-fill = ingesting the same files, then nothing new."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import shapely

from frontlines import service
from frontlines.core.redraws import RedrawRules
from frontlines.service.change_faces import face_index
from frontlines.service.redraws import rules_digest
from frontlines.service.sync import SyncOptions, compare_published, freshness, sync
from frontlines.sources.deepstate_classes import CONTROL
from frontlines.sources.fetch.deepstate import LICENCE
from frontlines.sources.fetch.http import FetchSettings
from frontlines.store import MemoryStore, SQLiteStore
from tests.helpers import geodesic_km2
from tests.sync.conftest import N_VERSIONS, published_figures, version_ids

FAST = FetchSettings(timeout=5, retries=3, backoff=0.01, max_backoff=0.05, rate=0, concurrency=2)


def opts(server, **kw) -> SyncOptions:
    return SyncOptions(base_url=server.url, fetch=kw.pop("fetch", FAST), **kw)


def _figures(store) -> dict[tuple[str, str], float]:
    out = {}
    for layer in store.source_layers("deepstate-history"):
        for _sid, when, area in store.layer_timeline("deepstate-history", layer):
            out[(when.isoformat(), str(layer))] = area
    return out


@pytest.mark.realdata
def test_backfill_equals_file_ingest_then_nothing_new(server, history_dir: Path, tmp_path: Path) -> None:
    ids = version_ids(history_dir)[:N_VERSIONS]
    with SQLiteStore(tmp_path / "sync.db") as st:
        report = sync(st, "deepstate", options=opts(server))
        assert report.ok, report.failures
        assert report.added == N_VERSIONS and report.listed == N_VERSIONS
        assert report.newest_map_time == dt.datetime.fromtimestamp(ids[-1], tz=dt.timezone.utc)
        synced = _figures(st)
        records = st.fetch_records("deepstate-history")
    with SQLiteStore(tmp_path / "files.db") as st:
        service.ingest(st, "deepstate-history", [history_dir / f"{i}.geojson" for i in ids], workers=1)
        from_files = _figures(st)
    assert synced.keys() == from_files.keys() and len(synced) >= N_VERSIONS
    for key, area in from_files.items():
        assert synced[key] == pytest.approx(area, abs=1e-6), key
    # provenance per snapshot
    assert [r["item"] for r in records] == [str(i) for i in ids]
    for r in records:
        assert r["url"] == f"{server.url}/api/history/{r['item']}/geojson"
        assert r["http_status"] == 200 and r["licence"] == LICENCE and r["etag"].startswith('"')
        assert r["last_modified"].endswith("GMT") and r["bytes"] == (history_dir / f"{r['item']}.geojson").stat().st_size

    # a second run: the list answers 304 to the conditional request, nothing else is fetched
    before = len(server.recorded.log)
    with SQLiteStore(tmp_path / "sync.db") as st:
        again = sync(st, "deepstate", options=opts(server))
        assert again.ok and again.added == 0 and again.not_modified
    new = server.recorded.log[before:]
    assert [p for _, p, _ in new] == ["/api/history/public"]
    assert new[0][2].get("If-None-Match", "").startswith('"')


@pytest.mark.realdata
def test_new_version_is_fetched_alone(server, history_dir: Path) -> None:
    st = MemoryStore()
    assert sync(st, "deepstate", options=opts(server)).added == N_VERSIONS
    spare = version_ids(history_dir)[N_VERSIONS]
    with server.recorded.lock:
        server.recorded.versions[spare] = ((history_dir / f"{spare}.geojson").read_bytes(), published_figures(spare))
    before = len(server.recorded.log)
    report = sync(st, "deepstate", options=opts(server))
    assert report.ok and report.added == 1 and report.already_stored == N_VERSIONS
    fetched = sorted(p for p in server.recorded.paths()[before:] if p != "/api/history/public")
    assert fetched == [f"/api/history/{spare}/areas", f"/api/history/{spare}/geojson"]


@pytest.mark.realdata
def test_since_and_dry_run(server, history_dir: Path) -> None:
    ids = version_ids(history_dir)[:N_VERSIONS]
    since = dt.datetime.fromtimestamp(ids[2], tz=dt.timezone.utc)
    st = MemoryStore()
    dry = sync(st, "deepstate", options=opts(server, since=since, dry_run=True))
    assert dry.would_fetch == [f"{server.url}/api/history/{i}/geojson" for i in ids[2:]]
    assert st.snapshot_count() == 0 and server.recorded.paths() == ["/api/history/public"]
    report = sync(st, "deepstate", options=opts(server, since=since))
    assert report.added == N_VERSIONS - 2
    assert [s.published_at for s in st.snapshots()] == [dt.datetime.fromtimestamp(i, tz=dt.timezone.utc) for i in ids[2:]]


@pytest.mark.realdata
def test_published_figures_stored_and_compared(server, history_dir: Path) -> None:
    st = MemoryStore()
    sync(st, "deepstate", options=opts(server))
    rows = compare_published(st)
    ids = version_ids(history_dir)[:N_VERSIONS]
    assert [r["item"] for r in rows] == [str(i) for i in ids]
    ours = {when: area for _, when, area in st.layer_timeline("deepstate-history", CONTROL)}
    for r, vid in zip(rows, ids):
        published = (100000.0 + vid % 1000) + 43000.25  # occupied after + before 24.02.2022, as served
        assert r["published_km2"] == pytest.approx(published)
        mine = ours[dt.datetime.fromtimestamp(vid, tz=dt.timezone.utc)]
        assert r["ours_km2"] == pytest.approx(mine, abs=1e-3)
        assert r["difference_km2"] == pytest.approx(mine - published, abs=2e-3)
        assert r["published"]["liberated"] == {"km2": 20000.0, "percent": 3.3}


@pytest.mark.realdata
def test_freshness(server, history_dir: Path) -> None:
    st = MemoryStore()
    sync(st, "deepstate", options=opts(server))
    newest = dt.datetime.fromtimestamp(version_ids(history_dir)[N_VERSIONS - 1], tz=dt.timezone.utc)
    [row] = freshness(st, now=newest + dt.timedelta(hours=47))
    assert row["source"] == "deepstate-history" and row["stale"] is False and row["last_fetched"]
    assert row["newest_map_time"] == newest.strftime("%Y-%m-%dT%H:%M:%SZ") and row["cadence_hours"] == 48
    [row] = freshness(st, now=newest + dt.timedelta(hours=49))
    assert row["stale"] is True


@pytest.mark.realdata
def test_versions_ingested_from_files_are_not_fetched(server, history_dir: Path) -> None:
    ids = version_ids(history_dir)[:N_VERSIONS]
    st = MemoryStore()
    service.ingest(st, "deepstate-history", [history_dir / f"{i}.geojson" for i in ids[:2]], workers=1)
    report = sync(st, "deepstate", options=opts(server))
    assert report.ok and report.added == N_VERSIONS - 2 and report.already_stored == 2
    maps = sorted(p for p in server.recorded.paths() if p.endswith("/geojson"))
    assert maps == sorted(f"/api/history/{i}/geojson" for i in ids[2:])


def _dissolved(store, sid: int, layer):
    return shapely.union_all(list(store.layer_parts(sid, layer).values()))


@pytest.mark.realdata
def test_sync_keeps_the_redraws_and_change_faces_current(server, history_dir: Path) -> None:
    st = MemoryStore()
    first = sync(st, "deepstate", options=opts(server))
    assert first.ok and first.added == N_VERSIONS and first.redraw_steps == N_VERSIONS - 1
    assert first.as_dict()["redraw_steps"] == N_VERSIONS - 1
    sel = service.select(st, "deepstate-history")
    assert face_index(st, sel, None, rules_digest(RedrawRules())) is not None  # current: queries sum faces
    spare = version_ids(history_dir)[N_VERSIONS]
    with server.recorded.lock:
        server.recorded.versions[spare] = ((history_dir / f"{spare}.geojson").read_bytes(), published_figures(spare))
    again = sync(st, "deepstate", options=opts(server))
    assert again.added == 1 and again.redraw_steps >= 1  # the new step (and its neighbours' reverts)
    sel = service.select(st, "deepstate-history")
    index = face_index(st, sel, None, rules_digest(RedrawRules()))
    assert index is not None and index.positions == N_VERSIONS + 1
    # the raw change over the whole timeline, from the faces, against a plain overlay measured with pyproj.Geod
    a, b = sel.timeline[0][0], sel.timeline[-1][0]
    got = service.change(st, start=sel.timeline[0][1], end=sel.timeline[-1][1], source="deepstate-history",
                         include_redraws=True)
    before, after = _dissolved(st, a, sel.layer), _dissolved(st, b, sel.layer)
    assert got.gained_km2 == pytest.approx(geodesic_km2(shapely.difference(after, before)), rel=1e-4, abs=0.05)
    assert got.lost_km2 == pytest.approx(geodesic_km2(shapely.difference(before, after)), rel=1e-4, abs=0.05)


@pytest.mark.realdata
def test_sync_without_redraws_leaves_them_to_derive(server) -> None:
    st = MemoryStore()
    report = sync(st, "deepstate", options=opts(server, redraws=False))
    assert report.added == N_VERSIONS and report.redraw_steps == 0
    sel = service.select(st, "deepstate-history")
    assert face_index(st, sel, None, rules_digest(RedrawRules())) is None
    assert service.derive_store_redraws(st) == N_VERSIONS - 1
    assert face_index(st, service.select(st, "deepstate-history"), None, rules_digest(RedrawRules())) is not None


@pytest.mark.realdata
def test_a_sync_with_nothing_new_completes_an_unfinished_redraw_stage(server) -> None:
    st = MemoryStore()
    assert sync(st, "deepstate", options=opts(server, redraws=False)).added == N_VERSIONS  # as if stopped in the stage
    again = sync(st, "deepstate", options=opts(server))
    assert again.added == 0 and again.redraw_steps == N_VERSIONS - 1
    assert face_index(st, service.select(st, "deepstate-history"), None, rules_digest(RedrawRules())) is not None
    third = sync(st, "deepstate", options=opts(server))
    assert third.added == 0 and third.redraw_steps == 0  # nothing left to classify
