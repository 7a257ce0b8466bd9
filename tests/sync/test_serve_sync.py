"""``serve --sync-every`` picks up a new version while readers keep answering."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.sync.conftest import published_figures, version_ids
from tests.sync.server import Recorded, RecordedServer

pytestmark = pytest.mark.realdata
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - 127.0.0.1 only
        return r.status, json.loads(r.read())


def _snapshots(base: str) -> int:
    try:
        _, doc = _get(base + "/api/sources")
    except OSError:
        return -1
    return sum(s["snapshots"] for s in doc["sources"])


def test_serve_sync_every_picks_up_a_new_version(history_dir: Path, tmp_path: Path) -> None:
    ids = version_ids(history_dir)
    rec = Recorded(versions={i: ((history_dir / f"{i}.geojson").read_bytes(), published_figures(i)) for i in ids[:2]})
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with RecordedServer(rec) as upstream:
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        proc = subprocess.Popen(
            [sys.executable, "-m", "frontlines", "serve", "--store", str(tmp_path / "live.db"), "--port", str(port),
             "--workers", "1", "--sync-every", "1s", "--sync", "deepstate", "--sync-base-url", upstream.url],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 120
            while _snapshots(base) != 2 and time.monotonic() < deadline:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.3)
            assert _snapshots(base) == 2
            statuses: list[int] = []
            stop = threading.Event()

            def read() -> None:
                while not stop.is_set():
                    for path in ("/api/health", "/api/timeline", "/api/sources"):
                        statuses.append(_get(base + path)[0])

            readers = [threading.Thread(target=read) for _ in range(2)]
            for t in readers:
                t.start()
            with rec.lock:
                rec.versions[ids[2]] = ((history_dir / f"{ids[2]}.geojson").read_bytes(), published_figures(ids[2]))
            while _snapshots(base) != 3 and time.monotonic() < deadline:
                time.sleep(0.2)
            stop.set()
            for t in readers:
                t.join()
            _, doc = _get(base + "/api/sources")
            [src] = doc["sources"]
            assert src["snapshots"] == 3 and src["freshness"]["last_fetched"]
            assert src["freshness"]["newest_map_time"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ids[2]))
            assert len(statuses) > 10 and set(statuses) == {200}
            # the version list was polled repeatedly but each map fetched once (one sync at a time)
            maps = [p for p in rec.paths() if p.endswith("/geojson")]
            assert sorted(maps) == sorted(f"/api/history/{i}/geojson" for i in ids[:3])
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
