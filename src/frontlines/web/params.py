"""Query parameters of the HTTP API (``Annotated`` aliases shared by the routers) and their range checks."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from fastapi import Query

from frontlines.times import FREQS
from frontlines.web.geo import BadParameter

__all__ = [
    "MAX_PERIODS",
    "MAX_TOLERANCE_KM",
    "AdapterQ",
    "AtQ",
    "BboxQ",
    "ByQ",
    "DepthQ",
    "IncludeRedrawsQ",
    "EvidenceTolQ",
    "EvidenceUnitsQ",
    "FilenameQ",
    "FreqQ",
    "FromQ",
    "LayerQ",
    "LimitQ",
    "MinPopQ",
    "ModeQ",
    "OptAtQ",
    "OptFromQ",
    "OptToQ",
    "PlaceAtQ",
    "RegionLayerQ",
    "RegionQ",
    "SourceQ",
    "ToQ",
    "TolKmQ",
    "TolQ",
    "TzQ",
    "UnitsQ",
    "check_tolerance_km",
]

#: Most periods one series request may ask for.
MAX_PERIODS = 500
#: Largest ``tolerance_km`` of the front line (distance from borders and coast removed).
MAX_TOLERANCE_KM = 50.0

SourceQ = Annotated[str | None, Query(description="Source id in the store (default: the one with most snapshots).")]
LayerQ = Annotated[str | None, Query(description="Layer SIDE:STATUS (default: the source's primary layer).", max_length=64)]
TzQ = Annotated[str, Query(description="Time zone of bare dates (a date means the end of that day).", max_length=64)]
AtQ = Annotated[str, Query(description="Date (YYYY-MM-DD) or ISO 8601 time.", max_length=64)]
FromQ = Annotated[str, Query(alias="from", description="Start date or ISO time.", max_length=64)]
ToQ = Annotated[str, Query(alias="to", description="End date or ISO time.", max_length=64)]
ByQ = Annotated[
    str | None,
    Query(description="Break down by a region level of the store's conflict (Ukraine: oblast, raion or hromada).",
          max_length=64),
]
RegionLayerQ = Annotated[str | None, Query(description="A region level of the store's conflict (default: the coarsest; Ukraine: oblast, raion, hromada).", max_length=64)]
FreqQ = Annotated[Literal["day", "week", "month", "year"], Query(description=f"One of {', '.join(FREQS)}.")]
DepthQ = Annotated[bool, Query(description="Also front-line length and depth of the advance (= `--depth`).")]
IncludeRedrawsQ = Annotated[bool, Query(description="Count map redraws as ground gained / lost (raw figures; = `--include-redraws`); "
                                                    "by default they are left out and reported beside (redraw_km2).")]
TolQ = Annotated[float, Query(description="Simplification tolerance for the browser, in `units` (0 = exact).")]
UnitsQ = Annotated[Literal["km", "deg"], Query(description="Unit of `tolerance`: km or deg (degrees).")]
ModeQ = Annotated[
    Literal["outer", "inner", "both", "centre"],
    Query(description="Grey zone: outer (its far edge), inner (control only), both, or centre (= `--contested`)."),
]
TolKmQ = Annotated[float, Query(description=f"Boundary within this distance (km) of borders and coast is not front (0..{MAX_TOLERANCE_KM:g}; = `--tolerance-km`).")]
MinPopQ = Annotated[int, Query(ge=0, description="Only places with at least this population.")]
RegionQ = Annotated[str | None, Query(description="Only places in this region (any level of the store's conflict): a name or `KIND:ID` such as `oblast:UA-14`.", max_length=200)]
OptFromQ = Annotated[str | None, Query(alias="from", description="Start date or ISO time (with `to`).", max_length=64)]
OptToQ = Annotated[str | None, Query(alias="to", description="End date or ISO time (with `from`).", max_length=64)]
OptAtQ = Annotated[str | None, Query(description="Date or ISO time (instead of `from` and `to`).", max_length=64)]
BboxQ = Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat (degrees).", max_length=200)]
LimitQ = Annotated[int, Query(ge=1, le=5000, description="At most this many places, most populous first.")]
PlaceAtQ = Annotated[str | None, Query(description="Also each place's `status` at this time: control, contested or none (as `/api/settlements?at=`).", max_length=64)]
AdapterQ = Annotated[Literal["deepstate-history", "deepstate-daily", "isw", "nzz", "files"], Query(description="Adapter that reads the file.")]
FilenameQ = Annotated[str | None, Query(description="Name of the file (dates may come from it); multipart uploads carry their own.", max_length=255)]
#: Parameters of the claim evidence (``units`` is a plain string there, checked by :func:`~frontlines.web.geo.tolerance_degrees`).
EvidenceTolQ = Annotated[float, Query(description="Simplification tolerance in `units`.")]
EvidenceUnitsQ = Annotated[str, Query(description="km or deg.")]


def check_tolerance_km(value: float) -> float:
    """``value`` if it is a finite number from 0 to :data:`MAX_TOLERANCE_KM`.

    >>> check_tolerance_km(1.0)
    1.0
    """
    if not math.isfinite(value) or not 0 <= value <= MAX_TOLERANCE_KM:
        raise BadParameter(f"tolerance_km={value}: must be a number from 0 to {MAX_TOLERANCE_KM:g}")
    return value
