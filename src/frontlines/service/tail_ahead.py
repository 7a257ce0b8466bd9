"""Work of an ingest's tail done while the parse processes parse.

After the parse, the main process of an ingest derives alone: the dissolve of a timeline's
first snapshot (:func:`~frontlines.service.derive.derive_layers`), the region layers cut into
tiles, and the region clips of every new step geometry
(:func:`~frontlines.service.derive.extend_region_tables`). On W3 (59 ISW layers) that tail was
a quarter of the rebuild's wall time, while during the parse the main process mostly waits.
:class:`TailAhead` queues that work as the parsed snapshots are stored and does one unit of it
whenever the parse would keep the main process waiting (:meth:`TailAhead.run_one`, called by
the parse loop in the same thread: nothing runs once the ingest returns or fails).

What it computes is only ever *found* later, never trusted by position or object identity:

- the dissolved layer of a stored snapshot, put in the ingest's ``dissolved`` mapping under
  (snapshot id, layer), the key :func:`~frontlines.service.derive.derive_layers` fills it under
  (a stored snapshot's parts never change within the ingest);
- region clip rows (:func:`~frontlines.core.regions.clip_areas`) by region set and the digest
  of the geometry's WKB (:class:`ClipRows`): the tail looks a step's row up by the WKB bytes the
  store holds for that step, so a step that ``derive_layers`` computed again (another
  predecessor) simply misses. A row of ``clip_areas`` depends on its geometry only, batch or
  not (see :mod:`frontlines.service.split_clip`), so a row found is the row the tail would compute.

Work left in the queue when the parse ends is dropped: the tail does it as before.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

import numpy as np
import shapely

from frontlines.conflicts import default_registry
from frontlines.core.measure import dissolve
from frontlines.core.regions import RegionLayer, clip_areas
from frontlines.model import LayerKey
from frontlines.service.memory import release_memory
from frontlines.store import StoreWriter

__all__ = ["ClipRows", "TailAhead"]

#: Step geometries clipped per unit of work (one unit should stay well under a parse batch's time).
CLIP_BATCH = 16


class ClipRows:
    """Rows of :func:`~frontlines.core.regions.clip_areas` computed ahead, by region set and WKB digest.

    Examples
    --------
    >>> rows = ClipRows()
    >>> rows.put("oblast", b"wkb", np.array([1.0, 2.0]))
    >>> rows.get("oblast", b"wkb").tolist(), rows.get("raion", b"wkb"), len(rows)
    ([1.0, 2.0], None, 1)
    """

    def __init__(self) -> None:
        self._rows: dict[tuple[str, bytes], np.ndarray] = {}

    @staticmethod
    def digest(wkb: bytes) -> bytes:
        """The key of a geometry's WKB (blake2b, 16 bytes: the WKB itself is not kept)."""
        return hashlib.blake2b(wkb, digest_size=16).digest()

    def put(self, region_set: str, wkb: bytes, row: np.ndarray) -> None:
        """Record the row of the geometry whose WKB is ``wkb``."""
        self._rows[(region_set, self.digest(wkb))] = row

    def get(self, region_set: str, wkb: bytes) -> np.ndarray | None:
        """The row recorded for ``wkb`` in ``region_set``, or None."""
        return self._rows.get((region_set, self.digest(wkb))) if self._rows else None

    def lookup(self, region_set: str) -> Callable[[bytes], np.ndarray | None]:
        """``wkb -> row or None`` for one region set (what :func:`~frontlines.service.derive.region_area_table` takes)."""
        return lambda wkb: self.get(region_set, wkb)

    def __len__(self) -> int:
        return len(self._rows)


class TailAhead:
    """A queue of the tail's work, done a unit at a time while the parse keeps the main process waiting.

    Parameters
    ----------
    store : StoreWriter
        The store the ingest writes (read for the parts of snapshots it has stored).
    conflict : str
        The conflict whose region levels the tail will clip by.
    levels : int
        How many of its levels (coarsest first) the tail stores tables of
        (``extend_region_tables(levels=)``); 0: no clips ahead.
    dissolved : mutable mapping
        The ingest's (snapshot id, layer) -> dissolved layer (filled here, read by the tail).
    """

    def __init__(self, store: StoreWriter, conflict: str, levels: int,
                 dissolved: MutableMapping[tuple[int, LayerKey], Any]) -> None:
        self._store = store
        self._conflict = conflict
        self._levels = levels
        self._dissolved = dissolved
        self._regions: list[tuple[str, RegionLayer]] = []
        self._tasks: deque[Callable[[], None]] = deque()
        self._wkbs: list[bytes] = []  # step geometries (WKB) waiting for their clips
        self.rows = ClipRows()
        if levels > 0:
            self._tasks.append(self._load_regions)

    def _load_regions(self) -> None:
        """Read the region layers the tail clips by and cut them into tiles (kept by the registry)."""
        registry = default_registry()
        conflict = registry.get(self._conflict)
        for name in conflict.level_kinds[: self._levels]:
            region = registry.region_layer(conflict, name)
            if region.name == name:
                _ = (region.tree, region.cells, region.areas)
                self._regions.append((name, region))

    def first_snapshot(self, sid: int, layer: LayerKey) -> None:
        """Queue the dissolve of a stored snapshot's layer that the tail would dissolve (a timeline's first),
        and the region clips of the result."""

        def task() -> None:
            if (sid, layer) in self._dissolved:
                return
            geom = dissolve(list(self._store.layer_parts(sid, layer).values()))
            self._dissolved[(sid, layer)] = geom
            if not shapely.is_empty(geom):
                self._wkbs.append(shapely.to_wkb(geom, output_dimension=2))

        self._tasks.append(task)

    def steps(self, wkbs: Iterable[bytes]) -> None:
        """Queue the region clips of step geometries (gained / lost WKB as the store will hold them)."""
        if self._levels > 0:
            self._wkbs.extend(w for w in wkbs if w)

    def _clip_some(self) -> None:
        batch, self._wkbs = self._wkbs[:CLIP_BATCH], self._wkbs[CLIP_BATCH:]
        geoms = shapely.from_wkb(batch)
        for name, region in self._regions:
            for wkb, row in zip(batch, clip_areas(region, geoms)):
                self.rows.put(name, wkb, row)

    def run_one(self) -> bool:
        """Do one unit of the queued work; False when there was none."""
        if self._tasks:
            self._tasks.popleft()()
        elif self._wkbs and self._regions:
            self._clip_some()
        else:
            return False
        # The C heap the unit's temporaries took (a clip's prepared copies of the regions: ~17 MB)
        # goes back to the system: the parse's peak is now.
        release_memory()
        return True
