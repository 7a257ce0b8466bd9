"""The dissolved layer of a snapshot, as every query reads it (stored, else dissolved; kept in the store's cache)."""

from __future__ import annotations

from typing import Any

import shapely

from frontlines.core.measure import dissolve
from frontlines.model import LayerKey
from frontlines.store import StoreReader

__all__ = ["layer_union"]


def layer_union(store: StoreReader, snapshot_id: int, layer: LayerKey) -> Any:
    """The dissolved layer (lon/lat) of one snapshot, kept in the store's cache.

    Read from the store's ``layer_unions`` table (schema 6, written at ingest and by
    ``frontlines derive``); dissolved from the snapshot's parts when it has no row there
    (a query never writes). Keyed by snapshot id like :meth:`StoreReader.layer_parts` (ids
    are never given out twice and a snapshot's parts never change). The geometry is shared
    between threads: callers must not prepare it (copy it first,
    :func:`frontlines.core.prepared.prepared_copy`).
    """

    def load() -> Any:
        wkb = store.layer_unions(layer, [snapshot_id]).get(snapshot_id)
        if wkb is not None:
            return shapely.from_wkb(wkb)
        return dissolve(list(store.layer_parts(snapshot_id, layer).values()))

    return store.cache.get_or_compute(("layer-union", snapshot_id, str(layer)), load)
