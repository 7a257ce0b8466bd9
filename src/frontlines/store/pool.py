"""Read-only store connections for the web app, one consistent view per request.

Each request checks a reader (:func:`frontlines.store.open_reader`) out of a small
pool and opens a read view on it: one read transaction (in WAL mode every read of the
request sees one state of the file, so an ingest or ``frontlines derive`` committing
meanwhile is seen wholly or not at all) that starts by reading the store's data
version. The version is part of every cache key, so whatever another process commits
is visible to the next request, and nothing cached is ever stale.

All readers of one pool share one :class:`~frontlines.cache.Cache` (decoded parts by
part hash, layer part lists, timelines and metadata by data version, region tables),
owned by the pool: nothing is cached at module level.

The same pool serves a ``postgresql://`` store: each reader is one connection, and
a read view is one ``REPEATABLE READ`` transaction on it. Several servers on one
database then answer alike, and what one commits the next request of any sees.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

from frontlines.cache import Cache
from frontlines.store import (
    DEFAULT_CACHE_BYTES,
    StoreReader,
    is_postgres_url,
    open_reader,
)

__all__ = ["Fingerprint", "StorePool"]

#: (snapshot count, data version) of the state a request sees; the version alone
#: identifies the state, the count is shown by ``/api/health``.
Fingerprint = tuple[int, int]


class StorePool:
    """A fixed number of read-only connections to one store, shared by the request threads.

    Parameters
    ----------
    path : str or Path
        The store file (must exist: opening fails at once otherwise) or a ``postgresql://`` URL.
    size : int
        Most connections open at once.
    cache_bytes : int
        Budget of the cache all the pool's readers share.
    """

    def __init__(self, path: str | Path, size: int = 4, *, cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.path: str | Path = path if is_postgres_url(path) else Path(path)
        self.size = size
        self.cache = Cache(max_bytes=cache_bytes)
        self._free: queue.LifoQueue[StoreReader] = queue.LifoQueue()
        self._created = 0
        self._lock = threading.Lock()
        # Open one now: a missing or foreign file fails at start-up, not on the first request.
        self._free.put(self._open())
        self._created = 1
        # A connection of its own for fingerprint(): never waits behind a long request.
        self._probe: StoreReader | None = None
        self._probe_lock = threading.Lock()

    def _open(self) -> StoreReader:
        return open_reader(self.path, cache=self.cache)

    @contextlib.contextmanager
    def view(self) -> Iterator[tuple[StoreReader, Fingerprint]]:
        """Check out a reader and open a read view on it; yields (store, fingerprint)."""
        store = self._checkout()
        try:
            with store.read_view() as version:
                yield store, (store.snapshot_count(), version)
        finally:
            self._free.put(store)

    def fingerprint(self) -> Fingerprint:
        """The fingerprint of the store's current state, read on a connection kept for this.

        A few microseconds (the snapshot count is cached by data version), and it never
        waits for a reader busy with a long request: what a response cache looks up first.
        """
        with self._probe_lock:
            if self._probe is None:
                self._probe = self._open()
            with self._probe.read_view() as version:
                return self._probe.snapshot_count(), version

    def _checkout(self) -> StoreReader:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._created < self.size:
                self._created += 1
                try:
                    return self._open()
                except BaseException:
                    self._created -= 1
                    raise
        return self._free.get()

    def close(self) -> None:
        """Close the idle connections."""
        with self._probe_lock:
            if self._probe is not None:
                self._probe.close()
                self._probe = None
        while True:
            try:
                self._free.get_nowait().close()
            except queue.Empty:
                return
