"""``web.geo.simplify``: rounding for transfer keeps the ground and gives valid polygons, cheaply repaired."""

from __future__ import annotations

import pyproj
import shapely

from frontlines.web import geo

GEOD = pyproj.Geod(ellps="WGS84")


def _km2(geom) -> float:
    area, _ = GEOD.geometry_area_perimeter(geom)
    return abs(area) / 1e6


def test_rounding_that_collapses_a_hole_and_joins_parts_gives_the_rounded_ground():
    outer = shapely.box(30.0, 48.0, 30.2, 48.2)
    # a sliver hole 2e-7 degrees wide: rounding to 6 decimals collapses it (an invalid ring)
    holed = shapely.Polygon(outer.exterior.coords, [[(30.05, 48.05), (30.1, 48.05), (30.1, 48.0500002),
                                                      (30.05, 48.0500002)]])
    # a neighbour 3e-7 degrees away: rounding makes the two share an edge
    neighbour = shapely.box(30.2000003, 48.0, 30.3, 48.1)
    far = shapely.box(31.0, 48.0, 31.1, 48.1)  # untouched by rounding
    multi = shapely.MultiPolygon([holed, neighbour, far])
    assert multi.is_valid
    out = geo.simplify(multi, 0.0)
    assert out.is_valid and out.geom_type in ("Polygon", "MultiPolygon")
    # the reference: the three boxes as rounded, without the collapsed hole, measured with pyproj
    reference = shapely.union_all([outer, shapely.box(30.2, 48.0, 30.3, 48.1), far])
    assert abs(_km2(out) - _km2(reference)) < 1e-3
    assert shapely.symmetric_difference(out, reference).area < 1e-9


def test_valid_rounded_geometry_is_returned_as_it_is():
    g = shapely.MultiPolygon([shapely.box(30.0, 48.0, 30.1, 48.1), shapely.box(31.0, 48.0, 31.1, 48.1)])
    out = geo.simplify(g, 0.0)
    assert shapely.equals(out, g) and len(shapely.get_parts(out)) == 2
