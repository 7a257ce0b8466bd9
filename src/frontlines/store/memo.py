"""Caching store metadata by data version: the one rule the SQLite and PostgreSQL stores share.

A value read from a store (a timeline, a snapshot's metadata, the list of sources) is kept in
the store's :class:`~frontlines.cache.Cache` under ``(data version, *key)``. Inside a read view
the version is fixed for the view; outside one, another connection may commit at any moment, so
a value is kept only when the version read before and after computing it is the same. Nothing is
cached inside a write transaction (its own uncommitted writes must not leak).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from frontlines.cache import Cache

__all__ = ["VersionMemo"]

_MISSING = object()


class VersionMemo:
    """Mixin for stores with ``_in_tx``, ``_view_version``, ``_cache`` and ``_read_version()``."""

    _in_tx: bool
    _view_version: int | None
    _cache: Cache

    def _read_version(self) -> int:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def _memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, cached under (data version, *key); never cached inside a write transaction."""
        if self._in_tx:
            return compute()
        if self._view_version is not None:
            return self._cache.get_or_compute((self._view_version, *key), compute)
        before = self._read_version()
        hit = self._cache.get((before, *key), _MISSING)
        if hit is not _MISSING:
            return hit
        value = compute()
        if self._read_version() == before:
            self._cache.put((before, *key), value)
        return value
