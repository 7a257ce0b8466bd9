"""Recognising payloads that are already stored, before anyone parses them.

A stored snapshot is the parse of one payload (its bytes, addressed by SHA-256) by one
adapter version with one set of options; the file name gives the publication time. So a
payload whose file name, content hash, adapter, adapter version and options equal a
stored snapshot's would parse into that snapshot again: the ingest counts it as a
duplicate without parsing it. Only payloads whose file name is among the stored
snapshots' are hashed, so a fresh ingest pays nothing for this.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from frontlines.errors import StoreError
from frontlines.hashing import content_hash
from frontlines.model import SnapshotInfo
from frontlines.sources._payloads import Payload, map_ahead
from frontlines.sources.base import IngestOptions
from frontlines.store import StoreWriter

__all__ = ["KnownPayloads"]


class KnownPayloads:
    """The stored snapshots an ingest with ``adapter`` and ``options`` would produce again.

    Parameters
    ----------
    store : StoreWriter
    adapter : Adapter
        The adapter of the ingest (its ``name`` and ``version`` are compared).
    options : IngestOptions
        The ingest's options (compared as :meth:`IngestOptions.as_dict`, as stored).

    Examples
    --------
    ``payloads = known.unknown(payloads)`` hands the parser only what is new; after the
    ingest's loop, :meth:`confirm` (inside the write transaction) returns the snapshots
    the skipped payloads are duplicates of.
    """

    def __init__(self, store: StoreWriter, adapter: Any, options: IngestOptions) -> None:
        self._store = store
        wanted = options.as_dict()
        self._index: dict[str, dict[str, int]] = {}  # file name -> content hash -> snapshot id
        for row in store.snapshot_rows():
            if row["adapter"] != adapter.name or int(row["adapter_version"]) != int(adapter.version):
                continue
            if orjson.loads(row["options"]) != wanted:
                continue
            self._index.setdefault(row["file_name"], {})[row["content_hash"]] = int(row["id"])
        self.skipped: list[tuple[str, int]] = []  # (payload name, stored snapshot id), in input order

    def match(self, payload: Payload) -> int | None:
        """Id of the stored snapshot ``payload`` would parse into again, or None."""
        by_hash = self._index.get(payload.basename)
        if not by_hash:
            return None
        return by_hash.get(content_hash(payload.data))

    def unknown(self, payloads: Iterable[Payload]) -> Iterable[Payload]:
        """The payloads that are not known; the known ones are recorded in :attr:`skipped`.

        Payloads are hashed in threads, a few ahead (only those whose file name is known).
        When no stored snapshot can match, ``payloads`` itself is returned (unread).
        """
        if not self._index:
            return payloads
        return self._unknown(payloads)

    def _unknown(self, payloads: Iterable[Payload]) -> Iterator[Payload]:
        for payload, sid in map_ahead(lambda p: (p, self.match(p)), payloads):
            if sid is None:
                yield payload
            else:
                self.skipped.append((payload.name, sid))

    def confirm(self) -> list[tuple[str, SnapshotInfo]]:
        """The skipped payloads' stored snapshots, checked again (call inside the write transaction).

        Raises
        ------
        StoreError
            A snapshot a payload was recognised as has since been removed or changed by
            another writer (``reindex``); the ingest rolls back and can simply be run again.
        """
        if not self.skipped:
            return []
        infos = {s.id: s for s in self._store.snapshots()}
        out = []
        for name, sid in self.skipped:
            info = infos.get(sid)
            if info is None:  # ids are never reused: a snapshot still there is unchanged
                raise StoreError(f"{name}: the store changed while it was ingested (snapshot {sid} was "
                                 "re-read or removed by another writer); run the ingest again", path=name)
            out.append((name, info))
        return out
