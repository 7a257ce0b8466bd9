"""Area, change and series of a layer (see :mod:`frontlines.service.selection` for time semantics)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from frontlines.core.geodesy import area_km2
from frontlines.core.measure import EMPTY, change_parts, dissolve
from frontlines.core.regions import clip_areas
from frontlines.errors import UsageError
from frontlines.model import LayerKey, SnapshotInfo
from frontlines.results import AreaResult, ChangeResult, PeriodFigures, SeriesResult
from frontlines.service.freshness import gap_days, lag_days, stale_limit_days, staleness
from frontlines.service.regions import (
    conflict_of,
    region_figures,
    region_table,
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
    value = float(next(a for s, _, a in sel.timeline if s == sid) or 0.0)
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
                      only: str | None = None) -> tuple[Any, Any]:
    """(gained, lost) geometries between two snapshots of a selection.

    Uses the stored step when the two are consecutive. With ``only`` ("gained" or
    "lost") the other side may be None (see :func:`frontlines.core.measure.change_parts`).
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
    return change_parts(store.layer_parts(from_id, sel.layer), store.layer_parts(to_id, sel.layer), only=only)


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
    exclude_redraws: bool = False,
) -> ChangeResult:
    """Gained, lost and net area of a layer between two times.

    With ``exclude_redraws=True`` the change is split into pieces classified by
    :func:`frontlines.service.quality.classify_change` (rules in :mod:`frontlines.core.redraws`):
    ``gained_km2`` / ``lost_km2`` (and ``gained`` / ``lost``, regions, depth) hold the
    fighting only, and ``redraw_gained_km2`` / ``redraw_lost_km2`` / ``redraw_pieces`` the
    redraws beside them.

    With ``depth=True`` also the front-line length at both times and the depth of the
    ground gained and lost from the earlier front line (see :func:`frontlines.service.where.change_depth`),
    per region too when a region layer is given.

    Returns
    -------
    ChangeResult
        ``as_dict()``: ``{"source", "layer", "from", "to", "from_snapshot", "to_snapshot", "area_from_km2",
        "area_to_km2", "gained_km2", "lost_km2", "net_km2", "days", "net_km2_per_day"[, "regions"][, "depth"]}``;
        with ``geometry=True`` the result's ``gained`` and ``lost`` hold the lon/lat geometries.
    """
    sel = select(store, source, layer)
    region = regions_for(by, regions, region_field, conflict=conflict_of(store, sel.source) if by else None)
    t0 = user_time(start, tz, name="--from")
    t1 = user_time(end, tz, name="--to")
    if t1 < t0:
        raise UsageError(f"--to {utc_text(t1)} is before --from {utc_text(t0)}")
    a, b = state_at(sel, t0), state_at(sel, t1)
    area_of = {s: v for s, _, v in sel.timeline}
    only = None
    if not geometry and not depth and not exclude_redraws and area_of[a] is not None and area_of[b] is not None:
        # Only areas are needed: overlay the side that is likely smaller, derive the other.
        only = "lost" if area_of[b] >= area_of[a] else "gained"
    gained, lost = change_geometries(store, sel, a, b, only=only)
    g, l = _gained_lost_km2(gained, lost, area_of[a], area_of[b])
    extra: dict[str, Any] = {}
    if exclude_redraws:
        from frontlines.core.redraws import totals
        from frontlines.service.redraws import classify_change

        pieces = classify_change(store, sel, a, b, gained, lost) if a != b else []
        fight_g = [p.geometry for p in pieces if p.kind != "redraw" and p.direction == "gained"]
        fight_l = [p.geometry for p in pieces if p.kind != "redraw" and p.direction == "lost"]
        gained = shapely.union_all(fight_g) if fight_g else EMPTY
        lost = shapely.union_all(fight_l) if fight_l else EMPTY
        tot = totals(pieces)
        g, l = tot["gained_km2"], tot["lost_km2"]
        extra.update(redraw_gained_km2=tot["redraw_gained_km2"], redraw_lost_km2=tot["redraw_lost_km2"],
                     redraw_pieces=tuple(p for p in pieces if p.kind == "redraw"))
    if region is not None:
        rl = region[1]
        # Clip only the smaller of gained and lost; the other follows from the net change
        # per region, read from the region table (gained - lost = area(b) - area(a)).
        held = region_values(store, sel, region, [a, b])
        net = held[b] - held[a]
        if a == b:
            gv = lv = np.zeros(len(rl.ids))
        elif exclude_redraws:  # redraws are out: the net of the region table no longer applies
            gv, lv = clip_areas(rl, gained), clip_areas(rl, lost)
        elif gained is None or (lost is not None and l <= g):
            lv = clip_areas(rl, lost)
            gv = np.maximum(net + lv, 0.0)
        else:
            gv = clip_areas(rl, gained)
            lv = np.maximum(gv - net, 0.0)
        extra["region_layer"] = rl.name
        extra["regions"] = region_figures(rl, gained_km2=gv, lost_km2=lv, net_km2=gv - lv)
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

        result = dataclasses.replace(result, depth=change_depth(store, sel, t0, t1, gained, lost, region=region))
    return result


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
) -> SeriesResult:
    """Per-period figures: area at period end, gained, lost, net, km² per day.

    Periods are closed-open ``[start, end)`` calendar days / weeks (Monday) / months /
    years in ``tz``. The state at a boundary is the latest snapshot published
    strictly before it; gained and lost compare the states at the two boundaries, so
    nets add up over consecutive periods. ``gained_steps_km2`` / ``lost_steps_km2``
    add up every snapshot-to-snapshot step inside the period (gross churn).
    """
    sel = select(store, source, layer)
    region = regions_for(by, regions, region_field, conflict=conflict_of(store, sel.source) if by else None)
    t0 = parse_user_time(start, tz=tz, end_of_day=False)
    t1 = parse_user_time(end, tz=tz)
    ids = [s for s, _, _ in sel.timeline]
    area_of = {s: v for s, _, v in sel.timeline}
    steps = store.steps(sel.layer, ids)
    table = region_table(store, sel, region) if region else None
    rows = []
    for ps, pe in periods(t0, t1, freq, tz=tz):
        i0 = sel.index_at(ps, strictly_before=True)
        i1 = sel.index_at(pe, strictly_before=True)
        limit = stale_limit_days(sel)
        lag0 = lag_days(sel, ids[i0], ps) if i0 is not None else None
        lag1 = lag_days(sel, ids[i1], pe) if i1 is not None else None
        gaps = tuple(gap_days(sel, ps, pe, tz))
        flags = dict(start_snapshot=ids[i0] if i0 is not None else None, start_lag_days=lag0, end_lag_days=lag1,
                     gap_days=gaps,
                     complete=(lag0 is not None and lag1 is not None and lag0 <= limit and lag1 <= limit and not gaps))
        inside = ids[(i0 + 1 if i0 is not None else 0) : (i1 + 1 if i1 is not None else 0)]
        end_sid = ids[i1] if i1 is not None else None
        end_area = float(area_of[end_sid]) if end_sid is not None else None
        if i0 is None or i1 is None:
            rows.append(PeriodFigures(start=ps, end=pe, snapshots=len(inside), end_snapshot=end_sid, area_km2=end_area,
                                      **flags))
            continue
        g, l, gv, lv = store.cache.get_or_compute(  # snapshot ids never change their content
            ("series-period", sel.source, str(sel.layer), ids[i0], ids[i1], region[0] if region else None),
            lambda a=ids[i0], b=ids[i1]: _period_figures(store, sel, a, b, region[1] if region else None))
        sg = sum((steps.get(s) or (None, 0, 0))[1] or 0 for s in inside)
        sl = sum((steps.get(s) or (None, 0, 0))[2] or 0 for s in inside)
        figures = None
        if region is not None and table is not None:
            rl = region[1]
            figures = region_figures(rl, area_km2=table[ids[i1]], gained_km2=gv, lost_km2=lv, net_km2=gv - lv)
        rows.append(PeriodFigures(start=ps, end=pe, snapshots=len(inside), end_snapshot=end_sid, area_km2=end_area,
                                  gained_km2=g, lost_km2=l, gained_steps_km2=sg, lost_steps_km2=sl, regions=figures,
                                  **flags))
    return SeriesResult(source=sel.source, layer=str(sel.layer), freq=freq, tz=tz, start=t0, end=t1,
                        coverage=sel.coverage(), periods=tuple(rows),
                        region_layer=region[1].name if region is not None else None)


def _period_figures(store: StoreReader, sel: Selection, a: int, b: int,
                    layer: Any) -> tuple[float, float, np.ndarray | None, np.ndarray | None]:
    """Gained and lost km² between two snapshots, and per region when a region layer is given."""
    gained, lost = change_geometries(store, sel, a, b)
    g, l = area_km2(gained), area_km2(lost)
    if layer is None:
        return g, l, None, None
    return g, l, clip_areas(layer, gained), clip_areas(layer, lost)


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
    return store.snapshot(sid), dissolve(list(store.layer_parts(sid, sel.layer).values()))

