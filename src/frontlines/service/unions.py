"""The dissolved layer of a snapshot, as every query reads it (stored, else dissolved; kept in the store's cache)."""

from __future__ import annotations

from typing import Any

import shapely

from frontlines.core.measure import dissolve
from frontlines.model import LayerKey
from frontlines.store import StoreReader

__all__ = ["layer_union", "read_layer_unions"]


def layer_union(store: StoreReader, snapshot_id: int, layer: LayerKey) -> Any:
    """The dissolved layer (lon/lat) of one snapshot, kept in the store's cache.

    Read from the store's ``layer_unions`` table (schema 6, written at ingest and by
    ``frontlines derive``); dissolved from the snapshot's parts when it has no row there
    (a query never writes). Keyed by snapshot id like :meth:`StoreReader.layer_parts` (ids
    are never given out twice and a snapshot's parts never change). The geometry is shared
    between threads: callers must not prepare it (copy it first,
    :func:`frontlines.core.prepared.prepared_copy`).
    """

    return store.cache.get_or_compute(("layer-union", snapshot_id, str(layer)),
                                      lambda: read_layer_unions(store, layer, [snapshot_id])[snapshot_id])


def read_layer_unions(store: StoreReader, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, Any]:
    """The dissolved layers (lon/lat) of snapshots, not cached: the stored rows read in one call, the
    snapshots without one dissolved from their parts."""
    stored = store.layer_unions(layer, snapshot_ids)
    return {sid: shapely.from_wkb(stored[sid]) if sid in stored
            else dissolve(list(store.layer_parts(sid, layer).values())) for sid in snapshot_ids}
