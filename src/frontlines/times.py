"""Reading the times users type, and the periods of a series.

* ``2025-01-01`` means the **end** of that day (23:59:59) in the given time zone
  (UTC by default); ``2025-01-01T12:00`` means that instant.
* Periods of a series are closed-open ``[start, end)``. The state *at a boundary*
  ``b`` is the latest snapshot published strictly before ``b``, so consecutive
  periods add up exactly: the sum of net changes equals the change over the whole span.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from frontlines.errors import DateError, UsageError

__all__ = ["FREQS", "find_gaps", "parse_iso", "parse_user_time", "parse_zone", "periods", "utc_text"]

FREQS = ("day", "week", "month", "year")
# Far enough from datetime's limits that zone offsets and period arithmetic cannot overflow.
_FIRST_YEAR, _LAST_YEAR = 1000, 9000


def parse_zone(tz: str) -> dt.tzinfo:
    """The time zone called ``tz`` (``UTC``, ``Z`` or an IANA name such as ``Europe/Kyiv``).

    Raises
    ------
    DateError
        ``tz`` names no known zone.

    Examples
    --------
    >>> parse_zone("Europe/Kyiv")
    zoneinfo.ZoneInfo(key='Europe/Kyiv')
    >>> parse_zone("Mars/Base")
    Traceback (most recent call last):
    ...
    frontlines.errors.DateError: unknown time zone 'Mars/Base' (use e.g. UTC or Europe/Kyiv)
    """
    if tz.upper() in ("UTC", "Z"):
        return dt.timezone.utc
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a folder name ("Europe"), a name too long
        raise DateError(f"unknown time zone {tz!r} (use e.g. UTC or Europe/Kyiv)", field="tz", value=tz) from exc


def parse_user_time(text: str | dt.date | dt.datetime, *, tz: str = "UTC", end_of_day: bool = True) -> dt.datetime:
    """Parse a date or date-time typed by a user into an aware UTC datetime.

    Parameters
    ----------
    text : str, date or datetime
        ``YYYY-MM-DD`` or ISO 8601 date-time.
    tz : str
        Zone of naive inputs (``UTC``, ``Europe/Kyiv`` ...).
    end_of_day : bool
        A bare date means 23:59:59 of that day (True) or 00:00:00 (False).

    Examples
    --------
    >>> parse_user_time("2025-01-01").isoformat()
    '2025-01-01T23:59:59+00:00'
    >>> parse_user_time("2025-01-01", tz="Europe/Kyiv").isoformat()
    '2025-01-01T21:59:59+00:00'
    """
    zone = parse_zone(tz)
    if isinstance(text, dt.datetime):
        value = text
        bare = False
    elif isinstance(text, dt.date):
        value = dt.datetime(text.year, text.month, text.day)
        bare = True
    else:
        s = str(text).strip()
        if not s:
            raise DateError("empty date")
        try:
            value = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            raise DateError(f"cannot read {text!r} as a date (use YYYY-MM-DD or an ISO 8601 time)", value=text) from None
        bare = len(s) <= 10
    if bare:
        value = value.replace(hour=23, minute=59, second=59) if end_of_day else value.replace(hour=0, minute=0, second=0)
    if not _FIRST_YEAR <= value.year <= _LAST_YEAR:
        raise DateError(f"date {str(text)!r} is out of range (years {_FIRST_YEAR} to {_LAST_YEAR})", value=text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(dt.timezone.utc)


def _floor(when: dt.datetime, freq: str) -> dt.datetime:
    day = dt.datetime(when.year, when.month, when.day, tzinfo=when.tzinfo)
    if freq == "day":
        return day
    if freq == "week":
        return day - dt.timedelta(days=day.weekday())
    if freq == "month":
        return day.replace(day=1)
    if freq == "year":
        return day.replace(month=1, day=1)
    raise UsageError(f"unknown frequency {freq!r}; use one of {', '.join(FREQS)}", field="freq", value=freq)


def _next(when: dt.datetime, freq: str) -> dt.datetime:
    if freq == "day":
        return when + dt.timedelta(days=1)
    if freq == "week":
        return when + dt.timedelta(days=7)
    if freq == "month":
        return when.replace(year=when.year + when.month // 12, month=when.month % 12 + 1)
    return when.replace(year=when.year + 1)


def periods(start: dt.datetime, end: dt.datetime, freq: str, *, tz: str = "UTC") -> list[tuple[dt.datetime, dt.datetime]]:
    """Closed-open calendar periods covering ``[start, end]`` (boundaries in ``tz``, returned in UTC).

    Weeks start on Monday.

    Examples
    --------
    >>> import datetime as dt
    >>> u = dt.timezone.utc
    >>> [(a.day, b.day) for a, b in periods(dt.datetime(2024, 7, 3, tzinfo=u), dt.datetime(2024, 7, 5, tzinfo=u), "day")]
    [(3, 4), (4, 5), (5, 6)]
    """
    if end < start:
        raise UsageError(f"the end {end.date()} is before the start {start.date()}")
    zone = parse_zone(tz)
    cur = _floor(start.astimezone(zone), freq)
    out = []
    stop = end.astimezone(zone)
    while cur <= stop:
        nxt = _next(cur, freq)
        out.append((cur.astimezone(dt.timezone.utc), nxt.astimezone(dt.timezone.utc)))
        cur = nxt
        if len(out) > 100_000:
            raise UsageError("too many periods; use a coarser --freq", field="freq", value=freq)
    return out


def utc_text(when: dt.datetime | None) -> str | None:
    """``YYYY-MM-DDTHH:MM:SSZ`` or None."""
    if when is None:
        return None
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def find_gaps(times: Sequence[dt.datetime], *, factor: float = 2.0) -> list[tuple[dt.datetime, dt.datetime]]:
    """Intervals without a snapshot for more than ``factor`` × the median interval.

    Examples
    --------
    >>> d = [dt.datetime(2024, 1, i) for i in (1, 2, 3, 4, 9, 10)]
    >>> [(a.day, b.day) for a, b in find_gaps(d)]
    [(4, 9)]
    """
    ts = sorted(times)
    if len(ts) < 3:
        return []
    diffs = np.array([(b - a).total_seconds() for a, b in zip(ts, ts[1:])])
    med = float(np.median(diffs))
    if med <= 0:
        return []
    return [(ts[i], ts[i + 1]) for i in np.flatnonzero(diffs > factor * med)]


def parse_iso(iso: str) -> dt.datetime:
    """Parse the API's ``...Z`` times.

    >>> parse_iso("2025-01-01T00:00:00Z").isoformat()
    '2025-01-01T00:00:00+00:00'
    """
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
