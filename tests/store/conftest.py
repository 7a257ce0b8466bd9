"""One fixture for every backend-agnostic store test: ``any_store`` runs it on SQLite and in memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from frontlines.store import MemoryStore, StoreWriter, open_writer

BACKENDS = ["sqlite", "memory"]


def make_store(kind: str, folder: Path) -> StoreWriter:
    """A new, empty store of the given backend (an SQLite file inside ``folder``)."""
    if kind == "sqlite":
        return open_writer(folder / "s.db")
    if kind == "memory":
        return MemoryStore()
    raise ValueError(f"unknown store backend {kind!r}")


@pytest.fixture(params=BACKENDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreWriter]:
    """A new, empty writable store: once SQLite, once in memory."""
    store = make_store(request.param, tmp_path)
    try:
        yield store
    finally:
        store.close()
