"""Region clips of step geometries done by the parse workers (the ingest's oblast table, in parallel).

An ingest stores, for each new snapshot of a source's primary layer, its per-region areas
(:func:`~frontlines.service.derive.extend_region_tables`): the predecessor's figures plus the
clipped gained ground minus the clipped lost ground. Done after the parse, those clips were
the largest part of the serial tail of a DeepState rebuild (W1: ~0.8 s of wall time, W2:
~0.4 s, while the second core mostly idled). The parse workers compute the steps inside their
batches anyway, so they clip them too, by the :data:`WORKER_LEVELS` coarsest region levels:
the rows travel with the step (:class:`~frontlines.service.pipeline.PrecomputedStep` ``clips``),
the main process files them by the WKB of the step geometry
(:class:`~frontlines.service.tail_ahead.ClipRows`), and the tail finds them there by the WKB
the store holds for the step. A step computed again later (another predecessor) simply misses.

The figures are the same bit for bit: a row of :func:`~frontlines.core.regions.clip_areas`
depends on its own geometry only, and WKB carries the coordinates exactly (see
:mod:`~frontlines.service.split_clip`). The region layers, their tiles and index are built by
the main process before the workers fork (:func:`preload`), so the three processes share them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from frontlines.conflicts import default_registry
from frontlines.core.regions import RegionLayer, clip_areas
from frontlines.service.memory import release_memory

__all__ = ["WORKER_LEVELS", "clip_rows", "preload", "worker_levels"]

#: Region levels (coarsest first) the parse workers clip steps by. The finer ones (raion,
#: hromada: tiles of ~10x the memory, shared by every worker) stay in the tail.
WORKER_LEVELS = 1


def worker_levels(region_levels: int) -> int:
    """How many of an ingest's ``region_levels`` the parse workers clip by."""
    return max(0, min(region_levels, WORKER_LEVELS))


def _layers(conflict: str, levels: int) -> list[tuple[str, RegionLayer]]:
    """(region set name, layer) of the ``levels`` coarsest levels of ``conflict``, as the tail names them."""
    registry = default_registry()
    c = registry.get(conflict)
    out = []
    for name in c.level_kinds[:levels]:
        region = registry.region_layer(c, name)
        if region.name == name:  # as extend_region_tables: a layer stored under another name is skipped
            out.append((name, region))
    return out


def preload(conflict: str, levels: int) -> None:
    """Read the region layers the workers clip by, with their tiles, index and prepared copies, in this
    process (before the workers fork: they share them; the registry keeps them for the tail too).

    One clip of the layer's bounding box builds what the clips build on first use (measured: a
    worker's own memory after its first clips +5 MB instead of +10), and the C heap the tiles left
    free is given back before the fork (the preload then holds ~6.5 MB instead of ~10).
    """
    for _, region in _layers(conflict, levels):
        _ = (region.tree, region.cells, region.areas)
        if len(region):
            clip_areas(region, shapely.box(*shapely.total_bounds(region.geometries)))
    release_memory()


def clip_rows(conflict: str, levels: int, geoms: list[Any]) -> dict[str, np.ndarray]:
    """``clip_areas`` of ``geoms`` by each of the ``levels`` coarsest region levels of ``conflict``.

    Returns
    -------
    dict
        region set name -> array of shape (len(geoms), regions); empty geometries' rows are zeros.
    """
    arr = np.asarray(geoms, dtype=object)
    out: dict[str, np.ndarray] = {}
    for name, region in _layers(conflict, levels):
        rows = np.zeros((len(arr), len(region)))
        full = ~shapely.is_empty(arr) if len(arr) else np.zeros(0, dtype=bool)
        if full.any():
            rows[full] = clip_areas(region, arr[full])
        out[name] = rows
    return out
