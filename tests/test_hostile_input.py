"""Hostile input (issue 12, input side): each reproducer of the issue is a test here.

Crashes of native code are run in forked children (:mod:`tests.forked`), so that a
segfault fails the test instead of ending the run.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontlines import service
from frontlines.cli import main
from frontlines.errors import InputTooLargeError, SourceFormatError, UsageError
from frontlines.sources._payloads import Limits, iter_payloads, read_regular
from frontlines.sources._vector import GDAL_CONFIG, check_zip
from frontlines.sources.base import IngestOptions
from tests.forked import CRASH, run_forked
from tests.helpers import dump

SQ = [[30.0, 48.0], [31.0, 48.0], [31.0, 49.0], [30.0, 49.0], [30.0, 48.0]]
#: The reproducer of the issue: a polygon whose interior ring is empty (segfault in shapely.segmentize).
EMPTY_HOLE = (
    b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":'
    b'{"type":"Polygon","coordinates":[[[37,47],[36,48],[35,47],[37,47]],[]]}}]}'
)
#: File name each adapter reads (2024-05-01) and its extra options.
ADAPTERS = {
    "deepstate-history": ("1714521600.geojson", []),
    "deepstate-daily": ("deepstatemap_data_20240501.geojson", []),
    "isw": ("20240501_RussianAssessedCoTinUkraine.geojson", []),
    "nzz": ("nzz_2024-05-01.json", []),
    "files": ("map.geojson", ["--date", "2024-05-01", "--layer", "russia:control"]),
}


def good(props: dict | None = None) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Окуповано /// Occupied", "_dateto": "2024-05-01", "type": "nochange",
                                           **(props or {})},
         "geometry": {"type": "Polygon", "coordinates": [SQ]}}]}).encode()


def cli_forked(argv: list[str]) -> tuple[int, str]:
    """Exit code and stderr of the CLI run in a forked child (a crash is reported, not suffered)."""

    def run() -> tuple[int, str]:
        err = io.StringIO()
        real, sys.stderr = sys.stderr, err
        try:
            return main(argv), err.getvalue()
        finally:
            sys.stderr = real

    kind, value = run_forked(run)
    assert kind != CRASH, f"the CLI died (exit code {value})"
    assert kind == "ok", value
    return value


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store holding one good snapshot of each adapter's source."""
    path = tmp_path / "store.db"
    for adapter, (name, extra) in ADAPTERS.items():
        src = tmp_path / "good" / adapter / name
        src.parent.mkdir(parents=True)
        src.write_bytes(good())
        rc, err = cli_forked(["ingest", adapter, str(src), "--store", str(path), *extra])
        assert rc == 0, err
    return path


# ------------------------------------------------------------------ the segfault and its family
@pytest.mark.parametrize("adapter", list(ADAPTERS))
def test_empty_interior_ring_is_refused_by_every_adapter(adapter: str, store: Path, tmp_path: Path) -> None:
    name, extra = ADAPTERS[adapter]
    src = tmp_path / "bad" / name
    src.parent.mkdir()
    # deepstate-history reads only features of a known class, nzz needs its window: give them those properties
    props = {"deepstate-history": b'{"name":"Occupied"}', "nzz": b'{"_dateto":"2024-05-02","type":"gains"}'}
    src.write_bytes(EMPTY_HOLE.replace(b'"properties":{}', b'"properties":' + props.get(adapter, b"{}")))
    before = dump(store)
    rc, err = cli_forked(["ingest", adapter, str(src), "--store", str(store), *extra])
    assert rc == 1
    assert err.count("\n") == 1 and str(src) in err
    assert "feature 0: geometry.coordinates[1] is an empty ring" in err
    assert dump(store) == before


def test_empty_interior_ring_posted_to_the_web_api_is_a_422(store: Path) -> None:
    from fastapi.testclient import TestClient

    from frontlines.web import create_app

    before = dump(store)

    def post() -> tuple[int, dict]:
        with TestClient(create_app(store, token="t0ken"), base_url="http://127.0.0.1") as client:
            r = client.post("/api/ingest?adapter=deepstate-daily&filename=deepstatemap_data_20240502.geojson",
                            content=EMPTY_HOLE, headers={"Authorization": "Bearer t0ken"})
            return r.status_code, r.json()

    kind, value = run_forked(post)
    assert kind == "ok", value  # a crash here would be a killed web worker
    status, body = value
    assert status == 422
    assert "deepstatemap_data_20240502.geojson feature 0: geometry.coordinates[1] is an empty ring" in body["error"]
    assert "frontlines-upload-" not in body["error"]  # no server path
    assert dump(store) == before


def test_wkb_with_an_empty_ring_is_refused_before_geos_works_on_it() -> None:
    """GDAL turns the reproducer into WKB with an empty ring: the check on shapely geometries catches it too."""
    import shapely

    from frontlines.core.validate import polygon_parts
    from frontlines.errors import InvalidGeometryError

    geom = shapely.from_wkb(shapely.to_wkb(shapely.from_geojson(EMPTY_HOLE.split(b'"geometry":')[1][:-3])))
    with pytest.raises(InvalidGeometryError, match="polygon 0 ring 1 is an empty ring"):
        polygon_parts(geom, where="x.gpkg feature 0")


# ------------------------------------------------------------------ maps without area
@pytest.mark.parametrize(
    ("label", "geometries"),
    [
        ("null geometries only", [None, None]),
        ("points only", [{"type": "Point", "coordinates": [30, 48]}, {"type": "MultiPoint", "coordinates": [[30, 48]]}]),
        ("empty collection", [{"type": "GeometryCollection", "geometries": []}]),
    ],
)
def test_map_without_area_is_refused_unless_allowed(label: str, geometries: list, tmp_path: Path) -> None:
    src = tmp_path / "deepstatemap_data_20240501.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": g} for g in geometries]}))
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    with service.open_writer(tmp_path / "s.db") as writer:
        with pytest.raises(SourceFormatError, match=rf"^{src}: the map holds no area"):
            service.ingest(writer, "deepstate-daily", [src], options=IngestOptions(now=now))
        assert writer.snapshots() == []
        report = service.ingest(writer, "deepstate-daily", [src], options=IngestOptions(now=now, allow_empty=True))
        assert report.added == 1, label


# ------------------------------------------------------------------ GDAL indirection
class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        type(self).hits.append(self.path)
        body = json.dumps({"type": "FeatureCollection", "features": []}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 recording every request it gets."""
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", hits
    finally:
        srv.shutdown()
        srv.server_close()


SECRET = "TOP-SECRET-0x5ec"


def test_vrt_disguised_as_geojson_reads_no_other_file_and_opens_no_socket(server, tmp_path: Path) -> None:
    url, hits = server
    secret = tmp_path / "secret.csv"
    secret.write_text(f'WKT,label\n"POLYGON ((30 48,31 48,31 49,30 49,30 48))",{SECRET}\n')
    vrt = (
        f'<OGRVRTDataSource><OGRVRTLayer name="secret"><SrcDataSource>{secret}</SrcDataSource>'
        '<GeometryField encoding="WKT" field="WKT"/></OGRVRTLayer>'
        f'<OGRVRTLayer name="remote"><SrcDataSource>/vsicurl/{url}/remote.geojson</SrcDataSource></OGRVRTLayer>'
        "</OGRVRTDataSource>"
    )
    store = tmp_path / "s.db"
    for name, content in (("map.geojson", vrt),
                          ("wrapped.geojson", json.dumps({"type": "FeatureCollection", "features": [], "x": vrt})),
                          ("network.kml", '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                                          f'<NetworkLink><Link><href>{url}/link.kml</href></Link></NetworkLink>'
                                          f'<Placemark><styleUrl>{url}/style.kml#s</styleUrl><Polygon><outerBoundaryIs>'
                                          '<LinearRing><coordinates>30,48 31,48 31,49 30,49 30,48</coordinates></LinearRing>'
                                          '</outerBoundaryIs></Polygon></Placemark></Document></kml>')):
        src = tmp_path / name
        src.write_text(content)
        rc, err = cli_forked(["ingest", "files", str(src), "--store", str(store), "--date", "2024-05-01",
                              "--layer", "russia:control"])
        if name == "network.kml":  # a plain KML polygon is read; its links are not followed
            assert rc == 0, err
        else:
            assert rc == 1 and str(src) in err and ("refusing a file that names another data source" in err
                                                    or "cannot read as a vector file" in err), err
    assert hits == []
    assert SECRET.encode() not in store.read_bytes()
    assert not any(SECRET in row for row in dump(store))


def test_gdal_network_is_off_even_for_a_path_given_to_it_directly(server) -> None:
    """The GDAL configuration alone keeps /vsicurl/ from connecting (defence in depth behind the format check)."""
    import pyogrio
    import pyogrio.raw
    from pyogrio.errors import DataSourceError

    url, hits = server

    def read() -> str:
        pyogrio.set_gdal_config_options(GDAL_CONFIG)
        try:
            pyogrio.raw.read(f"/vsicurl/{url}/remote.geojson")
        except DataSourceError as exc:
            return str(exc)
        return "read"

    kind, value = run_forked(read)
    assert kind == "ok" and value != "read"
    assert hits == []


# ------------------------------------------------------------------ timestamps
@pytest.mark.parametrize(
    ("adapter", "name", "fragment"),
    [
        ("deepstate-history", "0000000001.geojson", "date 1970-01-01 is before the conflict's start (2022-02-24)"),
        ("deepstate-history", "1577836800.geojson", "date 2020-01-01 is before the conflict's start (2022-02-24)"),
        ("deepstate-history", "１７１４５２１６００.geojson", "no Unix time in the file name"),
        ("deepstate-daily", "deepstatemap_data_２０２４０５０１.geojson", "no date in the file name"),
        ("isw", "２０２４０５０１_RussianAssessedCoTinUkraine.geojson", "file name is not YYYYMMDD_<Layer>.geojson"),
    ],
)
def test_implausible_file_name_times_are_refused(adapter: str, name: str, fragment: str, tmp_path: Path) -> None:
    src = tmp_path / name
    src.write_bytes(good())
    rc, err = cli_forked(["ingest", adapter, str(src), "--store", str(tmp_path / "s.db")])
    assert rc == 1 and str(src) in err and fragment in err, err


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("map_0000000001.geojson", "before the conflict's start"), ("map_１７１４５２１６００.geojson", "non-ASCII")],
)
def test_files_adapter_refuses_early_unix_times_and_non_ascii_digits(name: str, fragment: str, tmp_path: Path) -> None:
    src = tmp_path / name
    src.write_bytes(good())
    rc, err = cli_forked(["ingest", "files", str(src), "--store", str(tmp_path / "s.db"), "--layer", "russia:control",
                          "--date-from-name", r"map_(.+)\.geojson"])
    assert rc == 1 and str(src) in err and fragment in err, err


# ------------------------------------------------------------------ bounded resources
def test_only_regular_files_are_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.geojson"
    os.mkfifo(fifo)
    for path, kind in ((Path("/dev/zero"), "a device"), (fifo, "a FIFO")):
        with pytest.raises(SourceFormatError, match=rf"^{path}: not a regular file \({kind}\)"):
            read_regular(path)  # a FIFO without a writer would block: it must not even be opened for reading
        rc, err = cli_forked(["ingest", "deepstate-daily", str(path), "--store", str(tmp_path / "s.db")])
        assert rc == 1 and "not a regular file" in err


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "deepstatemap_data_20240501.geojson"
    with open(big, "wb") as f:  # sparse: 2 GiB that take no disk
        f.truncate(2 * 1024**3)
    with pytest.raises(InputTooLargeError, match=r"exceeds the limit of 16,777,216 bytes"):
        read_regular(big)
    gz = tmp_path / "bomb.geojson.gz"
    gz.write_bytes(gzip.compress(b" " * (3 * 1024 * 1024), compresslevel=1))
    with pytest.raises(InputTooLargeError, match="decompressed size exceeds the limit of 1,048,576 bytes"):
        read_regular(gz, limit=1024 * 1024)


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tf:
        for k, v in members.items():
            info = tarfile.TarInfo(k)
            info.size = len(v)
            tf.addfile(info, io.BytesIO(v))
    return buf.getvalue()


def test_tar_members_and_totals_are_capped_while_reading(tmp_path: Path) -> None:
    mib = 1024 * 1024
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(_tar({"deepstatemap_data_20240501.geojson": good(), "deepstatemap_data_20240502.geojson": b" " * (2 * mib)}))
    payloads = iter_payloads([archive], ("*.geojson",), limits=Limits(payload_bytes=mib))
    assert next(payloads).name.endswith("20240501.geojson")  # the first member is read before the second is refused
    with pytest.raises(InputTooLargeError, match=r"20240502\.geojson: member of 2,097,152 bytes exceeds the limit"):
        next(payloads)
    skipped = tmp_path / "b.tar.gz"  # members that are not payloads count towards the total too
    skipped.write_bytes(_tar({f"junk{i}.bin": b"\0" * mib for i in range(3)}))
    with pytest.raises(InputTooLargeError, match=r"b\.tar\.gz: members add up to more than the limit of 2,097,152"):
        list(iter_payloads([skipped], ("*.geojson",), limits=Limits(total_bytes=2 * mib)))


def _forged_kmz(real: bytes, declared: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", real)
    data = bytearray(buf.getvalue())
    for at in (22, data.rfind(b"PK\x01\x02") + 24):  # uncompressed size in the local header and the central directory
        data[at : at + 4] = declared.to_bytes(4, "little")
    return bytes(data)


def test_kmz_with_forged_small_sizes_is_refused(tmp_path: Path) -> None:
    kml = b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>' + b" " * 5_000_000 + b"</Document></kml>"
    data = _forged_kmz(kml, 1000)
    with pytest.raises(InputTooLargeError, match=r"x\.kmz: member 'doc\.kml' expands past its declared size of 1,000 bytes"):
        check_zip(data, name="x.kmz")
    src = tmp_path / "forged.kmz"
    src.write_bytes(data)
    rc, err = cli_forked(["ingest", "files", str(src), "--store", str(tmp_path / "s.db"), "--date", "2024-05-01",
                          "--layer", "russia:control"])
    assert rc == 1 and str(src) in err and "expands past its declared size" in err


def test_limits_come_from_the_environment_and_bad_values_are_usage_errors() -> None:
    assert Limits.from_env({}) == Limits()
    raised = Limits.from_env({"FRONTLINES_MAX_PAYLOAD_MB": "100", "FRONTLINES_MAX_ARCHIVE_MB": "10000",
                              "FRONTLINES_MAX_ZIP_MEMBERS": "5", "FRONTLINES_MAX_POSITIONS": "7"})
    assert (raised.payload_bytes, raised.total_bytes, raised.zip_members, raised.positions) == (
        100 * 2**20, 10000 * 2**20, 5, 7)
    with pytest.raises(UsageError, match=r"\$FRONTLINES_MAX_PAYLOAD_MB must be a positive whole number, not '-1'"):
        Limits.from_env({"FRONTLINES_MAX_PAYLOAD_MB": "-1"})


def test_too_many_positions_in_one_geometry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTLINES_MAX_POSITIONS", "4")
    src = tmp_path / "deepstatemap_data_20240501.geojson"
    src.write_bytes(good())
    rc, err = cli_forked(["ingest", "deepstate-daily", str(src), "--store", str(tmp_path / "s.db")])
    assert rc == 1 and f"{src} feature 0: geometry has more than 4 positions" in err


PEAK = (
    "import resource, sys\n"
    "from frontlines.cli import main\n"
    "rc = main(sys.argv[1:])\n"
    "sys.stderr.write(f'MAXRSS_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n')\n"
    "sys.exit(rc)\n"
)


def peak_kb(argv: list[str]) -> tuple[int, int, str]:
    """Exit code, peak resident memory (kB) and stderr of the CLI in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    p = subprocess.run([sys.executable, "-c", PEAK, *argv], capture_output=True, text=True, env=env, timeout=300)
    kb = int(p.stderr.rsplit("MAXRSS_KB=", 1)[1])
    return p.returncode, kb, p.stderr


def test_peak_memory_stays_bounded_on_the_issue_reproducers(tmp_path: Path) -> None:
    """A tar.gz of zero-filled 100 MiB members, a 2 GiB file, /dev/zero: refused with < 1 GB resident."""
    archive = tmp_path / "zeros.tar.gz"
    with tarfile.open(archive, mode="w:gz", compresslevel=1) as tf:
        for i in range(3):
            info = tarfile.TarInfo(f"deepstatemap_data_2024050{i + 1}.geojson")
            info.size = 100 * 1024 * 1024
            tf.addfile(info, io.BytesIO(b"\0" * info.size))
    big = tmp_path / "deepstatemap_data_20240501.geojson"
    with open(big, "wb") as f:
        f.truncate(2 * 1024**3)
    for path in (archive, big, Path("/dev/zero")):
        rc, kb, err = peak_kb(["ingest", "deepstate-daily", str(path), "--store", str(tmp_path / "s.db")])
        assert rc == 1, err
        assert kb < 1024 * 1024, f"{path}: peak {kb / 1024:.0f} MiB"
