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
Every source whose coverage contains the reading's times is measured under every
reasonable reading: window start at 00:00 or 23:59:59 (UTC) of its first day, end at
00:00 or 23:59:59 of its last day; ``control`` or ``control+contested`` (contested
counted); gross or net; the stated region or no region.  The *central* reading is
00:00 of the first day to 23:59:59 of the last (a held area: 00:00 of the day), control
only, gross, the stated region, the first layer the source has (when the source does
not cover those exact times, its first covered time reading); the central figure is
the median of the sources' central readings.  The range is the min/max over readings
in the stated region (no-region readings are listed but not in the range).  A reading
needs ``coverage.first <= start`` and ``end <= coverage.last + COVERAGE_SLACK``.

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

* ``supported``: the central figure is in that interval, or the range of readings
  overlaps it;
* ``supported-lower-bound``: an "over X" / "at least X" claim that holds, but X is
  under ``LOWER_BOUND_FAR`` (50 %) of the central figure;
* ``overstated`` / ``understated``: every reading is below / above the interval;
* ``contradicted``: an overstated gain or loss where every net reading goes the other
  way (the actor lost ground on balance), a figure that is impossible (an area larger
  than the region or the country, a share over 100 %, a depth over ``MAX_DEPTH_KM``,
  more than ``MAX_SETTLEMENTS`` settlements), or a false comparison;
* ``unverifiable``: no source covers the window, the window or the place cannot be
  resolved, or the measurer cannot measure the claim's kind (front length, width).

Comparisons compare the central figures of both sides: "more than" / "less than"
must hold outright; a ratio ("twice as fast") is supported within
``COMPARISON_REL_TOL`` (25 %) of the factor, else over- or understated; "the largest
monthly gain since autumn 2022" must be at least every full period's figure since then.
"""

from __future__ import annotations

import datetime as dt
import statistics
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
    "UP_TO_FLOOR",
    "VERDICTS",
    "ClaimResult",
    "ComparisonResult",
    "Measurer",
    "Reading",
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
#: Depths beyond this are impossible (longer than the country).
MAX_DEPTH_KM = 1_400.0
#: Counts beyond this are impossible (Ukraine has about 29,000 settlements).
MAX_SETTLEMENTS = 30_000

#: Every verdict.
VERDICTS: tuple[str, ...] = (
    "supported",
    "supported-lower-bound",
    "overstated",
    "understated",
    "contradicted",
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
    False for the no-region readings of a claim that names a region.
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
            "in_range": self.in_range,
        }


@dataclass(frozen=True)
class ComparisonResult:
    """The check of a claim's comparison: both sides' central figures and the verdict."""

    verdict: str
    reason: str
    self_value: float | None
    other_value: float | None
    ratio: float | None
    details: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation."""
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "self_value": _r(self.self_value),
            "other_value": _r(self.other_value),
            "ratio": _r(self.ratio),
            "details": list(self.details),
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
    low, high, central : float or None
        Range and central figure of the readings, in the claim's unit.
    readings : tuple of Reading
    comparison : ComparisonResult or None
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


def _times(window: TimeWindow | None, published: dt.date, action: str) -> list[tuple[dt.datetime | None, dt.datetime, bool]]:
    """(start, end, central) time readings."""
    if action == "held":
        day = window.end if window is not None and window.end is not None else published
        a = dt.datetime.combine(day, dt.time(0), _UTC)
        b = dt.datetime.combine(day, _EOD, _UTC)
        return [(None, a, True), (None, b, False)]
    assert window is not None and window.start is not None and window.end is not None
    out = []
    for s_time in (dt.time(0), _EOD):
        for e_time in (_EOD, dt.time(0)):
            s = dt.datetime.combine(window.start, s_time, _UTC)
            e = dt.datetime.combine(window.end, e_time, _UTC)
            if e <= s:
                continue
            out.append((s, e, s_time == dt.time(0) and e_time == _EOD))
    return out


def _covers(cov: tuple[dt.datetime, dt.datetime] | None, start: dt.datetime | None, end: dt.datetime) -> bool:
    if cov is None:
        return False
    first, last = cov
    if start is not None and start < first:
        return False
    if start is None and end < first:
        return False
    return end <= last + COVERAGE_SLACK


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
    contested: bool,
    net: bool,
    start: dt.datetime | None,
    end: dt.datetime,
    region: str | None,
    land: float | None,
) -> tuple[str, float] | None:
    side, direction = opt
    status = "control+contested" if contested else "control"
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
) -> list[Reading]:
    out: list[Reading] = []
    times = _times(spec.window, published, spec.action)
    land = None
    if spec.kind == "share" or spec.action == "held":
        land = m.region_land_area_km2(region)
        if land is None and region is None:
            land = conflict.land_area_km2
    for source in sources:
        cov = m.coverage(source)
        central_done = False
        for start, end, _preferred in times:  # the preferred reading comes first
            if not _covers(cov, start, end):
                continue
            if spec.kind in ("area", "share"):
                opts = _layer_options(spec.action, spec.actor, conflict)
                first_opt: tuple[str, str] | None = None
                for opt in opts:
                    for contested in (False, True):
                        for net in (False, True):
                            got = _measure_area(m, source, opt, contested, net, start, end, region, land)
                            if got is None:
                                continue
                            layer, value = got
                            if first_opt is None:
                                first_opt = opt
                            if spec.kind == "share":
                                if not land:
                                    continue
                                value = 100.0 * value / land
                            is_central = not contested and not net and opt == first_opt and not central_done
                            central_done = central_done or is_central
                            out.append(Reading(source, layer, start, end, contested, net, region, value, is_central, in_range))
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
                is_central = not central_done
                central_done = central_done or is_central
                out.append(Reading(source, layer, start, end, False, False, region, float(v), is_central, in_range))
    return out


def _summarise(readings: Sequence[Reading]) -> tuple[float | None, float | None, float | None]:
    scoped = [r for r in readings if r.in_range]
    if not scoped:
        return None, None, None
    values = [r.value for r in scoped]
    centrals = [r.value for r in scoped if r.central]
    central = statistics.median(centrals) if centrals else statistics.median(values)
    return min(values), max(values), central


def _fmt(x: float | None, unit: str | None) -> str:
    if x is None:
        return "n/a"
    u = {"km2": " km²", "km": " km", "count": "", "percent": " %"}.get(unit or "", "")
    if x == float("inf"):
        return "∞"
    if abs(x) >= 100:
        return f"{x:,.0f}{u}"
    return f"{x:,.1f}{u}"


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
        Sides and the land-area fallback.

    Returns
    -------
    ClaimResult
        Never raises for a claim the measurer cannot check: the verdict is then
        ``unverifiable`` with the reason.
    """
    available = list(measurer.sources())
    chosen = [s for s in (sources if sources is not None else available) if s in available]

    def result(verdict: str, reason: str, **kw: Any) -> ClaimResult:
        return ClaimResult(claim, verdict, reason, sources=tuple(chosen), **kw)

    if claim.kind in ("front_length", "width"):
        what = "the length of the front line" if claim.kind == "front_length" else "the width of an advance"
        return result("unverifiable", f"The maps are measured as areas; {what} is not measured here.")

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

    if claim.kind == "comparison":
        cmp = _evaluate_comparison(claim, measurer, chosen, published, conflict)
        return result(cmp.verdict, cmp.reason, comparison=cmp)

    window = claim.window
    if claim.action in ("gain", "loss"):
        if window is None:
            return result("unverifiable", "The claim names no period, so the gain or loss cannot be measured.")
        if not window.resolved:
            return result("unverifiable", f"The period {window.raw!r} cannot be dated from the text.")
    if claim.kind in ("depth", "settlements") and claim.action == "held":
        return result("unverifiable", f"A held {claim.kind} figure has no meaning on an area map.")

    spec = _Spec(claim.kind, claim.action, claim.actor, window)
    region = region_for_ceiling
    place = claim.place
    readings: list[Reading] = []
    if place is not None and region is not None:
        readings += _readings_for_region(spec, measurer, chosen, published, region, conflict, True)
    readings += _readings_for_region(spec, measurer, chosen, published, None, conflict, place is None or region is None)
    readings_t = tuple(readings)

    lo_c, hi_c = claim_interval(claim.value or 0.0, claim.value_max, claim.qualifier, claim.unit)
    if claim.per is not None and window is not None and window.resolved:
        # A rate ("10 km² a day"): the claimed total over the window.
        periods = _days(window) / _PER_DAYS[claim.per]
        lo_c, hi_c = lo_c * periods, hi_c * periods
    claimed_hi = None if hi_c == float("inf") else hi_c

    if place is not None and region is None:
        lo, hi, central = _summarise([Reading(**{**r.__dict__, "in_range": True}) for r in readings])
        return result(
            "unverifiable",
            f"The place {place.raw!r} is not a region the maps can be cut to "
            f"(the whole map shows {_fmt(central, claim.unit)}).",
            claimed_low=lo_c, claimed_high=claimed_hi, low=lo, high=hi, central=central, readings=readings_t,
        )
    lo, hi, central = _summarise(readings_t)
    if central is None:
        where = f" for {window.raw!r}" if window is not None else ""
        return result("unverifiable", f"No source covers the claim{where} with the data it needs.",
                      claimed_low=lo_c, claimed_high=claimed_hi)
    assert lo is not None and hi is not None

    verdict, reason = _verdict(claim, lo_c, hi_c, lo, hi, central, readings_t)
    cmp_result = None
    if claim.comparison is not None:
        cmp_result = _evaluate_comparison(claim, measurer, chosen, published, conflict)
        verdict, reason = _combine(verdict, reason, cmp_result)
    return result(
        verdict, reason, claimed_low=lo_c, claimed_high=claimed_hi, low=lo, high=hi, central=central,
        readings=readings_t, comparison=cmp_result,
    )


def _region(claim: Claim, m: Measurer) -> str | None:
    if claim.place is None:
        return None
    region = m.resolve_region(claim.place.raw)
    if region is None and claim.place.region is not None:
        region = m.resolve_region(claim.place.region)
    return region


def _absurd(claim: Claim, m: Measurer, region: str | None, conflict: Conflict) -> str | None:
    v = claim.value_max if claim.value_max is not None else claim.value
    if v is None:
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
    claim: Claim, lo_c: float, hi_c: float, lo: float, hi: float, central: float, readings: Sequence[Reading]
) -> tuple[str, str]:
    u = claim.unit
    span = f"the maps show {_fmt(central, u)} (readings {_fmt(lo, u)} to {_fmt(hi, u)})"
    lower_bound = claim.qualifier in ("over", "at_least")
    if lo_c <= central <= hi_c:
        if lower_bound and lo_c < LOWER_BOUND_FAR * central:
            return "supported-lower-bound", (
                f"True but far below the maps: {claim.figure_text!r} is under half of what {span}."
            )
        return "supported", f"Consistent with the maps: {span}, within {claim.figure_text!r}."
    if hi >= lo_c and lo <= hi_c:
        return "supported", (
            f"Within the range of readings, though the central reading differs: {span}, "
            f"and {claim.figure_text!r} allows {_fmt(lo_c, u)} to {_fmt(hi_c, u)}."
        )
    if hi < lo_c:
        nets = [r.value for r in readings if r.in_range and r.net]
        if claim.action in ("gain", "loss") and nets and max(nets) < 0:
            verb = "lost" if claim.action == "gain" else "gained"
            return "contradicted", (
                f"Wrong direction: on balance {claim.actor} {verb} ground over the period "
                f"(net {_fmt(max(nets), u)} at best), while the claim says it {'gained' if claim.action == 'gain' else 'lost'} {claim.figure_text!r}."
            )
        return "overstated", f"Overstated: {span}, below {claim.figure_text!r} (at least {_fmt(lo_c, u)})."
    return "understated", f"Understated: {span}, above {claim.figure_text!r} (at most {_fmt(hi_c, u)})."


_SEVERITY = {
    "contradicted": 0,
    "overstated": 1,
    "understated": 1,
    "unverifiable": 2,
    "supported-lower-bound": 3,
    "supported": 4,
}


def _combine(verdict: str, reason: str, cmp: ComparisonResult) -> tuple[str, str]:
    if _SEVERITY[cmp.verdict] < _SEVERITY[verdict]:
        return cmp.verdict, f"{cmp.reason} (The figure itself: {reason})"
    return verdict, f"{reason} Comparison: {cmp.reason}"


# ---------------------------------------------------------------- comparisons

def _central_figure(
    kind: str,
    action: str,
    actor: str,
    window: TimeWindow,
    m: Measurer,
    sources: Sequence[str],
    published: dt.date,
    region: str | None,
    conflict: Conflict,
) -> float | None:
    spec = _Spec(kind, action, actor, window)
    readings = _readings_for_region(spec, m, sources, published, region, conflict, True)
    centrals = [r.value for r in readings if r.central]
    return statistics.median(centrals) if centrals else None


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


def _evaluate_comparison(
    claim: Claim, m: Measurer, sources: Sequence[str], published: dt.date, conflict: Conflict
) -> ComparisonResult:
    cmp = claim.comparison
    assert cmp is not None
    kind = claim.kind if claim.kind in ("area", "depth", "settlements", "share") else "area"
    action = claim.action or "gain"
    actor = claim.actor
    window = claim.window
    if actor is None:
        return ComparisonResult("unverifiable", "The comparison does not say whose ground is compared.", None, None, None)
    if window is None or not window.resolved:
        return ComparisonResult("unverifiable", "The claim's own period cannot be dated.", None, None, None)
    region = _region(claim, m)
    a = _central_figure(kind, action, actor, window, m, sources, published, region, conflict)
    if a is None:
        return ComparisonResult("unverifiable", f"No source covers {window.raw!r}.", None, None, None)
    u = claim.unit if kind != "area" else "km2"

    if cmp.kind == "largest_since":
        since = cmp.other_window.start if cmp.other_window is not None else None
        if since is None:
            return ComparisonResult("unverifiable", "The start of the comparison period cannot be dated.", a, None, None)
        days = _days(window)
        period = cmp.period or ("day" if days <= 1 else "week" if days <= 8 else "month" if days <= 31 else "year")
        details = []
        best: tuple[float, str] | None = None
        for w in _period_windows(period, since, window.start):  # type: ignore[arg-type]
            v = _central_figure(kind, action, actor, w, m, sources, published, region, conflict)
            if v is None:
                continue
            details.append({"period": w.raw, "start": w.start.isoformat(), "end": w.end.isoformat(), "value": _r(v)})  # type: ignore[union-attr]
            if best is None or v > best[0]:
                best = (v, w.raw)
        if best is None:
            return ComparisonResult("unverifiable", f"No source covers the {period}s since {since.isoformat()}.", a, None, None)
        if a >= best[0] * (1 - BOUND_SLACK):
            return ComparisonResult(
                "supported",
                f"{_fmt(a, u)} is the largest {period}ly figure since {since.isoformat()} "
                f"(previous maximum {_fmt(best[0], u)} in {best[1]}).",
                a, best[0], a / best[0] if best[0] else None, tuple(details),
            )
        return ComparisonResult(
            "contradicted",
            f"Not the largest since {since.isoformat()}: {best[1]} shows {_fmt(best[0], u)} against {_fmt(a, u)}.",
            a, best[0], a / best[0] if best[0] else None, tuple(details),
        )

    other_actor = cmp.other_actor or actor
    other_window = cmp.other_window or window
    if not other_window.resolved:
        return ComparisonResult("unverifiable", f"The other period {other_window.raw!r} cannot be dated.", a, None, None)
    b = _central_figure(kind, action, other_actor, other_window, m, sources, published, region, conflict)
    if b is None:
        return ComparisonResult("unverifiable", f"No source covers the other period {other_window.raw!r}.", a, None, None)
    sa, sb = a, b
    if cmp.rate:
        sa, sb = a / _days(window), b / _days(other_window)
    what = "per day" if cmp.rate else "in total"
    desc = f"{actor} {_fmt(a, u)} in {window.raw!r} against {other_actor} {_fmt(b, u)} in {other_window.raw!r} ({what})"
    ratio = sa / sb if sb else None
    details_t = ({"side": "self", "actor": actor, "window": window.as_dict(), "value": _r(a)},
                 {"side": "other", "actor": other_actor, "window": other_window.as_dict(), "value": _r(b)})
    if cmp.kind in ("more_than", "less_than"):
        holds = sa > cmp.factor * sb if cmp.kind == "more_than" else sa < cmp.factor * sb
        verdict = "supported" if holds else "contradicted"
        return ComparisonResult(verdict, f"The comparison {'holds' if holds else 'does not hold'}: {desc}.", a, b, ratio, details_t)
    if ratio is None:
        return ComparisonResult("unverifiable", f"The other side's figure is zero: {desc}.", a, b, None, details_t)
    if abs(ratio - cmp.factor) <= COMPARISON_REL_TOL * cmp.factor:
        verdict = "supported"
    else:
        verdict = "overstated" if ratio < cmp.factor else "understated"
    return ComparisonResult(
        verdict, f"Measured ratio {ratio:.2f} against the claimed {cmp.factor:g}: {desc}.", a, b, ratio, details_t
    )
