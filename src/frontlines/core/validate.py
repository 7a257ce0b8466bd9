"""Check and repair geometries before they are measured.

Rules, applied to every polygonal part a source yields:

* coordinates must be longitude / latitude: |x| <= 180 and |y| <= 90; values
  beyond 1,000 are reported as "projected metres" (a common mistake), other
  out-of-range values as out of range;
* invalid polygons (self-intersections, bow-ties, duplicate rings) are repaired
  with :func:`shapely.make_valid` (``method="structure"``) and counted;
* only polygonal pieces are kept; empty and zero-area pieces are dropped;
* rings are oriented counter-clockwise (exterior) so that exports are RFC 7946.

Before GEOS sees a geometry its structure is checked (:func:`check_geojson_geometry`
on GeoJSON objects, :func:`check_ring_structure` on geometries read from WKB): GEOS
builds polygons with empty or degenerate rings without complaint and may then crash
(a segmentation fault) in later operations, so such input is refused first:

* a ring that is empty, has fewer than 3 positions or is not closed (a closed ring of
  3 positions has no area: it is dropped as a repair);
* a position that is not 2 or 3 finite numbers (NaN, infinity, 4-D positions);
* GeometryCollections nested more than :data:`MAX_NESTING` deep;
* more than ``max_positions`` positions in one geometry.

Empty geometries and empty parts of multi-geometries are allowed (they hold no area
and are dropped).
"""

from __future__ import annotations

import itertools
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

__all__ = [
    "MAX_NESTING",
    "MAX_POSITIONS",
    "Repairs",
    "check_geojson_geometry",
    "check_lonlat",
    "check_ring_structure",
    "polygon_parts",
    "unreadable_geometry",
]

#: GeometryCollections inside GeometryCollections deeper than this are refused.
MAX_NESTING = 4
#: Default largest number of positions in one geometry.
MAX_POSITIONS = 5_000_000

_POLYGONAL = ("Polygon", "MultiPolygon")
_OTHER = ("Point", "MultiPoint", "LineString", "MultiLineString")


def _bad(where: str, path: str, what: str) -> InvalidGeometryError:
    return InvalidGeometryError(f"{where}: {path} {what}", field=path)


def _check_ring(ring: object, *, where: str, path: str) -> int:
    if not isinstance(ring, list):
        raise _bad(where, path, f"is a {type(ring).__name__}, not a list of positions")
    if not ring:
        raise _bad(where, path, "is an empty ring (a ring needs at least 4 positions)")
    if len(ring) < 3:  # a closed ring of 3 positions has no area: it is dropped later, as a repair
        raise _bad(where, path, f"has {len(ring)} position{'s' if len(ring) > 1 else ''} (a ring needs at least 4)")
    if not _plain_positions(ring):  # find the bad position and say what is wrong with it
        _check_positions(ring, where=where, path=path)
    try:
        try:
            arr = np.array(ring, dtype=float)[:, :2]  # no per-position copies on large rings
        except ValueError:  # positions of 2 and 3 numbers mixed
            arr = np.array([p[:2] for p in ring], dtype=float)
    except OverflowError:  # integers beyond a double
        raise _bad(where, path, "holds a number too large for a coordinate") from None
    if not np.isfinite(arr).all():
        raise CoordinateError(f"{where}: {path} holds NaN or infinite coordinates", field=path)
    if not np.array_equal(arr[0], arr[-1]):
        raise _bad(where, path, "is not closed (its first and last positions differ); rings must be closed")
    return len(ring)


def _plain_positions(ring: list[object]) -> bool:
    """Whether every position is a list of 2 or 3 ints / floats (no bools), checked in C loops."""
    return (
        set(map(type, ring)) == {list}
        and set(map(len, ring)) <= {2, 3}  # type: ignore[arg-type]
        and set(map(type, itertools.chain.from_iterable(ring))) <= {int, float}  # type: ignore[arg-type]
    )


def _check_positions(ring: list[object], *, where: str, path: str) -> None:
    for i, pos in enumerate(ring):
        if not isinstance(pos, list) or not 2 <= len(pos) <= 3:
            size = len(pos) if isinstance(pos, list) else type(pos).__name__
            raise _bad(where, f"{path}[{i}]", f"is not a position of 2 or 3 numbers ({size})")
        for v in pos:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _bad(where, f"{path}[{i}]", f"holds a non-number {v!r}")


def _check_polygon(coords: object, *, where: str, path: str) -> int:
    if not isinstance(coords, list):
        raise _bad(where, path, f"is a {type(coords).__name__}, not a list of rings")
    return sum(_check_ring(r, where=where, path=f"{path}[{j}]") for j, r in enumerate(coords))


def check_geojson_geometry(
    geometry: object, *, where: str, max_positions: int = MAX_POSITIONS, _path: str = "geometry", _depth: int = 0
) -> int:
    """Check the structure of a polygonal GeoJSON geometry object before GEOS reads it.

    Points and lines are not inspected (frontlines ignores them).

    Parameters
    ----------
    geometry : object
        The parsed ``geometry`` member of a feature.
    where : str
        File / feature description for error messages.
    max_positions : int
        Largest number of positions accepted in this geometry.

    Returns
    -------
    int
        Number of polygon positions.

    Raises
    ------
    InvalidGeometryError
        Empty, too short or unclosed rings, malformed positions, too deep nesting, too many positions.
    CoordinateError
        NaN or infinite coordinates.

    Examples
    --------
    >>> ring = [[37, 47], [36, 48], [35, 47], [37, 47]]
    >>> check_geojson_geometry({"type": "Polygon", "coordinates": [ring]}, where="a.geojson")
    4
    >>> check_geojson_geometry({"type": "Polygon", "coordinates": [ring, []]}, where="a.geojson")
    Traceback (most recent call last):
    ...
    frontlines.errors.InvalidGeometryError: a.geojson: geometry.coordinates[1] is an empty ring (a ring needs at least 4 positions)
    """
    if not isinstance(geometry, dict):
        raise SourceFormatError(f"{where}: {_path} is a {type(geometry).__name__}, not a GeoJSON object", field=_path)
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    n = 0
    if kind == "Polygon":
        n = _check_polygon(coords, where=where, path=f"{_path}.coordinates")
    elif kind == "MultiPolygon":
        if not isinstance(coords, list):
            raise _bad(where, f"{_path}.coordinates", "is not a list of polygons")
        n = sum(_check_polygon(p, where=where, path=f"{_path}.coordinates[{k}]") for k, p in enumerate(coords))
    elif kind == "GeometryCollection":
        if _depth >= MAX_NESTING:
            raise _bad(where, _path, f"nests GeometryCollections more than {MAX_NESTING} deep")
        parts = geometry.get("geometries")
        if not isinstance(parts, list):
            raise _bad(where, f"{_path}.geometries", "is not a list of geometries")
        for k, part in enumerate(parts):
            n += check_geojson_geometry(part, where=where, max_positions=max_positions - n,
                                        _path=f"{_path}.geometries[{k}]", _depth=_depth + 1)
    elif kind not in _OTHER:
        raise SourceFormatError(f"{where}: {_path} has unsupported geometry type {kind!r}", field=f"{_path}.type", value=kind)
    if n > max_positions:
        raise InvalidGeometryError(f"{where}: {_path} has more than {max_positions:,} positions", field=_path)
    return n


def check_ring_structure(geom: BaseGeometry, *, where: str) -> None:
    """Refuse polygons with empty or degenerate rings (e.g. read from WKB) before GEOS works on them.

    Raises
    ------
    InvalidGeometryError
        A ring of a polygon is empty or has fewer than 4 positions.
    """
    polys = [p for p in shapely.get_parts(geom) if p is not None]
    for k, piece in enumerate(polys):
        kind = piece.geom_type
        if kind in ("GeometryCollection", "MultiPolygon"):
            check_ring_structure(piece, where=where)
            continue
        if kind != "Polygon" or piece.is_empty:
            continue
        rings = [shapely.get_exterior_ring(piece)]
        rings += [shapely.get_interior_ring(piece, i) for i in range(shapely.get_num_interior_rings(piece))]
        for j, ring in enumerate(rings):
            count = shapely.get_num_coordinates(ring)
            if count < 3:  # 3: a collapsed ring, repaired (dropped) by polygon_parts
                what = "an empty ring" if count == 0 else f"a ring of {count} positions"
                raise InvalidGeometryError(f"{where}: polygon {k} ring {j} is {what} (a ring needs at least 4)")


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
    check_ring_structure(geom, where=where)
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
