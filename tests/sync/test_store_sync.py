"""The sync tables on both stores, and the migration of a version-1 store."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from frontlines.store import MemoryStore, SQLiteStore
from frontlines.store.sqlite import _SCHEMA_V1, SCHEMA_VERSION

T = dt.datetime(2025, 6, 1, 12, 30, tzinfo=dt.timezone.utc)
RECORD = {"source": "deepstate-history", "item": "1748781000", "url": "http://x/api/history/1748781000/geojson",
          "fetched_at": "2025-06-01T13:00:00Z", "http_status": 200, "etag": '"abc"', "last_modified": None,
          "licence": "terms", "content_hash": "h1", "published_at": "2025-06-01T12:30:00Z", "bytes": 123}


@pytest.fixture(params=["sqlite", "memory"])
def store(request, tmp_path: Path):
    st = SQLiteStore(tmp_path / "s.db") if request.param == "sqlite" else MemoryStore()
    yield st
    st.close()


def test_sync_tables_round_trip(store) -> None:
    v0 = store.data_version
    store.put_fetch_record(RECORD)
    store.put_fetch_record({**RECORD, "item": "1", "published_at": "2020-01-01T00:00:00Z"})
    assert [r["item"] for r in store.fetch_records()] == ["1", "1748781000"]
    assert store.fetch_records("deepstate-history")[1] == RECORD and store.fetch_records("isw") == []
    store.set_sync_state("isw", {"etag:x": '"e"', "edit:x": "2025-01-01T00:00:00Z"})
    store.set_sync_state("isw", {"etag:x": None})
    assert store.sync_state("isw") == {"edit:x": "2025-01-01T00:00:00Z"} and store.sync_state("other") == {}
    store.put_published_areas("deepstate-history", "1748781000", T, [("liberated", 1.5, 0.1), ("unspecified", 2.0, None)])
    assert store.published_areas("deepstate-history") == [
        ("1748781000", T, "liberated", 1.5, 0.1), ("1748781000", T, "unspecified", 2.0, None)]
    assert store.data_version == v0 + 5  # every write commits and is seen by readers


def test_rolled_back_with_the_transaction(store) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.put_fetch_record(RECORD)
            store.set_sync_state("deepstate-history", {"last_success": "now"})
            raise RuntimeError
    assert store.fetch_records() == [] and store.sync_state("deepstate-history") == {}


def test_version_1_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    con = sqlite3.connect(path)
    con.executescript(_SCHEMA_V1)
    con.execute("INSERT INTO meta VALUES('schema_version', '1')")
    con.commit()
    con.close()
    with pytest.raises(Exception, match="needs migrating"):
        SQLiteStore(path, readonly=True)
    with SQLiteStore(path) as st:
        assert st.schema_version == SCHEMA_VERSION == 2
        st.put_fetch_record(RECORD)
    with SQLiteStore(path, readonly=True) as st:
        assert st.fetch_records() == [RECORD]
