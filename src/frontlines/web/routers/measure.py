"""Measures: ``/api/area``, ``/api/change``, ``/api/series`` (as the CLI's ``--json``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from frontlines import service
from frontlines.times import parse_user_time, periods
from frontlines.web.deps import Ctx, to_json_doc
from frontlines.web.geo import BadParameter
from frontlines.web.params import (
    MAX_PERIODS,
    AtQ,
    ByQ,
    DepthQ,
    FreqQ,
    FromQ,
    IncludeRedrawsQ,
    LayerQ,
    SourceQ,
    ToQ,
    TzQ,
)

__all__ = ["router"]

router = APIRouter()

#: A series of more periods than this is computed in the heavy pool (see :mod:`frontlines.web.heavy`).
HEAVY_PERIODS = 60


@router.get("/api/area", tags=["measure"], summary="Area of a layer at a time (= `frontlines area --json`)")
def get_area(ctx: Ctx, at: AtQ, source: SourceQ = None, layer: LayerQ = None, by: ByQ = None, tz: TzQ = "UTC",
             strict: bool = False) -> Response:
    if by is not None:  # a breakdown by region: expensive
        return ctx.heavy_cached(("area", at, source, layer, by, tz, strict), "area",
                                {"at": at, "source": source, "layer": layer, "by": by, "tz": tz, "strict": strict})
    return ctx.cached(("area", at, source, layer, by, tz, strict),
                      lambda store: to_json_doc(service.area(store, at=at, source=source, layer=layer, by=by, tz=tz,
                                                             strict=strict)))


@router.get("/api/change", tags=["measure"], summary="Gained, lost and net area between two times (= `frontlines change --json`)")
def get_change(ctx: Ctx, start: FromQ, end: ToQ, source: SourceQ = None, layer: LayerQ = None, by: ByQ = None,
               tz: TzQ = "UTC", depth: DepthQ = False, include_redraws: IncludeRedrawsQ = False,
               strict: bool = False) -> Response:
    if by is not None or depth:
        return ctx.heavy_cached(("change", start, end, source, layer, by, tz, depth, include_redraws, strict), "change",
                                {"start": start, "end": end, "source": source, "layer": layer, "by": by, "tz": tz,
                                 "depth": depth, "include_redraws": include_redraws, "strict": strict})
    return ctx.cached(("change", start, end, source, layer, by, tz, depth, include_redraws, strict),
                      lambda store: to_json_doc(service.change(store, start=start, end=end, source=source, layer=layer,
                                                               by=by, tz=tz, depth=depth,
                                                               include_redraws=include_redraws, strict=strict)))


@router.get("/api/series", tags=["measure"], summary="Per-period area, gained, lost, net (= `frontlines series --json`)")
def get_series(ctx: Ctx, start: FromQ, end: ToQ, freq: FreqQ = "month",
               source: SourceQ = None, layer: LayerQ = None, by: ByQ = None, tz: TzQ = "UTC",
               include_redraws: IncludeRedrawsQ = False) -> Response:
    n = _check_period_count(start, end, freq, tz)
    if by is not None or n > HEAVY_PERIODS:
        return ctx.heavy_cached(("series", start, end, freq, source, layer, by, tz, include_redraws), "series",
                                {"start": start, "end": end, "freq": freq, "source": source, "layer": layer, "by": by,
                                 "tz": tz, "include_redraws": include_redraws})
    return ctx.cached(("series", start, end, freq, source, layer, by, tz, include_redraws),
                      lambda store: to_json_doc(service.series(store, start=start, end=end, freq=freq, source=source,
                                                               layer=layer, by=by, tz=tz,
                                                               include_redraws=include_redraws)))


def _check_period_count(start: str, end: str, freq: str, tz: str) -> int:
    """The number of periods; 422 when ``start``..``end`` per ``freq`` gives more than :data:`MAX_PERIODS`."""
    t0 = parse_user_time(start, tz=tz, end_of_day=False)
    t1 = parse_user_time(end, tz=tz)
    count = 0
    for count, _ in enumerate(periods(t0, t1, freq, tz=tz), 1):
        if count > MAX_PERIODS:
            raise BadParameter(f"from={start} to={end} per {freq} gives more than {MAX_PERIODS} periods: use a coarser freq")
    return count
