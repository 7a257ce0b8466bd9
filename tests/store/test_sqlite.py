"""SQLiteStore only: opening, schema versions, foreign files, journal modes, OS-level read-only files.

The backend-agnostic contract (transactions, payloads, snapshots, data version) is in
test_store_contract.py and runs on SQLite and in memory.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import frontlines
from frontlines.errors import SchemaVersionError, StoreError
from frontlines.hashing import content_hash
from frontlines.model import LayerKey, Provenance, Snapshot
from frontlines.store import SCHEMA_VERSION, SQLiteStore, open_reader, open_writer
from frontlines.store import payloads as codec
from tests.helpers import skip_or_fail

TABLES = {"meta", "payloads", "parts", "snapshots", "snapshot_layers", "steps", "layer_parts", "region_areas",
          "sync_fetches", "sync_state", "published_areas", "redraw_steps", "redraw_pieces", "settlement_index",
          "redraw_unions", "layer_unions", "change_faces", "layer_geojson"}


def tables(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")} - {"sqlite_sequence"}
    finally:
        con.close()


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_new_store_has_schema_and_wal(tmp_path):
    path = tmp_path / "deep" / "er" / "s.db"
    with SQLiteStore(path) as st:
        assert st.schema_version == SCHEMA_VERSION
        with st.transaction():
            pass
        # a store its writer created stays in rollback-journal mode until it holds snapshots
        # (its first filling: tests/store/test_first_filling.py)
        assert st._db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert st.stats()["snapshots"] == 0
    with SQLiteStore(path) as st:
        assert st._db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # until something is written
        with st.transaction():
            pass
        assert st._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert tables(path) == TABLES
    # reopening does not migrate again
    with SQLiteStore(path) as st:
        assert st.schema_version == SCHEMA_VERSION


def test_zero_length_file_becomes_a_store(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with SQLiteStore(path) as st:
        assert st.schema_version == SCHEMA_VERSION


def _bump_schema(path: Path, version: int) -> None:
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))
    con.commit()
    con.close()


@pytest.mark.parametrize("readonly", [False, True])
def test_newer_schema_is_refused_naming_both_versions(readonly, tmp_path):
    path = tmp_path / "s.db"
    SQLiteStore(path).close()
    newer = SCHEMA_VERSION + 1
    _bump_schema(path, newer)
    before = path.read_bytes()
    with pytest.raises(SchemaVersionError) as info:
        SQLiteStore(path, readonly=readonly)
    msg = str(info.value)
    assert str(path) in msg
    assert f"schema version {newer}" in msg and f"reads up to {SCHEMA_VERSION}" in msg
    assert isinstance(info.value, StoreError)
    assert path.read_bytes() == before
    assert siblings(path) == ["s.db"]


def test_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE birds(name TEXT)")
    con.execute("INSERT INTO birds VALUES ('kestrel')")
    con.commit()
    con.close()
    before = path.read_bytes()
    for readonly in (False, True):
        with pytest.raises(StoreError, match="is an SQLite file but not a frontlines store") as info:
            SQLiteStore(path, readonly=readonly)
        assert str(path) in str(info.value)
    # not switched to WAL (that rewrites the header), no -wal / -shm left behind
    assert path.read_bytes() == before
    assert siblings(path) == ["other.sqlite"]
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert con.execute("SELECT name FROM birds").fetchall() == [("kestrel",)]
    con.close()


@pytest.mark.parametrize("readonly", [False, True])
def test_random_bytes_file_is_a_store_error_with_the_path(readonly, tmp_path):
    path = tmp_path / "noise.db"
    data = os.urandom(8192)
    path.write_bytes(data)
    with pytest.raises(StoreError) as info:
        SQLiteStore(path, readonly=readonly)
    assert f"cannot open store {path}" in str(info.value)
    assert "not a database" in str(info.value)
    assert type(info.value) is StoreError
    assert path.read_bytes() == data


def test_text_file_is_a_store_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("SQLite format 3 but not really\n" * 200)
    with pytest.raises(StoreError, match=f"cannot open store {path}"):
        SQLiteStore(path)


def test_readonly_missing_store(tmp_path):
    path = tmp_path / "nothing.db"
    with pytest.raises(StoreError, match=f"store {path} does not exist"):
        SQLiteStore(path, readonly=True)
    assert not path.exists()


def test_open_reader_of_a_missing_store_creates_nothing(tmp_path):
    path = tmp_path / "no" / "such" / "dir" / "x.db"
    with pytest.raises(StoreError, match=f"store {path} does not exist"):
        open_reader(path)
    assert list(tmp_path.iterdir()) == []


def test_open_writer_without_create_refuses_a_missing_store(tmp_path):
    path = tmp_path / "sub" / "x.db"
    with pytest.raises(StoreError, match=f"store {path} does not exist"):
        open_writer(path, create=False)
    assert list(tmp_path.iterdir()) == []
    with open_writer(path) as st:  # creates the folder and the file
        assert st.schema_version == SCHEMA_VERSION
    assert path.is_file()


def test_at_rest_the_file_is_in_rollback_journal_mode_and_readers_leave_nothing(tmp_path):
    path = tmp_path / "s.db"
    open_writer(path).close()  # created before: the writer below switches to WAL
    with open_writer(path) as st:
        with st.transaction():
            st.put_payload("p1", b"1", source="t", base=None)
        assert st._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["s.db", "s.db-shm", "s.db-wal"]
    assert siblings(path) == ["s.db"]
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    with open_reader(path) as st:
        assert st.has_payload("p1") and not st.immutable
    assert siblings(path) == ["s.db"]
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_a_writer_that_writes_nothing_leaves_the_file_byte_for_byte(tmp_path):
    path = tmp_path / "s.db"
    with open_writer(path) as st:
        with st.transaction():
            st.put_payload("p1", b"1", source="t", base=None)
    before = path.read_bytes()
    with open_writer(path) as st:
        assert st.has_payload("p1")  # opened, read, never written: no journal-mode switch either
    assert path.read_bytes() == before and siblings(path) == ["s.db"]


def test_a_writer_leaves_wal_mode_on_when_readers_are_open(tmp_path):
    path = tmp_path / "s.db"
    open_writer(path).close()
    writer = open_writer(path)
    reader = open_reader(path)
    try:
        with writer.transaction():
            writer.put_payload("p1", b"1", source="t", base=None)
        writer.close()  # cannot switch back: the reader still has the file open
        assert reader.has_payload("p1")
    finally:
        reader.close()
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT count(*) FROM payloads").fetchone()[0] == 1
    finally:
        con.close()


def test_readonly_store_refuses_writes(tmp_path):
    path = tmp_path / "s.db"
    SQLiteStore(path).close()
    with open_reader(path) as st:
        with pytest.raises(StoreError, match=f"store {path} is open read-only"):
            with st.transaction():
                pass  # pragma: no cover
        with pytest.raises(StoreError, match=f"store {path} is open read-only"):
            st.put_region_areas([(1, "russia:control", "oblast", "x", 1.0)])
    with SQLiteStore(path) as st:
        assert st._db.execute("SELECT count(*) FROM region_areas").fetchone()[0] == 0


def test_store_locked_by_another_writer(tmp_path):
    path = tmp_path / "s.db"
    SQLiteStore(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode=WAL")  # as a frontlines writer does
    other.execute("BEGIN IMMEDIATE")
    try:
        with SQLiteStore(path) as st:
            st._db.execute("PRAGMA busy_timeout=50")
            with pytest.raises(StoreError, match=f"store {path} is locked"):
                with st.transaction():
                    pass  # pragma: no cover
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_store_locked_while_switching_to_wal(tmp_path, monkeypatch):
    monkeypatch.setattr(SQLiteStore, "BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "s.db"
    SQLiteStore(path).close()
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN EXCLUSIVE")  # a rollback-journal writer in the middle of a transaction
    try:
        with pytest.raises(StoreError, match=f"store {path} is locked by another writer"):
            SQLiteStore(path)
    finally:
        other.execute("ROLLBACK")
        other.close()


# ------------------------------------------------------------------ SQLite-specific storage
def test_payload_delta_against_its_keyframe_costs_little(tmp_path):
    base = b'{"type": "FeatureCollection", "features": [' + b"1.2345," * 5000 + b"]}"
    delta = base.replace(b"1.2345,", b"1.2346,", 10)
    with SQLiteStore(tmp_path / "s.db") as st:
        with st.transaction():
            st.put_payload(content_hash(base), base, source="x", base=None)
            st.put_payload(content_hash(delta), delta, source="x", base=(content_hash(base), base))
        raw, stored = st.payload_bytes()
        assert raw == len(base) + len(delta)
        assert stored < len(base) / 20  # the delta costs almost nothing against its keyframe
        assert st.get_payload(content_hash(delta)) == delta


def test_codec_needs_the_same_base():
    base = b"abc" * 1000
    data = b"abd" * 1000
    assert codec.decompress(codec.compress(data, base), base) == data
    assert codec.decompress(codec.compress(data)) == data


def _snapshot(day: int, digest: str) -> Snapshot:
    return Snapshot(
        source="t",
        conflict="ukraine",
        published_at=dt.datetime(2024, 5, day, 3, tzinfo=dt.timezone.utc),
        provenance=Provenance(f"f{day}.geojson", digest),
        layers={LayerKey("russia", "control"): ()},
        primary=LayerKey("russia", "control"),
        notes={"n": day},
    )


def test_delete_cascades_through_the_tables(tmp_path):
    layer = LayerKey("russia", "control")
    with SQLiteStore(tmp_path / "s.db") as st:
        with st.transaction():
            st.put_payload("p1", b"1", source="t", base=None)
            sid = st.add_snapshot(_snapshot(1, "p1"), adapter="a", adapter_version=1, options={},
                                  parts={layer: [("part1", b"wkb", 12.5)]})
            st.put_step(layer, sid, None, 12.5, (12.5, b"g"), None)
        with st.transaction():
            st.delete_snapshot(sid)
        counts = {t: st._db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("snapshots", "snapshot_layers", "layer_parts", "steps", "payloads", "parts")}
        assert counts == {"snapshots": 0, "snapshot_layers": 0, "layer_parts": 0, "steps": 0, "payloads": 1, "parts": 1}


def test_a_layer_naming_a_part_not_stored_is_refused_on_reading(tmp_path):
    """A layer's parts are one row of hashes (schema 11, no foreign key per part): a part it names that
    is not stored (a damaged store) is an error naming the store, not a missing polygon."""
    import shapely

    layer = LayerKey("russia", "control")
    square = shapely.to_wkb(shapely.box(30, 48, 31, 49))
    with SQLiteStore(tmp_path / "s.db") as st:
        with st.transaction():
            st.put_payload("p1", b"1", source="t", base=None)
            sid = st.add_snapshot(_snapshot(1, "p1"), adapter="a", adapter_version=1, options={},
                                  parts={layer: [("part1", square), ("part2", b"")]})  # part2 never sent
    with SQLiteStore(tmp_path / "s.db", readonly=True) as st:
        with pytest.raises(StoreError, match=r"s\.db is damaged: 1 part\(s\) named by a layer are not stored \(e\.g\. part2\)"):
            st.layer_parts(sid, layer)


def test_a_write_transaction_reuses_what_it_read_until_it_writes(tmp_path):
    """Inside a write transaction a timeline read twice with no write between is read once (derive stages
    read the same timelines for every step); any write, a rolled-back transaction, or the end of the
    transaction makes the next read see the store as it is."""
    layer = LayerKey("russia", "control")

    def add(st: SQLiteStore, day: int) -> int:
        st.put_payload(f"p{day}", b"x", source="t", base=None)
        return st.add_snapshot(_snapshot(day, f"p{day}"), adapter="a", adapter_version=1, options={},
                               parts={layer: [(f"part{day}", b"wkb", 1.0)]})

    with SQLiteStore(tmp_path / "s.db") as st:
        reads: list[str] = []
        st._db.set_trace_callback(lambda sql: reads.append(sql) if "FROM snapshots s JOIN" in sql else None)
        with st.transaction():
            first = add(st, 1)
            timeline = st.layer_timeline("t", layer)
            assert [sid for sid, _, _ in timeline] == [first]
            assert st.layer_timeline("t", layer) == timeline and len(reads) == 1  # no write since: read once
            second = add(st, 2)
            assert [sid for sid, _, _ in st.layer_timeline("t", layer)] == [first, second]  # the write is seen
        with pytest.raises(RuntimeError), st.transaction():
            add(st, 3)
            assert len(st.layer_timeline("t", layer)) == 3
            raise RuntimeError("rolled back")
        with st.transaction():
            assert [sid for sid, _, _ in st.layer_timeline("t", layer)] == [first, second]
            st.delete_snapshot(second)
            assert [sid for sid, _, _ in st.layer_timeline("t", layer)] == [first]
        assert [sid for sid, _, _ in st.layer_timeline("t", layer)] == [first]


def test_data_version_is_a_meta_row(tmp_path):
    path = tmp_path / "s.db"
    with SQLiteStore(path) as st:
        with st.transaction():
            st.put_payload("p1", b"1", source="t", base=None)
        with st.transaction():
            st.put_payload("p2", b"2", source="t", base=None)
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT value FROM meta WHERE key='data_version'").fetchone() == ("2",)
    finally:
        con.close()


# ------------------------------------------------------------------ files read-only at the OS level
# Tests run as root, and root ignores permission bits; ``setpriv`` runs a child without
# the capabilities that let root do so (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER).
_READER = """
import json, sys
from frontlines.store import open_reader, open_writer
from frontlines.errors import StoreError
path = sys.argv[1]
with open_reader(path) as st:
    out = {"payload": st.get_payload("p1").decode(), "immutable": st.immutable, "version": st.data_version}
try:
    open_writer(path)
except StoreError as exc:
    out["writer_error"] = str(exc)
print(json.dumps(out))
"""


def _without_dac(args: list[str]) -> subprocess.CompletedProcess[str]:
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        skip_or_fail("setpriv (util-linux) is needed to drop root's permission override")
    cmd = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", *args]
    env = {**os.environ, "PYTHONPATH": str(Path(frontlines.__file__).parents[1])}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_reader_opens_a_store_in_a_read_only_folder(journal, tmp_path):
    folder = tmp_path / "ro"
    path = folder / "s.db"
    with open_writer(path) as st:
        with st.transaction():
            st.put_payload("p1", b"kept", source="t", base=None)
    if journal == "wal":  # as a killed writer or an older frontlines leaves it
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        con.close()
    assert siblings(path) == ["s.db"]
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        probe = _without_dac(["touch", str(folder / "probe")])
        assert probe.returncode != 0, "the child can still write the folder: the test would prove nothing"
        done = _without_dac([sys.executable, "-c", _READER, str(path)])
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["payload"] == "kept" and out["version"] == 1
    # a WAL file needs its -shm index, which a read-only folder cannot hold: immutable=1
    assert out["immutable"] is (journal == "wal")
    assert str(path) in out["writer_error"]
    assert siblings(path) == ["s.db"]
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_immutable_reader_takes_no_lock_and_writes_nothing(tmp_path):
    path = tmp_path / "s.db"
    with open_writer(path) as st:
        with st.transaction():
            st.put_payload("p1", b"kept", source="t", base=None)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    with open_reader(path, immutable=True) as st:
        assert st.immutable and st.get_payload("p1") == b"kept"
        with pytest.raises(StoreError, match="read-only"):
            with st.transaction():
                pass  # pragma: no cover
    assert siblings(path) == ["s.db"]
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
