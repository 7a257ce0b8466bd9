"""Host header check (DNS rebinding), body size limits, the ingest lock across worker processes, serve's options."""

from __future__ import annotations

import fcntl
import os
import select
import socket
import subprocess
import sys
import time

import httpx
import pytest

from frontlines.web import create_app
from frontlines.web.guard import allowed_host_set, host_name

from .conftest import BASE_URL, LiveServer, free_port

pytestmark = pytest.mark.realdata
TOKEN = "s3cret-token-for-tests"


def test_host_name_parsing() -> None:
    assert host_name("LOCALHOST:8000") == "localhost"
    assert host_name("[::1]:8000") == host_name("[::1]") == host_name("::1") == "::1"
    assert host_name("127.0.0.1") == "127.0.0.1"
    assert host_name("dash.example.") == "dash.example"
    assert allowed_host_set("127.0.0.1") == {"localhost", "127.0.0.1", "::1"}
    assert allowed_host_set("0.0.0.0", ["Dash.Example:80"]) == {"localhost", "127.0.0.1", "::1", "dash.example"}
    assert allowed_host_set("192.0.2.7") == {"localhost", "127.0.0.1", "::1", "192.0.2.7"}
    assert allowed_host_set("127.0.0.1", ["*"]) is None


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "[::1]", "LocalHost"])
def test_loopback_hosts_accepted(client, host: str) -> None:
    assert client.get("/api/health", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil.example",
                                  "[::2]:8000", "0.0.0.0:8000", "testserver", ""])
@pytest.mark.parametrize("path", ["/api/health", "/", "/static/app.js", "/api/area?at=2025-01-01", "/docs"])
def test_foreign_hosts_refused(client, host: str, path: str) -> None:
    r = client.get(path, headers={"host": host})
    assert r.status_code == 400, (host, path, r.status_code)
    body = r.json()
    assert "Host header" in body["error"] and "--allow-host" in body["error"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_foreign_host_refused_before_the_body_is_used(store_copy) -> None:
    from fastapi.testclient import TestClient

    with TestClient(create_app(store_copy, token=TOKEN), base_url=BASE_URL) as c:
        before = c.get("/api/health").json()["snapshots"]
        r = c.post("/api/ingest?adapter=files&filename=a.geojson", content=b"{}",
                   headers={"host": "evil.example", "Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 400
        assert c.post("/api/check", json={"text": "x"}, headers={"host": "evil.example"}).status_code == 400
        assert c.get("/api/health").json()["snapshots"] == before


def test_allowed_and_bound_hosts(base_store) -> None:
    from fastapi.testclient import TestClient

    with TestClient(create_app(base_store, host="192.0.2.7", allowed_hosts=["dash.example"]), base_url=BASE_URL) as c:
        for ok in ("dash.example", "DASH.example:8000", "192.0.2.7:8000", "localhost"):
            assert c.get("/api/health", headers={"host": ok}).status_code == 200, ok
        for bad in ("other.example", "dash.example.evil", "192.0.2.8"):
            assert c.get("/api/health", headers={"host": bad}).status_code == 400, bad
    with TestClient(create_app(base_store, allowed_hosts=["*"]), base_url="http://anything.example") as c:
        assert c.get("/api/health").status_code == 200


def test_no_host_header_refused(base_store) -> None:
    with LiveServer(create_app(base_store)) as srv, socket.create_connection(("127.0.0.1", srv.port), timeout=20) as s:
        s.sendall(b"GET /api/health HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer[:100]


def test_security_headers(client) -> None:
    page = client.get("/")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    api_ = client.get("/api/health")
    assert api_.headers["x-content-type-options"] == "nosniff" and api_.headers["referrer-policy"] == "no-referrer"
    assert "content-security-policy" not in api_.headers


def test_json_body_limit(client) -> None:
    from frontlines.web.app import MAX_JSON_BODY

    big = b'{"text": "' + b"x" * MAX_JSON_BODY + b'"}'
    r = client.post("/api/check", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["error"]
    r = client.post("/api/evidence.geojson", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    # Below the limit the body reaches the endpoint (which validates it).
    assert client.post("/api/check", json={"text": ""}).status_code == 422


def test_json_body_limit_streamed(base_store) -> None:
    """A chunked body without Content-Length is cut off once it passes the limit."""
    with LiveServer(create_app(base_store)) as srv, socket.create_connection(("127.0.0.1", srv.port), timeout=20) as sock:
        sock.sendall(b"POST /api/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        sent = 0
        try:
            while sent < 64 * 1024 * 1024:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered
                sock.sendall(chunk)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        while b"}" not in answer:
            got = sock.recv(65536)
            if not got:
                break
            answer += got
        answer = answer.decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert sent < 16 * 1024 * 1024, sent


def test_ingest_refused_while_another_process_ingests(store_copy, daily_split) -> None:
    from fastapi.testclient import TestClient

    p = daily_split[1][0]
    lock = os.open(store_copy.with_name(store_copy.name + ".ingest-lock"), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as another worker process of the server would
        with TestClient(create_app(store_copy, token=TOKEN), base_url=BASE_URL) as c:
            url = f"/api/ingest?adapter=deepstate-daily&filename={p.name}"
            auth = {"Authorization": f"Bearer {TOKEN}"}
            r = c.post(url, content=p.read_bytes(), headers=auth)
            assert r.status_code == 409 and "another ingest" in r.json()["error"]
            fcntl.flock(lock, fcntl.LOCK_UN)
            assert c.post(url, content=p.read_bytes(), headers=auth).status_code == 200
    finally:
        os.close(lock)


def test_serve_workers_and_allow_host(base_store) -> None:
    """`frontlines serve --workers 2 --allow-host NAME --gzip`: two processes, the name accepted, others refused,
    answers compressed."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "FRONTLINES_TOKEN"}
    srv = subprocess.Popen([sys.executable, "-m", "frontlines", "serve", "--store", str(base_store), "--port", str(port),
                            "--workers", "2", "--readers", "1", "--allow-host", "dash.example", "--gzip"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert srv.poll() is None, srv.stderr.read().decode()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        assert httpx.get(url + "/api/health", headers={"host": "dash.example"}).status_code == 200
        assert httpx.get(url + "/api/health", headers={"host": "evil.example"}).status_code == 400
        doc = httpx.get(url + "/api/frontline", params={"at": "2025-03-01"}, timeout=60).json()
        assert doc["length_km"] > 0
        r = httpx.get(url + "/api/frontline.geojson", params={"at": "2025-03-01", "tolerance": "0.1"}, timeout=60)
        assert r.headers["content-encoding"] == "gzip" and r.json()["features"]  # --gzip reaches the worker processes
        # Keep-alive requests are not held back by Nagle + delayed ACK (~40 ms each; uvicorn's
        # own --workers socket lacks TCP_NODELAY): /api/health answers in about a millisecond.
        with httpx.Client(base_url=url, timeout=10) as h:
            times = []
            for _ in range(8):
                t = time.perf_counter()
                assert h.get("/api/health").status_code == 200
                times.append(time.perf_counter() - t)
        assert min(times[1:]) < 0.025, times
        children = subprocess.run(["ps", "--ppid", str(srv.pid), "-o", "cmd="], capture_output=True, text=True).stdout
        assert children.count("multiprocessing") >= 2, children  # two workers (plus the resource tracker)
    finally:
        srv.terminate()
        try:
            out, _ = srv.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            srv.kill()
            out, _ = srv.communicate()
    assert b"2 workers x 1 readers; gzip" in out
