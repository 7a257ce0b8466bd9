"""Sources side by side: the same layer in two sources, day by day, and where they disagree.

``compare`` takes two sources (stored or composite) and a status layer; at the end of every
period it reads each source's state (latest map at or before the boundary, by map time)
and reports both areas, their difference (B − A) and the area of their symmetric
difference (ground one counts and the other does not). The last boundary's symmetric
difference is returned as geometry (``only_a`` / ``only_b``) for a map.

``overlap`` is the agreement check of a composite source: its consecutive members compared
over the window where both have maps.

What each source includes (so that differences are read right): DeepState (history, daily)
and ISW include Crimea and the areas held before 2022; NZZ excludes Crimea; DeepState's
daily files leave its grey zone (contested) out, its history keeps it as a separate layer.
"""

from __future__ import annotations

import datetime as dt
import statistics

from frontlines.core.geodesy import area_km2
from frontlines.core.measure import EMPTY, dissolve
from frontlines.errors import SnapshotNotFoundError, UsageError
from frontlines.model import LayerKey
from frontlines.results import CompareResult, CompareRow
from frontlines.service.selection import Selection, TimeLike, select, state_at
from frontlines.sources.composite import composite
from frontlines.store import StoreReader
from frontlines.times import parse_user_time, periods

__all__ = ["compare", "overlap"]


def _state(sel: Selection, when: dt.datetime) -> tuple[int, float] | None:
    try:
        sid = state_at(sel, when)
    except SnapshotNotFoundError:
        return None
    return sid, float(next(a for s, _, a in sel.timeline if s == sid) or 0.0)


def compare(
    store: StoreReader,
    *,
    sources: tuple[str, str] | list[str],
    start: TimeLike,
    end: TimeLike,
    freq: str = "month",
    layer: str | LayerKey | None = None,
    tz: str = "UTC",
    symdiff: bool = True,
    geometry: bool = False,
) -> CompareResult:
    """Areas of one layer in two sources at the end of every period, and their disagreement.

    Parameters
    ----------
    sources : pair of str
        Source ids A and B (a composite such as ``deepstate`` is allowed).
    layer : str or LayerKey, optional
        The layer compared in both (default: A's primary layer).
    symdiff : bool
        Also measure the symmetric difference at every boundary (slower).
    geometry : bool
        Return the last boundary's ``only_a`` / ``only_b`` geometries.

    Raises
    ------
    UsageError
        Not exactly two distinct sources.
    """
    names = [s.strip() for s in sources if s and s.strip()]
    if len(names) != 2 or names[0] == names[1]:
        raise UsageError(f"--sources takes two different sources A,B (got {','.join(names) or 'none'})",
                         field="--sources", value=",".join(names))
    sel_a = select(store, names[0], layer)
    sel_b = select(store, names[1], sel_a.layer)
    t0 = parse_user_time(start, tz=tz, end_of_day=False)
    t1 = parse_user_time(end, tz=tz)
    if t1 < t0:
        raise UsageError(f"--to {end} is before --from {start}", field="--to", value=str(end))
    rows = []
    last_geoms = (EMPTY, EMPTY)
    bounds = [pe for _ps, pe in periods(t0, t1, freq, tz=tz)]
    for i, when in enumerate(bounds):
        a, b = _state(sel_a, when - dt.timedelta(seconds=1)), _state(sel_b, when - dt.timedelta(seconds=1))
        if a is None or b is None:
            rows.append(CompareRow(at=when, snapshot_a=a[0] if a else None, snapshot_b=b[0] if b else None,
                                   area_a_km2=a[1] if a else None, area_b_km2=b[1] if b else None))
            continue
        only_a_km2 = only_b_km2 = None
        if symdiff or (geometry and i == len(bounds) - 1):
            ga = dissolve(list(store.layer_parts(a[0], sel_a.layer).values()))
            gb = dissolve(list(store.layer_parts(b[0], sel_b.layer).values()))
            only_a, only_b = ga.difference(gb), gb.difference(ga)
            only_a_km2, only_b_km2 = area_km2(only_a), area_km2(only_b)
            last_geoms = (only_a, only_b)
        rows.append(CompareRow(at=when, snapshot_a=a[0], snapshot_b=b[0], area_a_km2=a[1], area_b_km2=b[1],
                               only_a_km2=only_a_km2, only_b_km2=only_b_km2))
    diffs = [r.area_b_km2 - r.area_a_km2 for r in rows if r.area_a_km2 is not None and r.area_b_km2 is not None]
    summary = {
        "boundaries": len(rows),
        "compared": len(diffs),
        "mean_diff_km2": round(statistics.fmean(diffs), 3) if diffs else None,
        "mean_abs_diff_km2": round(statistics.fmean(abs(d) for d in diffs), 3) if diffs else None,
        "max_abs_diff_km2": round(max(abs(d) for d in diffs), 3) if diffs else None,
    }
    return CompareResult(source_a=sel_a.source, source_b=sel_b.source, layer=str(sel_a.layer), freq=freq, tz=tz,
                         start=t0, end=t1, rows=tuple(rows), summary=summary,
                         only_a=last_geoms[0] if geometry else None, only_b=last_geoms[1] if geometry else None)


def overlap(store: StoreReader, name: str, *, freq: str = "week", tz: str = "UTC") -> list[CompareResult]:
    """Agreement of a composite's consecutive members where both have maps (one result per pair).

    Raises
    ------
    UsageError
        ``name`` is not a composite source.
    """
    comp = composite(name)
    if comp is None:
        raise UsageError(f"{name!r} is not a composite source", field="--source", value=name)
    out = []
    for a, b in zip(comp.sources, comp.sources[1:]):
        sa, sb = select(store, a), select(store, b)
        first = max(sa.times[0], sb.times[0])
        last = min(sa.times[-1], sb.times[-1])
        if last <= first:
            continue
        out.append(compare(store, sources=(a, b), start=first.isoformat(), end=last.isoformat(), freq=freq, tz=tz,
                           symdiff=False))
    return out
