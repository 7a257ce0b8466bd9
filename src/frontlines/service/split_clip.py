"""Region clips of a large batch shared with one forked process (the ingest's serial tail).

After an ingest has parsed everything, its parse workers have exited and the main process
clips the step geometries of the new snapshots by region (the oblast table) alone: ~0.8 s
of the W1 history's rebuild while the second core idles. :func:`split_clip` gives
:func:`~frontlines.service.derive.store_region_table` a ``clip_many`` that hands the second
half of each large batch (by vertices) to one process forked for it, clips the first half
itself meanwhile, and stacks the two. The figures are the same bit for bit: a row of
:func:`~frontlines.core.regions.clip_areas` depends on its own geometry only (its pieces are
measured and summed in an order that follows the geometry's own polygons), and WKB carries
the coordinates exactly.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import shapely

from frontlines.core.regions import RegionLayer, clip_areas

__all__ = ["MIN_SPLIT", "MIN_SPLIT_VERTICES", "split_clip"]

#: Fewest geometries in a batch worth sharing (a fork and the WKB round trip cost ~10-20 ms).
MIN_SPLIT = 256

#: A smaller batch (at least two geometries) is shared when it holds this many vertices: the
#: 116 step geometries of the 59 ISW layers of W3 (~0.3 s of clips).
MIN_SPLIT_VERTICES = 100_000

ClipMany = Callable[[Any], np.ndarray]

# The layer the forked process clips with, set in that process by its initializer (under ``fork`` the
# initializer's arguments are inherited, not pickled: the child shares the layer, its tiles and index).
_LAYER: RegionLayer | None = None


def _adopt(layer: RegionLayer) -> None:
    """In the forked process: the layer its clips use."""
    global _LAYER
    _LAYER = layer


def _clip_wkb(wkbs: list[bytes]) -> np.ndarray:
    """In the forked process: ``clip_areas`` of the geometries sent as WKB."""
    assert _LAYER is not None
    return clip_areas(_LAYER, shapely.from_wkb(wkbs))


def _halfway(work: np.ndarray) -> int:
    """Where to cut geometries of ``work`` vertices in all so far (cumulated) so that both halves hold about as many."""
    return int(np.searchsorted(work, work[-1] / 2)) + 1 if len(work) else 0


@contextlib.contextmanager
def split_clip(layer: RegionLayer, workers: int) -> Iterator[ClipMany]:
    """A ``clip_many`` for ``layer``: :func:`clip_areas` of a list of geometries (one row each).

    With ``workers`` >= 2 (and ``fork`` available), batches of at least :data:`MIN_SPLIT`
    geometries or :data:`MIN_SPLIT_VERTICES` vertices are cut in two and the second half is clipped by one forked process while
    this one clips the first; the process is forked at the first such batch and ends with
    the context. Otherwise it is plain :func:`clip_areas`.
    """
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield lambda geoms: clip_areas(layer, geoms)
        return
    pool: ProcessPoolExecutor | None = None

    def clip_many(geoms: Any) -> np.ndarray:
        nonlocal pool
        arr = np.asarray(geoms, dtype=object)
        if len(arr) < 2:
            return clip_areas(layer, arr)
        work = np.cumsum(shapely.get_num_coordinates(arr))
        if len(arr) < MIN_SPLIT and work[-1] < MIN_SPLIT_VERTICES:
            return clip_areas(layer, arr)
        cut = min(max(_halfway(work), 1), len(arr) - 1)
        if pool is None:
            _ = (layer.tree, layer.cells, layer.areas)  # built once, before the fork: shared with the child
            frozen = gc.isenabled()
            if frozen:  # the child's collector never traverses (so never copies) what the parent holds
                gc.freeze()
            try:
                pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), initializer=_adopt,
                                           initargs=(layer,))
                theirs = pool.submit(_clip_wkb, shapely.to_wkb(arr[cut:], output_dimension=2).tolist())
            finally:
                if frozen:
                    gc.unfreeze()
        else:
            theirs = pool.submit(_clip_wkb, shapely.to_wkb(arr[cut:], output_dimension=2).tolist())
        mine = clip_areas(layer, arr[:cut])
        return np.vstack([mine, theirs.result()])

    try:
        yield clip_many
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
