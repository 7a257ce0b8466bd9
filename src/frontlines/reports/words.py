"""Plain words for readers: what a layer is and what a change means, naming the actor.

Layer keys (``russia:control``) and change kinds (``gained``/``lost``) stay in JSON;
everything a reader sees goes through these functions, which take the conflict's
side names (``{"russia": "Russia", "ukraine": "Ukraine"}``, from the conflict
definition via the map furniture).

>>> layer_phrase("russia:control", {"russia": "Russia", "ukraine": "Ukraine"})
'Held by Russia'
>>> change_phrases("russia:control", {"russia": "Russia", "ukraine": "Ukraine"})
('Captured by Russia', 'Retaken by Ukraine')
>>> span_text("2022-09-06T00:00:00Z", "2022-09-13T23:59:59Z")
'6 – 13 September 2022'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

__all__ = ["change_headline", "change_phrases", "day_long", "layer_phrase", "span_text"]

_STATUS = {
    "control": "Held by {side}",
    "contested": "Contested (grey zone)",
    "claimed": "Claimed by {side}",
    "advance": "Advance of {side} (assessed)",
    "regained": "Retaken by {side}",
    "other": "Other areas ({side})",
}


def _side(side_id: str, sides: Mapping[str, str]) -> str:
    return sides.get(side_id) or side_id.replace("-", " ").replace("_", " ").title()


def _other(side_id: str, sides: Mapping[str, str]) -> str | None:
    others = [s for s in sides if s != side_id]
    return sides[others[0]] if len(others) == 1 else None


def layer_phrase(key: str, sides: Mapping[str, str]) -> str:
    """``russia:control`` -> ``Held by Russia``; ``ukraine:contested`` -> ``Contested (grey zone)``."""
    side, _, status = key.partition(":")
    pattern = _STATUS.get(status)
    if pattern is None:
        return f"{_side(side, sides)}: {status.replace('_', ' ')}" if status else _side(side, sides)
    return pattern.format(side=_side(side, sides))


def change_phrases(key: str, sides: Mapping[str, str]) -> tuple[str, str]:
    """What ground gained and lost by a layer means, naming who did it.

    ``russia:control`` -> (``Captured by Russia``, ``Retaken by Ukraine``); with more than
    two sides the loss is ``No longer held by Russia``.
    """
    side, _, status = key.partition(":")
    name = _side(side, sides)
    if status == "control":
        other = _other(side, sides)
        return f"Captured by {name}", (f"Retaken by {other}" if other else f"No longer held by {name}")
    phrase = layer_phrase(key, sides)
    return f"Newly {phrase[0].lower()}{phrase[1:]}", f"No longer {phrase[0].lower()}{phrase[1:]}"


def _day(value: str | dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()


def day_long(value: str | dt.datetime | dt.date) -> str:
    """``6 September 2022``."""
    d = _day(value)
    return f"{d.day} {d:%B %Y}"


def span_text(start: str | dt.datetime | dt.date, end: str | dt.datetime | dt.date) -> str:
    """``6 – 13 September 2022``, ``30 August – 4 September 2022``, ``1 December 2022 – 3 January 2023``.

    An end at midnight exactly counts as the day before (API windows end at 00:00 of the next day).
    """
    a = _day(start)
    if isinstance(end, str) and len(end.strip()) == 10:  # a plain date is the last day itself
        end = dt.date.fromisoformat(end.strip())
    if isinstance(end, (str, dt.datetime)):
        e = end if isinstance(end, dt.datetime) else dt.datetime.fromisoformat(str(end).replace("Z", "+00:00"))
        b = (e - dt.timedelta(seconds=1)).date() if (e.hour, e.minute, e.second) == (0, 0, 0) and e.date() > a else e.date()
    else:
        b = end
    if a == b:
        return day_long(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day} – {b.day} {b:%B %Y}"
    if a.year == b.year:
        return f"{a.day} {a:%B} – {b.day} {b:%B %Y}"
    return f"{day_long(a)} – {day_long(b)}"


def change_headline(key: str, sides: Mapping[str, str], gained_km2: float, lost_km2: float) -> str:
    """A title that states the finding: ``Ukraine retook 8,937 km² from Russia``."""
    side, _, status = key.partition(":")
    name = _side(side, sides)
    other = _other(side, sides)
    g, lost = round(gained_km2), round(lost_km2)
    if status != "control":
        return f"{layer_phrase(key, sides)}: {g:,} km² added, {lost:,} km² removed"
    if g < 1 and lost < 1:
        return f"No ground changed hands ({name}-held area unchanged)"
    if lost >= g:
        head = f"{other} retook {lost:,} km² from {name}" if other else f"{name} lost {lost:,} km²"
        return head + (f"; {name} captured {g:,} km²" if g >= 1 else "")
    head = f"{name} captured {g:,} km²"
    return head + (f"; {other or 'its opponents'} retook {lost:,} km²" if lost >= 1 else "")
