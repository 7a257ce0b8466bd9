"""The structured claim: frozen dataclasses with JSON-ready ``as_dict``.

A :class:`Claim` is one checkable statement read from text: a figure in a
canonical unit (km², km, count of settlements, percent), how it is qualified,
who gained / lost / holds, over which time window, where, and optionally a
comparison with another actor or period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ACTIONS",
    "KINDS",
    "QUALIFIERS",
    "Claim",
    "Comparison",
    "Place",
    "TimeWindow",
]

#: What a figure measures.
#: ``area`` km² gained / lost / held; ``depth`` km of an advance or retreat;
#: ``settlements`` number of places taken or lost; ``share`` percent of a region
#: or the country; ``front_length`` length of the front line (km); ``width`` km
#: width of an advance; ``comparison`` a comparison of a quantity (its own claim, split
#: from the figure it compares: ``value`` is that figure, ``comparison.quantity`` its kind);
#: ``settlement`` a named place taken or lost ("captured Novoselivka").
KINDS: tuple[str, ...] = ("area", "depth", "settlements", "share", "front_length", "width", "comparison", "settlement")

#: Canonical qualifiers.  ``None`` (a bare figure) is also allowed.
QUALIFIERS: tuple[str, ...] = ("over", "at_least", "up_to", "about", "nearly", "less_than", "exactly")

#: Canonical actions.
ACTIONS: tuple[str, ...] = ("gain", "loss", "held")


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


@dataclass(frozen=True)
class TimeWindow:
    """A period resolved against the publication date (both days inclusive).

    Parameters
    ----------
    raw : str
        The words of the text, e.g. ``"in the past ten days"``.
    start, end : datetime.date or None
        First and last day; ``None`` when the text does not pin them down
        (e.g. "the first three days of the operation" without its start date).
    duration_days : int or None
        Length stated by the text when there is one ("in five days" -> 5).
    note : str or None
        A warning on how the window was read ("since the start of the year" on 1 January).
    """

    raw: str
    start: dt.date | None
    end: dt.date | None
    duration_days: int | None = None
    note: str | None = None

    @property
    def resolved(self) -> bool:
        """Whether both ends are known."""
        return self.start is not None and self.end is not None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation."""
        out: dict[str, Any] = {
            "raw": self.raw,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "duration_days": self.duration_days,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Place:
    """A place named by a claim.

    Parameters
    ----------
    raw : str
        The place as written ("the Donetsk region", "Bakhmut").
    region : str or None
        Normalised oblast name ("Donetsk") when the text names an oblast.
    kind : str
        ``oblast``, ``direction`` or ``place`` (a city, a town, a raion, an area).
    names : tuple of str
        Dictionary forms to look the place up by when ``raw`` is declined
        ("під Покровськом" -> ``("Покровськ", ...)``); empty for English.
    """

    raw: str
    region: str | None
    kind: str
    names: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation."""
        out: dict[str, Any] = {"raw": self.raw, "region": self.region, "kind": self.kind}
        if self.names:
            out["names"] = list(self.names)
        return out


@dataclass(frozen=True)
class Comparison:
    """A comparison of the claim's figure with another actor or period.

    Parameters
    ----------
    kind : str
        ``more_than`` / ``less_than`` (figure > / < factor x other),
        ``ratio`` (figure = factor x other, e.g. "twice as fast") or
        ``largest_since`` (largest per-period figure since ``other_window.start``).
    factor : float
        Multiplier of the other side (1 for plain "more than").
    other_actor : str or None
        The other side's actor; ``None`` means the same actor as the claim.
    other_window : TimeWindow or None
        The other period; ``None`` means the same window as the claim.
    rate : bool
        Compare per-day rates ("as fast as") rather than totals.
    period : str or None
        For ``largest_since``: ``day``, ``week``, ``month`` or ``year``.
    raw : str
        The words of the comparison.
    quantity : str
        What is compared: ``area``, ``depth``, ``settlements`` or ``share``.
    """

    kind: str
    factor: float
    other_actor: str | None
    other_window: TimeWindow | None
    rate: bool
    period: str | None
    raw: str
    quantity: str = "area"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation."""
        return {
            "kind": self.kind,
            "factor": self.factor,
            "other_actor": self.other_actor,
            "other_window": self.other_window.as_dict() if self.other_window else None,
            "rate": self.rate,
            "period": self.period,
            "raw": self.raw,
            "quantity": self.quantity,
        }


@dataclass(frozen=True)
class Claim:
    """One checkable territorial claim.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    value, value_max : float or None
        The figure in ``unit``; ``value_max`` for ranges ("10 to 15 km").
    unit : str or None
        ``km2``, ``km``, ``count`` or ``percent``.
    qualifier : str or None
        One of :data:`QUALIFIERS`, ``None`` for a bare figure.
    actor : str or None
        Side id (``ukraine``, ``russia``) of who gained, lost or holds.
    action : str or None
        ``gain``, ``loss`` or ``held``.
    window : TimeWindow or None
    place : Place or None
    comparison : Comparison or None
    figure_text : str
        The figure as written ("more than 1,000 sq km").
    sentence : str
        The sentence the claim was read from.
    per : str or None
        ``day``, ``week`` or ``month`` for a rate ("10 km² a day"); the total over
        the window is ``value`` x the window's length in those periods.
    """

    kind: str
    value: float | None
    value_max: float | None
    unit: str | None
    qualifier: str | None
    actor: str | None
    action: str | None
    window: TimeWindow | None
    place: Place | None
    comparison: Comparison | None
    figure_text: str
    sentence: str
    per: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation (every field)."""
        return {
            "kind": self.kind,
            "value": _round(self.value),
            "value_max": _round(self.value_max),
            "unit": self.unit,
            "qualifier": self.qualifier,
            "actor": self.actor,
            "action": self.action,
            "window": self.window.as_dict() if self.window else None,
            "place": self.place.as_dict() if self.place else None,
            "comparison": self.comparison.as_dict() if self.comparison else None,
            "per": self.per,
            "figure_text": self.figure_text,
            "sentence": self.sentence,
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)
