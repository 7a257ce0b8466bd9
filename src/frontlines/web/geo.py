"""GeoJSON for the browser: simplification to a tolerance, rounding, bbox parsing."""

from __future__ import annotations

from typing import Any

import numpy as np

from frontlines import service
from frontlines.errors import FrontlinesError
from frontlines.geojson_out import feature

__all__ = ["KM_PER_DEGREE", "MAX_TOLERANCE", "BadParameter", "collection", "parse_bbox", "simplify", "tolerance_degrees"]

#: Length of one degree of latitude (mean), used to turn a tolerance in km into degrees.
KM_PER_DEGREE = service.KM_PER_DEGREE
#: Largest accepted simplification tolerance per unit.
MAX_TOLERANCE = {"km": 50.0, "deg": 0.5}


class BadParameter(FrontlinesError, ValueError):
    """A query parameter of the HTTP API is out of range or malformed (HTTP 422)."""


def tolerance_degrees(tolerance: float, units: str) -> float:
    """A simplification tolerance in degrees; validates range and unit."""
    if units not in MAX_TOLERANCE:
        raise BadParameter(f"units={units!r}: use km or deg")
    if not np.isfinite(tolerance) or tolerance < 0:
        raise BadParameter(f"tolerance={tolerance}: must be a finite number >= 0")
    if tolerance > MAX_TOLERANCE[units]:
        raise BadParameter(f"tolerance={tolerance} {units} is too coarse (at most {MAX_TOLERANCE[units]} {units})")
    return tolerance if units == "deg" else tolerance / KM_PER_DEGREE


def simplify(geom: Any, tolerance_deg: float, *, preserve_topology: bool = True) -> Any:
    """Simplification, then coordinates rounded for transfer and repaired (display only;
    :func:`frontlines.core.display.display_geometry`, shared with the stored layer GeoJSON)."""
    return service.display_geometry(geom, tolerance_deg, preserve_topology=preserve_topology)


def collection(items: list[tuple[Any, dict[str, Any]]], tol_deg: float, *, preserve_topology: bool = True,
               drawn: bool = False, **extra: Any) -> dict[str, Any]:
    """A FeatureCollection of (geometry, properties) pairs, simplified (for ``orjson.dumps``: geometries are
    :class:`orjson.Fragment` s, see :func:`frontlines.geojson_out.feature`). ``preserve_topology``: see
    :func:`frontlines.core.display.display_geometry`; ``drawn``: the geometries are already simplified and
    rounded (:func:`frontlines.service.change_drawing`), written as they are."""
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    doc.update(extra)
    doc["features"] = [feature(g if drawn else simplify(g, tol_deg, preserve_topology=preserve_topology), p,
                               fragment=True)
                       for g, p in items]
    return doc


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``min_lon,min_lat,max_lon,max_lat`` in degrees, validated."""
    if text is None or text == "":
        return None
    parts = text.split(",")
    if len(parts) != 4:
        raise BadParameter(f"bbox={text!r}: give four numbers min_lon,min_lat,max_lon,max_lat")
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError:
        raise BadParameter(f"bbox={text!r}: not four numbers") from None
    if not all(np.isfinite([x0, y0, x1, y1])):
        raise BadParameter(f"bbox={text!r}: numbers must be finite")
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
        raise BadParameter(f"bbox={text!r}: longitudes must be within ±180 and latitudes within ±90")
    if x0 >= x1 or y0 >= y1:
        raise BadParameter(f"bbox={text!r}: min must be below max (min_lon,min_lat,max_lon,max_lat)")
    return x0, y0, x1, y1
