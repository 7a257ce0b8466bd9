"""Staleness and gaps: how old the map behind a figure is, and which days have no map.

Rules (explicit, so a reader can check them)
    cadence
        The median interval between consecutive map times of the selection (DeepState
        daily files and history: one day; NZZ: several days).
    stale
        A state is *stale* at T when T is later than its map time by more than
        ``max(cadence, 1 day)``; ``stale_days`` is (T − map time) in days. (A daily map
        shows the end of its day, so a missing file makes the boundary state a day and a
        second old: stale.)
    gap days
        For sources with about one map a day or more (cadence ≤ 1.5 days), the calendar
        days (in the query's time zone) inside a period on which no map time falls; when
        the period's start state is stale, also the days between that state's map and the
        period's start (the missing file of 2025-01-01 shows as gap day 2024-12-31 of
        January 2025).
    complete
        A series period is complete when neither boundary state is stale and it has no
        gap days.
"""

from __future__ import annotations

import bisect
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from frontlines.errors import StaleDataError
from frontlines.service.selection import Selection
from frontlines.times import utc_text

__all__ = ["cadence_days", "change_freshness", "gap_days", "lag_days", "stale_limit_days", "staleness"]

_DAY = 86400.0


def cadence_days(sel: Selection) -> float:
    """Median interval (days) between consecutive map times; 1.0 with fewer than two snapshots.

    Computed once per selection (:attr:`Selection.cadence_days`).
    """
    return sel.cadence_days


def stale_limit_days(sel: Selection) -> float:
    """Lag beyond which a state is stale: ``max(cadence, 1 day)``."""
    return max(cadence_days(sel), 1.0)


def lag_days(sel: Selection, sid: int, when: dt.datetime) -> float:
    """Days between ``when`` and the map time of snapshot ``sid`` (0 when it is later)."""
    t = sel.times[sel.position[sid]]
    return max((when - t).total_seconds() / _DAY, 0.0)


def gap_days(sel: Selection, start: dt.datetime, end: dt.datetime, tz: str, *,
             cadence: float | None = None) -> list[str]:
    """Calendar days (ISO, in ``tz``) of ``[start, end)`` on which no map time falls.

    Empty for sources whose cadence is above 1.5 days (there, a day without a map is normal).
    ``cadence``: :func:`cadence_days` of ``sel`` when the caller has it (a series, per period).
    """
    if (cadence_days(sel) if cadence is None else cadence) > 1.5:
        return []
    zone = ZoneInfo(tz)
    times = sel.times
    have = {t.astimezone(zone).date() for t in times[bisect.bisect_left(times, start):bisect.bisect_left(times, end)]}
    day = start.astimezone(zone).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    out = []
    while day <= last:
        if day not in have:
            out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out


def staleness(sel: Selection, sid: int, when: dt.datetime, *, strict: bool = False) -> dict[str, Any]:
    """``{"stale_days", "stale", "warnings"}`` of the state ``sid`` answering for ``when``.

    Raises
    ------
    StaleDataError
        With ``strict``, when the state is stale.
    """
    lag = lag_days(sel, sid, when)
    limit = stale_limit_days(sel)
    if lag <= limit:
        return {"stale_days": lag, "stale": False, "warnings": ()}
    t = sel.times[sel.position[sid]]
    last = sel.times[-1]
    where = "the last map of the source" if t == last else "the latest map before it"
    msg = (f"{sel.source} {sel.layer} at {utc_text(when)}: answered with {where}, of {utc_text(t)}, "
           f"{lag:.1f} days older (usual interval {cadence_days(sel):.1f} days)")
    if strict:
        raise StaleDataError(msg + " (--strict)", field="at", value=utc_text(when))
    return {"stale_days": lag, "stale": True, "warnings": (msg,)}


def change_freshness(sel: Selection, a: int, b: int, start: dt.datetime, end: dt.datetime, *,
                     strict: bool = False) -> dict[str, Any]:
    """``{"start_stale_days", "stale_days", "stale", "warnings"}`` of a change between the states ``a`` and ``b``.

    Raises
    ------
    StaleDataError
        With ``strict``, when either state is stale.
    """
    s0 = staleness(sel, a, start, strict=strict)
    s1 = staleness(sel, b, end, strict=strict)
    return {"start_stale_days": round(s0["stale_days"], 2), "stale_days": round(s1["stale_days"], 2),
            "stale": s0["stale"] or s1["stale"], "warnings": (*s0["warnings"], *s1["warnings"])}
