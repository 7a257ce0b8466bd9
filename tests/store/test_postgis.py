"""The PostgreSQL/PostGIS store beyond the shared contract: errors, concurrency, crashes, GIS views, copy.

Runs against the throwaway cluster of ``tests/pgserver.py`` (``pg_server``); real data
from the first DeepState daily files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
import shapely

from frontlines import service
from frontlines.core.geodesy import area_km2
from frontlines.errors import SchemaVersionError, StoreError
from frontlines.hashing import content_hash
from frontlines.store import MemoryStore, open_reader, open_writer
from frontlines.store.location import resolve_store
from frontlines.store.pgconn import redact
from frontlines.store.postgis import _SCHEMA_V1, SCHEMA_VERSION, PostGISStore
from tests import pgserver
from tests.store.test_store_contract import _first_files

ROOT = Path(__file__).resolve().parents[2]
N = 8


@pytest.fixture(scope="module")
def daily8(tmp_path_factory) -> list[Path]:
    """The first eight real DeepState daily files."""
    return _first_files("deepstate-daily-2024-2026.tar.xz", N, tmp_path_factory.mktemp("daily8"))


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


# ------------------------------------------------------------------ connection errors
def test_unreachable_server_is_one_clear_error(pg_server):
    url = f"postgresql://postgres@127.0.0.1:{pgserver._free_port()}/nothing"
    with pytest.raises(StoreError, match="server unreachable"):
        open_reader(url)


def test_wrong_password_is_named_and_never_printed(pg_server):
    url = pg_server.url("postgres", user=pgserver.PASSWORD_USER, password="wrong-secret-123")
    with pytest.raises(StoreError, match="wrong user name or password") as err:
        open_reader(url)
    assert "wrong-secret-123" not in str(err.value)
    # and the CLI's one line names the store without the password
    done = subprocess.run([sys.executable, "-m", "frontlines", "sources", "--store", url],
                          capture_output=True, text=True, env=_env(), timeout=60)
    assert done.returncode == 1
    assert "wrong user name or password" in done.stderr and "wrong-secret-123" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_redact_keeps_user_host_database_and_tls_mode_only():
    url = "postgresql://analyst:hunter2@db.example:5433/frontlines?sslmode=verify-full&sslrootcert=/etc/ca.pem"
    assert redact(url) == "postgresql://analyst@db.example:5433/frontlines?sslmode=verify-full"
    assert "hunter2" not in redact("host=db password=hunter2 dbname=x")


def test_tls_options_pass_through_to_libpq(pg_server):
    # the test server has no TLS: sslmode=require must reach libpq and fail there, by name
    with pytest.raises(StoreError, match="(?i)ssl"):
        open_reader(pg_server.url("postgres") + "?sslmode=require")
    with open_writer(pg_server.new_database() + "?sslmode=disable") as st:
        assert st.snapshot_count() == 0


def test_database_without_postgis(pg_server):
    url = pg_server.new_database(postgis=False)
    with pytest.raises(StoreError, match="has no PostGIS"):
        open_reader(url)
    # a role that may not create extensions gets the same clear error from a writer
    pg_server.sql(f"GRANT ALL ON DATABASE {url.rsplit('/', 1)[1]} TO {pgserver.PASSWORD_USER}")
    low = url.replace("postgres@", f"{pgserver.PASSWORD_USER}:{pgserver.PASSWORD}@")
    with pytest.raises(StoreError, match="has no PostGIS.*CREATE EXTENSION postgis"):
        open_writer(low)


def test_reader_of_an_empty_database_creates_nothing(pg_url):
    with pytest.raises(StoreError, match="no frontlines tables"):
        open_reader(pg_url)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('snapshots')").fetchone()[0] is None


def test_schema_newer_than_the_program(pg_url):
    open_writer(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE frontlines_meta SET value='99' WHERE key='schema_version'")
    for opener in (open_reader, open_writer):
        with pytest.raises(SchemaVersionError, match=f"schema version 99; this frontlines reads up to {SCHEMA_VERSION}"):
            opener(pg_url)


def test_version_1_database_is_migrated_to_the_sync_tables(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute(_SCHEMA_V1)
        conn.execute("INSERT INTO frontlines_meta VALUES('schema_version', '1')")
    with pytest.raises(StoreError, match="needs migrating from version 1"):
        open_reader(pg_url)
    with open_writer(pg_url) as st:
        assert st.schema_version == SCHEMA_VERSION == 10
        st.set_sync_state("isw", {"last_success": "2025-06-01T12:00:00Z"})
    with open_reader(pg_url) as st:
        assert st.sync_state("isw") == {"last_success": "2025-06-01T12:00:00Z"}
    with psycopg.connect(pg_url) as conn:
        comments = conn.execute("SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid=d.objoid"
                                " WHERE c.relname IN ('sync_fetches','sync_state','published_areas')"
                                " AND d.objsubid=0").fetchone()[0]
        assert comments == 3


def test_store_location_from_env_and_settings_file(tmp_path, monkeypatch):
    monkeypatch.delenv("FRONTLINES_STORE", raising=False)
    settings = tmp_path / "settings.toml"
    settings.write_text('store = "postgresql://analyst@db/frontlines?sslmode=require"\n')
    monkeypatch.setenv("FRONTLINES_SETTINGS", str(settings))
    assert resolve_store(None) == "postgresql://analyst@db/frontlines?sslmode=require"
    monkeypatch.setenv("FRONTLINES_STORE", "postgresql://other@db2/x")
    assert resolve_store(None) == "postgresql://other@db2/x"  # the environment wins over the file
    assert resolve_store(str(tmp_path / "a.db")) == tmp_path / "a.db"  # --store wins over both


# ------------------------------------------------------------------ GIS views
@pytest.mark.realdata
def test_gis_views_give_each_layer_state_and_each_change(daily8, pg_url):
    with open_writer(pg_url) as st:
        service.ingest(st, "deepstate-daily", daily8[:3], workers=1)
        sel = service.select(st)
        first, last = sel.timeline[0][0], sel.timeline[-1][0]
        parts = st.layer_parts(last, sel.layer)
        steps = st.steps(sel.layer, [last], geometry=True)
    with psycopg.connect(pg_url) as conn:
        wkb, srid, kind = conn.execute(
            "SELECT ST_AsBinary(geom), ST_SRID(geom), GeometryType(geom) FROM layer_state"
            " WHERE snapshot_id=%s AND layer=%s", (last, str(sel.layer))).fetchone()
        assert (srid, kind) == (4326, "MULTIPOLYGON")
        # the view's geometry is the layer's parts; its area by our own rules is the stored area
        geom = shapely.from_wkb(bytes(wkb))
        assert len(shapely.get_parts(geom)) == len(parts)
        assert area_km2(geom) == pytest.approx(sel.timeline[-1][2], rel=1e-6)
        rows = conn.execute("SELECT change, area_km2, ST_AsBinary(geom) FROM step_changes WHERE to_id=%s AND layer=%s",
                            (last, str(sel.layer))).fetchall()
        by_kind = {k: (a, shapely.from_wkb(bytes(g))) for k, a, g in rows}
        _from, g_km2, l_km2, g_wkb, _l_wkb = steps[last]
        assert by_kind["gained"][0] == g_km2 and area_km2(by_kind["gained"][1]) == pytest.approx(g_km2, abs=1e-6)
        assert shapely.equals(by_kind["gained"][1], shapely.from_wkb(g_wkb))
        assert conn.execute("SELECT count(*) FROM step_changes WHERE to_id=%s", (first,)).fetchone()[0] == 0
        comments = conn.execute("SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid=d.objoid"
                                " WHERE c.relname IN ('snapshots','parts','steps','layer_state','step_changes')"
                                " AND d.objsubid=0").fetchone()[0]
        assert comments == 5  # documented in the database, for whoever opens it in QGIS or psql


# ------------------------------------------------------------------ concurrency
@pytest.mark.realdata
def test_concurrent_writers_lose_and_duplicate_nothing(daily8, pg_url):
    open_writer(pg_url).close()
    errors: list[BaseException] = []
    reports = []

    def ingest(files: list[Path]) -> None:
        try:
            with open_writer(pg_url) as st:
                reports.append(service.ingest(st, "deepstate-daily", files, workers=1))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            errors.append(exc)

    # overlapping halves, in opposite orders, at the same time
    threads = [threading.Thread(target=ingest, args=(daily8[:5],)),
               threading.Thread(target=ingest, args=(daily8[3:][::-1],))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert sum(r.added for r in reports) == N and sum(r.duplicates for r in reports) == 2
    with open_reader(pg_url) as st:
        snaps = st.snapshots()
        assert len(snaps) == N
        assert len({(s.source, s.published_at, s.content_hash) for s in snaps}) == N
        assert {s.content_hash for s in snaps} == {content_hash(p.read_bytes()) for p in daily8}
        sel = service.select(st)
        ids = [sid for sid, _, _ in sel.timeline]
        # the steps form one chain in time order, whichever writer added which snapshot
        links = st.step_links(sel.layer, ids)
        assert [links[i] for i in ids] == [None, *ids[:-1]]
        assert st.data_version == 2  # creating the schema changes no data; each ingest bumps it once


@pytest.mark.realdata
def test_reader_during_ingest_sees_before_or_after_never_half(daily8, pg_url):
    with open_writer(pg_url) as st:
        service.ingest(st, "deepstate-daily", daily8[:2], workers=1)
    seen: set[tuple[int, int]] = set()
    stop = threading.Event()
    reader = open_reader(pg_url)

    def watch() -> None:
        while not stop.is_set():
            with reader.read_view() as version:
                count = reader.snapshot_count()
                time.sleep(0.01)  # a commit may land here: the view must not see it
                layers = sum(1 for s in reader.snapshots() for _ in s.layers)
                areas = [a for _, _, a in reader.layer_timeline("deepstate-daily", service.select(reader).layer)]
                assert reader.snapshot_count() == count and None not in areas
                seen.add((version, count, layers > 0))

    t = threading.Thread(target=watch)
    t.start()
    try:
        with open_writer(pg_url) as st:
            service.ingest(st, "deepstate-daily", daily8[2:], workers=1)
        time.sleep(0.1)
    finally:
        stop.set()
        t.join(timeout=60)
        reader.close()
    counts = {c for _, c, _ in seen}
    assert counts <= {2, N} and N in counts, counts


@pytest.mark.realdata
def test_kill_9_of_a_writer_leaves_nothing_half_written(daily8, pg_url, tmp_path):
    with open_writer(pg_url) as st:
        service.ingest(st, "deepstate-daily", daily8[:2], workers=1)
        version = st.data_version
    folder = tmp_path / "rest"
    folder.mkdir()
    for p in daily8[2:]:
        (folder / p.name).symlink_to(p)
    cmd = [sys.executable, "-m", "frontlines", "ingest", "deepstate-daily", str(folder), "--store", pg_url,
           "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(), start_new_session=True)
    try:
        t0 = time.monotonic()
        with psycopg.connect(pg_url, autocommit=True) as watch:
            # wait until the writer holds the write lock: its transaction is open (an ingest parses
            # first, outside any lock, and then writes everything in that one transaction)
            while time.monotonic() - t0 < 120 and proc.poll() is None:
                row = watch.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND granted AND objid=%s",
                    (0x66726F6E,)).fetchone()
                if row[0]:
                    break
                time.sleep(0.005)
        assert proc.poll() is None, f"ingest ended before it could be killed: {proc.stderr.read().decode()[-500:]}"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    with open_writer(pg_url) as st:  # the server rolled the dead writer back and freed its lock
        assert st.snapshot_count() == 2 and st.data_version == version
        report = service.ingest(st, "deepstate-daily", daily8, workers=1)
        assert (report.added, report.duplicates) == (N - 2, 2)
        assert st.snapshot_count() == N


# ------------------------------------------------------------------ copy
@pytest.mark.realdata
def test_copy_between_every_pair_of_backends_is_exact(daily8, pg_server, tmp_path):
    with open_writer(tmp_path / "a.db") as a:
        service.ingest(a, "deepstate-daily", daily8[:6], workers=1)
        ref = service.change(a, start="2024-07-25", end="2030-01-01", by="oblast").as_dict()
        ref_area = service.area(a, at="2030-01-01", by="oblast").as_dict()
    pg = pg_server.new_database()
    done = subprocess.run([sys.executable, "-m", "frontlines", "copy", "--from", str(tmp_path / "a.db"), "--to", pg,
                           "--json"], capture_output=True, text=True, env=_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    assert '"copied": 6' in done.stdout and '"verified": 6' in done.stdout
    with open_reader(pg) as b:
        assert service.change(b, start="2024-07-25", end="2030-01-01", by="oblast").as_dict() == ref
        assert service.area(b, at="2030-01-01", by="oblast").as_dict() == ref_area
        # PostgreSQL -> memory -> a new SQLite file: still the same figures
        mem = MemoryStore()
        assert service.copy_store(b, mem).copied == 6
    with open_writer(tmp_path / "c.db") as c:
        assert service.copy_store(mem, c).verified == 6
        assert service.change(c, start="2024-07-25", end="2030-01-01", by="oblast").as_dict() == ref
    # copying again adds nothing; merging newer snapshots into the copy re-derives the chain
    with open_reader(tmp_path / "a.db") as a, open_writer(pg) as b:
        report = service.copy_store(a, b)
        assert (report.copied, report.skipped) == (0, 6)
    with open_writer(tmp_path / "d.db") as d:
        service.ingest(d, "deepstate-daily", daily8[4:], workers=1)
        with open_writer(pg) as b:
            report = service.copy_store(d, b)
            assert (report.copied, report.skipped) == (2, 2)
            sel = service.select(b)
            ids = [sid for sid, _, _ in sel.timeline]
            links = b.step_links(sel.layer, ids)
            assert len(ids) == N and [links[i] for i in ids] == [None, *ids[:-1]]


def test_copy_to_the_same_store_is_a_usage_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "frontlines", "copy", "--from", str(tmp_path / "a.db"),
                           "--to", str(tmp_path / "a.db")], capture_output=True, text=True, env=_env(), timeout=60)
    assert done.returncode == 2 and "same store" in done.stderr


def test_urls_open_a_postgis_store_named_without_its_password(pg_server):
    url = pg_server.new_database().replace("postgres@", "postgres:not-needed-pw@")
    with open_writer(url) as st:
        assert isinstance(st, PostGISStore)
        assert st.stats()["path"] == redact(url) and "not-needed-pw" not in st.stats()["path"]
