"""Where and how deep: front lines, depth of advances and settlements that changed hands.

Orchestration over the pure :mod:`frontlines.core.frontline`, :mod:`frontlines.core.depth`
and :mod:`frontlines.core.settlements`, like :mod:`frontlines.api` for areas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from frontlines.cache import Cache
from frontlines.core.depth import Depth, advance_depth
from frontlines.core.frontline import FrontLine
from frontlines.core.frontline import frontline as build_frontline
from frontlines.core.measure import EMPTY, dissolve
from frontlines.core.regions import clip_pieces
from frontlines.core.settlements import settlement_status
from frontlines.errors import FrontlinesError, LayerError, RegionError
from frontlines.model import LayerKey
from frontlines.service import selection
from frontlines.store import SQLiteStore
from frontlines.times import parse_user_time, utc_text

__all__ = ["MIN_DEPTH_PIECE_KM2", "change_depth", "frontline", "frontline_at", "settlements", "substantial"]


def _outline(conflict: str) -> Any | None:
    if conflict != "ukraine":
        return None
    from frontlines.sources.boundaries import load_outline

    return load_outline()


def _contested_key(layer: LayerKey) -> LayerKey:
    return LayerKey(layer.side, "contested")


def _contested_id(store: SQLiteStore, source: str, layer: LayerKey, when: Any) -> int | None:
    """Snapshot id of the same side's contested layer in force at ``when``, if there is one."""
    try:
        sel = selection.select(store, source, _contested_key(layer))
    except LayerError:
        return None
    pos = sel.index_at(when)
    return None if pos is None else sel.timeline[pos][0]


def _contested_at(store: SQLiteStore, source: str, layer: LayerKey, when: Any) -> Any | None:
    sid = _contested_id(store, source, layer, when)
    if sid is None:
        return None
    return dissolve(list(store.layer_parts(sid, _contested_key(layer)).values()))


#: Budget of the cache made by :func:`_frontline_cache` for a store that has none.
_FRONTLINE_CACHE_BYTES = 64 * 2**20


def _frontline_cache(store: SQLiteStore) -> Cache:
    """The store's cache (``store.cache``), made and kept on the store on first use if it has none.

    Two threads meeting a store without a cache may each make one; one is kept and the
    other's entries are merely computed again.
    """
    cache = getattr(store, "cache", None)
    if cache is None:
        cache = Cache(max_bytes=_FRONTLINE_CACHE_BYTES)
        setattr(store, "cache", cache)  # the store classes do not declare it yet
    return cache


def frontline_at(store: SQLiteStore, sel: selection.Selection, when: Any, *, mode: str = "outer",
                 tolerance_km: float = 1.0) -> tuple[int, FrontLine]:
    """Snapshot id and front line of a selection's layer at a time (cached on the store).

    The key names the content: the store, the snapshot, layer, mode and tolerance, the
    contested snapshot drawn with it and the conflict (whose outline clips it).
    """
    sid = selection.state_at(sel, when)
    contested_sid = _contested_id(store, sel.source, sel.layer, when) if sel.layer.status == "control" else None
    conflict = store.snapshot(sid).conflict
    key = ("frontline", str(store.path), sid, str(sel.layer), mode, float(tolerance_km), contested_sid, conflict)

    def build() -> FrontLine:
        control = dissolve(list(store.layer_parts(sid, sel.layer).values()))
        contested = None
        if contested_sid is not None:
            contested = dissolve(list(store.layer_parts(contested_sid, _contested_key(sel.layer)).values()))
            if contested.is_empty:
                contested = None
        return build_frontline(control, outline=_outline(conflict), contested=contested,
                               tolerance_km=tolerance_km, contested_mode=mode)

    return sid, _frontline_cache(store).get_or_compute(key, build)


def frontline(
    store: SQLiteStore,
    *,
    at: selection.TimeLike,
    source: str | None = None,
    layer: str | LayerKey | None = None,
    mode: str = "outer",
    tolerance_km: float = 1.0,
    tz: str = "UTC",
    geometry: bool = False,
) -> dict[str, Any]:
    """The line of contact of a layer at a time.

    Returns
    -------
    dict
        ``{"source", "layer", "at", "snapshot", "length_km", "mode", "tolerance_km"}`` and,
        with ``geometry=True``, ``"geometry"`` (a shapely MultiLineString).
    """
    from frontlines.core.frontline import CONTESTED_MODES

    if mode not in CONTESTED_MODES:
        raise LayerError(f"unknown grey-zone mode {mode!r}; use one of {', '.join(CONTESTED_MODES)}")
    if not 0 <= tolerance_km <= 50:
        raise LayerError(f"tolerance {tolerance_km} km is out of range (0 to 50 km)")
    sel = selection.select(store, source, layer)
    when = parse_user_time(at, tz=tz)
    sid, line = frontline_at(store, sel, when, mode=mode, tolerance_km=tolerance_km)
    out: dict[str, Any] = {
        "source": sel.source,
        "layer": str(sel.layer),
        "at": utc_text(when),
        "snapshot": store.snapshot(sid).as_dict(),
        "length_km": round(line.length_km, 3),
        "mode": mode,
        "tolerance_km": tolerance_km,
        "parts": int(len(shapely.get_parts(line.geometry))),
    }
    if geometry:
        out["geometry"] = line.geometry
    return out


def _depth_dict(depth: Depth) -> dict[str, Any]:
    from frontlines.sources.gazetteer import load_gazetteer

    out = depth.as_dict()
    if depth.deepest_point is not None:
        gaz = load_gazetteer()
        i, km = gaz.nearest(*depth.deepest_point)
        out["nearest_settlement"] = {"name": gaz.display_name(i), "distance_km": round(km, 2),
                                     "population": int(gaz.population[i])}
    return out


#: Pieces of moved ground smaller than this are left out of depth (redrawing slivers far
#: behind the front would otherwise pass for deep advances).
MIN_DEPTH_PIECE_KM2 = 1.0


def substantial(geom: Any) -> Any:
    """The pieces of a geometry of at least :data:`MIN_DEPTH_PIECE_KM2`."""
    if geom is None or shapely.is_empty(geom):
        return EMPTY
    parts = shapely.get_parts(geom)
    from frontlines.core.geodesy import areas_km2

    keep = parts[areas_km2(parts) >= MIN_DEPTH_PIECE_KM2]
    return dissolve(list(keep)) if len(keep) else EMPTY


def change_depth(
    store: SQLiteStore,
    sel: selection.Selection,
    doc: dict[str, Any],
    gained: Any,
    lost: Any,
    *,
    region: tuple[str, Any] | None = None,
    mode: str = "outer",
) -> dict[str, Any]:
    """Front lines at both ends of a change and the depth of the ground that moved.

    ``advance`` is the depth of ground gained by the layer's side; ``retreat`` the depth
    of ground it lost (the other side's advance), both from the earlier front line.
    Pieces under :data:`MIN_DEPTH_PIECE_KM2` are left out.
    """
    gained, lost = substantial(gained), substantial(lost)
    t0 = parse_user_time(doc["from"])
    t1 = parse_user_time(doc["to"])
    _, f0 = frontline_at(store, sel, t0, mode=mode)
    _, f1 = frontline_at(store, sel, t1, mode=mode)
    out: dict[str, Any] = {
        "frontline_km": {"from": round(f0.length_km, 3), "to": round(f1.length_km, 3),
                         "change": round(f1.length_km - f0.length_km, 3), "mode": mode},
        "advance": _depth_dict(advance_depth(gained, f0)),
        "retreat": _depth_dict(advance_depth(lost, f0)),
    }
    if region is not None:
        layer = region[1]
        rows = []
        pieces_g = dict(clip_pieces(layer, gained)) if not shapely.is_empty(gained) else {}
        pieces_l = dict(clip_pieces(layer, lost)) if not shapely.is_empty(lost) else {}
        for i in sorted(set(pieces_g) | set(pieces_l)):
            rows.append({
                "id": layer.ids[i], "name": layer.names[i],
                "advance_max_km": round(advance_depth(pieces_g[i], f0).max_km, 3) if i in pieces_g else 0.0,
                "retreat_max_km": round(advance_depth(pieces_l[i], f0).max_km, 3) if i in pieces_l else 0.0,
            })
        out["regions"] = rows
    return out


def _status_layers(store: SQLiteStore, sel: selection.Selection, when: Any) -> dict[str, Any] | None:
    pos = sel.index_at(when)
    if pos is None:
        return None
    control = dissolve(list(store.layer_parts(sel.timeline[pos][0], sel.layer).values()))
    layers = {"control": control}
    contested = _contested_at(store, sel.source, sel.layer, when)
    if contested is not None:
        layers["contested"] = contested
    return layers


def settlements(
    store: SQLiteStore,
    *,
    start: selection.TimeLike | None = None,
    end: selection.TimeLike | None = None,
    at: selection.TimeLike | None = None,
    source: str | None = None,
    layer: str | LayerKey | None = None,
    min_population: int = 0,
    region: str | None = None,
    tz: str = "UTC",
) -> dict[str, Any]:
    """Settlements whose status changed between two times, or those under a layer at a time.

    Status of a place: ``control`` (inside the layer), ``contested`` (inside the same
    side's contested layer), else ``none``. Points on a boundary count as inside.
    For changes, ``date`` is the publication time of the first snapshot in the window
    at which the place had its final status; ``gained_by`` / ``lost_by`` name the
    layer's side when a place entered or left its control. Sorted by population.

    Parameters
    ----------
    region : str, optional
        ``oblast:UA-14`` style id, or an oblast / raion name: only places inside it.
    """
    from frontlines.sources.gazetteer import load_gazetteer

    sel = selection.select(store, source, layer)
    if sel.layer.status != "control":
        raise LayerError(f"settlement status needs a control layer, not {sel.layer}")
    gaz = load_gazetteer()
    keep = np.asarray(gaz.population) >= min_population
    if region is not None:
        keep &= _region_mask(gaz, region)
    idx = np.flatnonzero(keep)
    lon, lat = np.asarray(gaz.lon)[idx], np.asarray(gaz.lat)[idx]
    base: dict[str, Any] = {"source": sel.source, "layer": str(sel.layer), "min_population": min_population,
                            "region": region}

    def row(j: int, **extra: Any) -> dict[str, Any]:
        i = int(idx[j])
        return {"id": gaz.ids[i], "name": gaz.names[i], "display_name": gaz.display_name(i),
                "population": int(gaz.population[i]),
                "oblast": gaz.oblasts[i], "raion": gaz.raions[i], "lon": round(float(gaz.lon[i]), 5),
                "lat": round(float(gaz.lat[i]), 5), **extra}

    if at is not None:
        when = parse_user_time(at, tz=tz)
        layers = _status_layers(store, sel, when)
        if layers is None:
            selection.state_at(sel, when)  # raises with the coverage in the message
        status = settlement_status(lon, lat, layers)
        rows = [row(j, status=str(status[j])) for j in np.flatnonzero(status != "none")]
        rows.sort(key=lambda r: -r["population"])
        counts = {k: int((status == k).sum()) for k in layers}
        return {**base, "at": utc_text(when), "counts": counts, "settlements": rows}
    if start is None or end is None:
        raise FrontlinesError("give --at, or both --from and --to")
    t0, t1 = parse_user_time(start, tz=tz), parse_user_time(end, tz=tz)
    if t1 < t0:
        raise FrontlinesError(f"--to {utc_text(t1)} is before --from {utc_text(t0)}")
    before, after = _status_layers(store, sel, t0), _status_layers(store, sel, t1)
    if before is None or after is None:
        selection.state_at(sel, t0)
        selection.state_at(sel, t1)
    s0 = settlement_status(lon, lat, before)
    s1 = settlement_status(lon, lat, after)
    changed = np.flatnonzero(s0 != s1)
    dates = _change_dates(store, sel, t0, t1, lon[changed], lat[changed], s1[changed])
    rows = []
    for k, j in enumerate(changed):
        extra: dict[str, Any] = {"from_status": str(s0[j]), "to_status": str(s1[j]), "date": dates[k]}
        if s1[j] == "control":
            extra["gained_by"] = sel.layer.side
        elif s0[j] == "control":
            extra["lost_by"] = sel.layer.side
        rows.append(row(int(j), **extra))
    rows.sort(key=lambda r: -r["population"])
    transitions: dict[str, int] = {}
    for r in rows:
        key = f"{r['from_status']}->{r['to_status']}"
        transitions[key] = transitions.get(key, 0) + 1
    return {**base, "from": utc_text(t0), "to": utc_text(t1), "count": len(rows), "transitions": transitions,
            "settlements": rows}


def _change_dates(store: SQLiteStore, sel: selection.Selection, t0: Any, t1: Any, lon: np.ndarray, lat: np.ndarray,
                  final: np.ndarray) -> list[str | None]:
    """Publication time of the first snapshot from which each place keeps its final status."""
    if len(lon) == 0:
        return []
    i0, i1 = sel.index_at(t0), sel.index_at(t1)
    start = (i0 + 1) if i0 is not None else 0
    if i1 is None:
        return [None] * len(lon)
    out: list[str | None] = [utc_text(sel.timeline[i1][1])] * len(lon)
    settled = np.ones(len(lon), dtype=bool)
    # Walk back from the end while a place still has its final status.
    for pos in range(i1 - 1, start - 1, -1):
        layers = _status_layers(store, sel, sel.timeline[pos][1])
        status = settlement_status(lon, lat, layers)
        settled &= status == final
        for k in np.flatnonzero(settled):
            out[k] = utc_text(sel.timeline[pos][1])
        if not settled.any():
            break
    return out


def _region_mask(gaz: Any, region: str) -> np.ndarray:
    from frontlines.sources.boundaries import find_region, load_region_layer

    kind, sep, rid = region.partition(":")
    if sep and kind in ("oblast", "raion", "hromada"):
        layer = load_region_layer(kind)
        i = layer.index(rid)
    else:
        for kind in ("oblast", "raion", "hromada"):
            layer = load_region_layer(kind)
            try:
                i = find_region(layer, region)
                break
            except RegionError:
                continue
        else:
            raise RegionError(f"unknown region {region!r}: give an oblast, raion or hromada name")
    # Through the gazetteer, which tests a private copy: shapely's intersects_xy would
    # prepare the layer's shared geometry in place.
    mask = np.zeros(len(gaz), dtype=bool)
    mask[gaz.within(layer.geometries[i])] = True
    return mask
