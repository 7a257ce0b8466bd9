"""The sync tables on every store (SQLite, memory, PostGIS), and the migration of a version-1 store."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from frontlines.errors import StoreError
from frontlines.store import SQLiteStore
from frontlines.store.sqlite import _SCHEMA_V1, SCHEMA_VERSION
from tests.store.conftest import BACKENDS, make_store

T = dt.datetime(2025, 6, 1, 12, 30, tzinfo=dt.timezone.utc)
RECORD = {"source": "deepstate-history", "item": "1748781000", "url": "http://x/api/history/1748781000/geojson",
          "fetched_at": "2025-06-01T13:00:00Z", "http_status": 200, "etag": '"abc"', "last_modified": None,
          "licence": "terms", "content_hash": "h1", "published_at": "2025-06-01T12:30:00Z", "bytes": 123}


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path: Path):
    st = make_store(request.param, tmp_path, request)
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
    store.set_sync_state("isw", {"etag:x": None})  # removes nothing: no change, no new data version
    store.put_published_areas("isw", "1", T, [])
    assert store.data_version == v0 + 5
    # insert or replace: the same item again replaces its row
    store.put_fetch_record({**RECORD, "http_status": 304, "etag": None})
    store.set_sync_state("isw", {"edit:x": "2026-01-01T00:00:00Z"})
    store.put_published_areas("deepstate-history", "1748781000", T, [("liberated", 3.0, None)])
    assert store.fetch_records("deepstate-history")[1] == {**RECORD, "http_status": 304, "etag": None}
    assert store.sync_state("isw") == {"edit:x": "2026-01-01T00:00:00Z"}
    assert store.published_areas("deepstate-history")[0] == ("1748781000", T, "liberated", 3.0, None)
    assert len(store.published_areas("deepstate-history")) == 2


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
    with pytest.raises(StoreError, match="needs migrating"):
        SQLiteStore(path, readonly=True)
    with SQLiteStore(path) as st:
        assert st.schema_version == SCHEMA_VERSION == 11
        st.put_fetch_record(RECORD)
    with SQLiteStore(path, readonly=True) as st:
        assert st.fetch_records() == [RECORD]


def test_copy_adds_the_sync_rows_the_destination_lacks(store) -> None:
    from frontlines import service
    from frontlines.store import MemoryStore

    src = MemoryStore()
    src.put_fetch_record(RECORD)
    src.set_sync_state("deepstate-history", {"last_success": "2025-06-01T13:00:00Z", "list_etag": '"L"'})
    src.put_published_areas("deepstate-history", "1748781000", T, [("liberated", 1.5, 0.1)])
    store.set_sync_state("deepstate-history", {"last_success": "2026-01-01T00:00:00Z"})  # the destination's own
    service.copy_store(src, store)
    assert store.fetch_records() == [RECORD]
    assert store.sync_state("deepstate-history") == {"last_success": "2026-01-01T00:00:00Z", "list_etag": '"L"'}
    assert store.published_areas("deepstate-history") == [("1748781000", T, "liberated", 1.5, 0.1)]
    version = store.data_version
    service.copy_store(src, store)  # again: nothing to add, nothing written
    assert store.data_version == version
