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

The region tables of the primary layer's coarsest ``levels`` (the oblast table) follow, every
:data:`~frontlines.service.derive.TABLE_CHUNK` snapshots derived here: their rows are computed by
:func:`~frontlines.service.derive.extend_region_tables` itself (the tail's code, in one process),
from the clip rows the parse workers sent (``known``) and the dissolved layers of the snapshots
computed whole, and written while the parse goes on; the tail finds them stored (W1: its oblast
table 0.23 -> ~0.05 s). A row depends on its snapshot's predecessor's row and its own step only,
so the figures are those the tail would write.
"""

from __future__ import annotations

from typing import Any

from frontlines.model import LayerKey
from frontlines.service.derive import TABLE_CHUNK, derive_step, extend_region_tables
from frontlines.service.memory import release_memory
from frontlines.service.tail_ahead import ClipRows
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
    levels : int
        Region levels (coarsest first) whose tables of the primary layer are written as the
        snapshots come (0: none, all left to the tail).
    known : ClipRows, optional
        Clip rows computed ahead (by the parse workers), found by the step geometries' WKB.
    """

    def __init__(self, store: StoreWriter, derive: str, dissolved: dict[tuple[int, LayerKey], Any], *,
                 levels: int = 0, known: ClipRows | None = None) -> None:
        self._store = store
        self._derive = derive
        self._dissolved = dissolved
        self._levels = levels
        self._known = known
        self._untabled: dict[tuple[str, LayerKey], list[int]] = {}  # derived here, region rows not yet written
        #: (source, layer) -> the snapshots whose region rows (the ``levels`` coarsest levels) are written here
        self.tabled: dict[tuple[str, LayerKey], set[int]] = {}
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
                self._tabled(key, sid, layer == snap.primary)
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
            self._tabled(key, sid, layer == snap.primary)

    def _tabled(self, key: tuple[str, LayerKey], sid: int, primary: bool) -> None:
        """Count a snapshot derived here; write the region rows of every :data:`TABLE_CHUNK` of them."""
        if not (self._levels and primary):
            return
        pending = self._untabled.setdefault(key, [])
        pending.append(sid)
        if len(pending) >= TABLE_CHUNK:
            del self._untabled[key]
            extend_region_tables(self._store, [key], pending, levels=self._levels, dissolved=self._dissolved,
                                 known=self._known)
            self.tabled.setdefault(key, set()).update(pending)
            release_memory()  # what the clips left free (the parse processes are still running: the peak)

    @property
    def levels(self) -> int:
        """Region levels (coarsest first) whose tables are written here (see :attr:`tabled`)."""
        return self._levels

    def stop(self) -> None:
        """Derive nothing more here (the input left time order: later snapshots may fall between)."""
        self._stopped = True
