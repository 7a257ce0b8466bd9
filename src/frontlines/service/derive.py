"""Derived figures kept in the store: per-layer steps, areas and region areas.

For each (source, layer) timeline, the *step* into a snapshot is the change from
its predecessor: gained and lost ground, computed by
:func:`frontlines.core.measure.change_parts` from the parts that differ. A
snapshot's area is its predecessor's area plus gained minus lost (telescoping),
and is recomputed from scratch every :data:`FULL_EVERY` snapshots and for the
first one, so rounding never accumulates. Region areas are derived the same way
from the step geometries, lazily, the first time a region set is asked for.

Adding one snapshot therefore costs one step, wherever it falls in time: its own
step, plus a new step for its successor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import shapely

from frontlines.core.geodesy import area_km2
from frontlines.core.measure import change_parts, dissolve
from frontlines.model import LayerKey
from frontlines.store import SQLiteStore

__all__ = ["FULL_EVERY", "derive_layers", "region_area_table"]

#: A snapshot's area is computed from its full geometry every this many steps (each
#: step satisfies gained - lost = area difference within ~1e-4 km², so drift stays tiny).
FULL_EVERY = 256


def _wkb(geom: Any) -> bytes | None:
    if geom is None or shapely.is_empty(geom):
        return None
    return shapely.to_wkb(geom, output_dimension=2)


def derive_layers(
    store: SQLiteStore,
    touched: list[tuple[str, LayerKey]],
    *,
    precomputed: dict[tuple[Any, LayerKey], Any] | None = None,
) -> int:
    """Compute missing or stale steps and areas of the given timelines.

    Parameters
    ----------
    precomputed : dict, optional
        ``((source, published_at ISO, content hash), layer) -> PrecomputedStep`` from the
        parse workers; used when its predecessor is the snapshot's real predecessor.

    Returns
    -------
    int
        Number of steps computed here (not taken from ``precomputed``).
    """
    precomputed = precomputed or {}
    computed = 0
    for source, layer in touched:
        timeline = store.layer_timeline(source, layer)
        ids = [sid for sid, _, _ in timeline]
        links = store.step_links(layer, ids)
        keys = store.snapshot_keys(source) if precomputed else {}
        prev: int | None = None
        prev_area: float | None = None
        for pos, (sid, _when, area) in enumerate(timeline):
            stale = sid not in links or links[sid] != prev or area is None
            if stale:
                pre = precomputed.get((keys.get(sid), layer))
                full = prev is None or pos % FULL_EVERY == 0
                if pre is not None and prev is not None and pre.previous == keys.get(prev):
                    area = _use_precomputed(store, layer, prev, sid, prev_area, pre, full=full)
                else:
                    area = _step(store, layer, prev, sid, prev_area, full=prev is None or pos % FULL_EVERY == 0)
                    computed += 1
            prev, prev_area = sid, area
    return computed


def _use_precomputed(store: SQLiteStore, layer: LayerKey, prev: int, sid: int, prev_area: float | None, pre: Any,
                     *, full: bool) -> float:
    if full or prev_area is None:
        area = area_km2(dissolve(list(store.layer_parts(sid, layer).values())))
    else:
        area = prev_area + pre.gained_km2 - pre.lost_km2
    store.put_step(layer, sid, prev, area, (pre.gained_km2, pre.gained_wkb), (pre.lost_km2, pre.lost_wkb))
    return area


def _step(store: SQLiteStore, layer: LayerKey, prev: int | None, sid: int, prev_area: float | None, *, full: bool) -> float:
    cur_parts = store.layer_parts(sid, layer)
    if prev is None:
        area = area_km2(dissolve(list(cur_parts.values())))
        store.put_step(layer, sid, None, area, None, None)
        return area
    gained, lost = change_parts(store.layer_parts(prev, layer), cur_parts)
    g, l = area_km2(gained), area_km2(lost)
    if full or prev_area is None:
        area = area_km2(dissolve(list(cur_parts.values())))
    else:
        area = prev_area + g - l
    store.put_step(layer, sid, prev, area, (g, _wkb(gained) or b""), (l, _wkb(lost) or b""))
    return area


def region_area_table(
    store: SQLiteStore,
    source: str,
    layer: LayerKey,
    region_set: str,
    region_ids: list[str],
    clip: Callable[[Any], np.ndarray],
) -> dict[int, np.ndarray]:
    """Per-region area of every snapshot of a timeline, cached in the store.

    Parameters
    ----------
    clip : callable
        ``geometry -> array of km² per region`` (same order as ``region_ids``).

    Returns
    -------
    dict
        snapshot id -> array of km², ordered like ``region_ids``.
    """
    timeline = store.layer_timeline(source, layer)
    ids = [sid for sid, _, _ in timeline]
    cached = store.region_areas(ids, layer, region_set)
    out: dict[int, np.ndarray] = {}
    missing = [sid for sid in ids if sid not in cached]
    steps = store.steps(layer, missing, geometry=True) if missing else {}
    rows: list[tuple[int, str, str, str, float]] = []
    prev: int | None = None
    for pos, sid in enumerate(ids):
        if sid in cached:
            out[sid] = np.array([cached[sid].get(r, 0.0) for r in region_ids])
        else:
            step = steps.get(sid)
            usable = (
                prev is not None and prev in out and step is not None and step[0] == prev
                and pos % FULL_EVERY != 0
            )
            if usable:
                g = shapely.from_wkb(step[3]) if step[3] else None
                l = shapely.from_wkb(step[4]) if step[4] else None
                vals = out[prev].copy()
                if g is not None:
                    vals += clip(g)
                if l is not None:
                    vals -= clip(l)
                np.maximum(vals, 0.0, out=vals)
            else:
                vals = clip(dissolve(list(store.layer_parts(sid, layer).values())))
            out[sid] = vals
            rows.extend((sid, str(layer), region_set, rid, float(v)) for rid, v in zip(region_ids, vals))
        prev = sid
    if rows:
        store.put_region_areas(rows)
    return out
