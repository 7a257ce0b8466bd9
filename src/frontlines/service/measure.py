"""Area, change and series of a layer (see :mod:`frontlines.service.selection` for time semantics)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from frontlines.core.geodesy import area_km2
from frontlines.core.measure import EMPTY, FEW_PARTS, change_parts, polygonal
from frontlines.core.redraws import RedrawRules
from frontlines.core.regions import clip_areas
from frontlines.errors import UsageError
from frontlines.model import LayerKey, SnapshotInfo
from frontlines.results import (
    AreaResult,
    ChangeResult,
    PeriodFigures,
    RegionFigures,
    SeriesResult,
)
from frontlines.service.change_faces import FaceIndex, face_index
from frontlines.service.face_geometry import window_shapes
from frontlines.service.freshness import (
    cadence_days,
    change_freshness,
    gap_days,
    lag_days,
    stale_limit_days,
    staleness,
)
from frontlines.service.redraws import (
    RedrawPiece,
    rules_digest,
    step_redraws,
    window_has_redraws,
    window_redraws,
)
from frontlines.service.regions import (
    conflict_of,
    region_figures,
    region_values,
    regions_for,
)
from frontlines.service.selection import (
    Selection,
    TimeLike,
    select,
    state_at,
    user_time,
)
from frontlines.service.unions import layer_union
from frontlines.store import StoreReader
from frontlines.times import parse_user_time, periods, utc_text

__all__ = ["area", "change", "change_geometries", "layer_geometry", "series"]

# --------------------------------------------------------------------------- area
def area(
    store: StoreReader,
    *,
    at: TimeLike,
    source: str | None = None,
    layer: str | LayerKey | None = None,
    by: str | None = None,
    regions: str | Path | None = None,
    region_field: str | None = None,
    tz: str = "UTC",
    strict: bool = False,
) -> AreaResult:
    """Area of a layer at a time.

    Parameters
    ----------
    at : str, date or datetime
        A bare date means the end of that day in ``tz``.
    strict : bool
        Raise :class:`StaleDataError` instead of answering with a stale map (one older at
        ``at`` than the source's usual cadence allows; see :mod:`frontlines.service.freshness`).
    by : str, optional
        Break down by a shipped region layer; or ``regions`` (a file) with ``region_field``.

    Returns
    -------
    AreaResult
        ``as_dict()``: ``{"source", "layer", "at", "snapshot", "area_km2"[, "region_layer", "regions",
        "outside_regions_km2"]}``.
    """
    sel = select(store, source, layer)
    region = regions_for(by, regions, region_field, conflict=conflict_of(store, sel.source) if by else None)
    when = user_time(at, tz, name="--at")
    sid = state_at(sel, when)
    value = float(sel.area_of[sid] or 0.0)
    fresh = staleness(sel, sid, when, strict=strict)
    if region is None:
        return AreaResult(source=sel.source, layer=str(sel.layer), at=when, snapshot=store.snapshot(sid), area_km2=value,
                          **fresh)
    held = region_values(store, sel, region, [sid])[sid]
    return AreaResult(
        source=sel.source, layer=str(sel.layer), at=when, snapshot=store.snapshot(sid), area_km2=value,
        region_layer=region[1].name, regions=region_figures(region[1], area_km2=held),
        outside_regions_km2=round(value, 3) - float(held.sum()), **fresh,
    )


# --------------------------------------------------------------------------- change
def change_geometries(store: StoreReader, sel: Selection, from_id: int, to_id: int, *,
                      only: str | None = None, cache: bool = True) -> tuple[Any, Any]:
    """(gained, lost) geometries between two snapshots of a selection.

    Uses the stored step when the two are consecutive. With ``only`` ("gained" or
    "lost") the other side may be None (see :func:`frontlines.core.measure.change_parts`).
    Other overlays are kept in the store's cache (shared: never prepare them) unless ``cache``
    is false (a caller that keeps what it derives from them).
    """
    if from_id == to_id:
        return EMPTY, EMPTY
    ids = [s for s, _, _ in sel.timeline]
    if ids.index(to_id) == ids.index(from_id) + 1:
        step = store.steps(sel.layer, [to_id], geometry=True).get(to_id)
        if step is not None and step[0] == from_id:
            g = shapely.from_wkb(step[3]) if step[3] else EMPTY
            l = shapely.from_wkb(step[4]) if step[4] else EMPTY
            return g, l
    # Kept in the store's cache (a warm repeat, a series period, the same change by
    # another region level): snapshot ids never change their content. The geometries
    # are then shared between threads: callers must not prepare them.
    if not cache:
        return _overlay_states(store, sel.layer, from_id, to_id, only)
    return store.cache.get_or_compute(("change-geometries", str(sel.layer), from_id, to_id, only),
                                      lambda: _overlay_states(store, sel.layer, from_id, to_id, only))


def _overlay_states(store: StoreReader, layer: LayerKey, from_id: int, to_id: int, only: str | None) -> tuple[Any, Any]:
    """(gained, lost) between two snapshots that are not one stored step apart."""
    a, b = store.layer_parts(from_id, layer), store.layer_parts(to_id, layer)
    if _few_differ(a, b):
        return change_parts(a, b, only=only)
    # States far apart: most parts differ, so change_parts would dissolve nearly all of
    # both; the dissolved states are kept in the store's cache (another query, the map
    # of the day, reuses them) and only the side asked for is overlaid.
    ua, ub = layer_union(store, from_id, layer), layer_union(store, to_id, layer)
    gained = None if only == "lost" else polygonal(shapely.difference(ub, ua))
    lost = None if only == "gained" else polygonal(shapely.difference(ua, ub))
    return gained, lost


def _few_differ(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether change_parts takes its part-by-part path (at most FEW_PARTS changed parts on each side)."""
    common = a.keys() & b.keys()
    return len(a) - len(common) <= FEW_PARTS and len(b) - len(common) <= FEW_PARTS


def _gained_lost_km2(gained: Any, lost: Any, area_a: float | None, area_b: float | None) -> tuple[float, float]:
    """Areas of gained and lost ground; the larger follows from the smaller and the net.

    gained - lost = area(b) - area(a) holds for every step within ~1e-4 km² (tested), so
    only the geometry with fewer vertices is measured.
    """
    if area_a is None or area_b is None:
        return area_km2(gained), area_km2(lost)
    net = area_b - area_a
    if gained is None or (lost is not None and shapely.get_num_coordinates(lost) <= shapely.get_num_coordinates(gained)):
        l = area_km2(lost)
        return max(net + l, 0.0), l
    g = area_km2(gained)
    return g, max(g - net, 0.0)


def change(
    store: StoreReader,
    *,
    start: TimeLike,
    end: TimeLike,
    source: str | None = None,
    layer: str | LayerKey | None = None,
    by: str | None = None,
    regions: str | Path | None = None,
    region_field: str | None = None,
    tz: str = "UTC",
    geometry: bool = False,
    depth: bool = False,
    include_redraws: bool = False,
    strict: bool = False,
) -> ChangeResult:
    """Gained, lost and net area of a layer between two times.

    Map redraws are left out by default: ``gained_km2`` / ``lost_km2`` (and ``gained`` /
    ``lost``, regions, depth) hold the fighting only, and ``redraw_gained_km2`` /
    ``redraw_lost_km2`` / ``redraw_pieces`` the redraw ground of the window beside them
    (:func:`frontlines.service.redraws.window_redraws`; fighting + redraw = the raw change).
    ``include_redraws=True`` gives the raw change (the redraw figures are still reported).

    With ``depth=True`` also the front-line length at both times and the depth of the
    ground gained and lost from the earlier front line (see :func:`frontlines.service.where.change_depth`),
    per region too when a region layer is given.

    Returns
    -------
    ChangeResult
        ``as_dict()``: ``{"source", "layer", "from", "to", "from_snapshot", "to_snapshot", "area_from_km2",
        "area_to_km2", "gained_km2", "lost_km2", "net_km2", "days", "net_km2_per_day", "start_stale_days",
        "stale_days", "stale", "warnings", "redraws_excluded", "redraw_gained_km2", "redraw_lost_km2", "redraw_km2",
        "redraw_pieces"[, "regions"][, "depth"]}`` (``strict``: a stale map at either end raises
        :class:`StaleDataError`); with ``geometry=True`` the result's ``gained`` and ``lost`` hold the lon/lat
        geometries (and ``redraw_pieces`` theirs).
    """
    sel = select(store, source, layer)
    region = regions_for(by, regions, region_field, conflict=conflict_of(store, sel.source) if by else None)
    t0 = user_time(start, tz, name="--from")
    t1 = user_time(end, tz, name="--to")
    if t1 < t0:
        raise UsageError(f"--to {utc_text(t1)} is before --from {utc_text(t0)}")
    a, b = state_at(sel, t0), state_at(sel, t1)
    extra: dict[str, Any] = {"freshness": change_freshness(sel, a, b, t0, t1, strict=strict)}  # stale ends are said
    area_of = sel.area_of
    # The stored change faces give the figures whenever they are current (numpy over arrays, no
    # overlay): alone when only figures are asked at their region level (or none); otherwise the
    # unions of the faces (service.face_geometry) give the geometries for depth and other region
    # levels (the overlays when the store has no face geometries), and the faces the totals, so
    # that every answer about one window carries the same figures.
    digest = rules_digest(RedrawRules())
    index = face_index(store, sel, None, digest) if a != b else None
    by_faces = index is not None and (region is None or face_index(store, sel, region[0], digest) is not None)
    fig = None
    if index is not None:
        fig = _change_from_faces(index, sel, a, b, region[1] if by_faces and region is not None else None,
                                 include_redraws=include_redraws)
        if by_faces and not geometry and not depth:
            return ChangeResult(
                source=sel.source, layer=str(sel.layer), start=t0, end=t1,
                from_snapshot=store.snapshot(a), to_snapshot=store.snapshot(b),
                area_from_km2=float(area_of[a] or 0), area_to_km2=float(area_of[b] or 0), **extra, **fig)
    shapes = None
    other_level = want_raw = False
    if fig is not None and (geometry or depth):  # the geometries as unions of the faces (no overlay)
        other_level = region is not None and not by_faces  # _region_change clips the change and the redraw ground
        # the raw change only when it is the answer: another region level's clip takes the fighting and the
        # redraw ground apart (their faces partition the raw change; no union of the two)
        want_raw = include_redraws
        shapes = window_shapes(store, sel, index, sel.position[a], sel.position[b],  # type: ignore[arg-type]
                               raw=want_raw, ground=depth or other_level)
    if shapes is not None and fig is not None:
        # the raw change when asked for; else the fighting (the raw change where no redraw is left out)
        gained, lost = (shapes.raw_gained, shapes.raw_lost) if want_raw else (shapes.redraws.gained, shapes.redraws.lost)
        wr = shapes.redraws if fig.get("redraw_pieces") is not None else None  # a window without redraws has none
        # the raw totals (they choose the side _region_change clips); the faces' figures replace them below
        back = 0.0 if include_redraws else 1.0
        g = fig["gained_km2"] + back * fig.get("redraw_gained_km2", 0.0)
        l = fig["lost_km2"] + back * fig.get("redraw_lost_km2", 0.0)
    else:
        any_redraw = window_has_redraws(store, sel, a, b)
        only = None
        if not geometry and not depth and not any_redraw and area_of[a] is not None and area_of[b] is not None:
            # Only areas are needed: overlay the side that is likely smaller, derive the other.
            only = "lost" if area_of[b] >= area_of[a] else "gained"
        gained, lost = change_geometries(store, sel, a, b, only=only)
        g, l = _gained_lost_km2(gained, lost, area_of[a], area_of[b])
        wr = window_redraws(store, sel, a, b, gained, lost, fighting=geometry or depth, cache=True) if any_redraw else None
    raw_gained, raw_lost, raw_g, raw_l = gained, lost, g, l
    extra["redraws_excluded"] = not include_redraws
    subtract = wr is not None and not include_redraws
    if wr is not None:
        extra.update(redraw_gained_km2=wr.redraw_gained_km2, redraw_lost_km2=wr.redraw_lost_km2,
                     redraw_pieces=wr.pieces)
    if subtract:
        if geometry or depth:
            gained, lost = wr.gained, wr.lost
        g, l = max(g - wr.redraw_gained_km2, 0.0), max(l - wr.redraw_lost_km2, 0.0)
    if region is not None and by_faces:  # the regions from the faces (below); no clip
        extra["regions"] = fig["regions"]
        extra["region_layer"] = region[1].name
        gv = np.array([r.gained_km2 for r in fig["regions"]])
        lv = np.array([r.lost_km2 for r in fig["regions"]])
    elif region is not None:
        gv, lv, extra["regions"] = _region_change(store, sel, region, a, b, raw_gained, raw_lost, raw_g, raw_l,
                                                  wr if subtract else None,
                                                  fighting=shapes is not None and subtract)
        extra["region_layer"] = region[1].name
    if fig is not None:  # the faces' figures; the geometries' redraw pieces matched by direction and reason
        shape_of = {(p.direction, p.reason): p.geometry for p in (wr.pieces if wr is not None else ())}
        g, l = fig["gained_km2"], fig["lost_km2"]
        extra.update(redraw_gained_km2=fig.get("redraw_gained_km2", 0.0), redraw_lost_km2=fig.get("redraw_lost_km2", 0.0),
                     redraw_pieces=tuple(dataclasses.replace(p, geometry=shape_of.get((p.direction, p.reason)))
                                         for p in fig.get("redraw_pieces", ())))
    if region is not None:
        extra["outside_regions"] = {"gained_km2": g - float(gv.sum()), "lost_km2": l - float(lv.sum())}
    result = ChangeResult(
        source=sel.source, layer=str(sel.layer), start=t0, end=t1,
        from_snapshot=store.snapshot(a), to_snapshot=store.snapshot(b),
        area_from_km2=float(area_of[a] or 0), area_to_km2=float(area_of[b] or 0),
        gained_km2=g, lost_km2=l, **extra,
        gained=gained if geometry else None, lost=lost if geometry else None,
    )
    if depth:
        from frontlines.service.where import change_depth

        redraw = (wr.redraw_gained, wr.redraw_lost) if wr is not None and not include_redraws else None
        result = dataclasses.replace(result, depth=change_depth(store, sel, t0, t1, gained, lost, region=region,
                                                                redraw=redraw))
    return result


def _region_change(store: StoreReader, sel: Selection, region: tuple[str, Any], a: int, b: int, raw_gained: Any,
                   raw_lost: Any, raw_g: float, raw_l: float, wr: Any, *, fighting: bool = False,
                   ) -> tuple[np.ndarray, np.ndarray, tuple[RegionFigures, ...]]:
    """Gained and lost km² per region between the states ``a`` and ``b`` (read-only arrays), and their rows.

    Only the smaller of the raw gained and lost ground is clipped; the other follows from
    the net change per region, read from the region table (gained - lost = area(b) - area(a)).
    With ``wr`` (the window's redraws, to be left out) the redraw ground in each region is
    taken off. ``fighting``: ``raw_gained`` / ``raw_lost`` are the fighting only (``wr``'s
    ``gained`` / ``lost``, unions of change faces disjoint from its redraw ground), and the raw
    ground in a region is their clip plus the redraw ground's (no union of the two is made).
    All geometries are clipped in one :func:`clip_areas` call (the same figures as one call each).
    Kept in the store's cache under the snapshot ids, the side clipped, the region set and the
    data version (the redraw split is read from the store): a warm repeat, or the same change
    with ``depth``, clips nothing.
    """
    rl = region[1]
    if a == b:
        side = "none"
    elif raw_gained is None or (raw_lost is not None and raw_l <= raw_g):
        side = "lost"
    else:
        side = "gained"
    split = fighting and wr is not None

    def compute() -> tuple[np.ndarray, np.ndarray, tuple[RegionFigures, ...]]:
        held = region_values(store, sel, region, [a, b])
        net = held[b] - held[a]
        geoms = [] if side == "none" else [raw_lost if side == "lost" else raw_gained]
        if wr is not None:
            geoms += [wr.redraw_gained, wr.redraw_lost]
        clipped = clip_areas(rl, geoms) if geoms else np.zeros((0, len(rl.ids)))
        if side == "none":
            gv = lv = np.zeros(len(rl.ids))
        elif side == "lost":
            lv = clipped[0] + clipped[2] if split else clipped[0]
            gv = np.maximum(net + lv, 0.0)
        else:
            gv = clipped[0] + clipped[1] if split else clipped[0]
            lv = np.maximum(gv - net, 0.0)
        if wr is not None:  # fighting per region = raw minus the (small) redraw ground in it
            gv = np.maximum(gv - clipped[-2], 0.0)
            lv = np.maximum(lv - clipped[-1], 0.0)
        gv.flags.writeable = lv.flags.writeable = False  # shared through the cache
        return gv, lv, region_figures(rl, gained_km2=gv, lost_km2=lv, net_km2=gv - lv)

    key = ("change-regions", store.data_version, sel.source, str(sel.layer), region[0], a, b, side, wr is not None,
           split)
    return store.cache.get_or_compute(key, compute)  # type: ignore[no-any-return]


def _face_figures(index: FaceIndex, i0: int, i1: int, *, include_redraws: bool,
                  ) -> tuple[np.ndarray, np.ndarray, tuple[RedrawPiece, ...] | None]:
    """Gained and lost km² per region (last entry: outside every region; redraws out unless
    ``include_redraws``) from timeline position ``i0`` to ``i1``, and the window's redraw pieces
    (geometry None; None when no step of the window has any), from the change-face index."""
    w = index.window(i0, i1)
    gv, lv = w.gained, w.lost
    if not w.any_redraw:
        return gv, lv, None
    pieces = tuple(RedrawPiece(direction, reason, float(v.sum()), None) for (direction, reason), v in w.redraw.items())
    if not include_redraws:
        for (direction, _), v in w.redraw.items():
            if direction == "gained":
                gv = gv - v
            else:
                lv = lv - v
        gv, lv = np.maximum(gv, 0.0), np.maximum(lv, 0.0)
    return gv, lv, pieces


def _change_from_faces(index: FaceIndex, sel: Selection, a: int, b: int, rl: Any, *,
                       include_redraws: bool) -> dict[str, Any]:
    """The figures of :func:`change` (no geometry, no depth) from the change-face index
    (:mod:`frontlines.service.change_faces`): the same definitions, summed over faces."""
    gv, lv, pieces = _face_figures(index, sel.position[a], sel.position[b], include_redraws=include_redraws)
    out: dict[str, Any] = {"redraws_excluded": not include_redraws}
    if pieces is not None:
        out.update(redraw_gained_km2=sum(p.area_km2 for p in pieces if p.direction == "gained"),
                   redraw_lost_km2=sum(p.area_km2 for p in pieces if p.direction == "lost"), redraw_pieces=pieces)
    g, l = float(gv.sum()), float(lv.sum())
    out.update(gained_km2=g, lost_km2=l)
    if rl is not None:
        n = len(rl.ids)
        out["region_layer"] = rl.name
        out["regions"] = region_figures(rl, gained_km2=gv[:n], lost_km2=lv[:n], net_km2=gv[:n] - lv[:n])
        out["outside_regions"] = {"gained_km2": g - float(gv[:n].sum()), "lost_km2": l - float(lv[:n].sum())}
    return out


# --------------------------------------------------------------------------- series
def series(
    store: StoreReader,
    *,
    start: TimeLike,
    end: TimeLike,
    freq: str = "month",
    source: str | None = None,
    layer: str | LayerKey | None = None,
    by: str | None = None,
    regions: str | Path | None = None,
    region_field: str | None = None,
    tz: str = "UTC",
    include_redraws: bool = False,
) -> SeriesResult:
    """Per-period figures: area at period end, gained, lost, net, km² per day.

    Periods are closed-open ``[start, end)`` calendar days / weeks (Monday) / months /
    years in ``tz``. The state at a boundary is the latest snapshot published
    strictly before it; gained and lost compare the states at the two boundaries, so
    nets add up over consecutive periods. ``gained_steps_km2`` / ``lost_steps_km2``
    add up every snapshot-to-snapshot step inside the period (gross churn).

    Map redraws are left out of every figure by default and reported beside
    (``redraw_gained_km2`` / ``redraw_lost_km2`` / ``redraw_km2`` per period; see
    :func:`change`); ``include_redraws=True`` gives the raw figures.
    """
    sel = select(store, source, layer)
    region = regions_for(by, regions, region_field, conflict=conflict_of(store, sel.source) if by else None)
    t0 = parse_user_time(start, tz=tz, end_of_day=False)
    t1 = parse_user_time(end, tz=tz)
    ids = [s for s, _, _ in sel.timeline]
    area_of = {s: v for s, _, v in sel.timeline}
    spans = periods(t0, t1, freq, tz=tz)
    bounds = [(sel.index_at(ps, strictly_before=True), sel.index_at(pe, strictly_before=True)) for ps, pe in spans]

    def key(i0: int, i1: int) -> tuple[Any, ...]:  # snapshot ids never change their content
        return ("series-period", sel.source, str(sel.layer), ids[i0], ids[i1], region[0] if region else None,
                include_redraws, store.data_version)

    measured = list(dict.fromkeys((i0, i1) for i0, i1 in bounds if i0 is not None and i1 is not None))
    found = store.cache.get_many([key(i0, i1) for i0, i1 in measured])
    todo = [(i0, i1) for i0, i1 in measured if key(i0, i1) not in found]
    if todo:
        for (i0, i1), value in zip(todo, _series_periods(store, sel, ids, todo, region, include_redraws=include_redraws)):
            store.cache.put(key(i0, i1), value)
            found[key(i0, i1)] = value
    rows = []
    limit = stale_limit_days(sel)  # the source's cadence: the same for every period
    cadence = cadence_days(sel)
    for (ps, pe), (i0, i1) in zip(spans, bounds):
        lag0 = lag_days(sel, ids[i0], ps) if i0 is not None else None
        lag1 = lag_days(sel, ids[i1], pe) if i1 is not None else None
        gaps = tuple(gap_days(sel, ps, pe, tz, cadence=cadence))
        if lag0 is not None and lag0 > limit:  # the days before the period that its start state does not show
            gaps = tuple(gap_days(sel, sel.timeline[i0][1], ps, tz, cadence=cadence)) + gaps
        flags = dict(start_snapshot=ids[i0] if i0 is not None else None, start_lag_days=lag0, end_lag_days=lag1,
                     gap_days=gaps,
                     complete=(lag0 is not None and lag1 is not None and lag0 <= limit and lag1 <= limit and not gaps))
        inside = (i1 + 1 if i1 is not None else 0) - (i0 + 1 if i0 is not None else 0)
        end_sid = ids[i1] if i1 is not None else None
        end_area = float(area_of[end_sid]) if end_sid is not None else None
        if i0 is None or i1 is None:
            rows.append(PeriodFigures(start=ps, end=pe, snapshots=max(inside, 0), end_snapshot=end_sid,
                                      area_km2=end_area, **flags))
            continue
        f = found[key(i0, i1)]
        rows.append(PeriodFigures(start=ps, end=pe, snapshots=max(inside, 0), end_snapshot=end_sid, area_km2=end_area,
                                  gained_km2=f.gained_km2, lost_km2=f.lost_km2, gained_steps_km2=f.gained_steps_km2,
                                  lost_steps_km2=f.lost_steps_km2, regions=f.regions, **f.redraw, **flags))
    return SeriesResult(source=sel.source, layer=str(sel.layer), freq=freq, tz=tz, start=t0, end=t1,
                        coverage=sel.coverage(), periods=tuple(rows), redraws_excluded=not include_redraws,
                        region_layer=region[1].name if region is not None else None)


@dataclasses.dataclass(frozen=True)
class _Period:
    """The figures of a series period that its two boundary states decide (kept in the store's cache)."""

    gained_km2: float
    lost_km2: float
    gained_steps_km2: float
    lost_steps_km2: float
    regions: tuple[Any, ...] | None
    redraw: dict[str, float]

    def __sizeof_content__(self) -> int:  # the cache's charge, without walking every region row
        return 256 + 160 * len(self.regions or ())


def _series_periods(store: StoreReader, sel: Selection, ids: list[int], spans: list[tuple[int, int]],
                    region: tuple[str, Any] | None, *, include_redraws: bool) -> list[_Period]:
    """Figures of series periods between the timeline positions ``(i0, i1)`` of ``spans``.

    The steps, their redraw pieces and the region rows of the period ends are read once
    for all the periods.
    """
    inside = sorted({s for i0, i1 in spans for s in ids[i0 + 1 : i1 + 1]})
    steps = store.steps(sel.layer, inside)
    by_step = step_redraws(store, sel, inside) if not include_redraws else {}
    table = None
    if region is not None:  # the region rows of the period ends only (stored rows are read, not the whole table)
        table = region_values(store, sel, region, sorted({ids[i1] for _, i1 in spans}))
    digest = rules_digest(RedrawRules())
    index = face_index(store, sel, region[0] if region is not None else None, digest)
    primary = face_index(store, sel, None, digest) if index is None and region is not None else None
    by_shapes = None if primary is None else _faces_period_shapes(store, sel, primary, spans,
                                                                   include_redraws=include_redraws)
    if index is not None:  # the stored change faces answer every period: no overlay, no clip
        measured = [_faces_period(index, i0, i1, region[1] if region is not None else None,
                                  include_redraws=include_redraws) for i0, i1 in spans]
        clipped = [m[2] for m in measured] + [m[3] for m in measured] if region is not None else None
    elif by_shapes is not None and region is not None:  # another region level: the faces' unions, one clip
        measured = by_shapes
        clipped = clip_areas(region[1], [m[2] for m in measured] + [m[3] for m in measured])
    else:
        measured = [_period_figures(store, sel, ids[i0], ids[i1], include_redraws=include_redraws,
                                    fighting=region is not None) for i0, i1 in spans]
        clipped = None
        if region is not None and measured:  # every period's gained and lost ground in one clip
            clipped = clip_areas(region[1], [m[2] for m in measured] + [m[3] for m in measured])
    out = []
    for k, ((i0, i1), (g, l, _, _, redraw)) in enumerate(zip(spans, measured)):
        period = ids[i0 + 1 : i1 + 1]
        sg = sum((steps.get(s) or (None, 0, 0))[1] or 0 for s in period)
        sl = sum((steps.get(s) or (None, 0, 0))[2] or 0 for s in period)
        if not include_redraws:  # gross churn: each step's redraw pieces out too
            sg -= sum(r[2] for s in period for r in by_step.get(s, ()) if r[0] == "gained")
            sl -= sum(r[2] for s in period for r in by_step.get(s, ()) if r[0] == "lost")
            sg, sl = max(sg, 0.0), max(sl, 0.0)
        figures = None
        if region is not None and table is not None and clipped is not None:
            gv, lv = clipped[k], clipped[len(measured) + k]
            figures = region_figures(region[1], area_km2=table[ids[i1]], gained_km2=gv, lost_km2=lv, net_km2=gv - lv)
        out.append(_Period(g, l, sg, sl, figures, redraw))
    return out


def _faces_period(index: FaceIndex, i0: int, i1: int, layer: Any, *, include_redraws: bool,
                  ) -> tuple[float, float, np.ndarray | None, np.ndarray | None, dict[str, float]]:
    """:func:`_period_figures` from the change-face index (current for the selection and the region
    layer): gained and lost km² from timeline position ``i0`` to ``i1``, per region when a region
    layer is given (in place of the geometries), and the redraw km² beside."""
    gv, lv, pieces = _face_figures(index, i0, i1, include_redraws=include_redraws)
    redraw = {"redraw_gained_km2": sum(p.area_km2 for p in pieces or () if p.direction == "gained"),
              "redraw_lost_km2": sum(p.area_km2 for p in pieces or () if p.direction == "lost")}
    n = len(layer.ids) if layer is not None else 0
    return (float(gv.sum()), float(lv.sum()), gv[:n] if layer is not None else None,
            lv[:n] if layer is not None else None, redraw)


def _faces_period_shapes(store: StoreReader, sel: Selection, index: FaceIndex, spans: list[tuple[int, int]], *,
                         include_redraws: bool) -> list[tuple[float, float, Any, Any, dict[str, float]]] | None:
    """:func:`_period_figures` with geometries (``fighting``) of every span from the change-face index of no
    region level: the figures of :func:`_faces_period`, the geometries unions of the faces
    (:func:`frontlines.service.face_geometry.window_shapes`, as :func:`change` takes them for another
    region level); None when the store holds no face geometries."""
    out = []
    for i0, i1 in spans:
        g, l, _, _, redraw = _faces_period(index, i0, i1, None, include_redraws=include_redraws)
        if i0 == i1:
            out.append((g, l, EMPTY, EMPTY, redraw))
            continue
        shapes = window_shapes(store, sel, index, i0, i1, raw=include_redraws, ground=False)
        if shapes is None:
            return None
        gained, lost = ((shapes.raw_gained, shapes.raw_lost) if include_redraws
                        else (shapes.redraws.gained, shapes.redraws.lost))
        out.append((g, l, gained, lost, redraw))
    return out


def _period_figures(store: StoreReader, sel: Selection, a: int, b: int, *, include_redraws: bool, fighting: bool,
                    ) -> tuple[float, float, Any, Any, dict[str, float]]:
    """Gained and lost km² between two snapshots (redraws out unless ``include_redraws``), their
    geometries when ``fighting`` (else None), and the redraw km² beside."""
    gained, lost = change_geometries(store, sel, a, b, cache=False)  # the period's figures are kept instead
    g, l = area_km2(gained), area_km2(lost)
    wr = window_redraws(store, sel, a, b, gained, lost, fighting=fighting)
    redraw = {"redraw_gained_km2": wr.redraw_gained_km2, "redraw_lost_km2": wr.redraw_lost_km2}
    if not include_redraws and wr.pieces:
        if fighting:
            gained, lost = wr.gained, wr.lost
        g, l = max(g - wr.redraw_gained_km2, 0.0), max(l - wr.redraw_lost_km2, 0.0)
    return g, l, gained if fighting else None, lost if fighting else None, redraw


# --------------------------------------------------------------------------- geometry
def layer_geometry(
    store: StoreReader,
    *,
    at: TimeLike,
    source: str | None = None,
    layer: str | LayerKey | None = None,
    tz: str = "UTC",
) -> tuple[SnapshotInfo, Any]:
    """The dissolved geometry (lon/lat) of a layer at a time, with its snapshot."""
    sel = select(store, source, layer)
    sid = state_at(sel, user_time(at, tz, name="--at"))
    return store.snapshot(sid), layer_union(store, sid, sel.layer)

