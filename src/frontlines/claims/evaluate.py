"""Check structured claims against the maps, through a small :class:`Measurer` protocol.

Pure: the evaluator only calls the measurer; it never reads files or clocks.

Layers and sides
----------------
A layer is ``side:status`` (see :class:`frontlines.model.LayerKey`).  A ``status``
passed to the measurer may join statuses with ``+`` ("control+contested"): the
union of those layers.  A measurer returns ``None`` for a layer it does not have.

For a claim by actor S against opponent O (``Conflict.opponent``):

=====================  ===========================================  =========================
claim                  figure (gross)                               net
=====================  ===========================================  =========================
S gained X km²         ``lost`` of O:control (ground that left O)   lost - gained
                       or ``gained`` of S:control                   gained - lost
S lost X km²           ``gained`` of O:control                      gained - lost
                       or ``lost`` of S:control                     lost - gained
S holds X km²          area of S:control, or land - area of O:control
S holds X %            the held area / land area of the region x 100
S gained X %           the gained area / land area of the region x 100
S advanced X km        ``max_depth_km`` of side S (S lost: of side O)
S took N villages      ``settlements_changed`` of side S (S lost: of side O)
=====================  ===========================================  =========================

With DeepState's layers (``russia:control``, ``russia:contested``), "Ukrainian forces
liberated X km²" is the ``lost`` of ``russia:control``; "Russia captured X km²" its ``gained``.

Readings
--------
Every source is measured under every reasonable reading: which maps stand for the
period's ends, ``control`` or ``control+contested`` (contested counted), gross or net,
the stated region or none.  The maps: a period's start state is the latest map at or
before 00:00 UTC of its first day (plus ``MAP_GRACE``, 6 hours: a map published in the
early hours shows the day before) when that map is at most ``START_CLOSE`` (2 days)
older, else the first map after it (a source starting later than the period, or with
a gap, is measured from its first map inside the period, and the result says so); its
end state is the latest map at or before 23:59:59 of its last day plus ``MAP_GRACE``.  Readings at 00:00
and 23:59:59 of both days are listed as sensitivity.  A source whose held ground is
split over several layers (ISW: assessed control + assessed advance, see
``Measurer.held_layers``) is measured on the union of those layers, and cannot answer
for a period that starts before all of them exist; a source the conflict definition
notes as unreliable before a day (DeepState's map was still being drawn in April
2022) is measured from that day, and the result says so.

The primary reading (one per claim)
-----------------------------------
Each source has one *central* reading: its maps as above, control only, gross (the
words "captured", "liberated", "took" count ground taken, not the balance), the stated
region, the first layer of the table above it has.  The claim's *primary* reading is
the central reading of: the source the sentence names ("according to DeepState"),
else the source whose maps lie closest to the period's ends, else the first source.
The other sources' central readings and every source's reading with contested ground
counted (on the same layers) are the *alternatives* (defensible other definitions);
every other reading (net, the 00:00 / 23:59:59 variants, the other side's layers) is
sensitivity only.

Tolerances and verdicts
-----------------------
A claimed figure X (``X_max`` for a range "10 to 15") means the true value lies in:

* bare figure: X (1 ± ``BARE_REL_TOL``) = ±10 %;
* "about", "around", "some", "roughly": X (1 ± ``ABOUT_REL_TOL``) = ±10 %;
* "exactly": X (1 ± ``EXACT_REL_TOL``) = ±5 %;
* "over", "more than", "at least": at least X (1 - ``BOUND_SLACK``) (2 % slack);
* "nearly", "almost": X (1 - ``NEARLY_REL_TOL``) .. X (1 + ``BOUND_SLACK``) = -15 % .. +2 %;
* "up to": X ``UP_TO_FLOOR`` .. X (1 + ``BOUND_SLACK``) = 50 % .. 102 %;
* "less than", "under": 0 .. X (1 + ``BOUND_SLACK``);
* a rate ("10 km² a day") is multiplied by the window's length in days, weeks or months;

widened by at least ``ABS_TOL`` (1 km², 0.5 km, 1 settlement, 0.5 percentage points).

* ``supported``: the primary reading is in that interval;
* ``supported-lower-bound``: an "over X" / "at least X" claim whose primary reading is
  more than twice X (true, but far below the maps);
* ``depends-on-definition``: the primary reading is outside the interval, but an
  alternative is inside it, or the alternatives fall on both sides of it;
* ``overstated`` / ``understated``: the primary reading and every alternative are
  below / above the interval;
* ``contradicted``: an overstated gain or loss whose net readings all go the other
  way, an impossible figure (an area larger than the region or the country, a share
  over 100 %, a depth over ``MAX_DEPTH_KM``, more than ``MAX_SETTLEMENTS``
  settlements), a comparison that does not hold, a named place that did not change hands;
* ``which-one``: a named place with several namesakes that the text cannot tell apart
  and that the maps do not agree on;
* ``unverifiable``: no source can answer for the window, the window or the place
  cannot be resolved, or the measurer cannot measure the claim's kind (front length, width).

The min/max envelope of all readings is reported but never decides a verdict.
Every result carries a one-sentence reason naming the maps of the primary reading,
the alternatives, and notes on sources that could not answer.

Comparisons are claims of their own (``kind="comparison"``): both sides are measured
by their primary readings, from the same source when it can answer for both, else
from the source that can; "more than" / "less than" must hold outright; a ratio
("twice as fast") is supported within ``COMPARISON_REL_TOL`` (25 %) of the factor;
"the largest monthly gain since autumn 2022" must be at least every full period's
figure since then; ``depends-on-definition`` when the primary source does not bear it
out and another source does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from frontlines.claims.types import Claim, TimeWindow
from frontlines.conflicts.definition import Conflict

__all__ = [
    "ABOUT_REL_TOL",
    "ABS_TOL",
    "BARE_REL_TOL",
    "BOUND_SLACK",
    "COMPARISON_REL_TOL",
    "COVERAGE_SLACK",
    "EXACT_REL_TOL",
    "LOWER_BOUND_FAR",
    "MAX_DEPTH_KM",
    "MAX_SETTLEMENTS",
    "NEARLY_REL_TOL",
    "MAP_GRACE",
    "START_CLOSE",
    "UP_TO_FLOOR",
    "VERDICTS",
    "ClaimResult",
    "ComparisonResult",
    "Measurer",
    "Reading",
    "choose_primary",
    "claim_interval",
    "evaluate_claim",
]

#: Relative tolerance of a bare figure ("captured 500 km²").
BARE_REL_TOL = 0.10
#: Relative tolerance of "about", "around", "some", "roughly", "approximately".
ABOUT_REL_TOL = 0.10
#: Relative tolerance of "exactly" (maps are never exact).
EXACT_REL_TOL = 0.05
#: Slack below a lower bound ("over X") and above an upper bound ("up to X").
BOUND_SLACK = 0.02
#: "nearly X" / "almost X" allows down to X (1 - NEARLY_REL_TOL).
NEARLY_REL_TOL = 0.15
#: "up to X" needs the figure to reach at least UP_TO_FLOOR x X.
UP_TO_FLOOR = 0.5
#: An "over X" claim with X below LOWER_BOUND_FAR x central is ``supported-lower-bound``.
LOWER_BOUND_FAR = 0.5
#: Absolute tolerance per unit, the floor of every relative one.
ABS_TOL: dict[str, float] = {"km2": 1.0, "km": 0.5, "count": 1.0, "percent": 0.5}
#: A ratio claim ("twice as fast") is supported within this relative distance of its factor.
COMPARISON_REL_TOL = 0.25
#: A source covers a time up to this long after its last publication.
COVERAGE_SLACK = dt.timedelta(days=2)
#: A map at most this much older than a period's first day is its start state.
START_CLOSE = dt.timedelta(days=2)
#: A map published this soon after midnight still shows the day before (a period's start and end
#: states are the latest maps at or before these times after 00:00 of the first day and after the last day).
MAP_GRACE = dt.timedelta(hours=6)
#: Depths beyond this are impossible (longer than the country).
MAX_DEPTH_KM = 1_400.0
#: Counts beyond this are impossible (Ukraine has about 29,000 settlements).
MAX_SETTLEMENTS = 30_000

#: Every verdict.
VERDICTS: tuple[str, ...] = (
    "supported",
    "supported-lower-bound",
    "depends-on-definition",
    "overstated",
    "understated",
    "contradicted",
    "which-one",
    "unverifiable",
)

_UTC = dt.timezone.utc
_PER_DAYS = {"day": 1.0, "week": 7.0, "month": 30.4375}
_EOD = dt.time(23, 59, 59)


@runtime_checkable
class Measurer(Protocol):
    """What the evaluator needs from a store of maps.

    ``side`` is a layer side id (``russia``); ``status`` one layer status or several
    joined by ``+`` (their union, e.g. ``control+contested``); times are aware UTC
    datetimes; ``region`` a region id from :meth:`resolve_region` or ``None`` for the
    whole map.  Every measure returns ``None`` when it has no data.
    """

    def sources(self) -> list[str]:
        """Names of the sources the store holds."""
        ...

    def coverage(self, source: str) -> tuple[dt.datetime, dt.datetime] | None:
        """First and last ``published_at`` (UTC) of a source, or None."""
        ...

    def area_km2(self, source: str, side: str, status: str, at: dt.datetime, region: str | None) -> float | None:
        """Area of a layer in the state current at ``at``."""
        ...

    def change_km2(
        self, source: str, side: str, status: str, start: dt.datetime, end: dt.datetime, region: str | None
    ) -> tuple[float, float] | None:
        """(gained, lost) km² of a layer between the states current at ``start`` and ``end``."""
        ...

    def max_depth_km(self, source: str, side: str, start: dt.datetime, end: dt.datetime, region: str | None) -> float | None:
        """Deepest advance (km) of ``side`` between the two states."""
        ...

    def settlements_changed(
        self, source: str, side: str, start: dt.datetime, end: dt.datetime, region: str | None
    ) -> int | None:
        """Number of settlements that came under ``side``'s control between the two states."""
        ...

    def region_land_area_km2(self, region: str | None) -> float | None:
        """Land area of a region (None: the whole country)."""
        ...

    def resolve_region(self, place: str) -> str | None:
        """Region id for a place as written ("Donetsk", "Bakhmut"), or None."""
        ...


# ---------------------------------------------------------------- results

def _ts(t: dt.datetime | None) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t is not None else None


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


@dataclass(frozen=True)
class Reading:
    """One figure: one source under one reading of the claim.

    ``start`` is ``None`` for a held area (measured at ``end``).  ``in_range`` is
    False for the no-region readings of a claim that names a region.  ``central``: the
    source's own main reading; ``primary``: the one reading the verdict rests on;
    ``preferred``: at the maps chosen for the period (else a 00:00 / 23:59:59 variant).
    """

    source: str
    layer: str
    start: dt.datetime | None
    end: dt.datetime
    contested: bool
    net: bool
    region: str | None
    value: float
    central: bool = False
    in_range: bool = True
    preferred: bool = True
    primary: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation."""
        return {
            "source": self.source,
            "layer": self.layer,
            "start": _ts(self.start),
            "end": _ts(self.end),
            "contested": self.contested,
            "net": self.net,
            "region": self.region,
            "value": _r(self.value),
            "central": self.central,
            "primary": self.primary,
            "preferred": self.preferred,
            "in_range": self.in_range,
            "maps": _maps(self),
        }


@dataclass(frozen=True)
class ComparisonResult:
    """The check of a claim's comparison: both sides' primary readings and the verdict."""

    verdict: str
    reason: str
    self_value: float | None
    other_value: float | None
    ratio: float | None
    details: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()
    self_reading: Reading | None = None
    other_reading: Reading | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation."""
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "self_value": _r(self.self_value),
            "other_value": _r(self.other_value),
            "ratio": _r(self.ratio),
            "details": list(self.details),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim, with the numbers behind it.

    Parameters
    ----------
    claim : Claim
    verdict : str
        One of :data:`VERDICTS`.
    reason : str
        One sentence explaining the verdict.
    claimed_low, claimed_high : float or None
        The interval the claim allows (see the module docstring); ``inf`` is ``None``.
    low, high : float or None
        The envelope of every reading (shown, never used for the verdict).
    central : float or None
        The primary reading's figure, in the claim's unit.
    readings : tuple of Reading
    comparison : ComparisonResult or None
    primary : Reading or None
        The reading the verdict rests on.
    alternatives : tuple of Reading
        Defensible other readings (other sources, contested ground counted).
    notes : tuple of str
        Sources that could not answer and why, windows moved, warnings on the text.
    details : tuple of dict
        For a named place: every place of that name and its status before and after.
    """

    claim: Claim
    verdict: str
    reason: str
    claimed_low: float | None = None
    claimed_high: float | None = None
    low: float | None = None
    high: float | None = None
    central: float | None = None
    readings: tuple[Reading, ...] = ()
    comparison: ComparisonResult | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)
    primary: Reading | None = None
    alternatives: tuple[Reading, ...] = ()
    notes: tuple[str, ...] = ()
    details: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation: claim, verdict, reason, numbers, readings."""
        by_source: dict[str, list[dict[str, Any]]] = {}
        for r in self.readings:
            by_source.setdefault(r.source, []).append(r.as_dict())
        return {
            "claim": self.claim.as_dict(),
            "verdict": self.verdict,
            "reason": self.reason,
            "unit": self.claim.unit,
            "claimed": {"low": _r(self.claimed_low), "high": _r(self.claimed_high)},
            "measured": {"low": _r(self.low), "high": _r(self.high), "central": _r(self.central)},
            "sources": list(self.sources),
            "readings": by_source,
            "comparison": self.comparison.as_dict() if self.comparison else None,
            "primary": self.primary.as_dict() if self.primary else None,
            "maps": _maps(self.primary) if self.primary else None,
            "alternatives": [r.as_dict() for r in self.alternatives],
            "notes": list(self.notes),
            "details": list(self.details),
        }


# ---------------------------------------------------------------- intervals

def claim_interval(value: float, value_max: float | None, qualifier: str | None, unit: str | None) -> tuple[float, float]:
    """The interval of true values a claimed figure allows (see the module docstring).

    Parameters
    ----------
    value, value_max : float
        The claimed figure (and the top of a stated range).
    qualifier : str or None
        A canonical qualifier (``over``, ``about`` ...).
    unit : str or None
        Canonical unit, selects the absolute tolerance.

    Returns
    -------
    (low, high)
        ``high`` may be ``math.inf``.

    Examples
    --------
    >>> claim_interval(100, None, "about", "km2")
    (90.0, 110.00000000000001)
    >>> claim_interval(100, None, "over", "km2")
    (98.0, inf)
    """
    top = value_max if value_max is not None else value
    ab = ABS_TOL.get(unit or "", 0.0)

    def around(rel: float) -> tuple[float, float]:
        return min(value * (1 - rel), value - ab), max(top * (1 + rel), top + ab)

    if qualifier in ("over", "at_least"):
        return max(0.0, min(value * (1 - BOUND_SLACK), value - ab)), float("inf")
    if qualifier == "up_to":
        return value * UP_TO_FLOOR, max(top * (1 + BOUND_SLACK), top + ab)
    if qualifier == "less_than":
        return 0.0, max(top * (1 + BOUND_SLACK), top + ab)
    if qualifier == "nearly":
        return min(value * (1 - NEARLY_REL_TOL), value - ab), max(top * (1 + BOUND_SLACK), top + ab)
    if qualifier == "exactly":
        lo, hi = around(EXACT_REL_TOL)
        return max(0.0, lo), hi
    lo, hi = around(ABOUT_REL_TOL if qualifier == "about" else BARE_REL_TOL)
    return max(0.0, lo), hi


# ---------------------------------------------------------------- measuring

@dataclass(frozen=True)
class _Spec:
    """What to measure for a claim: kind, action, actor, times, regions."""

    kind: str  # area / depth / settlements / share
    action: str  # gain / loss / held
    actor: str
    window: TimeWindow | None


def _day_start(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(0), _UTC)


def _day_end(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, _EOD, _UTC)


def _hm(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def _source_times(
    m: Measurer, source: str, spec: _Spec, published: dt.date, conflict: Conflict
) -> tuple[list[tuple[dt.datetime | None, dt.datetime, bool]], list[str]]:
    """(start, end, preferred) time readings of one source, and notes on how they were chosen."""
    notes: list[str] = []
    cov = m.coverage(source)
    if cov is None:
        return [], notes
    if spec.action == "held":
        w = spec.window
        day = w.end if w is not None and w.end is not None else published
        out = [(None, t, i == 0) for i, t in enumerate((_day_start(day), _day_end(day))) if _covers(cov, None, t)]
        return out, notes
    w = spec.window
    assert w is not None and w.start is not None and w.end is not None
    first_day, ws, we = w.start, _day_start(w.start), _day_end(w.end)
    if _day_start(w.end) > cov[1] + COVERAGE_SLACK:
        notes.append(f"{source} cannot answer: its last map is from {cov[1].date()}, before the end of {w.raw!r}.")
        return [], notes
    note = conflict.source_notes.get(source)
    if note is not None and first_day < note[0]:
        if _day_start(note[0]) >= we:
            notes.append(f"{source} cannot answer for {w.raw!r}: {note[1]}")
            return [], notes
        first_day, ws = note[0], _day_start(note[0])
        notes.append(f"{source} is measured from {note[0].isoformat()}, not {w.start.isoformat()}: {note[1]}")
    out: list[tuple[dt.datetime | None, dt.datetime, bool]] = []
    map_times = getattr(m, "map_times", None)
    times = sorted(map_times(source)) if map_times is not None else []
    if times:
        # A map published in the early hours after a day shows that day (DeepState's daily files).
        ws, we = ws + MAP_GRACE, we + MAP_GRACE
        before = [t for t in times if t <= ws]
        inside = [t for t in times if ws < t <= we]
        if before and ws - before[-1] <= START_CLOSE:
            s = before[-1]
        elif inside:
            s = inside[0]
            notes.append(
                f"{source} has no map within {START_CLOSE.days} days before {first_day.isoformat()}: "
                f"the period starts at its first map after that day ({_hm(s)} UTC)."
            )
        else:
            notes.append(f"{source} has no map inside {w.raw!r}.")
            return [], notes
        ends = [t for t in times if t <= we]
        if ends and ends[-1] <= s and before and s != before[-1]:
            # One map inside the period: its start state is the latest map before it, however old.
            s = before[-1]
            notes[-1:] = [f"{source} has one map inside {w.raw!r}: the period starts at its latest map before it "
                          f"({_hm(s)} UTC)."]
        if ends and ends[-1] > s:
            out.append((s, ends[-1], True))
        else:
            notes.append(f"{source} has no map inside {w.raw!r}.")
            return [], notes
    for s_time in (dt.time(0), _EOD):
        for e_time in (_EOD, dt.time(0)):
            s = dt.datetime.combine(first_day, s_time, _UTC)
            e = dt.datetime.combine(w.end, e_time, _UTC)
            if e <= s or not _covers(cov, s, e):
                continue
            preferred = not times and not out
            out.append((s, e, preferred))
    return out, notes


def _covers(cov: tuple[dt.datetime, dt.datetime] | None, start: dt.datetime | None, end: dt.datetime) -> bool:
    if cov is None:
        return False
    first, last = cov
    if start is not None and start < first:
        return False
    if start is None and end < first:
        return False
    return end <= last + COVERAGE_SLACK


def _held(m: Measurer, source: str, side: str, first: dt.datetime) -> tuple[str | None, str | None]:
    """The union of ``side``'s held layers in ``source`` ("control+advance"), or None and why not.

    A source whose held ground is split over several layers (ISW's assessed control and
    assessed advance) answers only from the day all of them exist: before it, a
    reclassification from one layer to another would read as a capture.
    """
    layers = getattr(m, "held_layers", None)
    statuses = tuple(layers(source, side)) if layers is not None else ("control",)
    if not statuses:
        return None, None
    span = getattr(m, "layer_span", None)
    for st in statuses[1:]:
        sp = span(source, side, st) if span is not None else None
        if sp is not None and first < sp[0] - START_CLOSE:
            return None, (
                f"{source} cannot answer for this period: its {side}:{st} layer (ground it counts as held) "
                f"starts on {sp[0].date().isoformat()}, and before that ground moved between its layers would "
                f"read as captured."
            )
    return "+".join(statuses), None


def _layer_options(action: str, actor: str, conflict: Conflict) -> list[tuple[str, str]]:
    """(side, direction) options, in order of preference: ground the actor gained / lost / holds.

    In a two-sided conflict the opponent's layer comes first for gains and losses
    (maps draw the occupier's control), the actor's own layer first for held ground.
    With more sides, one side's loss is not another's gain: only the actor's own layer.
    """
    other = conflict.opponent(actor)
    if other is None:
        return [(actor, {"gain": "gained", "loss": "lost"}.get(action, "area"))]
    if action == "gain":
        return [(other, "lost"), (actor, "gained")]
    if action == "loss":
        return [(other, "gained"), (actor, "lost")]
    return [(actor, "area"), (other, "complement")]


def _measure_area(
    m: Measurer,
    source: str,
    opt: tuple[str, str],
    status: str,
    net: bool,
    start: dt.datetime | None,
    end: dt.datetime,
    region: str | None,
    land: float | None,
) -> tuple[str, float] | None:
    side, direction = opt
    if direction in ("area", "complement"):
        if net:
            return None
        a = m.area_km2(source, side, status, end, region)
        if a is None:
            return None
        if direction == "area":
            return f"{side}:{status} area", float(a)
        if land is None:
            return None
        return f"land - {side}:{status} area", max(0.0, land - float(a))
    assert start is not None
    ch = m.change_km2(source, side, status, start, end, region)
    if ch is None:
        return None
    gained, lost = float(ch[0]), float(ch[1])
    if direction == "gained":
        return f"{side}:{status} gained", (gained - lost) if net else gained
    return f"{side}:{status} lost", (lost - gained) if net else lost


def _readings_for_region(
    spec: _Spec,
    m: Measurer,
    sources: Sequence[str],
    published: dt.date,
    region: str | None,
    conflict: Conflict,
    in_range: bool,
) -> tuple[list[Reading], list[str]]:
    """Every reading of every source, and notes on the sources that could not answer."""
    out: list[Reading] = []
    notes: list[str] = []
    land = None
    if spec.kind == "share" or spec.action == "held":
        land = m.region_land_area_km2(region)
        if land is None and region is None:
            land = conflict.land_area_km2
    for source in sources:
        times, why = _source_times(m, source, spec, published, conflict)
        notes.extend(why)
        central_done = False
        for start, end, preferred in times:  # the preferred reading comes first
            if spec.kind in ("area", "share"):
                first_opt: tuple[str, str] | None = None
                for opt in _layer_options(spec.action, spec.actor, conflict):
                    held, reason = _held(m, source, opt[0], start or end)
                    if held is None:
                        if reason and reason not in notes:
                            notes.append(reason)
                        continue
                    for contested in (False, True):
                        status = f"{held}+contested" if contested else held
                        for net in (False, True):
                            got = _measure_area(m, source, opt, status, net, start, end, region, land)
                            if got is None:
                                continue
                            layer, value = got
                            if first_opt is None:
                                first_opt = opt
                            if spec.kind == "share":
                                if not land:
                                    continue
                                value = 100.0 * value / land
                            is_central = preferred and not contested and not net and opt == first_opt and not central_done
                            central_done = central_done or is_central
                            out.append(Reading(source, layer, start, end, contested, net, region, value, is_central,
                                               in_range, preferred))
            elif spec.kind in ("depth", "settlements"):
                side = spec.actor if spec.action == "gain" else conflict.opponent(spec.actor)
                if start is None or side is None:
                    continue
                if spec.kind == "depth":
                    v = m.max_depth_km(source, side, start, end, region)
                    layer = f"{side} max depth"
                else:
                    n = m.settlements_changed(source, side, start, end, region)
                    v = None if n is None else float(n)
                    layer = f"{side} settlements taken"
                if v is None:
                    continue
                is_central = preferred and not central_done
                central_done = central_done or is_central
                out.append(Reading(source, layer, start, end, False, False, region, float(v), is_central, in_range,
                                   preferred))
    return out, notes


def _named(source: str, sentence: str) -> bool:
    """Whether the sentence names the source ("according to DeepState")."""
    stem = re.split(r"[-_ ]", source.lower())[0]
    return len(stem) >= 3 and stem in re.sub(r"[\s\-]", "", sentence.lower())


def choose_primary(readings: Sequence[Reading], sentence: str, window: TimeWindow | None) -> Reading | None:
    """The primary reading of a claim (the rule of the module docstring), or None.

    Among the sources' central readings: the source the sentence names; else the
    one whose maps lie closest to the period's ends; else the first source.
    """
    cands = [r for r in readings if r.central and r.in_range]
    if not cands:
        return None
    named = [r for r in cands if _named(r.source, sentence)]
    if named:
        return named[0]
    if window is not None and window.resolved and all(r.start is not None for r in cands):
        ws, we = _day_start(window.start), _day_end(window.end)  # type: ignore[arg-type]

        def gap(r: Reading) -> float:
            assert r.start is not None
            return abs((r.start - ws).total_seconds()) + abs((we - r.end).total_seconds())

        return min(cands, key=gap)
    return cands[0]


def _alternatives(readings: Sequence[Reading], primary: Reading) -> list[Reading]:
    """Defensible other readings: other sources' central readings, and each source's with contested ground counted."""
    side = primary.layer.split(":")[0]
    out = []
    for r in readings:
        if r is primary or not r.in_range or not r.preferred or r.net:
            continue
        if r.central or (r.contested and r.layer.split(":")[0] == side):
            out.append(r)
    return out


def _summarise(readings: Sequence[Reading]) -> tuple[float | None, float | None]:
    scoped = [r.value for r in readings if r.in_range]
    if not scoped:
        return None, None
    return min(scoped), max(scoped)


def _fmt(x: float | None, unit: str | None) -> str:
    if x is None:
        return "n/a"
    u = {"km2": " km²", "km": " km", "count": "", "percent": " %"}.get(unit or "", "")
    if x == float("inf"):
        return "∞"
    if abs(x) >= 100:
        return f"{x:,.0f}{u}"
    return f"{x:,.1f}{u}"


def _maps(r: Reading) -> str:
    """The maps a reading used, in words."""
    if r.start is None:
        return f"{r.source}'s map current at {_hm(r.end)} UTC"
    return f"{r.source}'s maps current at {_hm(r.start)} and {_hm(r.end)} UTC"


def _definition(r: Reading) -> str:
    bits = [r.layer]
    if r.contested:
        bits.append("contested ground counted")
    if r.net:
        bits.append("net")
    return ", ".join(bits)


# ---------------------------------------------------------------- evaluation

def evaluate_claim(
    claim: Claim,
    measurer: Measurer,
    *,
    published: dt.date,
    sources: Sequence[str] | None = None,
    conflict: Conflict,
) -> ClaimResult:
    """Check one claim against every source the measurer has.

    Parameters
    ----------
    claim : Claim
        From :func:`frontlines.claims.extract.extract_claims`.
    measurer : Measurer
        Measures the maps (the store).
    published : datetime.date
        Publication date: the time of a held claim without a window.
    sources : sequence of str, optional
        Restrict to these sources (default: all of ``measurer.sources()``).
    conflict : Conflict
        Sides, the land-area fallback and notes on sources.

    Returns
    -------
    ClaimResult
        Never raises for a claim the measurer cannot check: the verdict is then
        ``unverifiable`` with the reason.
    """
    available = list(measurer.sources())
    chosen = [s for s in (sources if sources is not None else available) if s in available]
    warnings = tuple(w for w in (claim.window.note if claim.window is not None else None,) if w)

    def result(verdict: str, reason: str, **kw: Any) -> ClaimResult:
        kw.setdefault("notes", ())
        kw["notes"] = warnings + tuple(kw["notes"])
        return ClaimResult(claim, verdict, reason, sources=tuple(chosen), **kw)

    if claim.kind in ("front_length", "width"):
        what = "the length of the front line" if claim.kind == "front_length" else "the width of an advance"
        return result("unverifiable", f"The maps are measured as areas; {what} is not measured here.")
    if claim.kind == "settlement":
        return _evaluate_settlement(claim, measurer, chosen, published, conflict, result)

    # Impossible figures need no data.
    region_for_ceiling = _region(claim, measurer)
    absurd = _absurd(claim, measurer, region_for_ceiling, conflict)
    if absurd is not None:
        return result("contradicted", absurd)

    if claim.actor is None or claim.action is None:
        return result("unverifiable", "The claim does not say which side gained, lost or holds the ground.")
    if not chosen:
        asked = ", ".join(sources) if sources is not None else "any"
        return result("unverifiable", f"No requested source is in the store (asked for {asked}).")

    window = claim.window
    if claim.action in ("gain", "loss") or claim.kind == "comparison":
        if window is None:
            return result("unverifiable", "The claim names no period, so the gain or loss cannot be measured.")
        if not window.resolved:
            return result("unverifiable", f"The period {window.raw!r} cannot be dated from the text.")
        if window.note and window.start == window.end == published:
            return result("unverifiable", window.note)

    if claim.kind == "comparison":
        cmp = _evaluate_comparison(claim, measurer, chosen, published, conflict)
        return result(cmp.verdict, cmp.reason, comparison=cmp, notes=cmp.notes, primary=cmp.self_reading)
    if claim.kind in ("depth", "settlements") and claim.action == "held":
        return result("unverifiable", f"A held {claim.kind} figure has no meaning on an area map.")

    spec = _Spec(claim.kind, claim.action, claim.actor, window)
    region = region_for_ceiling
    place = claim.place
    readings: list[Reading] = []
    notes: list[str] = []
    if place is not None and region is not None:
        rs, ns = _readings_for_region(spec, measurer, chosen, published, region, conflict, True)
        readings += rs
        notes += ns
    rs, ns = _readings_for_region(spec, measurer, chosen, published, None, conflict, place is None or region is None)
    readings += rs
    notes += [n for n in ns if n not in notes]
    readings_t = tuple(readings)

    lo_c, hi_c = claim_interval(claim.value or 0.0, claim.value_max, claim.qualifier, claim.unit)
    if claim.per is not None and window is not None and window.resolved:
        # A rate ("10 km² a day"): the claimed total over the window.
        periods = _days(window) / _PER_DAYS[claim.per]
        lo_c, hi_c = lo_c * periods, hi_c * periods
    claimed_hi = None if hi_c == float("inf") else hi_c

    if place is not None and region is None:
        whole = choose_primary([Reading(**{**r.__dict__, "in_range": True}) for r in readings_t], claim.sentence, window)
        shown = f" (the whole map shows {_fmt(whole.value, claim.unit)})" if whole is not None else ""
        return result(
            "unverifiable",
            f"The place {place.raw!r} is not a region the maps can be cut to{shown}.",
            claimed_low=lo_c, claimed_high=claimed_hi, readings=readings_t, notes=notes,
            central=whole.value if whole is not None else None,
        )
    primary = choose_primary(readings_t, claim.sentence, window)
    lo, hi = _summarise(readings_t)
    if primary is None:
        where = f" for {window.raw!r}" if window is not None else ""
        return result("unverifiable", f"No source covers the claim{where} with the data it needs.",
                      claimed_low=lo_c, claimed_high=claimed_hi, readings=readings_t, notes=notes)
    readings_t = tuple(Reading(**{**r.__dict__, "primary": r is primary}) for r in readings_t)
    primary = next(r for r in readings_t if r.primary)
    alts = tuple(_alternatives(readings_t, primary))
    verdict, reason = _verdict(claim, lo_c, hi_c, primary, alts, readings_t)
    return result(
        verdict, reason, claimed_low=lo_c, claimed_high=claimed_hi, low=lo, high=hi, central=primary.value,
        readings=readings_t, primary=primary, alternatives=alts, notes=notes,
    )


def _region(claim: Claim, m: Measurer) -> str | None:
    if claim.place is None:
        return None
    for name in (claim.place.raw, *claim.place.names, claim.place.region):
        if name:
            region = m.resolve_region(name)
            if region is not None:
                return region
    return None


def _absurd(claim: Claim, m: Measurer, region: str | None, conflict: Conflict) -> str | None:
    v = claim.value_max if claim.value_max is not None else claim.value
    if v is None or claim.kind == "comparison":
        return None
    if claim.kind == "share" and v > 100.0:
        return f"A share of {_fmt(v, 'percent')} is impossible: no side can hold more than 100 %."
    if claim.kind == "depth" and v > MAX_DEPTH_KM:
        return f"An advance of {_fmt(v, 'km')} is impossible: it is longer than the country ({_fmt(MAX_DEPTH_KM, 'km')})."
    if claim.kind == "settlements" and v > MAX_SETTLEMENTS:
        return f"{_fmt(v, 'count')} settlements is impossible: the country has about {MAX_SETTLEMENTS:,}."
    if claim.kind == "area":
        country = m.region_land_area_km2(None) or conflict.land_area_km2
        ceiling, what = country, "the whole country"
        if region is not None:
            land = m.region_land_area_km2(region)
            if land:
                ceiling, what = land, f"the region {region!r}"
        low_claim = claim_interval(claim.value or 0.0, None, claim.qualifier, claim.unit)[0]
        if low_claim > ceiling * (1 + BARE_REL_TOL):
            return (
                f"{_fmt(v, 'km2')} is impossible: it is larger than {what} "
                f"({_fmt(ceiling, 'km2')})."
            )
    return None


def _verdict(
    claim: Claim, lo_c: float, hi_c: float, primary: Reading, alts: Sequence[Reading], readings: Sequence[Reading]
) -> tuple[str, str]:
    """The verdict from the primary reading (see the module docstring) and its one-sentence reason."""
    u = claim.unit
    p = primary.value
    allows = f"{claim.figure_text!r} allows {_fmt(lo_c, u)} to {_fmt(hi_c, u)}"
    shows = f"{_maps(primary)} show {_fmt(p, u)} ({_definition(primary)})"
    inside = [r for r in alts if lo_c <= r.value <= hi_c]
    if lo_c <= p <= hi_c:
        if claim.qualifier in ("over", "at_least") and lo_c < LOWER_BOUND_FAR * p:
            return "supported-lower-bound", f"True as a lower bound: {shows}, more than twice {claim.figure_text!r}."
        return "supported", f"Supported: {shows}, which {allows}."
    below = p < lo_c
    if inside:
        r = inside[0]
        return "depends-on-definition", (
            f"Depends on the definition: {shows}, outside what {allows}, but {r.source} "
            f"({_definition(r)}) shows {_fmt(r.value, u)}, within it."
        )
    if any((r.value < lo_c) != below for r in alts):
        r = next(r for r in alts if (r.value < lo_c) != below)
        return "depends-on-definition", (
            f"Depends on the definition: {shows} and {r.source} ({_definition(r)}) shows {_fmt(r.value, u)}; "
            f"they fall on both sides of what {allows}."
        )
    if below:
        nets = [r.value for r in readings if r.in_range and r.net and r.preferred]
        if claim.action in ("gain", "loss") and nets and max(nets) < 0:
            verb = "lost" if claim.action == "gain" else "gained"
            return "contradicted", (
                f"Wrong direction: on balance {claim.actor} {verb} ground over the period "
                f"(net {_fmt(max(nets), u)} at best on {primary.source}), while the claim says it "
                f"{'gained' if claim.action == 'gain' else 'lost'} {claim.figure_text!r}."
            )
        return "overstated", f"Overstated: {shows}, less than {allows}."
    return "understated", f"Understated: {shows}, more than {allows}."


# ---------------------------------------------------------------- comparisons

def _figure(
    kind: str,
    action: str,
    actor: str,
    window: TimeWindow,
    m: Measurer,
    sources: Sequence[str],
    published: dt.date,
    region: str | None,
    conflict: Conflict,
    sentence: str,
) -> tuple[Reading | None, list[Reading], list[str]]:
    """The primary reading of one side of a comparison, every source's central reading, notes."""
    spec = _Spec(kind, action, actor, window)
    readings, notes = _readings_for_region(spec, m, sources, published, region, conflict, True)
    return choose_primary(readings, sentence, window), [r for r in readings if r.central], notes


def _days(w: TimeWindow) -> float:
    assert w.start is not None and w.end is not None
    return float((w.end - w.start).days + 1)


def _period_windows(period: str, since: dt.date, before: dt.date) -> list[TimeWindow]:
    """Full calendar periods from ``since`` to the day before ``before``."""
    out: list[TimeWindow] = []
    if period == "month":
        y, mo = since.year, since.month
        while True:
            start = dt.date(y, mo, 1)
            nxt = dt.date(y + (mo == 12), 1 if mo == 12 else mo + 1, 1)
            end = nxt - dt.timedelta(days=1)
            if end >= before:
                break
            if start >= since:
                out.append(TimeWindow(start.strftime("%B %Y"), start, end))
            y, mo = nxt.year, nxt.month
        return out
    length = {"day": 1, "week": 7, "year": 365}[period]
    start = since
    while start + dt.timedelta(days=length - 1) < before:
        out.append(TimeWindow(f"{length} days from {start.isoformat()}", start, start + dt.timedelta(days=length - 1)))
        start += dt.timedelta(days=length)
    return out


def _cmp_holds(kind: str, factor: float, sa: float, sb: float) -> str:
    if kind == "more_than":
        return "supported" if sa > factor * sb else "contradicted"
    if kind == "less_than":
        return "supported" if sa < factor * sb else "contradicted"
    if not sb:
        return "unverifiable"
    ratio = sa / sb
    if abs(ratio - factor) <= COMPARISON_REL_TOL * factor:
        return "supported"
    return "overstated" if ratio < factor else "understated"


def _evaluate_comparison(
    claim: Claim, m: Measurer, sources: Sequence[str], published: dt.date, conflict: Conflict
) -> ComparisonResult:
    cmp = claim.comparison
    assert cmp is not None
    kind = cmp.quantity if cmp.quantity in ("area", "depth", "settlements", "share") else "area"
    action = claim.action or "gain"
    actor = claim.actor
    window = claim.window
    if actor is None:
        return ComparisonResult("unverifiable", "The comparison does not say whose ground is compared.", None, None, None)
    if window is None or not window.resolved:
        return ComparisonResult("unverifiable", "The claim's own period cannot be dated.", None, None, None)
    region = _region(claim, m)
    u = {"area": "km2", "depth": "km", "settlements": "count", "share": "percent"}[kind]
    a_r, a_all, notes = _figure(kind, action, actor, window, m, sources, published, region, conflict, claim.sentence)
    if a_r is None:
        return ComparisonResult("unverifiable", f"No source covers {window.raw!r}.", None, None, None, notes=tuple(notes))
    a = a_r.value

    if cmp.kind == "largest_since":
        since = cmp.other_window.start if cmp.other_window is not None else None
        if since is None:
            return ComparisonResult("unverifiable", "The start of the comparison period cannot be dated.", a, None, None)
        days = _days(window)
        period = cmp.period or ("day" if days <= 1 else "week" if days <= 8 else "month" if days <= 31 else "year")
        details = []
        best: tuple[float, str] | None = None
        for w in _period_windows(period, since, window.start):  # type: ignore[arg-type]
            r, _, _ = _figure(kind, action, actor, w, m, [a_r.source], published, region, conflict, claim.sentence)
            if r is None:
                continue
            details.append({"period": w.raw, "start": w.start.isoformat(), "end": w.end.isoformat(), "value": _r(r.value)})  # type: ignore[union-attr]
            if best is None or r.value > best[0]:
                best = (r.value, w.raw)
        if best is None:
            return ComparisonResult("unverifiable", f"No source covers the {period}s since {since.isoformat()}.", a, None, None)
        if a >= best[0] * (1 - BOUND_SLACK):
            return ComparisonResult(
                "supported",
                f"On {a_r.source}, {_fmt(a, u)} is the largest {period}ly figure since {since.isoformat()} "
                f"(previous maximum {_fmt(best[0], u)} in {best[1]}).",
                a, best[0], a / best[0] if best[0] else None, tuple(details), self_reading=a_r,
            )
        return ComparisonResult(
            "contradicted",
            f"Not the largest since {since.isoformat()}: on {a_r.source}, {best[1]} shows {_fmt(best[0], u)} "
            f"against {_fmt(a, u)}.",
            a, best[0], a / best[0] if best[0] else None, tuple(details), self_reading=a_r,
        )

    other_actor = cmp.other_actor or actor
    other_window = cmp.other_window or window
    if not other_window.resolved:
        return ComparisonResult("unverifiable", f"The other period {other_window.raw!r} cannot be dated.", a, None, None)
    b_r, b_all, b_notes = _figure(kind, action, other_actor, other_window, m, sources, published, region, conflict,
                                  claim.sentence)
    notes += [n for n in b_notes if n not in notes]
    if b_r is None:
        why = next((n for n in b_notes if "cannot answer" in n), b_notes[0] if b_notes else "")
        why = f": {why.rstrip('.')}" if why else ""
        return ComparisonResult("unverifiable", f"No source can measure the other side, {other_window.raw!r}{why}.",
                                a, None, None, notes=tuple(notes), self_reading=a_r)
    same = next((r for r in b_all if r.source == a_r.source), None)
    if same is not None:
        b_r = same  # both sides of a comparison from one source when it can answer for both
    b = b_r.value

    def scaled(ra: Reading, rb: Reading, wa: TimeWindow, wb: TimeWindow) -> tuple[float, float]:
        return (ra.value / _days(wa), rb.value / _days(wb)) if cmp.rate else (ra.value, rb.value)

    sa, sb = scaled(a_r, b_r, window, other_window)
    verdict = _cmp_holds(cmp.kind, cmp.factor, sa, sb)
    what = "per day" if cmp.rate else "in total"
    desc = (f"{actor} {_fmt(a, u)} in {window.raw!r} on {a_r.source} against {other_actor} {_fmt(b, u)} in "
            f"{other_window.raw!r} on {b_r.source} ({what})")
    ratio = sa / sb if sb else None
    details_t = (
        {"side": "self", "actor": actor, "window": window.as_dict(), "value": _r(a), "reading": a_r.as_dict()},
        {"side": "other", "actor": other_actor, "window": other_window.as_dict(), "value": _r(b), "reading": b_r.as_dict()},
    )
    # Other sources that answer for both sides are the alternatives.
    others = []
    for ra in a_all:
        rb = next((r for r in b_all if r.source == ra.source), None)
        if rb is None or ra.source == a_r.source:
            continue
        v = _cmp_holds(cmp.kind, cmp.factor, *scaled(ra, rb, window, other_window))
        others.append((ra.source, v, ra.value, rb.value))
    if verdict == "unverifiable":
        return ComparisonResult("unverifiable", f"The other side's figure is zero: {desc}.", a, b, None, details_t,
                                notes=tuple(notes), self_reading=a_r, other_reading=b_r)
    disagree = [o for o in others if o[1] != verdict]
    if disagree and verdict != "supported" and any(o[1] == "supported" for o in disagree):
        o = next(o for o in disagree if o[1] == "supported")
        return ComparisonResult(
            "depends-on-definition",
            f"Depends on the source: {desc} does not bear it out, but {o[0]} gives {_fmt(o[2], u)} against {_fmt(o[3], u)}.",
            a, b, ratio, details_t, notes=tuple(notes), self_reading=a_r, other_reading=b_r,
        )
    if cmp.kind in ("more_than", "less_than"):
        reason = f"The comparison {'holds' if verdict == 'supported' else 'does not hold'}: {desc}."
    else:
        reason = f"Measured ratio {ratio:.2f} against the claimed {cmp.factor:g}: {desc}."
    return ComparisonResult(verdict, reason, a, b, ratio, details_t, notes=tuple(notes), self_reading=a_r,
                            other_reading=b_r)


# ---------------------------------------------------------------- named settlements

def _evaluate_settlement(
    claim: Claim, m: Measurer, sources: Sequence[str], published: dt.date, conflict: Conflict, result: Any
) -> ClaimResult:
    """A named place taken or lost: which places of that name changed hands, on which maps."""
    place = claim.place
    history = getattr(m, "settlement_history", None)
    if place is None or history is None:
        return result("unverifiable", "The maps cannot be asked about single places here.")
    if claim.actor is None or claim.action not in ("gain", "loss"):
        return result("unverifiable", f"The claim does not say which side took or lost {place.raw}.")
    holder = claim.actor if claim.action == "gain" else conflict.opponent(claim.actor)
    w = claim.window
    if w is not None and not w.resolved:
        return result("unverifiable", f"The period {w.raw!r} cannot be dated from the text.")
    end = _day_end(w.end if w is not None and w.end is not None else published)
    start = _day_start(w.start) if w is not None and w.start is not None else None
    names = tuple(dict.fromkeys((*place.names, place.raw)))
    for source in sources:
        cands: list[dict[str, Any]] = []
        for name in names:
            cands = list(history(source, name, start, end, place.region))
            if cands:
                break
        if not cands:
            continue
        touched = [c for c in cands if c.get("held_before") or c.get("held_after")]
        where = touched or cands
        fits = [c for c in where if c.get("held_after") == holder and (start is None or c.get("held_before") != holder)]
        def state(c: dict[str, Any]) -> str:
            after = c.get("held_after") or "held by neither side on the map"
            if start is None:
                return f"{c['name']}: {after}"
            return f"{c['name']}: {c.get('held_before') or 'held by neither side on the map'} → {after}"

        listing = "; ".join(state(c) for c in where[:5])
        maps = f"{source}'s maps{' from ' + _hm(start) if start else ''} to {_hm(end)} UTC"
        alt = tuple({"place": c["name"], "held_before": c.get("held_before"), "held_after": c.get("held_after"),
                     "changed": c.get("changed")} for c in where)
        if len(fits) == 1:
            c = fits[0]
            also = f" ({len(cands) - 1} other places of that name did not change hands)" if len(cands) > 1 else ""
            when = f", on {c['changed']}" if c.get("changed") else ""
            return result("supported", f"Supported: on {maps}, {c['name']} came under {holder}'s control{when}{also}.",
                          details=alt)
        if len(fits) > 1:
            return result("which-one", f"Which one? {len(fits)} places called {place.raw} fit the claim on {maps}: "
                          f"{listing}.", details=alt)
        if len(where) == 1 or len(touched) == 1:
            c = where[0]
            return result("contradicted", f"Not on the maps: on {maps}, {c['name']} is "
                          f"{c.get('held_after') or 'held by neither side'} at the end"
                          f"{' and was ' + (c.get('held_before') or 'held by neither side') + ' at the start' if start else ''}.",
                          details=alt)
        return result("which-one", f"Which one? None of the {len(cands)} places called {place.raw} changed to {holder} "
                      f"on {maps}, and the text does not say which is meant: {listing}.", details=alt)
    return result("unverifiable", f"No place called {place.raw!r} is in the gazetteer, or no source covers the period.")
