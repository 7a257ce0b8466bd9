"""Steps and areas of an ingest's new snapshots written as the snapshots are stored, not in the tail.

After the parse, :func:`~frontlines.service.derive.derive_layers` walks every touched timeline
and writes each new snapshot's step (precomputed by the parse workers) and area, dissolving the
first snapshot and every :data:`~frontlines.service.derive.FULL_EVERY`-th: on the W1 history
~0.1 s of the serial tail, and every step's WKB (5 MB) held in the main process until then.
When a timeline was empty before the ingest and the snapshots arrive in time order (a folder),
each snapshot's position in it is known as it is stored, so :class:`EarlySteps` writes its step
and area right away (:func:`~frontlines.service.derive.derive_step`, the code ``derive_layers``
runs) and drops the precomputed step. ``derive_layers`` then finds those up to date and derives
only what was left (a timeline that held snapshots before, a step from another predecessor).
"""

from __future__ import annotations

from typing import Any

from frontlines.model import LayerKey
from frontlines.service.derive import derive_step
from frontlines.store import StoreWriter

__all__ = ["EarlySteps"]


class EarlySteps:
    """Derive each new snapshot of an empty timeline as it is stored (see the module's doc).

    Parameters
    ----------
    store : StoreWriter
        The store the ingest writes, inside its transaction.
    derive : {"all", "primary"}
        The ingest's ``derive``: every layer, or each snapshot's primary layer only.
    dissolved : dict
        The ingest's (snapshot id, layer) -> dissolved layer, filled for the snapshots whose area is
        computed whole (the region tables clip those).
    """

    def __init__(self, store: StoreWriter, derive: str, dissolved: dict[tuple[int, LayerKey], Any]) -> None:
        self._store = store
        self._derive = derive
        self._dissolved = dissolved
        # (source, layer) -> (id, key, area, position of the next) of its latest snapshot, or None: left to derive_layers
        self._runs: dict[tuple[str, LayerKey], tuple[int, Any, float, int] | None] = {}
        self._stopped = False

    def add(self, parsed: Any, sid: int, precomputed: dict[tuple[Any, LayerKey], Any]) -> None:
        """Derive the snapshot just stored as ``sid`` (a :class:`~frontlines.service.pipeline.ParsedSnapshot`),
        after every earlier one of this ingest; its precomputed steps used here are removed from ``precomputed``."""
        if self._stopped:
            return
        snap = parsed.snapshot
        for layer in parsed.parts:
            if self._derive == "primary" and layer != snap.primary:
                continue
            key = (snap.source, layer)
            if key not in self._runs:
                # only a timeline this ingest starts: its snapshots' positions are known
                if [row[0] for row in self._store.layer_timeline(snap.source, layer)] != [sid]:
                    self._runs[key] = None
                    continue
                area = derive_step(self._store, layer, None, sid, None, None, pos=0, dissolved=self._dissolved)
                self._runs[key] = (sid, parsed.key, area, 1)
                continue
            run = self._runs[key]
            if run is None:
                continue
            prev, prev_key, prev_area, pos = run
            pre = precomputed.get((parsed.key, layer))
            if pre is None or pre.previous != prev_key:  # not a step from the snapshot before: derive_layers
                self._runs[key] = None
                continue
            area = derive_step(self._store, layer, prev, sid, prev_area, pre, pos=pos, dissolved=self._dissolved)
            del precomputed[(parsed.key, layer)]
            self._runs[key] = (sid, parsed.key, area, pos + 1)

    def stop(self) -> None:
        """Derive nothing more here (the input left time order: later snapshots may fall between)."""
        self._stopped = True
