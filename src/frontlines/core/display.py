"""Geometry for display: simplified to a tolerance, coordinates rounded for transfer, repaired.

What the web API's GeoJSON draws (:func:`display_geometry`) and what ``frontlines derive`` stores
of each snapshot's layer at the dashboard's tolerance (schema 10, see
:mod:`frontlines.service.layer_geojson`): one function, so a stored layer is the bytes a
request would compute.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

__all__ = ["DECIMALS", "HOLES_FIRST", "display_geometry", "geometry_text", "on_grid"]

#: Decimals kept in output coordinates (1e-6 degree is about 0.1 m).
DECIMALS = 6
#: Invalid polygons of at least this many vertices first get only their invalid holes repaired
#: (:func:`_holes_repaired`); smaller ones (the slivers of a change) go through GEOS's repair at once.
HOLES_FIRST = 500


def geometry_text(geom: Any) -> str | None:
    """The GeoJSON text of a geometry as features carry it (polygons oriented; None for empty / missing).

    The same text as :func:`frontlines.geojson_out.feature` writes.
    """
    if geom is None or shapely.is_empty(geom):
        return None
    return str(shapely.to_geojson(shapely.orient_polygons(geom)))


def display_geometry(geom: Any, tolerance_deg: float, *, preserve_topology: bool = True) -> Any:
    """Simplification to ``tolerance_deg``, then coordinates rounded for transfer (display only).

    ``preserve_topology=False`` simplifies by Douglas-Peucker, whose polygons GEOS repairs (rings
    that collapse below the tolerance are dropped; the result is valid): on the change GeoJSON of
    random W1 windows at 0.1 km ~50 ms of simplification per request against ~180 ms for the
    topology-preserving simplifier, with as small a change of area (at most 0.09 x perimeter x
    tolerance for both).
    """
    if geom is None or shapely.is_empty(geom):
        return geom
    if tolerance_deg > 0:
        geom = shapely.simplify(geom, tolerance_deg, preserve_topology=preserve_topology)
        if shapely.is_empty(geom):
            return geom
    return on_grid(geom)


def on_grid(geom: Any) -> Any:
    """``geom`` with its coordinates rounded to :data:`DECIMALS` (for transfer), made valid where it is not
    (as :func:`display_geometry` gives its simplified geometries)."""
    if geom is None or shapely.is_empty(geom):
        return geom
    out = shapely.transform(geom, lambda xy: np.round(xy, DECIMALS))
    if shapely.is_valid(out):
        return out
    # Rounding collapsed a tiny ring (e.g. a hole left by a redraw piece) or made parts touch.
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return shapely.make_valid(out)
    return _repaired_polygons(out)


def _repaired_polygons(geom: Any) -> Any:
    """The polygonal ground of a rounded (Multi)Polygon made valid.

    Only the invalid polygons are repaired (``make_valid`` of a whole change of ~350 pieces
    took ~0.5 s, most of a ``/api/change.geojson`` request); the union runs only when the
    repaired polygons overlap or share edges. The repair is GEOS's "structure" method
    (shells add ground, holes take it away; collapsed rings dropped): on the W1 history's
    layers and changes it is within the rounding (<= 1e-5 deg²) of the unrounded geometry,
    at less than half the cost of the "linework" method, which filled in overlapping
    holes of thin redraw slivers (up to ~9 % of such a feature's area; see ``bench/README.md``,
    HTTP wave 5).
    """
    parts = shapely.get_parts(geom)
    bad = ~shapely.is_valid(parts)
    if bad.any():
        broken = parts[bad]
        repaired = np.full(len(broken), None, dtype=object)
        big = np.flatnonzero(shapely.get_num_coordinates(broken) >= HOLES_FIRST)
        repaired[big] = [_holes_repaired(p) for p in broken[big]]
        whole = shapely.is_missing(repaired)  # the rest: the whole polygon through GEOS's repair
        repaired[whole] = shapely.make_valid(broken[whole], method="structure", keep_collapsed=False)
        fixed = shapely.get_parts(shapely.get_parts(repaired))  # collections, multis: flat
        parts = np.concatenate([parts[~bad], fixed[shapely.get_type_id(fixed) == 3]])
    parts = parts[~shapely.is_empty(parts)]
    if len(parts) == 0:
        return shapely.Polygon()
    multi = shapely.multipolygons(parts)
    return multi if shapely.is_valid(multi) else _joined(parts)


def _holes_repaired(poly: Any) -> Any:
    """``poly`` (invalid) repaired by repairing only its holes that are invalid on their own; None when that
    does not make it valid.

    After rounding, a simplified layer's shell is valid on its own and the invalid spots are
    in a few of its holes (collapsed, or touching themselves). The "structure" repair gives
    shell minus the union of the repaired holes; when the holes, each repaired alone, make a
    valid polygon with the shell (inside it, not overlapping one another) that polygon is that
    same ground, at a fraction of the cost of repairing the whole polygon (~0.5 ms against
    ~3.4 ms for a 3,300-vertex layer with ~50 holes).
    """
    rings = shapely.get_rings(poly)
    alone = shapely.is_valid(shapely.polygons(rings))
    if not alone[0]:
        return None
    holes = list(rings[1:][alone[1:]])
    for ring in rings[1:][~alone[1:]]:
        pieces = shapely.get_parts(shapely.get_parts(
            shapely.make_valid(shapely.Polygon(ring), method="structure", keep_collapsed=False)))
        for piece in pieces[shapely.get_type_id(pieces) == 3]:
            if shapely.get_num_interior_rings(piece):
                return None
            holes.append(shapely.get_exterior_ring(piece))
    out = shapely.Polygon(rings[0], holes)
    return out if shapely.is_valid(out) else None


def _joined(parts: Any) -> Any:
    """The union of polygons some of which overlap or share edges: only those are unioned, the rest kept as they are.

    A rounded change of ~300 pieces has ~100 that touch another; ``union_all`` of all of
    them cost ~1.7x the union of the touching ones (the ground is the same: the others meet
    no other polygon, and valid polygons that meet no other make a valid MultiPolygon).
    """
    tree = shapely.STRtree(parts)
    i, j = tree.query(parts, predicate="intersects")
    touching = np.zeros(len(parts), dtype=bool)
    touching[i[i != j]] = True
    joined = shapely.get_parts(shapely.union_all(parts[touching]))
    return shapely.multipolygons(np.concatenate([parts[~touching], joined[shapely.get_type_id(joined) == 3]]))
