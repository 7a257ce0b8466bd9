"""Region layers: which regions a figure is broken down by, and per-region figures.

Per-region tables are read from the store when ``frontlines derive --regions`` (or an
ingest) stored them; otherwise computed in memory and cached by the store's data
version. A query never writes them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from frontlines.core.regions import RegionLayer, clip_areas
from frontlines.errors import RegionError
from frontlines.service.derive import region_area_table
from frontlines.service.selection import Selection
from frontlines.store import StoreReader

__all__ = ["region_rows", "region_table", "region_values", "regions_for"]



# --------------------------------------------------------------------------- regions
def regions_for(by: str | None = None, regions: str | Path | None = None, region_field: str | None = None) -> tuple[str, RegionLayer] | None:
    """The region layer asked for: shipped (``oblast``, ``raion``, ``hromada``) or a user file.

    Returns (cache key, layer) or None.
    """
    from frontlines.sources.boundaries import load_region_layer, read_region_file

    if regions is not None:
        if not region_field:
            raise RegionError(f"{regions}: give --region-field, the attribute that names each region")
        path = Path(regions)
        if not path.exists():
            raise RegionError(f"{regions}: no such file")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        return f"file:{digest}:{region_field}", read_region_file(path, name_field=region_field)
    if by is None:
        return None
    layer = load_region_layer(by)
    return layer.name, layer


def region_rows(layer: RegionLayer, values: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    rows = []
    land = layer.areas
    for i, (rid, name) in enumerate(zip(layer.ids, layer.names)):
        row: dict[str, Any] = {"id": rid, "name": name}
        if layer.parents is not None and layer.parents[i]:
            row["parent"] = layer.parents[i]
        for key, arr in values.items():
            row[key] = round(float(arr[i]), 3)
        row["land_area_km2"] = round(float(land[i]), 3)
        if "area_km2" in values:
            row["share"] = round(float(values["area_km2"][i] / land[i]), 5) if land[i] > 0 else None
        rows.append(row)
    return rows


def region_table(store: StoreReader, sel: Selection, region: tuple[str, RegionLayer]) -> dict[int, np.ndarray]:
    """Per-region areas of every snapshot of the selection: snapshot id -> array (``layer.ids`` order).

    Stored tables (``frontlines derive --regions``) are read; what is not stored is
    computed in memory and kept in the store's cache under (data version, source,
    layer, region set). Nothing is written.
    """
    key, layer = region
    with store.read_view() as version:
        cache_key = ("region-table", version, sel.source, str(sel.layer), key)
        return store.cache.get_or_compute(  # type: ignore[no-any-return]
            cache_key,
            lambda: region_area_table(
                store, sel.source, sel.layer, key, list(layer.ids), lambda g: clip_areas(layer, g)
            )[0],
        )


def region_values(store: StoreReader, sel: Selection, region: tuple[str, RegionLayer], sids: list[int]) -> dict[int, np.ndarray]:
    """Per-region areas of a few snapshots: the stored rows, else from :func:`region_table`."""
    key, layer = region
    stored = store.region_areas(sids, sel.layer, key)
    if all(sid in stored and len(stored[sid]) == len(layer.ids) for sid in sids):
        return {sid: np.array([stored[sid][r] for r in layer.ids]) for sid in sids}
    table = region_table(store, sel, region)
    return {sid: table[sid] for sid in sids}
