"""GeoJSON for the map: a layer, gained and lost ground, the front line, simplified to ``tolerance``."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from frontlines import service
from frontlines.times import parse_user_time
from frontlines.web import geo
from frontlines.web.deps import Ctx, to_json_doc
from frontlines.web.params import (
    AtQ,
    FromQ,
    IncludeRedrawsQ,
    LayerQ,
    ModeQ,
    SourceQ,
    TolKmQ,
    TolQ,
    ToQ,
    TzQ,
    UnitsQ,
    check_tolerance_km,
)
from frontlines.web.settings import GEOJSON

__all__ = ["router"]

router = APIRouter()


@router.get("/api/layer.geojson", tags=["geometry"], summary="GeoJSON of a layer at a time (dissolved, simplified)")
def get_layer_geojson(ctx: Ctx, at: AtQ, source: SourceQ = None, layer: LayerQ = None, tz: TzQ = "UTC",
                      tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
    tol = geo.tolerance_degrees(tolerance, units)
    stored = service.stored_tolerance_m(tolerance, units)
    return ctx.cached(("layer.geojson", at, source, layer, tz, tol),
                      lambda store: _layer_doc(store, at, source, layer, tz, tol, stored), GEOJSON)


def _layer_doc(store: service.StoreReader, at: str, source: str | None, layer: str | None, tz: str, tol: float,
               stored_m: int | None = None) -> dict[str, Any]:
    """The layer's FeatureCollection; its geometry read as stored when the tolerance is a stored one
    (:func:`frontlines.service.layer_geojson_text`: the same text), else simplified now."""
    sel = service.select(store, source, layer)
    found = None if stored_m is None else service.layer_geojson_text(store, at=at, source=sel.source, layer=sel.layer,
                                                                     tz=tz, tolerance_m=stored_m)
    if found is not None:
        info, text = found
    else:
        info, geom = service.layer_geometry(store, at=at, source=sel.source, layer=sel.layer, tz=tz)
    area = sel.area_of[info.id]
    props = {"source": sel.source, "layer": str(sel.layer), "at": parse_user_time(at, tz=tz).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "snapshot": to_json_doc(info), "area_km2": round(float(area or 0), 3)}
    if found is None:
        return geo.collection([(geom, props)], tol, tolerance_deg=tol)
    return {"type": "FeatureCollection", "tolerance_deg": tol,
            "features": [{"type": "Feature", "properties": props, "geometry": orjson.Fragment(text)}]}


@router.get("/api/change.geojson", tags=["geometry"], summary="GeoJSON of gained and lost ground between two times")
def get_change_geojson(ctx: Ctx, start: FromQ, end: ToQ, source: SourceQ = None, layer: LayerQ = None, tz: TzQ = "UTC",
                       tolerance: TolQ = 0.0, units: UnitsQ = "km", include_redraws: IncludeRedrawsQ = False) -> Response:
    tol = geo.tolerance_degrees(tolerance, units)
    return ctx.cached(("change.geojson", start, end, source, layer, tz, tol, include_redraws),
                      lambda store: _change_doc(store, start, end, source, layer, tz, tol, include_redraws), GEOJSON)


def _change_doc(store: service.StoreReader, start: str, end: str, source: str | None, layer: str | None, tz: str,
                tol: float, include_redraws: bool = False) -> dict[str, Any]:
    # at the stored display tolerance (0.1 km) the features are unions of the display faces, simplified when stored
    drawing = service.change_drawing(store, start=start, end=end, source=source, layer=layer, tz=tz,
                                     include_redraws=include_redraws, tolerance_deg=tol)
    if drawing is not None:
        result, gained, lost = drawing.result, drawing.gained, drawing.lost
        shapes = drawing.pieces
    else:
        result = service.change(store, start=start, end=end, source=source, layer=layer, tz=tz, geometry=True,
                                include_redraws=include_redraws)
        gained, lost, shapes = result.gained, result.lost, tuple(p.geometry for p in result.redraw_pieces)
    doc = result.as_dict()
    base = {k: doc[k] for k in ("source", "layer", "from", "to")}
    # gained / lost (fighting unless include_redraws), then the redraw pieces (kind "redraw", with their reason);
    # Douglas-Peucker: a window's many thin redraw pieces make the topology-preserving simplifier ~3x as costly
    return geo.collection([(gained, {**base, "kind": "gained", "area_km2": doc["gained_km2"]}),
                           (lost, {**base, "kind": "lost", "area_km2": doc["lost_km2"]}),
                           *((g, {**base, **p.as_dict()}) for g, p in zip(shapes, result.redraw_pieces))],
                          tol, preserve_topology=False, drawn=drawing is not None, change=doc, tolerance_deg=tol)


@router.get("/api/frontline.geojson", tags=["geometry"], summary="GeoJSON of the line of contact at a time (simplified to `tolerance`)")
def get_frontline_geojson(ctx: Ctx, at: AtQ, source: SourceQ = None, layer: LayerQ = None, mode: ModeQ = "outer",
                          tolerance_km: TolKmQ = 1.0, tz: TzQ = "UTC",
                          tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
    tkm = check_tolerance_km(tolerance_km)
    tol = geo.tolerance_degrees(tolerance, units)
    return ctx.cached(("frontline.geojson", at, source, layer, mode, tkm, tz, tol),
                      lambda store: _frontline_doc(store, at, source, layer, mode, tkm, tz, tol), GEOJSON)


def _frontline_doc(store: service.StoreReader, at: str, source: str | None, layer: str | None, mode: str, tkm: float, tz: str,
                   tol: float) -> dict[str, Any]:
    result = service.frontline(store, at=at, source=source, layer=layer, mode=mode, tolerance_km=tkm, tz=tz,
                               geometry=True)
    doc, line = result.as_dict(), result.geometry
    return geo.collection([(line, {**doc, "kind": "frontline"})], tol, frontline=doc, tolerance_deg=tol)
