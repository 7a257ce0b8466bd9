"""The shipped regions and places: ``/api/regions``, ``/api/regions.geojson``, ``/api/places.geojson``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from frontlines import service
from frontlines.web import geo
from frontlines.web.deps import Ctx, to_json_doc
from frontlines.web.params import (
    BboxQ,
    LayerQ,
    LimitQ,
    MinPopQ,
    PlaceAtQ,
    RegionLayerQ,
    SourceQ,
    TolQ,
    TzQ,
    UnitsQ,
)
from frontlines.web.settings import GEOJSON, AppContext

__all__ = ["router"]

router = APIRouter()

#: (lon, lat, name) of a place -> its status.
StatusTable = dict[tuple[float, float, str], str]


@router.get("/api/regions", tags=["regions"], summary="Shipped regions: id, name, parent, land area")
def get_regions(ctx: Ctx, by: RegionLayerQ = None) -> Response:
    return ctx.cached(("regions", by), lambda store: _regions_doc(store, by))


def _regions_doc(store: service.StoreReader, by: str | None) -> dict[str, Any]:
    rl = service.region_level(store, by)
    rows = []
    for i, (rid, name) in enumerate(zip(rl.ids, rl.names)):
        row: dict[str, Any] = {"id": rid, "name": name}
        if rl.parents is not None and rl.parents[i]:
            row["parent"] = rl.parents[i]
        row["land_area_km2"] = round(float(rl.areas[i]), 3)
        rows.append(row)
    return {"region_layer": rl.name, "regions": rows}


@router.get("/api/regions.geojson", tags=["regions"], summary="Borders of the shipped regions (the dashboard's base map)")
def get_regions_geojson(ctx: Ctx, by: RegionLayerQ = None, tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
    tol = geo.tolerance_degrees(tolerance, units)
    return ctx.cached(("regions.geojson", by, tol), lambda store: _borders_doc(store, by, tol), GEOJSON)


def _borders_doc(store: service.StoreReader, by: str | None, tol: float) -> dict[str, Any]:
    rl = service.region_level(store, by)
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


def _places_doc(ctx: AppContext, store: service.StoreReader, fp: tuple[Any, ...], box: tuple[float, float, float, float] | None,
                min_population: int, limit: int, at: str | None, source: str | None, layer: str | None,
                tz: str) -> dict[str, Any]:
    import numpy as np

    gz = service.gazetteer_of(store)
    keep = gz.population >= min_population
    if box is not None:
        keep &= (gz.lon >= box[0]) & (gz.lon <= box[2]) & (gz.lat >= box[1]) & (gz.lat <= box[3])
    idx = np.flatnonzero(keep)
    idx = idx[np.argsort(-gz.population[idx], kind="stable")][:limit]
    table, head = (None, None) if at is None else ctx.memo(("place-status", fp, at, source, layer, tz),
                                                           lambda: _place_status(store, at, source, layer, tz))
    levels = service.conflict_of(store).level_kinds  # names of the first two region levels (Ukraine: oblast, raion)
    feats = []
    for i in idx:
        lon, lat = round(float(gz.lon[i]), 5), round(float(gz.lat[i]), 5)
        props = {"id": gz.ids[i], "name": gz.names[i], "name_uk": gz.names_uk[i],
                 "population": int(gz.population[i]), levels[0]: gz.oblasts[i]}
        if len(levels) > 1:
            props[levels[1]] = gz.raions[i]
        if table is not None:
            props["status"] = table.get((lon, lat, gz.names[i]), "none")
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props})
    doc: dict[str, Any] = {"type": "FeatureCollection", "matched": int(keep.sum())}
    if head is not None:
        doc["status"] = head
    doc["features"] = feats
    return doc


def _place_status(store: service.StoreReader, at: str, source: str | None, layer: str | None,
                  tz: str) -> tuple[StatusTable, dict[str, Any]]:
    """(lon, lat, name) -> status of the places under a layer or its grey zone at a time, and the doc's head."""
    doc = to_json_doc(service.settlements(store, at=at, source=source, layer=layer, tz=tz))
    table = {(r["lon"], r["lat"], r["name"]): r["status"] for r in doc["settlements"]}
    head = {k: doc[k] for k in ("source", "layer", "at", "counts")}
    return table, head
