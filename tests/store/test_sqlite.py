"""SQLiteStore: opening, schema versions, foreign files, transactions, payloads."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest

from frontlines.errors import SchemaVersionError, SnapshotNotFoundError, StoreError
from frontlines.hashing import content_hash
from frontlines.model import LayerKey, Provenance, Snapshot
from frontlines.store import SCHEMA_VERSION, SQLiteStore
from frontlines.store import payloads as codec

TABLES = {"meta", "payloads", "parts", "snapshots", "snapshot_layers", "steps", "layer_parts", "region_areas"}


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
        assert st._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert st.stats()["snapshots"] == 0
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
    if not readonly:  # a read-only connection to a WAL file may leave its -shm behind: harmless
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


def test_readonly_store_refuses_writes(tmp_path):
    path = tmp_path / "s.db"
    SQLiteStore(path).close()
    with SQLiteStore(path, readonly=True) as st:
        with pytest.raises(StoreError, match=f"store {path} is open read-only"):
            with st.transaction():
                pass  # pragma: no cover
        st.put_region_areas([(1, "russia:control", "oblast", "x", 1.0)])  # silently a no-op
    with SQLiteStore(path) as st:
        assert st._db.execute("SELECT count(*) FROM region_areas").fetchone()[0] == 0


def test_store_locked_by_another_writer(tmp_path):
    path = tmp_path / "s.db"
    SQLiteStore(path).close()
    other = sqlite3.connect(path, isolation_level=None)
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


# ------------------------------------------------------------------ transactions and payloads
def test_transaction_rolls_back_on_any_exception(tmp_path):
    with SQLiteStore(tmp_path / "s.db") as st:
        for exc in (ValueError("boom"), KeyboardInterrupt()):
            with pytest.raises(type(exc)):
                with st.transaction():
                    st.put_payload("h1", b"one", source="x", base=None)
                    with st.transaction():  # nested: part of the outer one
                        st.put_payload("h2", b"two", source="x", base=None)
                    raise exc
            assert not st.has_payload("h1") and not st.has_payload("h2")
        with st.transaction():
            st.put_payload("h1", b"one", source="x", base=None)
        assert st.get_payload("h1") == b"one"


def test_payload_round_trip_with_and_without_keyframe(tmp_path):
    base = b'{"type": "FeatureCollection", "features": [' + b"1.2345," * 5000 + b"]}"
    delta = base.replace(b"1.2345,", b"1.2346,", 10)
    with SQLiteStore(tmp_path / "s.db") as st:
        with st.transaction():
            st.put_payload(content_hash(base), base, source="x", base=None)
            st.put_payload(content_hash(delta), delta, source="x", base=(content_hash(base), base))
            st.put_payload(content_hash(delta), b"ignored: already stored", source="x", base=None)
        assert st.get_payload(content_hash(base)) == base
        assert st.get_payload(content_hash(delta)) == delta
        raw, stored = st.payload_bytes()
        assert raw == len(base) + len(delta)
        assert stored < len(base) / 20  # the delta costs almost nothing against its keyframe
        assert st.latest_keyframe("x") == (content_hash(base), 1)
        assert st.latest_keyframe("y") is None
        with pytest.raises(SnapshotNotFoundError, match="no payload deadbeef"):
            st.get_payload("deadbeef")


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


def test_snapshot_identity_and_delete_cascade(tmp_path):
    layer = LayerKey("russia", "control")
    with SQLiteStore(tmp_path / "s.db") as st:
        with st.transaction():
            st.put_payload("p1", b"1", source="t", base=None)
            sid = st.add_snapshot(_snapshot(1, "p1"), adapter="a", adapter_version=1, options={},
                                  parts={layer: [("part1", b"wkb", 12.5)]})
            st.put_step(layer, sid, None, 12.5, (12.5, b"g"), None)
        assert st.find_snapshot("t", dt.datetime(2024, 5, 1, 3, tzinfo=dt.timezone.utc), "p1") == sid
        assert st.find_snapshot("t", dt.datetime(2024, 5, 1, 4, tzinfo=dt.timezone.utc), "p1") is None
        assert st.layer_timeline("t", layer) == [(sid, dt.datetime(2024, 5, 1, 3, tzinfo=dt.timezone.utc), 12.5)]
        with pytest.raises(sqlite3.IntegrityError):  # (source, published_at, content_hash) is unique
            with st.transaction():
                st.add_snapshot(_snapshot(1, "p1"), adapter="a", adapter_version=1, options={}, parts={})
        with st.transaction():
            st.delete_snapshot(sid)
        counts = {t: st._db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("snapshots", "snapshot_layers", "layer_parts", "steps", "payloads", "parts")}
        assert counts == {"snapshots": 0, "snapshot_layers": 0, "layer_parts": 0, "steps": 0, "payloads": 1, "parts": 1}
        with pytest.raises(SnapshotNotFoundError, match=f"no snapshot with id {sid}"):
            st.snapshot(sid)


def test_snapshot_needs_its_payload(tmp_path):
    with SQLiteStore(tmp_path / "s.db") as st:
        with pytest.raises(sqlite3.IntegrityError):
            with st.transaction():
                st.add_snapshot(_snapshot(2, "missing"), adapter="a", adapter_version=1, options={}, parts={})
        assert st.snapshots() == []
