"""``web.geo.simplify``: rounding for transfer keeps the ground and gives valid polygons, cheaply repaired."""

from __future__ import annotations

import pyproj
import shapely

from frontlines.core import display
from frontlines.web import geo

GEOD = pyproj.Geod(ellps="WGS84")


def _km2(geom) -> float:
    area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))  # signed per ring: one orientation
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


def test_overlapping_holes_take_their_union_away():
    # rounding can make two holes of a thin sliver overlap: the ground is the shell without
    # either hole (the "linework" repair filled their overlap back in)
    shell = [(30.0, 48.0), (32.0, 48.0), (32.0, 50.0), (30.0, 50.0)]
    hole_a = [(30.5, 48.2), (31.2, 48.2), (31.2, 49.8), (30.5, 49.8)]
    hole_b = [(31.0, 48.4), (31.6, 48.4), (31.6, 49.6), (31.0, 49.6)]
    invalid = shapely.Polygon(shell, [hole_a, hole_b])
    assert not invalid.is_valid
    out = geo.simplify(invalid, 0.0)
    reference = shapely.difference(shapely.Polygon(shell), shapely.union(shapely.Polygon(hole_a), shapely.Polygon(hole_b)))
    assert out.is_valid
    assert shapely.symmetric_difference(out, reference).area < 1e-12
    assert abs(_km2(out) - _km2(reference)) < 1e-6


def test_feature_writes_geos_geojson_as_the_parsed_feature_would_be_written():
    import orjson

    from frontlines.geojson_out import feature

    geoms = [shapely.Polygon([(30.0, 48.0), (30.1, 48.0), (30.1, 48.1)], [[(30.05, 48.01), (30.09, 48.01), (30.09, 48.05)]]),
             shapely.MultiPolygon([shapely.box(30.123456, 48.0, 30.2, 48.654321), shapely.box(31.0, 47.999999, 31.1, 48.1)]),
             shapely.LineString([(30.0, 48.0), (30.5, 48.25)]), shapely.Polygon(), None]
    props = {"kind": "gained", "area_km2": 1.5}
    for g in geoms:
        assert orjson.dumps(feature(g, props, fragment=True)) == orjson.dumps(feature(g, props))
    # and it is valid GeoJSON that reads back to the same geometry
    doc = orjson.loads(orjson.dumps(feature(geoms[1], props, fragment=True)))
    assert shapely.equals(shapely.from_geojson(orjson.dumps(doc["geometry"])), geoms[1])


def test_parts_joined_by_rounding_are_unioned_and_the_others_kept():
    # two boxes 3e-7 degrees apart share an edge once rounded; a third stays apart
    left, right = shapely.box(30.0, 48.0, 30.1, 48.1), shapely.box(30.1000003, 48.0, 30.2, 48.1)
    far = shapely.Polygon([(31.0, 48.0), (31.1, 48.0), (31.05, 48.1)])
    out = geo.simplify(shapely.MultiPolygon([left, right, far]), 0.0)
    assert out.is_valid and out.geom_type == "MultiPolygon" and len(shapely.get_parts(out)) == 2
    reference = shapely.union_all([shapely.box(30.0, 48.0, 30.2, 48.1), far])
    assert shapely.symmetric_difference(out, reference).area < 1e-12
    assert abs(_km2(out) - _km2(reference)) < 1e-3  # the joined box keeps its vertices at 30.1 (geodesic edges)


def _big_shell(n: int = 2 * display.HOLES_FIRST) -> list[tuple[float, float]]:
    """A ring of ``n`` vertices around (31, 49), radius 1 degree: enough vertices for the holes-first repair."""
    import math

    return [(31.0 + math.cos(2 * math.pi * k / n), 49.0 + math.sin(2 * math.pi * k / n)) for k in range(n)]


def test_a_large_polygon_gets_only_its_broken_holes_repaired_and_keeps_its_ground():
    shell = _big_shell()
    kept = [(30.5, 48.5), (30.7, 48.5), (30.7, 48.7), (30.5, 48.7)]
    collapsing = [(31.2, 48.6), (31.3, 48.6), (31.3, 48.6000002), (31.2, 48.6000002)]  # 2e-7 wide: gone once rounded
    # a hole whose two lobes meet at a point 3e-7 apart: rounded, the ring crosses itself (a bow tie)
    bow_tie = [(31.2, 49.2), (31.4, 49.2), (31.3000003, 49.3), (31.4, 49.4), (31.2, 49.4), (31.2999997, 49.3)]
    poly = shapely.Polygon(shell, [kept, collapsing, bow_tie])
    assert poly.is_valid
    import numpy as np

    rounded = shapely.transform(poly, lambda xy: np.round(xy, display.DECIMALS))
    assert not rounded.is_valid
    assert display._holes_repaired(rounded) is not None  # the cheap path answers this one
    out = geo.simplify(poly, 0.0)
    # the reference: GEOS's repair of the whole rounded polygon, and the ground drawn by hand
    whole = shapely.make_valid(rounded, method="structure", keep_collapsed=False)
    by_hand = shapely.difference(shapely.Polygon(np.round(np.array(shell), 6)),
                                 shapely.union_all([shapely.Polygon(kept),
                                                    shapely.Polygon([(31.2, 49.2), (31.4, 49.2), (31.3, 49.3)]),
                                                    shapely.Polygon([(31.3, 49.3), (31.4, 49.4), (31.2, 49.4)])]))
    assert out.is_valid and out.geom_type in ("Polygon", "MultiPolygon")
    assert shapely.symmetric_difference(out, whole).area < 1e-12
    assert shapely.symmetric_difference(out, by_hand).area < 1e-12
    assert abs(_km2(out) - _km2(by_hand)) < 1e-3


def test_a_large_polygon_whose_holes_come_to_share_an_edge_falls_back_to_the_whole_repair():
    # each hole is valid alone, but rounding makes them share an edge: only the whole repair is right
    shell = _big_shell()
    hole_a = [(30.5, 48.5), (31.0000002, 48.5), (31.0000002, 49.0), (30.5, 49.0)]
    hole_b = [(31.0000004, 48.6), (31.5, 48.6), (31.5, 48.9), (31.0000004, 48.9)]
    poly = shapely.Polygon(shell, [hole_a, hole_b])
    assert poly.is_valid
    import numpy as np

    rounded = shapely.transform(poly, lambda xy: np.round(xy, display.DECIMALS))
    assert not rounded.is_valid and display._holes_repaired(rounded) is None
    out = geo.simplify(poly, 0.0)
    reference = shapely.difference(shapely.Polygon(np.round(np.array(shell), 6)),
                                   shapely.union(shapely.box(30.5, 48.5, 31.0, 49.0), shapely.box(31.0, 48.6, 31.5, 48.9)))
    assert out.is_valid
    assert shapely.symmetric_difference(out, reference).area < 1e-12


def test_douglas_peucker_drops_ground_thinner_than_the_tolerance_and_keeps_the_rest():
    # a 5 km square with a zigzag edge (teeth 40 m deep), a 30 m-wide strip 3 km long beside it, and
    # a 20 m square hole: at 0.1 km the strip and the hole are below the tolerance, the teeth are flattened
    tol = 0.1 / geo.KM_PER_DEGREE
    teeth = [(30.0 + 0.001 * i, 48.045 + (0.00036 if i % 2 else 0.0)) for i in range(0, 61)]
    square = shapely.Polygon([(30.0, 48.0), (30.06, 48.0), *reversed(teeth)],
                             [[(30.02, 48.02), (30.02027, 48.02), (30.02027, 48.02018), (30.02, 48.02018)]])
    strip = shapely.box(30.1, 48.0, 30.14, 48.00027)
    multi = shapely.MultiPolygon([square, strip])
    assert multi.is_valid
    kept = geo.simplify(multi, tol)  # topology-preserving: every part and ring stays
    dropped = geo.simplify(multi, tol, preserve_topology=False)
    assert kept.is_valid and dropped.is_valid
    assert len(shapely.get_parts(kept)) == 2 and len(shapely.get_parts(dropped)) == 1
    (poly,) = shapely.get_parts(dropped)
    assert len(poly.interiors) == 0 and shapely.get_num_coordinates(poly) < shapely.get_num_coordinates(square)
    # what moved is within perimeter x tolerance (pyproj.Geod), as the simplification allows
    perimeter_km = abs(GEOD.geometry_area_perimeter(multi)[1]) / 1000
    assert abs(_km2(dropped) - _km2(multi)) <= perimeter_km * 0.1
    assert _km2(dropped) > 0.9 * _km2(square)
