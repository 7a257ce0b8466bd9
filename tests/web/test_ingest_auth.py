"""Ingest over HTTP: token rules, size limits (413 before reading it all), zip checks, consistency."""

from __future__ import annotations

import io
import select
import socket
import threading
import time
import zipfile

import httpx
import pytest

from frontlines import service
from frontlines.web import create_app

from .conftest import BASE_URL, LiveServer

pytestmark = pytest.mark.realdata
TOKEN = "s3cret-token-for-tests"


@pytest.fixture()
def tclient(store_copy):
    from fastapi.testclient import TestClient

    with TestClient(create_app(store_copy, token=TOKEN, max_upload_bytes=8 * 1024 * 1024), base_url=BASE_URL) as c:
        yield c


def test_read_only_without_token(client, daily_split) -> None:
    data = daily_split[1][0].read_bytes()
    r = client.post("/api/ingest?adapter=deepstate-daily&filename=x.geojson", content=data,
                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 403 and "read-only" in r.json()["error"]


def test_token_rules(tclient, daily_split) -> None:
    p = daily_split[1][0]
    url = f"/api/ingest?adapter=deepstate-daily&filename={p.name}"
    r = tclient.post(url, content=p.read_bytes())
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert tclient.post(url, content=b"{}", headers={"Authorization": "Basic abc"}).status_code == 401
    assert tclient.post(url, content=b"{}", headers={"Authorization": "Bearer wrong"}).status_code == 403
    before = tclient.get("/api/health").json()["snapshots"]
    r = tclient.post(url, content=p.read_bytes(), headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.json()["snapshots_added"] == 1
    assert tclient.get("/api/health").json()["snapshots"] == before + 1
    # the same payload again adds nothing
    again = tclient.post(url, content=p.read_bytes(), headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert again["snapshots_added"] == 0 and again["duplicates_skipped"] == 1


def test_upload_keeps_the_redraws_and_change_faces_current(tclient, store_copy, daily_split) -> None:
    from frontlines.core.redraws import RedrawRules
    from frontlines.service.change_faces import face_index
    from frontlines.service.redraws import rules_digest

    p = daily_split[1][0]
    r = tclient.post(f"/api/ingest?adapter=deepstate-daily&filename={p.name}", content=p.read_bytes(),
                     headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.json()["snapshots_added"] == 1 and r.json()["redraw_steps"] >= 1  # the new step, as `frontlines ingest`
    with service.open_reader(store_copy) as st:
        sel = service.select(st)
        index = face_index(st, sel, None, rules_digest(RedrawRules()))
        assert index is not None and index.positions == len(sel.timeline)  # queries keep summing faces
        assert set(st.redraws(sel.layer, [sid for sid, _, _ in sel.timeline])) == {sid for sid, _, _ in sel.timeline[1:]}


def test_multipart_upload(tclient, daily_split) -> None:
    p = daily_split[1][1]
    r = tclient.post("/api/ingest?adapter=deepstate-daily", files={"file": (f"../../{p.name}", p.read_bytes())},
                     headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.json()["snapshots_added"] == 1


def test_bad_upload_is_a_clear_error(tclient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = tclient.post("/api/ingest?adapter=deepstate-daily&filename=deepstatemap_data_20250701.geojson",
                     content=b'{"type": "FeatureCollection", "features": [', headers=auth)
    assert r.status_code == 422 and "malformed" in r.json()["error"]
    assert "frontlines-upload-" not in r.json()["error"]  # no server temp paths
    assert tclient.post("/api/ingest?adapter=deepstate-daily", content=b"", headers=auth).status_code == 422
    assert tclient.post("/api/ingest?adapter=nonsense", content=b"x", headers=auth).status_code == 422


def test_upload_over_limit_by_header(tclient) -> None:
    r = tclient.post("/api/ingest?adapter=files&filename=a.geojson", content=b"x" * (8 * 1024 * 1024 + 1),
                     headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 413 and "limit" in r.json()["error"]


def test_upload_over_limit_streamed(store_copy) -> None:
    """Chunked body without Content-Length: answered 413 once the limit is passed, not read to its end."""
    app = create_app(store_copy, token=TOKEN, max_upload_bytes=1024 * 1024)
    with LiveServer(app) as srv, socket.create_connection(("127.0.0.1", srv.port), timeout=20) as sock:
        sock.sendall((f"POST /api/ingest?adapter=files&filename=a.geojson HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Authorization: Bearer {TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        sent = 0
        try:
            while sent < 256 * 1024 * 1024:
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
    assert "limit" in answer
    assert sent < 32 * 1024 * 1024, sent


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_traversal_and_bomb(tclient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    evil = _zip({"../../etc/cron.d/x.kml": b"<kml/>"})
    r = tclient.post("/api/ingest?adapter=files&filename=evil.kmz", content=evil, headers=auth)
    assert r.status_code == 422 and "unsafe path" in r.json()["error"]
    bomb = _zip({"doc.kml": b"\0" * (64 * 1024 * 1024)})
    assert len(bomb) < 8 * 1024 * 1024
    r = tclient.post("/api/ingest?adapter=files&filename=bomb.kmz", content=bomb, headers=auth)
    assert r.status_code == 413 and "zip bomb" in r.json()["error"]


def test_readers_see_old_or_new_state_during_ingest(store_copy, daily_split) -> None:
    """A reader polling area and the timeline while an ingest commits never sees a half-written store.

    Each response is one read transaction: it shows the store wholly before or wholly after
    the ingest, and once a reader has seen the new state it never sees the old one again.
    """
    app = create_app(store_copy)
    rest = daily_split[1][:120]  # one transaction of 120 snapshots (~5 s)

    def states(h: httpx.Client) -> tuple[tuple[int, float], tuple[int, int]]:
        a, t = h.get("/api/area?at=2030-01-01"), h.get("/api/timeline")
        assert a.status_code == 200 and t.status_code == 200, a.text + t.text
        tl = t.json()["snapshots"]
        return (a.json()["snapshot"]["id"], a.json()["area_km2"]), (len(tl), tl[-1][0])

    with LiveServer(app) as srv, httpx.Client(base_url=srv.url, timeout=30) as http:
        old = states(http)
        seen: list[tuple[tuple[int, float], tuple[int, int]]] = []
        errors: list[BaseException] = []
        done = threading.Event()

        def poll() -> None:
            try:
                with httpx.Client(base_url=srv.url, timeout=30) as h:
                    while not done.is_set():
                        seen.append(states(h))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        reader = threading.Thread(target=poll)
        reader.start()
        time.sleep(0.3)
        st = service.open_writer(store_copy)
        service.ingest(st, "deepstate-daily", rest, workers=1)
        st.close()
        time.sleep(0.5)
        done.set()
        reader.join(30)
        new = states(http)
    assert not errors, errors[:3]
    assert new[1][0] == old[1][0] + len(rest)
    assert len(seen) >= 5
    for k in (0, 1):
        observed = [s[k] for s in seen]
        assert set(observed) <= {old[k], new[k]}, set(observed) - {old[k], new[k]}
        first_new = observed.index(new[k]) if new[k] in observed else len(observed)
        assert all(o == new[k] for o in observed[first_new:]), "a reader went back to the old state"
    assert new[0][0] == new[1][1]  # the latest state is the last snapshot of the timeline
