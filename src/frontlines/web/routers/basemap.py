"""The context under the dashboard's map: ``/api/basemap.geojson`` (countries, water, rivers).

Served from the conflict definition's basemap files (Natural Earth for Ukraine), so the
dashboard needs no tile server and works offline. Water is drawn as it was on ``at``
(the Kakhovka reservoir drained after 6 June 2023).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from frontlines import service
from frontlines.times import parse_user_time
from frontlines.web import geo
from frontlines.web.deps import Ctx
from frontlines.web.params import SourceQ, TolQ, TzQ, UnitsQ
from frontlines.web.settings import GEOJSON

__all__ = ["router"]

router = APIRouter()

BasemapAtQ = Annotated[str | None, Query(description="Only the water there was on this date (YYYY-MM-DD); default: "
                                                     "all, each with its `until` date.", max_length=64)]


@router.get("/api/basemap.geojson", tags=["regions"],
            summary="Countries, seas, lakes, reservoirs and rivers under the map (Natural Earth; water as on `at`)")
def get_basemap_geojson(ctx: Ctx, at: BasemapAtQ = None, source: SourceQ = None, tz: TzQ = "UTC",
                        tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
    tol = geo.tolerance_degrees(tolerance, units)
    day = parse_user_time(at, tz=tz).date() if at else None
    return ctx.cached(("basemap.geojson", day, source, tol), lambda store: _basemap_doc(store, day, source, tol), GEOJSON)


def _basemap_doc(store: service.StoreReader, day: Any, source: str | None, tol: float) -> dict[str, Any]:
    conflict = service.conflict_of(store, source)
    items = service.basemap_features(conflict, at=day)
    return geo.collection(items, tol, conflict=conflict.id, at=day.isoformat() if day else None,
                          sides={side.id: side.name() for side in conflict.sides},
                          attribution="Made with Natural Earth")
