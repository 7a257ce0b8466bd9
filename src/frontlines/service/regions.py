"""Region layers: the conflict of a store, region look-ups by name, per-region figures.

Per-region tables are read from the store when ``frontlines derive --regions`` (or an
ingest) stored them; otherwise computed in memory and cached by the store's data
version. A query never writes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from frontlines.conflicts import Conflict, default_registry
from frontlines.core.regions import RegionLayer, clip_areas
from frontlines.errors import FrontlinesError, RegionError
from frontlines.results import Region, RegionFigures
from frontlines.service.derive import region_area_table, stored_row
from frontlines.service.selection import Selection
from frontlines.sources.composite import composite
from frontlines.sources.gazetteer import Gazetteer
from frontlines.store import StoreReader

__all__ = [
    "conflict_of",
    "gazetteer_of",
    "region_level",
    "region_figures",
    "region_table",
    "region_values",
    "regions_for",
    "resolve_region",
]


# --------------------------------------------------------------------------- conflict
def conflict_of(store: StoreReader, source: str | None = None) -> Conflict:
    """The conflict whose maps a source (or, without one, the whole store) holds.

    Raises
    ------
    FrontlinesError
        The store is empty, or holds several conflicts and no source was given.
    UnknownConflictError
        The snapshots name a conflict no definition describes.
    """
    if source is not None:
        comp = composite(source)
        if comp is not None and source not in {name for name, *_ in store.sources()}:
            source = comp.sources[-1]  # a composite's members are maps of one conflict
        cid = store.latest_snapshot(source).conflict
    else:
        ids = sorted({store.latest_snapshot(name).conflict for name, *_ in store.sources()})
        if not ids:
            raise FrontlinesError("the store holds no snapshots: ingest some first")
        if len(ids) > 1:
            raise FrontlinesError(f"the store holds maps of several conflicts ({', '.join(ids)}): pick a source")
        cid = ids[0]
    return default_registry().get(cid)


def region_level(store: StoreReader, kind: str | None = None, source: str | None = None) -> RegionLayer:
    """A region level (``by``; default the coarsest) of the conflict whose maps the store (or ``source``) holds.

    Raises
    ------
    RegionError
        The conflict has no such level (the message lists its levels).
    """
    conflict = conflict_of(store, source)
    return default_registry().region_layer(conflict, kind or conflict.level_kinds[0])


def gazetteer_of(store: StoreReader, source: str | None = None) -> Gazetteer:
    """The gazetteer of the conflict whose maps the store (or ``source``) holds."""
    return default_registry().gazetteer(conflict_of(store, source))


# ----------------------------------------------------------------------- region names
def resolve_region(conflict: Conflict | str, name: str, *, levels: Sequence[str] | None = None) -> Region:
    """The region called ``name``: coarsest level first (forgiving spelling).

    ``name`` is a name in any level (``"Donetsk oblast"``, ``"Kramatorsk"``) or a
    ``KIND:ID`` id (``"oblast:UA-14"``). ``levels`` restricts and orders the levels
    searched (default: all of the conflict's, coarse to fine).

    Raises
    ------
    RegionError
        No region matches; the message names the levels searched and, when there
        are any, close names ("did you mean").
    """
    from frontlines.sources.boundaries import find_region

    registry = default_registry()
    c = registry.get(conflict)
    kinds = [c.level(k).kind for k in levels] if levels is not None else list(c.level_kinds)
    kind, sep, rid = name.partition(":")
    if sep and kind.strip().lower() in kinds:
        layer = registry.region_layer(c, kind.strip().lower())
        i = layer.index(rid.strip())
        return Region(layer.name, layer.ids[i], layer.names[i], layer.geometries[i])
    errors = []
    for k in kinds:
        layer = registry.region_layer(c, k)
        try:
            i = find_region(layer, name, c)
        except RegionError as exc:
            errors.append(str(exc))
            continue
        return Region(layer.name, layer.ids[i], layer.names[i], layer.geometries[i])
    hints = [e.split("; did you mean ", 1)[1] for e in errors if "; did you mean " in e]
    hint = f"; did you mean {hints[0]}" if hints else ""
    ambiguous = [e for e in errors if "is ambiguous" in e]
    if ambiguous:
        raise RegionError(ambiguous[0])
    raise RegionError(f"unknown region {name!r}: no {' or '.join(kinds)} of {c.name} is called so{hint}")



# --------------------------------------------------------------------------- regions
def regions_for(by: str | None = None, regions: str | Path | None = None, region_field: str | None = None, *,
                conflict: Conflict | str | None = None) -> tuple[str, RegionLayer] | None:
    """The region layer asked for: a region level of ``conflict`` (``by``) or a user file.

    Returns (cache key, layer) or None.

    Raises
    ------
    RegionError
        ``by`` is not a level of the conflict (the message lists its levels).
    """
    from frontlines.sources.boundaries import read_region_file

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
    if conflict is None:
        raise RegionError(f"--by {by}: no conflict to take region levels from")
    layer = default_registry().region_layer(conflict, by)
    return layer.name, layer


def region_figures(layer: RegionLayer, **values: np.ndarray) -> tuple[RegionFigures, ...]:
    """One :class:`~frontlines.results.RegionFigures` per region of ``layer``.

    Parameters
    ----------
    values : numpy.ndarray
        ``area_km2``, ``gained_km2``, ``lost_km2`` and/or ``net_km2``: km² per region, in the layer's order.
    """
    land = layer.areas.tolist()  # Python floats, as float(arr[i]) gives, converted at once
    columns = {key: np.asarray(arr, dtype=float).tolist() for key, arr in values.items()}
    parents = layer.parents
    rows = []
    for i, (rid, name) in enumerate(zip(layer.ids, layer.names)):
        parent = parents[i] if parents is not None and parents[i] else None
        figures = {key: col[i] for key, col in columns.items()}
        rows.append(RegionFigures(id=rid, name=name, land_area_km2=land[i], parent=parent, **figures))
    return tuple(rows)


def region_table(store: StoreReader, sel: Selection, region: tuple[str, RegionLayer]) -> dict[int, np.ndarray]:
    """Per-region areas of every snapshot of the selection: snapshot id -> array (``layer.ids`` order).

    Stored tables (``frontlines derive --regions``) are read; what is not stored is
    computed in memory and kept in the store's cache under (data version, source,
    layer, region set). Nothing is written.
    """
    key, layer = region
    with store.read_view() as version:
        def compute() -> dict[int, np.ndarray]:
            out: dict[int, np.ndarray] = {}
            for member in sel.members or (sel.source,):  # a composite: every member's table
                out.update(region_area_table(
                    store, member, sel.layer, key, list(layer.ids), lambda g: clip_areas(layer, g),
                    clip_many=lambda gs: clip_areas(layer, gs),
                )[0])
            return out

        cache_key = ("region-table", version, sel.source, str(sel.layer), key)
        return store.cache.get_or_compute(cache_key, compute)  # type: ignore[no-any-return]


def region_values(store: StoreReader, sel: Selection, region: tuple[str, RegionLayer], sids: list[int]) -> dict[int, np.ndarray]:
    """Per-region areas of a few snapshots: the stored rows, else from :func:`region_table`."""
    key, layer = region
    stored = store.region_areas(sids, sel.layer, key)
    rows = {sid: stored_row(stored.get(sid), list(layer.ids)) for sid in sids}
    if all(row is not None for row in rows.values()):
        return rows  # type: ignore[return-value]
    table = region_table(store, sel, region)
    return {sid: table[sid] for sid in sids}
