"""Where and how deep: front lines, depth of advances and settlements that changed hands.

Orchestration over the pure :mod:`frontlines.core.frontline`, :mod:`frontlines.core.depth`
and :mod:`frontlines.core.settlements`, like :mod:`frontlines.api` for areas.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from typing import Any

import numpy as np
import shapely

from frontlines.conflicts import Conflict, default_registry
from frontlines.core.arrays import unique
from frontlines.core.depth import Depth, ProjectedFront, max_depth_km, region_depths
from frontlines.core.frontline import CONTESTED_MODES, FrontLine, outline_land
from frontlines.core.frontline import frontline as build_frontline
from frontlines.core.measure import EMPTY, dissolve
from frontlines.core.regions import clip_pieces
from frontlines.core.settlements import settlement_status
from frontlines.errors import LayerError, UsageError
from frontlines.model import LayerKey
from frontlines.results import FrontlineResult, SettlementRow, SettlementsResult
from frontlines.service import selection
from frontlines.service.redraws import redraw_covers_xy
from frontlines.service.regions import conflict_of, resolve_region
from frontlines.service.settlement_index import LABELS, IndexedTimeline, index_for
from frontlines.service.unions import layer_union
from frontlines.store import StoreReader
from frontlines.times import parse_user_time, utc_text

__all__ = [
    "CONTESTED_MODES", "MIN_DEPTH_PIECE_KM2", "change_depth", "frontline", "frontline_at", "settlements", "substantial"]


def _outline(conflict: str) -> Any | None:
    """Land outline of the conflict's country; None for a conflict no definition describes."""
    registry = default_registry()
    return registry.outline(conflict) if conflict in registry else None


def _contested_key(layer: LayerKey) -> LayerKey:
    return LayerKey(layer.side, "contested")


def _contested_id(store: StoreReader, source: str, layer: LayerKey, when: Any) -> tuple[int, LayerKey] | None:
    """(snapshot id, layer) of the contested layer at ``when``, if the source has one."""
    try:
        sel = selection.select(store, source, _contested_key(layer))
    except LayerError:
        return None
    pos = sel.index_at(when)
    if pos is None:
        return None
    return sel.timeline[pos][0], sel.layer


def _contested_at(store: StoreReader, source: str, layer: LayerKey, when: Any) -> Any | None:
    found = _contested_id(store, source, layer, when)
    if found is None:
        return None
    return layer_union(store, *found)


def frontline_at(store: StoreReader, sel: selection.Selection, when: Any, *, mode: str = "outer",
                 tolerance_km: float = 1.0) -> tuple[int, FrontLine]:
    """Snapshot id and front line of a selection's layer at a time.

    Kept in the store's cache under the ids of the snapshots it is drawn from (a
    snapshot's content never changes under its id).
    """
    sid = selection.state_at(sel, when)
    contested = _contested_id(store, sel.source, sel.layer, when) if sel.layer.status == "control" else None

    def compute() -> tuple[Any, FrontLine]:
        control = layer_union(store, sid, sel.layer)
        other = layer_union(store, *contested) if contested is not None else None
        conflict = store.snapshot(sid).conflict
        outline = _outline(conflict)

        def land_of(centre: tuple[int, int]) -> Any:  # the outline's inward buffer, once per conflict and centre
            return store.cache.get_or_compute(
                ("outline-land", conflict, centre, float(tolerance_km), mode == "centre"),
                lambda: outline_land(outline, centre, float(tolerance_km), mode))

        line = build_frontline(control, outline=outline,
                               contested=other if other is not None and not other.is_empty else None,
                               tolerance_km=float(tolerance_km), contested_mode=mode, land_of=land_of)
        return line.geometry, line  # the geometry first, so that the cache charges its bytes

    key = ("frontline", sid, str(sel.layer), contested, mode, float(tolerance_km))
    return sid, store.cache.get_or_compute(key, compute)[1]


def frontline(
    store: StoreReader,
    *,
    at: selection.TimeLike,
    source: str | None = None,
    layer: str | LayerKey | None = None,
    mode: str = "outer",
    tolerance_km: float = 1.0,
    tz: str = "UTC",
    geometry: bool = False,
) -> FrontlineResult:
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
    return FrontlineResult(
        source=sel.source, layer=str(sel.layer), at=when, snapshot=store.snapshot(sid), length_km=line.length_km,
        mode=mode, tolerance_km=tolerance_km, parts=int(len(shapely.get_parts(line.geometry))),  # type: ignore[arg-type]
        geometry=line.geometry if geometry else None,
    )


def _depth_dict(depth: Depth, conflict: Conflict) -> dict[str, Any]:
    out = depth.as_dict()
    if depth.deepest_point is not None and conflict.gazetteer is not None:
        gaz = default_registry().gazetteer(conflict)
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
    store: StoreReader,
    sel: selection.Selection,
    start: dt.datetime,
    end: dt.datetime,
    gained: Any,
    lost: Any,
    *,
    region: tuple[str, Any] | None = None,
    mode: str = "outer",
    redraw: Any = None,
) -> dict[str, Any]:
    """Front lines at both ends of a change and the depth of the ground that moved.

    ``advance`` is the depth of ground gained by the layer's side; ``retreat`` the depth
    of ground it lost (the other side's advance), both from the earlier front line.
    Pieces under :data:`MIN_DEPTH_PIECE_KM2` are left out. ``gained`` / ``lost`` are the
    advance / retreat pieces (redraws already out); ``redraw`` (the window's redraw
    ground, or its two directions as a pair, united only when the depth is computed) is
    taken out of the ``contested_held`` variant too.
    """
    # Kept in the store's cache: the snapshots at both ends (contested ones included) and the
    # exact gained / lost geometries (an exclude-redraws query passes other ones) decide it all.
    ends = tuple((selection.state_at(sel, t), _contested_id(store, sel.source, sel.layer, t)
                  if sel.layer.status == "control" else None) for t in (start, end))
    parts = (gained, lost, *(redraw if isinstance(redraw, tuple) else (redraw,)))
    digest = hashlib.sha256(b"|".join(shapely.to_wkb(g) if g is not None else b"-" for g in parts)).hexdigest()

    def compute() -> dict[str, Any]:
        ground = redraw
        if isinstance(redraw, tuple):  # the two directions, united only now
            ground = None if all(g is None for g in redraw) else shapely.union(
                *(EMPTY if g is None else g for g in redraw))
        return _change_depth(store, sel, start, gained, lost, region=region, mode=mode, end=end, redraw=ground)

    key = ("change-depth", sel.source, str(sel.layer), ends, digest, region[0] if region is not None else None, mode)
    found = store.cache.get_or_compute(key, compute)
    return copy.deepcopy(found)  # the cached dict stays as it was whatever the caller does


def _change_depth(store: StoreReader, sel: selection.Selection, start: dt.datetime, gained: Any, lost: Any, *,
                  region: tuple[str, Any] | None, mode: str, end: dt.datetime, redraw: Any) -> dict[str, Any]:
    gained, lost = substantial(gained), substantial(lost)
    conflict = conflict_of(store, sel.source)
    _, f0 = frontline_at(store, sel, start, mode=mode)
    _, f1 = frontline_at(store, sel, end, mode=mode)
    pieces_g: dict[int, Any] = {}
    pieces_l: dict[int, Any] = {}
    if region is not None:
        pieces_g = dict(clip_pieces(region[1], gained)) if not shapely.is_empty(gained) else {}
        pieces_l = dict(clip_pieces(region[1], lost)) if not shapely.is_empty(lost) else {}
    # one pass per direction: the whole's samples serve its pieces in the regions too; the
    # earlier front is projected and indexed once per plane for all the depths below
    front = ProjectedFront(f0)
    adv, adv_by = region_depths(gained, front, list(pieces_g.items()))
    ret, ret_by = region_depths(lost, front, list(pieces_l.items()))
    out: dict[str, Any] = {
        "frontline_km": {"from": round(f0.length_km, 3), "to": round(f1.length_km, 3),
                         "change": round(f1.length_km - f0.length_km, 3), "mode": mode},
        "advance": _depth_dict(adv, conflict),
        "retreat": _depth_dict(ret, conflict),
        "headline": "contested_as_lost",
    }
    variants = _contested_held_variant(store, sel, start, end, front, redraw)
    if variants is not None:
        out["variants"] = {
            # the headline: ground that left the layer, into the grey zone or beyond, counts as lost
            "contested_as_lost": {"advance_max_km": out["advance"]["max_km"], "retreat_max_km": out["retreat"]["max_km"]},
            # the grey zone counted as not yet taken: only ground that left control and grey zone both
            "contested_held": variants,
        }
    if region is not None:
        layer = region[1]
        rows = []
        for i in sorted(set(pieces_g) | set(pieces_l)):
            rows.append({
                "id": layer.ids[i], "name": layer.names[i],
                "advance_max_km": round(adv_by[i], 3) if i in pieces_g else 0.0,
                "retreat_max_km": round(ret_by[i], 3) if i in pieces_l else 0.0,
            })
        out["regions"] = rows
    return out


def _contested_held_variant(store: StoreReader, sel: selection.Selection, start: dt.datetime, end: dt.datetime,
                            front: ProjectedFront, redraw: Any = None) -> dict[str, float] | None:
    """Depths when the grey zone stays with the side holding it: control ∪ contested compared."""
    if sel.layer.status != "control":
        return None
    held = []
    for when in (start, end):
        pos = sel.index_at(when)
        contested = _contested_at(store, sel.source, sel.layer, when)
        if pos is None or contested is None:
            return None
        control = layer_union(store, sel.timeline[pos][0], sel.layer)
        held.append(shapely.union(control, contested))
    gained, lost = shapely.difference(held[1], held[0]), shapely.difference(held[0], held[1])
    if redraw is not None and not shapely.is_empty(redraw):
        gained, lost = _without(gained, redraw), _without(lost, redraw)
    gained, lost = substantial(gained), substantial(lost)
    return {"advance_max_km": round(max_depth_km(gained, front), 3), "retreat_max_km": round(max_depth_km(lost, front), 3)}


def _without(geom: Any, other: Any) -> Any:
    """``geom`` minus ``other``, polygon by polygon, each less only the polygons of ``other`` it meets.

    A window's redraw ground is hundreds of polygons along the whole front; one overlay of
    everything costs several times the overlays of the pairs whose boxes meet.
    """
    if shapely.is_empty(geom):
        return geom
    parts, others = shapely.get_parts(geom), shapely.get_parts(other)
    if not (np.isin(shapely.get_type_id(parts), (3,)).all() and np.isin(shapely.get_type_id(others), (3,)).all()):
        return shapely.difference(geom, other)
    i, j = shapely.STRtree(others).query(parts)
    if i.size == 0:
        return geom
    out = list(parts)
    for k in unique(i):
        near = others[j[i == k]]
        cut = shapely.difference(parts[k], near[0] if len(near) == 1 else shapely.multipolygons(near))
        out[k] = cut
    return dissolve([g for g in out if not shapely.is_empty(g)])


def _status_layers(store: StoreReader, sel: selection.Selection, when: Any) -> dict[str, Any] | None:
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
    store: StoreReader,
    *,
    start: selection.TimeLike | None = None,
    end: selection.TimeLike | None = None,
    at: selection.TimeLike | None = None,
    source: str | None = None,
    layer: str | LayerKey | None = None,
    min_population: int = 0,
    region: str | None = None,
    tz: str = "UTC",
    include_redraws: bool = False,
) -> SettlementsResult:
    """Settlements whose status changed between two times, or those under a layer at a time.

    Status of a place: ``control`` (inside the layer), ``contested`` (inside the same
    side's contested layer), else ``none``. Points on a boundary count as inside.
    For changes, ``date`` is the publication time of the first snapshot in the window
    at which the place had its final status; ``gained_by`` / ``lost_by`` name the
    layer's side when a place entered or left its control. Sorted by population.

    Parameters
    ----------
    region : str, optional
        A region of the conflict's levels, by name or ``KIND:ID`` (``oblast:UA-14``):
        only places inside it.
    include_redraws : bool
        For a change: a place inside a map redraw of the window (a redraw piece of one
        of its steps, see :mod:`frontlines.service.redraws`) has not "changed hands":
        by default it is listed apart in ``redraw_settlements`` (kind ``redraw``);
        with True it stays in ``settlements``. Every changed place has a ``kind``.
    """
    sel = selection.select(store, source, layer)
    if sel.layer.status != "control":
        raise LayerError(f"settlement status needs a control layer, not {sel.layer}")
    conflict = conflict_of(store, sel.source)
    gaz = default_registry().gazetteer(conflict)
    level1, level2, level3 = (*conflict.level_kinds, "", "")[:3]  # the gazetteer's region columns
    keep = np.asarray(gaz.population) >= min_population
    if region is not None:
        keep &= _region_mask(gaz, region, conflict)
    idx = np.flatnonzero(keep)
    lon, lat = np.asarray(gaz.lon)[idx], np.asarray(gaz.lat)[idx]
    base: dict[str, Any] = {"source": sel.source, "layer": str(sel.layer), "min_population": min_population,
                            "region": region}

    def row(j: int, **extra: Any) -> SettlementRow:
        i = int(idx[j])
        return SettlementRow(id=gaz.ids[i], name=gaz.names[i], display_name=gaz.display_name(i),
                             population=int(gaz.population[i]), lon=float(gaz.lon[i]), lat=float(gaz.lat[i]),
                             admin={level1: gaz.oblasts[i], **({level2: gaz.raions[i]} if level2 else {}),
                                    **({level3: gaz.hromadas[i]} if level3 and gaz.hromadas[i] else {})}, **extra,
                             **gaz.describe(i))

    indexed = _indexed(store, sel, gaz)
    if at is not None:
        when = parse_user_time(at, tz=tz)
        pos = sel.index_at(when)
        if indexed is not None and pos is not None and _index_fits(store, sel, indexed, pos, when):
            codes = indexed.codes_at(pos, len(gaz))[0][idx]
            status = np.asarray(LABELS, dtype=object)[codes]
            names = ["control", "contested"] if indexed.basis[pos, 1] >= 0 else ["control"]
        else:
            layers = _status_layers(store, sel, when)
            if layers is None:
                selection.state_at(sel, when)  # raises with the coverage in the message
            status = settlement_status(lon, lat, layers)
            names = list(layers)
        rows = [row(j, status=str(status[j])) for j in np.flatnonzero(status != "none")]
        rows.sort(key=lambda r: -r.population)
        counts = {k: int((status == k).sum()) for k in names}
        return SettlementsResult(**base, at=when, counts=counts, settlements=tuple(rows))
    if start is None or end is None:
        raise UsageError("give --at, or both --from and --to")
    t0, t1 = parse_user_time(start, tz=tz), parse_user_time(end, tz=tz)
    if t1 < t0:
        raise UsageError(f"--to {utc_text(t1)} is before --from {utc_text(t0)}")
    i0, i1 = sel.index_at(t0), sel.index_at(t1)
    if (indexed is not None and i0 is not None and i1 is not None and _index_fits(store, sel, indexed, i0, t0)
            and _index_fits(store, sel, indexed, i1, t1)):
        # A look-up: statuses at both ends; the date of a change is the place's latest event.
        labels = np.asarray(LABELS, dtype=object)
        c0 = indexed.codes_at(i0, len(gaz))[0][idx]
        c1, last = indexed.codes_at(i1, len(gaz))
        c1 = c1[idx]
        s0, s1 = labels[c0], labels[c1]
        changed = np.flatnonzero(c0 != c1)
        when_of = indexed.events.position[last[idx[changed]]]
        dates: list[str | None] = [utc_text(sel.timeline[int(p)][1]) for p in when_of]
    else:
        before, after = _status_layers(store, sel, t0), _status_layers(store, sel, t1)
        if before is None or after is None:
            selection.state_at(sel, t0)
            selection.state_at(sel, t1)
        s0 = settlement_status(lon, lat, before)
        s1 = settlement_status(lon, lat, after)
        changed = np.flatnonzero(s0 != s1)
        dates = _change_dates(store, sel, t0, t1, lon[changed], lat[changed], s1[changed])
    redrawn = redraw_covers_xy(store, sel, selection.state_at(sel, t0), selection.state_at(sel, t1),
                               lon[changed], lat[changed])
    rows, redraw_rows = [], []
    for k, j in enumerate(changed):
        extra: dict[str, Any] = {"from_status": str(s0[j]), "to_status": str(s1[j]), "date": dates[k],
                                 "kind": "redraw" if redrawn[k] else "fighting"}
        if s1[j] == "control":
            extra["gained_by"] = sel.layer.side
        elif s0[j] == "control":
            extra["lost_by"] = sel.layer.side
        (redraw_rows if redrawn[k] and not include_redraws else rows).append(row(int(j), **extra))
    rows.sort(key=lambda r: -r.population)
    redraw_rows.sort(key=lambda r: -r.population)
    return SettlementsResult(**base, start=t0, end=t1, settlements=tuple(rows), redraw_settlements=tuple(redraw_rows),
                             redraws_excluded=not include_redraws)


def _indexed(store: StoreReader, sel: selection.Selection, gaz: Any) -> IndexedTimeline | None:
    """The settlement index of a plain source's control layer (None for a composite source)."""
    if sel.members:
        return None
    return index_for(store, sel, gaz)


def _index_fits(store: StoreReader, sel: selection.Selection, indexed: IndexedTimeline, pos: int, when: Any) -> bool:
    """Whether the index's position ``pos`` is the state a query at ``when`` sees (contested layer included)."""
    found = _contested_id(store, sel.source, sel.layer, when)
    return int(indexed.basis[pos, 1]) == (found[0] if found is not None else -1)


def _change_dates(store: StoreReader, sel: selection.Selection, t0: Any, t1: Any, lon: np.ndarray, lat: np.ndarray,
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


def _region_mask(gaz: Any, region: str, conflict: Conflict) -> np.ndarray:
    # Through the gazetteer, which tests a private copy: shapely's intersects_xy would
    # prepare the region's shared geometry in place.
    mask = np.zeros(len(gaz), dtype=bool)
    mask[gaz.within(resolve_region(conflict, region).geometry)] = True
    return mask
