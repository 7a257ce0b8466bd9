"""Where the front is: ``/api/frontline`` and ``/api/settlements`` (as the CLI's ``--json``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from frontlines import service
from frontlines.times import parse_user_time
from frontlines.web.deps import Ctx, to_json_doc
from frontlines.web.geo import BadParameter
from frontlines.web.params import (
    AtQ,
    IncludeRedrawsQ,
    LayerQ,
    MinPopQ,
    ModeQ,
    OptAtQ,
    OptFromQ,
    OptToQ,
    RegionQ,
    SourceQ,
    TolKmQ,
    TzQ,
    check_tolerance_km,
)

__all__ = ["router"]

router = APIRouter()


@router.get("/api/frontline", tags=["where"], summary="The line of contact at a time and its length (= `frontlines frontline --json`)")
def get_frontline(ctx: Ctx, at: AtQ, source: SourceQ = None, layer: LayerQ = None, mode: ModeQ = "outer",
                  tolerance_km: TolKmQ = 1.0, tz: TzQ = "UTC") -> Response:
    tkm = check_tolerance_km(tolerance_km)
    return ctx.cached(("frontline", at, source, layer, mode, tkm, tz),
                      lambda store: to_json_doc(service.frontline(store, at=at, source=source, layer=layer, mode=mode,
                                                                  tolerance_km=tkm, tz=tz, geometry=False)))


@router.get("/api/settlements", tags=["where"],
            summary="Settlements that changed status between two times, or under a layer at a time (= `frontlines settlements --json`)")
def get_settlements(ctx: Ctx, start: OptFromQ = None, end: OptToQ = None, at: OptAtQ = None, source: SourceQ = None,
                    layer: LayerQ = None, min_population: MinPopQ = 0, region: RegionQ = None,
                    tz: TzQ = "UTC", include_redraws: IncludeRedrawsQ = False) -> Response:
    _check_times(start, end, at, tz)
    # Settlements test every place against the maps: always computed in the heavy pool.
    return ctx.heavy_cached(("settlements", start, end, at, source, layer, min_population, region, tz, include_redraws),
                            "settlements",
                            {"start": start, "end": end, "at": at, "source": source, "layer": layer,
                             "min_population": min_population, "region": region, "tz": tz,
                             "include_redraws": include_redraws})


def _check_times(start: str | None, end: str | None, at: str | None, tz: str) -> None:
    """422 unless exactly ``at``, or ``from`` and ``to`` in order, are given."""
    if at is not None and (start is not None or end is not None):
        raise BadParameter("give at, or from and to, not both")
    if at is None and (start is None or end is None):
        raise BadParameter("give at, or both from and to" if start is None and end is None
                           else f"{'to' if end is None else 'from'} is missing: give both from and to (or at)")
    if at is None and parse_user_time(end, tz=tz) < parse_user_time(start, tz=tz):  # type: ignore[arg-type]
        raise BadParameter(f"to={end} is before from={start}")
