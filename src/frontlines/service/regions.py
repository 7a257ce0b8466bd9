"""Region layers: which regions a figure is broken down by, and per-region figures."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from frontlines.core.regions import RegionLayer, clip_areas
from frontlines.errors import RegionError
from frontlines.results import RegionFigures
from frontlines.service.derive import region_area_table
from frontlines.service.selection import Selection
from frontlines.store import SQLiteStore

__all__ = ["region_figures", "region_table", "region_values", "regions_for"]



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


def region_figures(layer: RegionLayer, **values: np.ndarray) -> tuple[RegionFigures, ...]:
    """One :class:`~frontlines.results.RegionFigures` per region of ``layer``.

    Parameters
    ----------
    values : numpy.ndarray
        ``area_km2``, ``gained_km2``, ``lost_km2`` and/or ``net_km2``: km² per region, in the layer's order.
    """
    land = layer.areas
    rows = []
    for i, (rid, name) in enumerate(zip(layer.ids, layer.names)):
        parent = layer.parents[i] if layer.parents is not None and layer.parents[i] else None
        figures = {key: float(arr[i]) for key, arr in values.items()}
        rows.append(RegionFigures(id=rid, name=name, land_area_km2=float(land[i]), parent=parent, **figures))
    return tuple(rows)


def region_table(store: SQLiteStore, sel: Selection, region: tuple[str, RegionLayer]) -> dict[int, np.ndarray]:
    key, layer = region
    return region_area_table(store, sel.source, sel.layer, key, list(layer.ids), lambda g: clip_areas(layer, g))


def region_values(store: SQLiteStore, sel: Selection, region: tuple[str, RegionLayer], sids: list[int]) -> dict[int, np.ndarray]:
    """Per-region areas of a few snapshots: read from the cache, building it the first time."""
    key, layer = region
    cached = store.region_areas(sids, sel.layer, key)
    if all(sid in cached and len(cached[sid]) == len(layer.ids) for sid in sids):
        return {sid: np.array([cached[sid][r] for r in layer.ids]) for sid in sids}
    table = region_table(store, sel, region)
    return {sid: table[sid] for sid in sids}


