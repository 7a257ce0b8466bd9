"""Hostile and careless requests (issue 12): each gets a clean 4xx with ``{"error": ...}``, never a 500."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frontlines import service
from frontlines.web import create_app

from .conftest import BASE_URL

pytestmark = pytest.mark.realdata
TOKEN = "hostile-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: A small valid polygon (about 20,000 km² near Zaporizhzhia) in a FeatureCollection.
POLYGON = (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":'
           b'{"type":"Polygon","coordinates":[[[37,47],[36,48],[35,47],[37,47]]]}}]}')


@pytest.fixture()
def writable(small_store: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "w.db"
    shutil.copy(small_store, dst)
    return dst


@pytest.fixture()
def wclient(writable: Path):
    with TestClient(create_app(writable, token=TOKEN), base_url=BASE_URL, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def rclient(small_store: Path):
    with TestClient(create_app(small_store), base_url=BASE_URL, raise_server_exceptions=False) as c:
        yield c


def _content(store: Path) -> tuple[object, ...]:
    """What a store holds: its snapshots and data version."""
    st = service.open_reader(store)
    return (st.data_version, tuple((s["id"], s["source"], s["published_at"]) for s in service.snapshots(st)))


def _multipart(boundary: bytes, body_boundary: bytes, filename: bytes = b"a.geojson", header: bytes = b"") -> bytes:
    return (b"--" + body_boundary + b"\r\n" + header
            + b'Content-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n\r\n'
            + POLYGON + b"\r\n--" + body_boundary + b"--\r\n")


MALFORMED = {
    "missing boundary": ("multipart/form-data", _multipart(b"", b"abc")),
    "empty boundary": ("multipart/form-data; boundary=", _multipart(b"", b"abc")),
    "boundary mismatch": ("multipart/form-data; boundary=abc", _multipart(b"abc", b"xyz")),
    "NUL in file name": ("multipart/form-data; boundary=abc", _multipart(b"abc", b"abc", filename=b"a\x00.geojson")),
    "2 MiB part header": ("multipart/form-data; boundary=abc",
                          _multipart(b"abc", b"abc", header=b"X-Big: " + b"a" * (2 * 1024 * 1024) + b"\r\n")),
    "[] body": ("multipart/form-data; boundary=abc", b"[]"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_multipart_is_400(wclient: TestClient, writable: Path, case: str) -> None:
    ctype, body = MALFORMED[case]
    before = _content(writable)
    r = wclient.post("/api/ingest?adapter=files&layer=russia:control&date=2025-01-20&source_name=mine",
                     content=body, headers={**AUTH, "content-type": ctype})
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"error"} and r.json()["error"]
    assert _content(writable) == before  # nothing written


def test_well_formed_multipart_is_ingested(wclient: TestClient) -> None:
    """The control case of the above: the same body with a matching boundary is accepted."""
    ctype, body = "multipart/form-data; boundary=abc", _multipart(b"abc", b"abc")
    r = wclient.post("/api/ingest?adapter=files&layer=russia:control&date=2025-01-20&source_name=mine",
                     content=body, headers={**AUTH, "content-type": ctype})
    assert r.status_code == 200, r.text
    assert r.json()["snapshots_added"] == 1 and r.json()["sources"] == ["mine"]


def test_check_with_huge_integer_is_422(rclient: TestClient) -> None:
    r = rclient.post("/api/check", content=b'{"text": 123456789012345678901234567890}',
                     headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    doc = r.json()
    assert "text" in doc["error"]
    assert "123456789012345678901234567890" not in r.text  # the input is not echoed


def test_evidence_with_huge_integer_is_422(rclient: TestClient) -> None:
    """Found by schemathesis: orjson cannot hash a claim holding an integer beyond 64 bits."""
    r = rclient.post("/api/evidence.geojson", content=b'{"": -9223372036854775809}',
                     headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert set(r.json()) == {"error"}


@pytest.mark.parametrize("url", [
    "/api/series?from=9999-01-01&to=9999-12-31&freq=year",
    "/api/area?at=9999-12-31T23:59:59-01:00",
    "/api/area?at=0001-01-01T00:00:00%2B01:00",
    "/api/change?from=9999-12-30&to=9999-12-31",
    "/api/settlements?from=2025-01-01&to=9999-12-31",
    "/api/frontline?at=9999-12-31",
])
def test_dates_at_the_end_of_the_calendar_are_422(rclient: TestClient, url: str) -> None:
    r = rclient.get(url)
    assert r.status_code == 422, r.text
    assert "out of range" in r.json()["error"]


def test_latest_accepted_year_works(rclient: TestClient) -> None:
    """Year 9000 (the last accepted) with the zone furthest east still computes: no overflow in periods."""
    r = rclient.get("/api/series?from=8999-06-01&to=9000-12-31&freq=year&tz=Pacific/Kiritimati")
    assert r.status_code == 200, r.text
    assert [p["start"][:4] for p in r.json()["periods"]] == ["8998", "8999"]  # local years 8999, 9000


@pytest.mark.parametrize("args", [
    ["area", "--at", "9999-12-31T23:59:59-01:00"],
    ["series", "--from", "9999-01-01", "--to", "9999-12-31", "--freq", "year"],
])
def test_cli_end_of_calendar_is_one_line(small_store: Path, args: list[str]) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src"), "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "frontlines", *args, "--store", str(small_store)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and "out of range" in lines[0], lines


# -- POST /api/ingest?adapter=files takes the CLI's options ------------------------------------------------


@pytest.mark.parametrize(("query", "message"), [
    ("", "say which layer"),
    ("&layer=russia:control", "no date"),
    ("&layer=bad", "layer: layer 'bad'"),
    ("&layer=russia:control&date=notadate", "date: cannot read"),
    ("&layer_field=kind&map=x", "map 'x' is not VALUE=SIDE:STATUS"),
    ("&layer=russia:control&date=2025-01-20&source_name=mine&conflict=nope", "unknown conflict 'nope'"),
])
def test_ingest_options_refused_as_the_cli_does(wclient: TestClient, writable: Path, query: str, message: str) -> None:
    before = _content(writable)
    r = wclient.post(f"/api/ingest?adapter=files&filename=m.geojson{query}", content=POLYGON, headers=AUTH)
    assert r.status_code == 422, r.text
    assert message in r.json()["error"]
    assert _content(writable) == before


def test_ingest_files_with_layer_and_date(wclient: TestClient, writable: Path) -> None:
    r = wclient.post("/api/ingest?adapter=files&filename=m.geojson&layer=russia:control&date=2025-01-20T12:00:00Z"
                     "&source_name=mine", content=POLYGON, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["first"].startswith("2025-01-20T12:00")
    wclient.close()
    st = service.open_reader(writable)
    snaps = [s for s in service.snapshots(st, "mine")]
    assert len(snaps) == 1 and snaps[0]["layers"] == ["russia:control"]


def test_ingest_files_with_layer_field_and_map(wclient: TestClient, writable: Path) -> None:
    body = POLYGON.replace(b'"properties":{}', b'"properties":{"kind":"occ"}')
    r = wclient.post("/api/ingest?adapter=files&filename=m.geojson&layer_field=kind&map=occ=russia:control"
                     "&date=2025-01-20&source_name=mapped", content=body, headers=AUTH)
    assert r.status_code == 200, r.text
    area = wclient.get("/api/area?at=2025-01-21&source=mapped").json()
    # Independent reference: the geodesic area of the triangle from pyproj.Geod.
    from pyproj import Geod
    from shapely.geometry import Polygon

    ref = abs(Geod(ellps="WGS84").geometry_area_perimeter(Polygon([(37, 47), (36, 48), (35, 47)]))[0]) / 1e6
    assert area["area_km2"] == pytest.approx(ref, rel=2e-3)
