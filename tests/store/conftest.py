"""One fixture for every backend-agnostic store test: ``any_store`` runs it on SQLite, in memory and in PostGIS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from frontlines.store import MemoryStore, StoreWriter, open_writer

BACKENDS = ["sqlite", "memory", "postgis"]


def make_store(kind: str, folder: Path, request: pytest.FixtureRequest | None = None) -> StoreWriter:
    """A new, empty store of the given backend (an SQLite file inside ``folder``, a new PostgreSQL database)."""
    if kind == "sqlite":
        return open_writer(folder / "s.db")
    if kind == "memory":
        return MemoryStore()
    if kind == "postgis":
        if request is None:
            raise ValueError("a postgis store needs the test's request (for the pg_server fixture)")
        return open_writer(request.getfixturevalue("pg_server").new_database())
    raise ValueError(f"unknown store backend {kind!r}")


@pytest.fixture(params=BACKENDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreWriter]:
    """A new, empty writable store: once SQLite, once in memory, once in PostgreSQL/PostGIS."""
    store = make_store(request.param, tmp_path, request)
    try:
        yield store
    finally:
        store.close()
