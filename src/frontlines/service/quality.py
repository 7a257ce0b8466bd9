"""The audit trail: which steps of a source are redraws, gaps, spikes and reversions.

Every step of a layer (one map to the next) inside a window is split into pieces and
classified by :func:`frontlines.service.redraws.classify_steps` (the local rules of
:func:`frontlines.core.redraws.classify_step` against the earlier map's front line, and
spike-and-revert across the steps within ``revert_days``): the same classification
``frontlines derive --redraws`` stores and the headline figures subtract. The audit
lists every piece, fighting ones too, so it is computed here (nothing is written).
"""

from __future__ import annotations

from typing import Any

import shapely

from frontlines.core.redraws import (
    Piece,
    RedrawRules,
    totals,
)
from frontlines.errors import UsageError
from frontlines.model import LayerKey
from frontlines.results import QualityResult, QualityStep
from frontlines.service.freshness import cadence_days, gap_days
from frontlines.service.redraws import classify_steps
from frontlines.service.selection import TimeLike, select
from frontlines.service.source_health import HealthRules, store_health
from frontlines.store import StoreReader
from frontlines.times import parse_user_time

__all__ = ["quality", "redraw_geometry"]

def quality(
    store: StoreReader,
    *,
    start: TimeLike,
    end: TimeLike,
    source: str | None = None,
    layer: str | LayerKey | None = None,
    tz: str = "UTC",
    rules: RedrawRules | None = None,
    min_redraw_km2: float = 1.0,
    health_rules: HealthRules | None = None,
    health_only: bool = False,
) -> QualityResult:
    """Every step of a layer inside ``[start, end]`` with its pieces classified.

    Parameters
    ----------
    min_redraw_km2 : float
        A step is *flagged* when its redraw pieces add up to at least this much.
    health_rules : HealthRules, optional
        Gap, spike and reversion thresholds of ``health``: one entry per stored source
        (only the asked one when ``source`` is given), see
        :mod:`frontlines.service.source_health`.
    health_only : bool
        Skip the step-by-step classification (``steps`` empty): gaps, spikes and
        reversions of a long window in a moment.

    Returns
    -------
    QualityResult
        ``as_dict()``: ``{"source", "layer", "from", "to", "rules", "cadence_days", "gap_days",
        "steps": [{"from_snapshot", "to_snapshot", "from_time", "to_time", "gained_km2", "lost_km2",
        "redraw_gained_km2", "redraw_lost_km2", "flagged", "reasons", "pieces", "map_url"}], "flagged_steps",
        "redraw_km2", "health": [{"source", "layer", "missing_days", "gaps", "spikes", "reversions", ...}]}``.
    """
    rules = rules or RedrawRules()
    sel = select(store, source, layer)
    t0 = parse_user_time(start, tz=tz, end_of_day=False)
    t1 = parse_user_time(end, tz=tz)
    if t1 < t0:
        raise UsageError(f"--to {end} is before --from {start}", field="--to", value=str(end))
    i0 = sel.index_at(t0)
    first = 0 if i0 is None else i0
    chosen = [] if health_only else [row for row in sel.timeline[first:] if row[1] <= t1]
    positions = list(range(first + 1, first + len(chosen)))
    found = classify_steps(store, sel, positions, rules=rules)
    pairs = [(a, ta, b, tb) for (a, ta, _), (b, tb, _) in zip(chosen, chosen[1:])]
    marked = [found[b] for _, _, b, _ in pairs]
    steps = []
    for (a, ta, b, tb), pieces in zip(pairs, marked):
        tot = totals(pieces)
        redraw = tot["redraw_gained_km2"] + tot["redraw_lost_km2"]
        reasons = sorted({p.reason for p in pieces if p.reason})
        steps.append(QualityStep(from_snapshot=a, to_snapshot=b, from_time=ta, to_time=tb,
                                 gained_km2=tot["gained_km2"], lost_km2=tot["lost_km2"],
                                 redraw_gained_km2=tot["redraw_gained_km2"], redraw_lost_km2=tot["redraw_lost_km2"],
                                 flagged=redraw >= min_redraw_km2, reasons=tuple(reasons), pieces=tuple(pieces),
                                 source=sel.source, layer=str(sel.layer)))
    return QualityResult(source=sel.source, layer=str(sel.layer), start=t0, end=t1, rules=rules.as_dict(),
                         cadence_days=cadence_days(sel), gap_days=tuple(gap_days(sel, t0, t1, tz)),
                         steps=tuple(steps),
                         health=store_health(store, t0, t1, source=source, layer=layer, tz=tz, rules=health_rules))


def redraw_geometry(pieces: list[Piece]) -> Any:
    """Union of a step's redraw pieces (lon/lat)."""
    geoms = [p.geometry for p in pieces if p.kind == "redraw"]
    return shapely.union_all(geoms) if geoms else shapely.GeometryCollection()
