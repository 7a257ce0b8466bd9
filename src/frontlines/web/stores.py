"""Read-only store connections for the web app, one consistent view per request.

Each request checks a :class:`ReadStore` out of a small pool, opens a read
transaction on it (``BEGIN`` + a first ``SELECT``: in WAL mode every later read of
the request sees that one snapshot of the file, so an ingest committing meanwhile is
seen wholly or not at all) and puts it back afterwards.

A :class:`ReadStore` memoises the metadata queries :mod:`frontlines.api` repeats on
every call (sources, snapshot lists, layer timelines), keyed by a fingerprint of the
``snapshots`` table; the fingerprint is re-read at the start of every request, so a
finished ingest is visible to the next request.

Decoded part geometries are shared by all the readers of one store file in the process
(:func:`shared_parts`): a part is keyed by the hash of its content, so a decoded part
never goes stale, and shapely geometries are immutable, so threads may share them.
Without this every reader decoded (and held) its own copy of every part it met.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from frontlines.model import LayerKey, SnapshotInfo
from frontlines.store import SQLiteStore

__all__ = ["ReadStore", "StorePool", "shared_parts"]

_SHARED_PARTS: dict[str, dict[str, Any]] = {}
_SHARED_LOCK = threading.Lock()


def shared_parts(path: str | Path) -> dict[str, Any]:
    """The process-wide dict part hash -> decoded polygon of the store at ``path``.

    Plain dict operations are atomic under the GIL; two readers that miss the same part
    at once both decode it and store equal geometries, which is harmless.
    """
    key = str(Path(path).resolve())
    with _SHARED_LOCK:
        return _SHARED_PARTS.setdefault(key, {})


_FINGERPRINT_SQL = "SELECT count(*), coalesce(max(id), 0), coalesce(max(ingested_at), '') FROM snapshots"


class ReadStore(SQLiteStore):
    """A read-only :class:`SQLiteStore` with memoised metadata."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, readonly=True)
        self._parts = shared_parts(path)  # decoded parts, shared with the other readers
        self.fingerprint: tuple[Any, ...] | None = None
        self._memo: dict[tuple[Any, ...], Any] = {}

    # -- request scope -------------------------------------------------------------------
    @contextlib.contextmanager
    def read_view(self) -> Iterator[tuple[Any, ...]]:
        """One read transaction; yields the fingerprint of the data it sees."""
        self._db.execute("BEGIN")
        try:
            fp = tuple(self._db.execute(_FINGERPRINT_SQL).fetchone())
            if fp != self.fingerprint:
                self._memo.clear()
                self._layer_cache.clear()
                self.fingerprint = fp
            yield fp
        finally:
            self._db.execute("COMMIT")

    def _cached(self, key: tuple[Any, ...], compute: Any) -> Any:
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    # -- memoised metadata ---------------------------------------------------------------
    def sources(self) -> list[tuple[Any, ...]]:  # type: ignore[override]
        return list(self._cached(("sources",), super().sources))

    def snapshots(self, source: str | None = None) -> list[SnapshotInfo]:
        return list(self._cached(("snapshots", source), lambda: super(ReadStore, self).snapshots(source)))

    def snapshot(self, snapshot_id: int) -> SnapshotInfo:
        return self._cached(("snapshot", snapshot_id), lambda: super(ReadStore, self).snapshot(snapshot_id))

    def layer_timeline(self, source: str, layer: LayerKey) -> list[tuple[Any, ...]]:
        return list(self._cached(("timeline", source, str(layer)),
                                 lambda: super(ReadStore, self).layer_timeline(source, layer)))


class StorePool:
    """A fixed number of :class:`ReadStore` connections shared by the request threads."""

    def __init__(self, path: str | Path, size: int = 4) -> None:
        self.path = Path(path)
        self.size = size
        self._free: queue.LifoQueue[ReadStore] = queue.LifoQueue()
        self._created = 0
        self._lock = threading.Lock()
        # Open one now: a missing or foreign file fails at start-up, not on the first request.
        self._free.put(ReadStore(self.path))
        self._created = 1

    @contextlib.contextmanager
    def view(self) -> Iterator[tuple[ReadStore, tuple[Any, ...]]]:
        """Check out a store and open a read transaction on it."""
        store = self._checkout()
        try:
            with store.read_view() as fp:
                yield store, fp
        finally:
            self._free.put(store)

    def _checkout(self) -> ReadStore:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._created < self.size:
                self._created += 1
                try:
                    return ReadStore(self.path)
                except BaseException:
                    self._created -= 1
                    raise
        return self._free.get()

    def close(self) -> None:
        """Close the idle connections."""
        while True:
            try:
                self._free.get_nowait().close()
            except queue.Empty:
                return
