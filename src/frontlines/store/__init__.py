"""Durable snapshots and derived tables.

:class:`~frontlines.store.sqlite.SQLiteStore` is the embedded default: one SQLite
file, WAL journal while a writer is open, each ingest one transaction.
:class:`~frontlines.store.memory.MemoryStore` keeps everything in memory (tests, one-off
analyses). Both implement :class:`~frontlines.store.protocols.StoreReader` and
:class:`~frontlines.store.protocols.StoreWriter`.

Open a file with :func:`open_reader` (queries: creates and writes nothing) or
:func:`open_writer` (ingest, reindex, derive: creates the file unless told not to).
A ``postgresql://`` URL opens :class:`~frontlines.store.postgis.PostGISStore` instead
(the team store; needs the ``postgres`` extra).
"""

from __future__ import annotations

from pathlib import Path

from frontlines.cache import Cache
from frontlines.store.memory import MemoryStore
from frontlines.store.pgconn import is_postgres_url
from frontlines.store.protocols import StoreReader, StoreWriter
from frontlines.store.sqlite import (
    DEFAULT_CACHE_BYTES,
    SCHEMA_VERSION,
    SQLiteStore,
    default_store_path,
)

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "SCHEMA_VERSION",
    "MemoryStore",
    "SQLiteStore",
    "StoreReader",
    "StoreWriter",
    "default_store_path",
    "is_postgres_url",
    "open_reader",
    "open_writer",
]


def open_reader(path: str | Path, *, immutable: bool = False, cache: Cache | None = None) -> StoreReader:
    """Open an existing store for reading only.

    Nothing is created or written: a missing file is an error, and no folder, ``-wal``
    or ``-shm`` file is made. A store whose folder is not writable opens too (then
    ``immutable=1``, as SQLite cannot make the WAL index such a store may need).

    Parameters
    ----------
    path : str or Path
        The store file, or a ``postgresql://`` URL.
    immutable : bool
        Open ``immutable=1`` at once: SQLite takes no locks and writes nothing. Only for
        files nothing writes while they are open.
    cache : Cache, optional
        A cache shared with other readers of the same file (the web server's pool).

    Returns
    -------
    SQLiteStore
        Read-only: every write raises :class:`~frontlines.errors.StoreError`.

    Raises
    ------
    StoreError
        When the file does not exist or is not a frontlines store (naming the path).
    """
    if is_postgres_url(path):
        from frontlines.store.postgis import PostGISStore

        return PostGISStore(str(path), readonly=True, cache=cache)
    return SQLiteStore(path, readonly=True, immutable=immutable, cache=cache)


def open_writer(path: str | Path, *, create: bool = True) -> StoreWriter:
    """Open a store for writing, creating it (and its folder) unless ``create`` is false.

    Parameters
    ----------
    path : str or Path
        The store file, or a ``postgresql://`` URL.
    create : bool
        When false, a missing file is a :class:`~frontlines.errors.StoreError` naming it
        (``reindex`` and ``derive`` work on an existing store).

    Returns
    -------
    SQLiteStore
    """
    if is_postgres_url(path):
        from frontlines.store.postgis import PostGISStore

        return PostGISStore(str(path), create=create)
    return SQLiteStore(path, create=create)
