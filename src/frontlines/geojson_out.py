"""Writing result geometries as GeoJSON (RFC 7946: lon/lat, counter-clockwise exteriors)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import shapely

__all__ = ["feature", "write_change_geojson", "write_features"]


def feature(geom: Any, properties: dict[str, Any], *, fragment: bool = False) -> dict[str, Any]:
    """A GeoJSON Feature for a shapely geometry.

    ``fragment=True``: the geometry is GEOS's GeoJSON text as an :class:`orjson.Fragment`, written
    by ``orjson.dumps`` as it is (the same bytes) instead of parsed into Python lists and written
    again: for answers that are only serialised (the web API's GeoJSON).
    """
    if geom is None or shapely.is_empty(geom):
        g = None
    else:
        text = shapely.to_geojson(shapely.orient_polygons(geom))
        g = orjson.Fragment(text) if fragment else orjson.loads(text)
    return {"type": "Feature", "properties": properties, "geometry": g}


def write_features(path: str | Path, features: list[dict[str, Any]]) -> None:
    """Write a FeatureCollection."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(orjson.dumps({"type": "FeatureCollection", "features": features}))


def write_change_geojson(path: str | Path, gained: Any, lost: Any, doc: dict[str, Any],
                         redraws: Sequence[tuple[Any, dict[str, Any]]] = ()) -> None:
    """Gained and lost ground of a change as two features, then one per redraw piece
    (``redraws``: (geometry, properties with kind "redraw", direction, reason, area_km2))."""
    base = {k: doc[k] for k in ("source", "layer", "from", "to")}
    write_features(path, [
        feature(gained, {**base, "kind": "gained", "area_km2": doc["gained_km2"]}),
        feature(lost, {**base, "kind": "lost", "area_km2": doc["lost_km2"]}),
        *(feature(geom, {**base, **props}) for geom, props in redraws),
    ])
