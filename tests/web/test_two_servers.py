"""Two ``frontlines serve`` processes on one PostgreSQL database answer alike, and see each other's writes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest

from frontlines import service
from frontlines.store import open_writer
from tests.store.test_store_contract import _first_files
from tests.web.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "two-servers-token"


def _serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-m", "frontlines", "serve", "--store", url, "--port", str(port),
                             "--token", TOKEN], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def _wait(base: str, proc: subprocess.Popen[bytes]) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60:
        if proc.poll() is not None:
            raise AssertionError(f"server ended: {proc.stderr.read().decode()[-800:]}")
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not start in 60 s")


def _comparable(path: str, body: bytes) -> bytes:
    """The answer with the fields that legitimately differ between two requests normalised.

    ``/api/sources`` carries two such fields, and only those are blanked:
    ``freshness.stale`` is ``now - newest map time > cadence``, so it depends on the clock of
    the moment of the request (it can flip between the two servers' answers), and
    ``store.file_bytes`` is ``pg_database_size``, which autovacuum changes (visibility-map
    and free-space-map forks) without any change of data. Every other byte must be equal.
    """
    if path != "/api/sources":
        return body
    doc = orjson.loads(body)
    assert isinstance(doc["store"]["file_bytes"], int) and doc["store"]["file_bytes"] > 0
    doc["store"]["file_bytes"] = None
    for src in doc["sources"]:
        assert src["freshness"]["source"] == src["source"]  # the store answers the sync tables
        src["freshness"]["stale"] = None
    return orjson.dumps(doc)


@pytest.mark.realdata
def test_two_servers_on_one_database_give_identical_json(pg_url, tmp_path):
    files = _first_files("deepstate-daily-2024-2026.tar.xz", 5, tmp_path)
    with open_writer(pg_url) as st:
        service.ingest(st, "deepstate-daily", files[:3], workers=1)
    ports = [free_port(), free_port()]
    procs = [_serve(pg_url, p) for p in ports]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    paths = ["/api/sources", "/api/snapshots", "/api/timeline", "/api/area?at=2030-01-01&by=oblast",
             "/api/change?from=2024-07-25&to=2030-01-01&by=oblast", "/api/layer.geojson?at=2030-01-01"]
    try:
        for base, proc in zip(bases, procs):
            _wait(base, proc)

        def answers() -> list[list[bytes]]:
            out = []
            for base in bases:
                got = []
                for path in paths:
                    r = httpx.get(base + path, timeout=60)
                    assert r.status_code == 200, (base, path, r.text[:300])
                    got.append(_comparable(path, r.content))
                out.append(got)
            return out

        first, second = answers()
        assert first == second
        assert b"secret" not in first[0] and b"postgres@" in first[0]  # the store is named without a password
        # an upload to one server is visible to the other at its next request
        r = httpx.post(bases[0] + "/api/ingest?adapter=deepstate-daily&filename=" + files[3].name,
                       content=files[3].read_bytes(), headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)
        assert r.status_code == 200, r.text[:300]
        assert httpx.get(bases[1] + "/api/health", timeout=10).json()["snapshots"] == 4
        # and so is a write by a third process (a CLI sync or ingest)
        with open_writer(pg_url) as st:
            service.ingest(st, "deepstate-daily", files[4:], workers=1)
        after_a, after_b = answers()
        assert after_a == after_b and after_a != first
        assert httpx.get(bases[0] + "/api/health", timeout=10).json()["snapshots"] == 5
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stderr.close()
