"""GeoJSON for the map: layer, change, front line, region borders and places, simplified to ``tolerance``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from frontlines import service
from frontlines.store import SQLiteStore
from frontlines.times import parse_user_time
from frontlines.web import geo
from frontlines.web.deps import Ctx, to_json_doc
from frontlines.web.params import (
    AtQ,
    BboxQ,
    FromQ,
    LayerQ,
    LimitQ,
    MinPopQ,
    ModeQ,
    PlaceAtQ,
    RegionLayerQ,
    SourceQ,
    TolKmQ,
    TolQ,
    ToQ,
    TzQ,
    UnitsQ,
    check_tolerance_km,
)
from frontlines.web.settings import GEOJSON, AppContext

__all__ = ["router"]

router = APIRouter()

#: (lon, lat, name) of a place -> its status.
StatusTable = dict[tuple[float, float, str], str]


@router.get("/api/layer.geojson", tags=["geometry"], summary="GeoJSON of a layer at a time (dissolved, simplified)")
def get_layer_geojson(ctx: Ctx, at: AtQ, source: SourceQ = None, layer: LayerQ = None, tz: TzQ = "UTC",
                      tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
    tol = geo.tolerance_degrees(tolerance, units)
    return ctx.cached(("layer.geojson", at, source, layer, tz, tol),
                      lambda store: _layer_doc(store, at, source, layer, tz, tol), GEOJSON)


def _layer_doc(store: SQLiteStore, at: str, source: str | None, layer: str | None, tz: str, tol: float) -> dict[str, Any]:
    sel = service.select(store, source, layer)
    info, geom = service.layer_geometry(store, at=at, source=sel.source, layer=sel.layer, tz=tz)
    area = next(a for s, _, a in sel.timeline if s == info.id)
    props = {"source": sel.source, "layer": str(sel.layer), "at": parse_user_time(at, tz=tz).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "snapshot": to_json_doc(info), "area_km2": round(float(area or 0), 3)}
    return geo.collection([(geom, props)], tol, tolerance_deg=tol)


@router.get("/api/change.geojson", tags=["geometry"], summary="GeoJSON of gained and lost ground between two times")
def get_change_geojson(ctx: Ctx, start: FromQ, end: ToQ, source: SourceQ = None, layer: LayerQ = None, tz: TzQ = "UTC",
                       tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
    tol = geo.tolerance_degrees(tolerance, units)
    return ctx.cached(("change.geojson", start, end, source, layer, tz, tol),
                      lambda store: _change_doc(store, start, end, source, layer, tz, tol), GEOJSON)


def _change_doc(store: SQLiteStore, start: str, end: str, source: str | None, layer: str | None, tz: str,
                tol: float) -> dict[str, Any]:
    doc = dict(to_json_doc(service.change(store, start=start, end=end, source=source, layer=layer, tz=tz, geometry=True)))
    gained, lost = doc.pop("gained"), doc.pop("lost")
    base = {k: doc[k] for k in ("source", "layer", "from", "to")}
    return geo.collection([(gained, {**base, "kind": "gained", "area_km2": doc["gained_km2"]}),
                           (lost, {**base, "kind": "lost", "area_km2": doc["lost_km2"]})],
                          tol, change=doc, tolerance_deg=tol)


@router.get("/api/frontline.geojson", tags=["geometry"], summary="GeoJSON of the line of contact at a time (simplified to `tolerance`)")
def get_frontline_geojson(ctx: Ctx, at: AtQ, source: SourceQ = None, layer: LayerQ = None, mode: ModeQ = "outer",
                          tolerance_km: TolKmQ = 1.0, tz: TzQ = "UTC",
                          tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
    tkm = check_tolerance_km(tolerance_km)
    tol = geo.tolerance_degrees(tolerance, units)
    return ctx.cached(("frontline.geojson", at, source, layer, mode, tkm, tz, tol),
                      lambda store: _frontline_doc(store, at, source, layer, mode, tkm, tz, tol), GEOJSON)


def _frontline_doc(store: SQLiteStore, at: str, source: str | None, layer: str | None, mode: str, tkm: float, tz: str,
                   tol: float) -> dict[str, Any]:
    doc = dict(to_json_doc(service.frontline(store, at=at, source=source, layer=layer, mode=mode, tolerance_km=tkm,
                                             tz=tz, geometry=True)))
    line = doc.pop("geometry")
    return geo.collection([(line, {**doc, "kind": "frontline"})], tol, frontline=doc, tolerance_deg=tol)


@router.get("/api/regions.geojson", tags=["regions"], summary="Borders of the shipped regions (the dashboard's base map)")
def get_regions_geojson(ctx: Ctx, by: RegionLayerQ = "oblast", tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
    tol = geo.tolerance_degrees(tolerance, units)
    return ctx.cached(("regions.geojson", by, tol), lambda _store: _regions_doc(by, tol), GEOJSON)


def _regions_doc(by: str, tol: float) -> dict[str, Any]:
    from frontlines.sources.boundaries import load_region_layer

    rl = load_region_layer(by)
    items = []
    for i, (rid, name) in enumerate(zip(rl.ids, rl.names)):
        props: dict[str, Any] = {"id": rid, "name": name}
        if rl.parents is not None and rl.parents[i]:
            props["parent"] = rl.parents[i]
        items.append((rl.geometries[i], props))
    return geo.collection(items, tol, region_layer=rl.name)


@router.get("/api/places.geojson", tags=["regions"], summary="Settlements of the gazetteer as points (for the map)")
def get_places(ctx: Ctx, bbox: BboxQ = None, min_population: MinPopQ = 0, limit: LimitQ = 500, at: PlaceAtQ = None,
               source: SourceQ = None, layer: LayerQ = None, tz: TzQ = "UTC") -> Response:
    box = geo.parse_bbox(bbox)
    return ctx.cached_with_fingerprint(
        ("places", box, min_population, limit, at, source, layer, tz),
        lambda store, fp: _places_doc(ctx, store, fp, box, min_population, limit, at, source, layer, tz), GEOJSON)


def _places_doc(ctx: AppContext, store: SQLiteStore, fp: tuple[Any, ...], box: tuple[float, float, float, float] | None,
                min_population: int, limit: int, at: str | None, source: str | None, layer: str | None,
                tz: str) -> dict[str, Any]:
    import numpy as np

    from frontlines.sources.gazetteer import load_gazetteer

    gz = load_gazetteer()
    keep = gz.population >= min_population
    if box is not None:
        keep &= (gz.lon >= box[0]) & (gz.lon <= box[2]) & (gz.lat >= box[1]) & (gz.lat <= box[3])
    idx = np.flatnonzero(keep)
    idx = idx[np.argsort(-gz.population[idx], kind="stable")][:limit]
    table, head = (None, None) if at is None else ctx.memo(("place-status", fp, at, source, layer, tz),
                                                           lambda: _place_status(store, at, source, layer, tz))
    feats = []
    for i in idx:
        lon, lat = round(float(gz.lon[i]), 5), round(float(gz.lat[i]), 5)
        props = {"id": gz.ids[i], "name": gz.names[i], "name_uk": gz.names_uk[i],
                 "population": int(gz.population[i]), "oblast": gz.oblasts[i], "raion": gz.raions[i]}
        if table is not None:
            props["status"] = table.get((lon, lat, gz.names[i]), "none")
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props})
    doc: dict[str, Any] = {"type": "FeatureCollection", "matched": int(keep.sum())}
    if head is not None:
        doc["status"] = head
    doc["features"] = feats
    return doc


def _place_status(store: SQLiteStore, at: str, source: str | None, layer: str | None,
                  tz: str) -> tuple[StatusTable, dict[str, Any]]:
    """(lon, lat, name) -> status of the places under a layer or its grey zone at a time, and the doc's head."""
    doc = to_json_doc(service.settlements(store, at=at, source=source, layer=layer, tz=tz))
    table = {(r["lon"], r["lat"], r["name"]): r["status"] for r in doc["settlements"]}
    head = {k: doc[k] for k in ("source", "layer", "at", "counts")}
    return table, head
