"""Check and repair geometries before they are measured.

Rules, applied to every polygonal part a source yields:

* coordinates must be longitude / latitude: |x| <= 180 and |y| <= 90; values
  beyond 1,000 are reported as "projected metres" (a common mistake), other
  out-of-range values as out of range;
* invalid polygons (self-intersections, bow-ties, duplicate rings) are repaired
  with :func:`shapely.make_valid` (``method="structure"``) and counted;
* only polygonal pieces are kept; empty and zero-area pieces are dropped;
* rings are oriented counter-clockwise (exterior) so that exports are RFC 7946.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from frontlines.errors import (
    CoordinateError,
    InvalidGeometryError,
    SourceError,
    SourceFormatError,
)

__all__ = ["Repairs", "check_lonlat", "polygon_parts", "unreadable_geometry"]


@dataclass
class Repairs:
    """Counts of what :func:`polygon_parts` changed, for the ingest summary."""

    repaired: int = 0
    dropped_empty: int = 0
    details: list[str] = field(default_factory=list)


def unreadable_geometry(exc: Exception, *, where: str) -> SourceError:
    """The error for a geometry GEOS cannot build (e.g. from GeoJSON or WKB).

    An unclosed ring (first and last positions differ) is named as such: GeoJSON and
    WKB require closed rings, and frontlines does not guess how to close one.
    """
    if "closed linestring" in str(exc):
        return InvalidGeometryError(
            f"{where}: a polygon ring is not closed (its first and last positions differ); "
            "rings must be closed"
        )
    return SourceFormatError(f"{where}: unreadable geometry ({exc})")


def check_lonlat(geom: BaseGeometry, *, where: str) -> None:
    """Raise :class:`CoordinateError` unless every coordinate is plausible lon/lat.

    Parameters
    ----------
    geom : shapely geometry
    where : str
        Names the file / feature in the message.
    """
    xmin, ymin, xmax, ymax = shapely.bounds(geom)
    if not np.all(np.isfinite([xmin, ymin, xmax, ymax])):
        if shapely.is_empty(geom):
            return
        raise CoordinateError(f"{where}: coordinates contain NaN or infinity")
    biggest = max(abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    if biggest > 1000:
        raise CoordinateError(
            f"{where}: coordinates look projected (values up to {biggest:,.0f}, e.g. metres); "
            "expected longitude/latitude degrees (EPSG:4326)"
        )
    if min(xmin, -xmax) < -180 or min(ymin, -ymax) < -90:
        raise CoordinateError(
            f"{where}: coordinates outside [-180, 180] x [-90, 90] "
            f"(bounds {xmin:.4f}, {ymin:.4f}, {xmax:.4f}, {ymax:.4f})"
        )


def polygon_parts(geom: BaseGeometry, *, where: str, repairs: Repairs | None = None) -> list[BaseGeometry]:
    """Split a geometry into valid, non-empty, 2-D polygons.

    Parameters
    ----------
    geom : shapely geometry
        Any geometry in lon/lat; points and lines yield nothing.
    where : str
        File / feature description for error messages.
    repairs : Repairs, optional
        Incremented when a part had to be repaired or was dropped.

    Returns
    -------
    list of shapely.Polygon

    Raises
    ------
    CoordinateError
        Coordinates out of range or projected.
    InvalidGeometryError
        A polygon that ``make_valid`` cannot turn into any area.
    """
    if geom is None or shapely.is_empty(geom):
        return []
    if shapely.get_coordinate_dimension(geom) > 2:
        geom = shapely.force_2d(geom)
    check_lonlat(geom, where=where)
    flat = shapely.get_parts(geom)
    out: list[BaseGeometry] = []
    for piece in flat:
        kind = piece.geom_type
        if kind in ("GeometryCollection", "MultiPolygon"):
            out.extend(polygon_parts(piece, where=where, repairs=repairs))
            continue
        if kind != "Polygon":
            continue
        if not shapely.is_valid(piece):
            reason = shapely.is_valid_reason(piece)
            fixed = shapely.make_valid(piece, method="structure", keep_collapsed=False)
            polys = [p for p in shapely.get_parts(fixed) if p.geom_type == "Polygon" and p.area > 0]
            if not polys and piece.area != 0:
                raise InvalidGeometryError(f"{where}: invalid polygon cannot be repaired ({reason})")
            if repairs is not None:
                repairs.repaired += 1
                if len(repairs.details) < 20:
                    repairs.details.append(f"{where}: {reason}")
            out.extend(shapely.orient_polygons(p) for p in polys)
            continue
        if piece.area <= 0:
            if repairs is not None:
                repairs.dropped_empty += 1
            continue
        out.append(shapely.orient_polygons(piece))
    return out
