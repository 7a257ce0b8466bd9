"""The one cache of frontlines: bounded by bytes, keyed by content, safe to share between threads.

Every in-memory cache in the package is a :class:`Cache` (decoded parts, dissolved layers,
front lines, region layers, web responses), owned by the object that uses it (a store
reader, a service context, the web app): there is no module-level cache state.

Keys must name *content*, never a mutable object: a part hash, a snapshot id together
with the store's data version, a parameter tuple. A key never goes stale because what it
names never changes; an entry is only dropped to stay inside the byte budget.

GEOS prepared geometries are not thread-safe (preparing, and querying a prepared index,
mutate the geometry). A geometry that will be prepared is never shared between threads:
:class:`PerThread` holds one copy per thread, made by a factory on first use in that thread.

>>> c = Cache(max_bytes=1_000)
>>> c.get_or_compute(("answer",), lambda: 42)
42
>>> c.get_or_compute(("answer",), lambda: 0)   # cached: the factory is not called
42
>>> len(c), ("answer",) in c
(1, True)
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import cachetools
import numpy as np
import shapely

__all__ = ["Cache", "PerThread", "size_of"]

T = TypeVar("T")

#: Bytes charged per coordinate of a shapely geometry (two doubles) plus a fixed overhead.
_BYTES_PER_COORD = 16
_GEOMETRY_OVERHEAD = 120


def size_of(value: Any) -> int:
    """Approximate bytes held by ``value`` (geometries, arrays, bytes, containers of them).

    >>> size_of(b"abcd")
    4
    >>> size_of(shapely.Point(0, 0)) > 0
    True
    >>> size_of({"a": np.zeros(10)}) >= 80
    True
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value)
    if isinstance(value, shapely.Geometry):
        return _GEOMETRY_OVERHEAD + _BYTES_PER_COORD * int(shapely.get_num_coordinates(value))
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return int(sum(size_of(v) for v in value.ravel()))
        return int(value.nbytes)
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        return 64 + sum(size_of(k) + size_of(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return 56 + sum(size_of(v) for v in value)
    if hasattr(value, "__sizeof_content__"):
        return int(value.__sizeof_content__())
    return sys.getsizeof(value)


class Cache:
    """A thread-safe LRU cache bounded by the bytes its values hold.

    Parameters
    ----------
    max_bytes : int
        Budget; the least recently used entries are dropped beyond it. A single value
        larger than the budget is returned but not kept.
    sizer : callable, optional
        ``value -> bytes``; default :func:`size_of`.
    """

    def __init__(self, *, max_bytes: int, sizer: Callable[[Any], int] = size_of) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.max_bytes = max_bytes
        self._lru: cachetools.LRUCache[Hashable, Any] = cachetools.LRUCache(maxsize=max_bytes, getsizeof=self._size)
        self._sizer = sizer
        self._lock = threading.Lock()
        self._sized: tuple[int, int] | None = None  # (id, bytes) of the value being put (sized once)

    def _size(self, value: Any) -> int:
        """The LRU's size of ``value``: :meth:`put` sized it already (a large list costs as much again)."""
        sized = self._sized
        if sized is not None and sized[0] == id(value):
            return sized[1]
        return self._sizer(value)

    def __len__(self) -> int:
        with self._lock:
            return len(self._lru)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._lru

    @property
    def bytes(self) -> int:
        """Bytes currently held (by :func:`size_of`'s estimate)."""
        with self._lock:
            return int(self._lru.currsize)

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The cached value, or ``default``."""
        with self._lock:
            return self._lru.get(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key`` (unless it alone exceeds the budget)."""
        size = self._sizer(value)
        if size > self.max_bytes:
            return
        with self._lock:
            self._sized = (id(value), size)
            try:
                self._lru[key] = value
            finally:
                self._sized = None

    def get_many(self, keys: Sequence[Hashable]) -> dict[Hashable, Any]:
        """The cached values among ``keys``."""
        with self._lock:
            out = {}
            for k in keys:
                v = self._lru.get(k, _MISSING)
                if v is not _MISSING:
                    out[k] = v
            return out

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, computing (outside the lock) and keeping it on a miss.

        Two threads missing the same key at once may both compute it; both results are
        equal by the keying rule, and the last one is kept.
        """
        with self._lock:
            hit = self._lru.get(key, _MISSING)
        if hit is not _MISSING:
            return hit  # type: ignore[no-any-return]
        value = compute()
        self.put(key, value)
        return value

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._lru.clear()


class PerThread(Generic[T]):
    """One value per thread, made by ``factory`` on first use in that thread.

    For objects that must not be shared between threads, such as geometries that are
    (or will be) prepared by GEOS.

    >>> counter = iter(range(100))
    >>> pt = PerThread(lambda: next(counter))
    >>> pt.get() == pt.get()
    True
    """

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._local = threading.local()

    def get(self) -> T:
        """This thread's value."""
        try:
            return self._local.value  # type: ignore[no-any-return]
        except AttributeError:
            value = self._local.value = self._factory()
            return value


_MISSING = object()
