"""The first filling of a new SQLite store: written in rollback-journal mode, then WAL.

A store file that its writer created is filled by its first transaction with snapshots
without a WAL (pages added past the end of the file need no journal, so the data is
written once, not to the WAL and again by the checkpoint); once it holds snapshots the
writer switches to WAL, so that readers never wait for it again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from frontlines import service
from frontlines.store import SQLiteStore

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def daily_files(deepstate_daily_dir: Path) -> list[Path]:
    return sorted(deepstate_daily_dir.glob("*.geojson"))[:3]


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def journal_mode(store: SQLiteStore) -> str:
    return str(store._db.execute("PRAGMA journal_mode").fetchone()[0])


def snapshot_count(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT count(*) FROM snapshots").fetchone()[0])
    finally:
        con.close()


def test_a_new_store_is_filled_without_a_wal_then_switches_to_wal(daily_files, tmp_path):
    path = tmp_path / "new.db"
    with service.open_writer(path) as writer:
        seen: list[tuple[str, list[str]]] = []
        with writer.transaction():
            service.ingest(writer, "deepstate-daily", daily_files[:2], workers=1, derive="primary", region_levels=0)
            seen.append((journal_mode(writer), siblings(path)))
        # during the filling: a rollback journal beside the file, no WAL
        assert seen == [("delete", ["new.db", "new.db-journal"])]
        # filled: WAL from now on (before any reader comes), the journal gone
        assert journal_mode(writer) == "wal" and "new.db-journal" not in siblings(path)
        service.ingest(writer, "deepstate-daily", daily_files[2:], workers=1, derive="primary", region_levels=0)
        assert siblings(path) == ["new.db", "new.db-shm", "new.db-wal"]  # later writes go to the WAL
    assert siblings(path) == ["new.db"]  # at rest: rollback-journal mode, as every store
    assert snapshot_count(path) == 3


def test_a_failed_filling_leaves_the_new_store_byte_for_byte(daily_files, tmp_path):
    path = tmp_path / "new.db"
    with service.open_writer(path) as writer:
        before = path.read_bytes()  # the empty store: schema only
        with pytest.raises(RuntimeError, match="stop"):
            with writer.transaction():
                service.ingest(writer, "deepstate-daily", daily_files, workers=1, derive="primary", region_levels=0)
                assert writer.stats()["snapshots"] == 3
                raise RuntimeError("stop")
        assert path.read_bytes() == before  # rolled back: the pages added past the end are cut off
        assert journal_mode(writer) == "delete" and siblings(path) == ["new.db"]
        # and the next filling still goes without a WAL, and commits
        service.ingest(writer, "deepstate-daily", daily_files, workers=1, derive="primary", region_levels=0)
        assert journal_mode(writer) == "wal"
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    assert snapshot_count(path) == 3


def test_a_store_the_writer_did_not_create_is_written_in_wal_mode(daily_files, tmp_path):
    path = tmp_path / "made-before.db"
    SQLiteStore(path).close()  # created (schema only) by another writer
    with service.open_writer(path) as writer:
        with writer.transaction():
            service.ingest(writer, "deepstate-daily", daily_files[:1], workers=1, derive="primary", region_levels=0)
            assert journal_mode(writer) == "wal"  # readers of an existing file never wait for the writer


def test_a_reader_of_the_new_store_sees_the_filling_once_committed(daily_files, tmp_path):
    path = tmp_path / "new.db"
    with service.open_writer(path) as writer:
        reader = service.open_reader(path)  # opened on the empty store before the filling
        try:
            assert reader.stats()["snapshots"] == 0
            service.ingest(writer, "deepstate-daily", daily_files, workers=1, derive="primary", region_levels=0)
            assert reader.stats()["snapshots"] == 3
            # the switch to WAL waited for no reader: the reader held no read transaction
            assert journal_mode(writer) == "wal"
        finally:
            reader.close()
