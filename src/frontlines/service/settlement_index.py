"""The settlement index: every status change of every gazetteer place along a layer's timeline.

A settlement query over a window needs each place's status at both ends and, for the
places that changed, the first snapshot from which they kept their final status. Both
are look-ups in the index (:class:`frontlines.core.settlements.StatusEvents`): the status
of a place at timeline position *i* is its latest event at or before *i*, and the date of
a change is the position of the latest event at or before the end.

The index of a (source, control layer) is computed from the layer's polygon parts (each
distinct part tested once against the places its box holds; see
:func:`frontlines.core.settlements.status_events`) with the same side's contested layer
as the second status. Its *basis* is the list of (control snapshot id, contested snapshot
id) pairs it was computed from; it is used only while the basis equals the current
timeline's and the gazetteer digest the current gazetteer's. It is written at ingest
(extended when the new snapshots come after the indexed ones) and by ``frontlines
derive``; a query on a store lacking it (or holding a stale one) computes it in memory,
with the same result, and keeps it in the store's cache.
"""

from __future__ import annotations

import bisect
import hashlib
from typing import Any

import numpy as np

from frontlines.conflicts import default_registry
from frontlines.core.settlements import StatusEvents, merge_events, status_events
from frontlines.model import LayerKey
from frontlines.service import selection
from frontlines.store import StoreReader, StoreWriter

__all__ = ["LABELS", "IndexedTimeline", "basis_of", "compute_index", "gazetteer_digest", "index_for",
           "store_index", "stored_index"]

#: Status labels of the index, default first.
LABELS = ("none", "control", "contested")


class IndexedTimeline:
    """A settlement index with the basis it belongs to.

    Attributes
    ----------
    basis : numpy.ndarray
        int64 (n, 2): control snapshot id and contested snapshot id (-1: none) per position.
    events : StatusEvents
    """

    def __init__(self, basis: np.ndarray, events: StatusEvents) -> None:
        self.basis = basis
        self.events = events

    def codes_at(self, pos: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(status codes of the ``n`` places at position ``pos``, index of each one's latest event or -1)."""
        return self.events.code_at(pos, n)


def gazetteer_digest(gaz: Any) -> str:
    """Digest of the places' ids and coordinates (an index is valid for this gazetteer only)."""
    h = hashlib.sha256()
    h.update("\n".join(gaz.ids).encode())
    h.update(np.ascontiguousarray(gaz.lon, dtype=float).tobytes())
    h.update(np.ascontiguousarray(gaz.lat, dtype=float).tobytes())
    return h.hexdigest()[:32]


def basis_of(store: StoreReader, sel: selection.Selection) -> np.ndarray:
    """(control snapshot id, contested snapshot id or -1) of each position of a control selection.

    The contested snapshot is the one in force at the control snapshot's time (what a
    settlement query at that time uses).
    """
    out = np.full((len(sel.timeline), 2), -1, dtype=np.int64)
    out[:, 0] = [sid for sid, _, _ in sel.timeline]
    contested = LayerKey(sel.layer.side, "contested")
    # the stored timeline (ids and times; its areas may not be derived yet)
    other = store.layer_timeline(sel.source, contested) if contested in store.source_layers(sel.source) else []
    if other:
        times = [t for _, t, _ in other]
        for k, (_, when, _) in enumerate(sel.timeline):
            pos = bisect.bisect_right(times, when) - 1
            if pos >= 0:
                out[k, 1] = other[pos][0]
    return out


def compute_index(store: StoreReader, sel: selection.Selection, gaz: Any, basis: np.ndarray, *,
                  after: IndexedTimeline | None = None) -> StatusEvents:
    """The status events of every place along ``basis`` (from the layers' parts).

    With ``after`` (an index whose basis is a prefix of ``basis``), only the new positions
    are computed and appended to its events.
    """
    contested = LayerKey(sel.layer.side, "contested")
    first = 0
    start = None
    if after is not None:
        first = len(after.basis)
        if first:
            start = after.codes_at(first - 1, len(gaz))[0]

    def states() -> Any:
        for sid, cid in basis[first:]:
            yield (store.layer_parts(int(sid), sel.layer), store.layer_parts(int(cid), contested) if cid >= 0 else {})

    ev = status_events(gaz.lon, gaz.lat, states(), labels=LABELS, start=start, first_position=first)
    return merge_events(after.events, ev) if after is not None else ev


def _encode(events: StatusEvents) -> bytes:
    return np.stack([events.position, events.point, events.code]).astype("<i4").tobytes()


def _decode(data: bytes) -> StatusEvents:
    arr = np.frombuffer(data, dtype="<i4").reshape(3, -1)
    return StatusEvents(arr[0].astype(np.int32), arr[1].astype(np.int32), arr[2].astype(np.int32), LABELS)


def stored_index(store: StoreReader, source: str, layer: LayerKey, digest: str) -> IndexedTimeline | None:
    """The stored index of a layer, whatever its basis (None if absent or of another gazetteer)."""
    row = store.settlement_index(source, layer)
    if row is None or row[0] != digest:
        return None
    basis = np.frombuffer(row[1], dtype="<i8").reshape(-1, 2).astype(np.int64)
    return IndexedTimeline(basis, _decode(row[2]))


def index_for(store: StoreReader, sel: selection.Selection, gaz: Any) -> IndexedTimeline:
    """The index of a control selection: the stored one if current, else computed in memory (cached)."""
    basis = basis_of(store, sel)
    digest = gazetteer_digest(gaz)
    found = stored_index(store, sel.source, sel.layer, digest)
    if found is not None and np.array_equal(found.basis, basis):
        return found
    with store.read_view() as version:
        key = ("settlement-index", version, sel.source, str(sel.layer), digest)
        return store.cache.get_or_compute(  # type: ignore[no-any-return]
            key, lambda: IndexedTimeline(basis, compute_index(store, sel, gaz, basis)))


def store_index(store: StoreWriter, source: str, layer: LayerKey) -> bool:
    """Write the index of a (source, control layer) if missing or stale; extend it when possible.

    Returns
    -------
    bool
        Whether anything was written (False: current already, or the conflict has no gazetteer).
    """
    sel = selection.Selection(source, layer, store.layer_timeline(source, layer))  # areas may not be derived yet
    registry = default_registry()
    if not sel.timeline or store.latest_snapshot(source).conflict not in registry:
        return False
    conflict = registry.get(store.latest_snapshot(source).conflict)
    if conflict.gazetteer is None:
        return False
    gaz = registry.gazetteer(conflict)
    basis = basis_of(store, sel)
    digest = gazetteer_digest(gaz)
    found = stored_index(store, source, layer, digest)
    if found is not None and np.array_equal(found.basis, basis):
        return False
    prefix = found is not None and len(found.basis) <= len(basis) and np.array_equal(found.basis, basis[: len(found.basis)])
    events = compute_index(store, sel, gaz, basis, after=found if prefix else None)
    store.put_settlement_index(source, layer, digest, basis.astype("<i8").tobytes(), _encode(events))
    return True
