"""Source health: the days a source has no map, its spikes and its reversions.

Read from a layer's timeline alone (map times and derived areas), so it is cheap for every
source of a store. The rules, explicit and tunable through :class:`HealthRules`:

gaps
    For a source with about a map a day or more (usual interval, the median, at most
    ``daily_cadence_days`` = 1.5 days): every calendar day (in the query's time zone) on
    which no map time falls is missing; consecutive missing days form one gap, named
    with the maps on either side. For sparser sources: an interval longer than
    ``gap_factor`` (2) times the usual interval.
spikes
    The net change of a step (area after − area before) per day of its interval (an
    interval shorter than a day counts as a day, so several maps of one day do not
    inflate it). Over *every* step of the source's timeline, the median rate and the
    spread (1.4826 × the median absolute deviation, a robust standard deviation) are
    measured; a step is a spike when its rate is more than ``spike_k`` (8) spreads from
    the median and its net change is at least ``min_km2`` (25 km²). A spike is a jump to
    look at, not an error by itself: a real breakthrough is a spike too.
reversions
    A step whose net change is at least ``revert_k`` (4) spreads per day and
    ``min_km2``, and which is undone within ``revert_days`` (3 days): a later map whose
    area is back within ``revert_share`` (25 %) of the change from the area before it
    (ISW's 2022-09-29 map without Crimea: −26,926 km², then +26,862 km² the next day).
    Areas only: a redraw that moves ground without changing the total is found by the
    redraw classification (``reasons`` of the steps), not here.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from frontlines.errors import LayerError
from frontlines.model import LayerKey
from frontlines.results import (
    GapEvent,
    MapRef,
    ReversionEvent,
    SourceHealth,
    SpikeEvent,
)
from frontlines.service.freshness import cadence_days
from frontlines.service.selection import Selection, select
from frontlines.store import StoreReader

__all__ = ["HealthRules", "source_health", "store_health"]

_DAY = 86400.0


@dataclass(frozen=True)
class HealthRules:
    """Thresholds of the gap, spike and reversion rules (see the module docstring)."""

    daily_cadence_days: float = 1.5
    gap_factor: float = 2.0
    spike_k: float = 8.0
    revert_k: float = 4.0
    min_km2: float = 25.0
    revert_days: float = 3.0
    revert_share: float = 0.25

    def as_dict(self) -> dict[str, float]:
        """The rules as JSON."""
        return {k: float(v) for k, v in asdict(self).items()}


def _days(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / _DAY


def _robust(rates: list[float]) -> tuple[float, float]:
    """Median and robust spread (1.4826 × MAD; the mean absolute deviation when the MAD is 0)."""
    if not rates:
        return 0.0, 0.0
    med = statistics.median(rates)
    dev = [abs(r - med) for r in rates]
    mad = statistics.median(dev)
    spread = 1.4826 * mad if mad > 0 else statistics.fmean(dev)
    return float(med), float(spread)


def source_health(store: StoreReader, sel: Selection, start: dt.datetime, end: dt.datetime, *, tz: str = "UTC",
                  rules: HealthRules | None = None) -> SourceHealth:
    """Gaps, spikes and reversions of a selection's layer whose maps fall inside ``[start, end]``.

    The spike statistics are measured over the whole timeline; events are listed when a
    map they involve lies inside the window (a gap: when it overlaps the window, its
    missing days clipped to it).
    """
    rules = rules or HealthRules()
    tl = sel.timeline
    zone = ZoneInfo(tz)
    cadence = cadence_days(sel)
    refs: dict[int, MapRef] = {}

    def ref(i: int) -> MapRef:
        sid, t, _ = tl[i]
        if sid not in refs:
            info = store.snapshot(sid)
            refs[sid] = MapRef(sid, t, info.file_name or "", info.source)
        return refs[sid]

    area = [float(a or 0.0) for _, _, a in tl]
    times = [t for _, t, _ in tl]
    nets = [b - a for a, b in zip(area, area[1:])]
    rates = [n / max(_days(t0, t1), 1.0) for n, t0, t1 in zip(nets, times, times[1:])]
    med, spread = _robust(rates)
    inside = [i for i, t in enumerate(times) if start <= t <= end]

    gaps: list[GapEvent] = []
    first_day, last_day = start.astimezone(zone).date(), end.astimezone(zone).date()
    for i in range(len(tl) - 1):
        a, b = times[i], times[i + 1]
        if b < start or a > end:
            continue
        gap = _days(a, b)
        if cadence <= rules.daily_cadence_days:
            day, stop = a.astimezone(zone).date() + dt.timedelta(days=1), b.astimezone(zone).date()
            missing = []
            while day < stop:
                if first_day <= day <= last_day:
                    missing.append(day.isoformat())
                day += dt.timedelta(days=1)
            if missing:
                gaps.append(GapEvent(ref(i), ref(i + 1), gap, tuple(missing)))
        elif gap > rules.gap_factor * cadence:
            gaps.append(GapEvent(ref(i), ref(i + 1), gap, ()))
    spikes: list[SpikeEvent] = []
    reversions: list[ReversionEvent] = []
    scale = spread if spread > 0 else 1.0
    skip_to = -1
    for i in (j for j in inside if j > 0):
        net, rate = nets[i - 1], rates[i - 1]
        score = abs(rate - med) / scale
        if score > rules.spike_k and abs(net) >= rules.min_km2:
            spikes.append(SpikeEvent(ref(i - 1), ref(i), net, rate, score))
        if i <= skip_to or abs(rate) < rules.revert_k * scale or abs(net) < rules.min_km2:
            continue
        for j in range(i + 1, len(tl)):
            if _days(times[i], times[j]) > rules.revert_days:
                break
            back = area[j] - area[i]
            if back * net < 0 and abs(area[j] - area[i - 1]) <= rules.revert_share * abs(net):
                reversions.append(ReversionEvent(ref(i - 1), ref(i), ref(j), net, back, _days(times[i], times[j])))
                skip_to = j
                break
    return SourceHealth(source=sel.source, layer=str(sel.layer), cadence_days=cadence, snapshots=len(inside),
                        typical_per_day_km2=med, spread_per_day_km2=spread,
                        spike_threshold_per_day_km2=rules.spike_k * scale,
                        gaps=tuple(gaps), spikes=tuple(spikes), reversions=tuple(reversions))


def store_health(store: StoreReader, start: dt.datetime, end: dt.datetime, *, source: str | None = None,
                 layer: str | LayerKey | None = None, tz: str = "UTC",
                 rules: HealthRules | None = None) -> tuple[SourceHealth, ...]:
    """:func:`source_health` of one source (``source`` given), else of every stored source's primary layer."""
    if source is not None:
        return (source_health(store, select(store, source, layer), start, end, tz=tz, rules=rules),)
    out = []
    for name, *_ in store.sources():
        try:
            sel = select(store, name, layer)
        except LayerError:  # a source without the asked layer: its own primary layer
            sel = select(store, name)
        out.append(source_health(store, sel, start, end, tz=tz, rules=rules))
    return tuple(out)
