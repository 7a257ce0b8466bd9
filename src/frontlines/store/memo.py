"""Caching store metadata by data version: the one rule the SQLite and PostgreSQL stores share.

A value read from a store (a timeline, a snapshot's metadata, the list of sources) is kept in
the store's :class:`~frontlines.cache.Cache` under ``(data version, *key)``. Inside a read view
the version is fixed for the view; outside one, another connection may commit at any moment, so
a value is kept only when the version read before and after computing it is the same.

Inside a write transaction the data version says nothing about the transaction's own uncommitted
writes, so nothing goes into the shared cache there. A store that can tell when its transaction
writes (:meth:`VersionMemo._tx_state`: SQLite's count of changed rows on the connection) keeps
values apart for as long as the transaction has not written since (a derive stage reading the
same timelines for every step between its writes); the others compute every time.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from frontlines.cache import Cache

__all__ = ["VersionMemo"]

_MISSING = object()


class VersionMemo:
    """Mixin for stores with ``_in_tx``, ``_view_version``, ``_cache`` and ``_read_version()``."""

    _in_tx: bool
    _view_version: int | None
    _cache: Cache
    # values read inside the write transaction since its last write, and the token they were read under
    _tx_memo: dict[tuple[Any, ...], Any]
    _tx_memo_token: Hashable | None

    def _read_version(self) -> int:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def _tx_state(self) -> Hashable | None:
        """Inside a write transaction: a token that changes whenever the transaction writes; None when the
        store cannot tell (then nothing is kept inside transactions)."""
        return None

    def _forget_tx_memo(self) -> None:
        """Drop what was kept inside the write transaction (call when it ends)."""
        self._tx_memo, self._tx_memo_token = {}, None

    def _memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, cached under (data version, *key); inside a write transaction kept only until it
        writes (:meth:`_tx_state`), apart from the shared cache."""
        if self._in_tx:
            token = self._tx_state()
            if token is None:
                return compute()
            if token != self._tx_memo_token:
                self._tx_memo, self._tx_memo_token = {}, token
            found = self._tx_memo.get(key, _MISSING)
            if found is _MISSING:
                found = self._tx_memo[key] = compute()
            return found
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
