"""``frontlines sync`` / ``sources`` on the command line, and resuming after kill -9."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from frontlines.store import SQLiteStore
from tests.sync.conftest import N_VERSIONS, version_ids

pytestmark = pytest.mark.realdata
ROOT = Path(__file__).resolve().parents[2]
FAST = ["--rate", "0", "--retries", "1", "--timeout", "5"]


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "frontlines", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT)


def test_kill_9_mid_sync_then_resume(server, history_dir: Path, tmp_path: Path) -> None:
    ids = version_ids(history_dir)[:N_VERSIONS]
    store = tmp_path / "war.db"
    server.recorded.faults = {f"/api/history/{ids[2]}/geojson": [("sleep", 20)]}  # hangs on the third version
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen([sys.executable, "-m", "frontlines", "sync", "deepstate", "--store", str(store),
                             "--base-url", server.url, "--batch", "1", "--concurrency", "1", "--timeout", "30", *FAST[:2]],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and stored < 2:
            time.sleep(0.3)
            if store.exists():
                try:
                    with SQLiteStore(store, readonly=True) as st:
                        stored = len(st.fetch_records())
                except Exception:  # noqa: BLE001 - the file is being created: try again
                    stored = 0
        assert stored == 2, "the sync did not store two versions in time"
        while f"/api/history/{ids[2]}/geojson" not in server.recorded.paths():
            time.sleep(0.1)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    con = sqlite3.connect(store)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 2  # whole versions only
    con.close()
    before = len(server.recorded.log)
    res = run("sync", "deepstate", "--store", str(store), "--base-url", server.url, "--json", *FAST)
    assert res.returncode == 0, res.stderr
    [rep] = json.loads(res.stdout)["sync"]
    assert rep["new_snapshots"] == N_VERSIONS - 2 and rep["already_stored"] == 2
    fetched = {p for p in server.recorded.paths()[before:] if p.endswith("/geojson")}
    assert fetched == {f"/api/history/{i}/geojson" for i in ids[2:]}  # stored versions are not fetched again
    with SQLiteStore(store, readonly=True) as st:
        assert sorted(s.file_name for s in st.snapshots()) == sorted(f"{i}.geojson" for i in ids)


def test_sources_shows_freshness_and_comparison(server, tmp_path: Path) -> None:
    store = tmp_path / "war.db"
    res = run("sync", "--all", "--store", str(store), "--base-url", f"deepstate={server.url}",
              "--base-url", f"isw={server.arcgis_url}", *FAST)
    assert res.returncode == 0, res.stderr
    assert "deepstate: 5 new snapshots" in " ".join(res.stdout.split()) and "isw: 4 new snapshots" in " ".join(res.stdout.split())
    doc = json.loads(run("sources", "--store", str(store), "--json").stdout)
    fresh = {s["source"]: s["freshness"] for s in doc["sources"]}
    assert set(fresh) == {"deepstate-history", "isw"}
    assert fresh["isw"]["stale"] is True and fresh["isw"]["newest_map_time"] == "2022-09-01T23:00:00Z"
    assert fresh["deepstate-history"]["last_fetched"] and "DeepStateMap" in fresh["deepstate-history"]["licence"]
    text = " ".join(run("sources", "--store", str(store)).stdout.split())
    assert "stale" in text and "last fetched" in text
    cmp = json.loads(run("sources", "--store", str(store), "--compare-published", "--json").stdout)
    assert len(cmp["compared"]) == N_VERSIONS
    assert all(r["difference_km2"] == pytest.approx(r["ours_km2"] - r["published_km2"], abs=2e-3) for r in cmp["compared"])
    assert "DeepState's published occupied area vs ours" in run("sources", "--store", str(store), "--compare-published").stdout


def test_sync_classifies_redraws_unless_told_not_to(server, tmp_path: Path) -> None:
    res = run("sync", "deepstate", "--store", str(tmp_path / "a.db"), "--base-url", server.url, "--json", *FAST)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["sync"][0]["redraw_steps"] == N_VERSIONS - 1
    res = run("sync", "deepstate", "--store", str(tmp_path / "b.db"), "--base-url", server.url, "--no-redraws", *FAST)
    assert res.returncode == 0, res.stderr
    assert "classified" not in res.stdout
    with SQLiteStore(tmp_path / "b.db") as st:
        assert st.redraws(st.latest_snapshot("deepstate-history").primary, [s.id for s in st.snapshots()]) == {}


def test_dry_run_writes_nothing(server, tmp_path: Path) -> None:
    store = tmp_path / "none.db"
    res = run("sync", "deepstate", "--store", str(store), "--base-url", server.url, "--dry-run", *FAST)
    assert res.returncode == 0, res.stderr
    assert "would fetch 5" in res.stdout and not store.exists()


@pytest.mark.parametrize("args,message", [
    (["sync"], "name a source"),
    (["sync", "liveuamap"], "unknown sync source 'liveuamap'"),
    (["sync", "deepstate", "--base-url", "ftp://mirror"], "must start with http:// or https://"),
    (["sync", "--all", "--base-url", "http://a"], "with several sources write SOURCE=URL"),
    (["sync", "deepstate", "--since", "yesterdayish"], "--since"),
])
def test_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    res = run(*args, "--store", str(tmp_path / "x.db"))
    assert res.returncode == 2 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.db").exists()


def test_failures_exit_1(server, tmp_path: Path) -> None:
    server.recorded.faults = {"/api/history/public": [("status", 500)] * 3}
    res = run("sync", "deepstate", "--store", str(tmp_path / "x.db"), "--base-url", server.url, *FAST)
    assert res.returncode == 1 and "failed:" in res.stdout and "HTTP 500" in res.stdout
    assert res.stderr.strip().splitlines() == ["error: sync: 1 item(s) failed (listed above); run again to retry them"]
