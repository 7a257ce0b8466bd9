"""Areas, lengths and distances against pyproj's geodesic reference."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from frontlines.core.geodesy import (
    area_km2,
    areas_km2,
    distance_km,
    geodesic_area_km2,
    length_km,
    to_equal_area,
)

GEOD = Geod(ellps="WGS84")


def reference_km2(geom) -> float:
    """pyproj.Geod.geometry_area_perimeter, orientation-independent."""
    total = 0.0
    for poly in getattr(geom, "geoms", [geom]):
        a, _ = GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(poly, 1.0))
        total += a
    return total / 1e6


def densify(geom, step_deg: float = 0.01):
    return shapely.segmentize(geom, step_deg)


CASES = {
    "small box crossing 30E": box(29.9, 48.0, 30.1, 48.2),
    "1 degree box": densify(box(30.0, 48.0, 31.0, 49.0)),
    "box with hole": densify(Polygon(
        [(35, 47), (37, 47), (37, 48.5), (35, 48.5)], [[(35.5, 47.5), (36.5, 47.5), (36.5, 48), (35.5, 48)]]
    )),
    "multipart, east and west": densify(MultiPolygon([box(22.5, 48.2, 23.0, 48.6), box(39.0, 47.0, 40.0, 48.0)])),
    "triangle in Crimea": densify(Polygon([(33.0, 44.5), (35.0, 45.0), (34.0, 45.8)])),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_area_matches_geodesic_reference(name: str) -> None:
    geom = CASES[name]
    expected = reference_km2(geom)
    got = area_km2(geom)
    assert got == pytest.approx(expected, rel=1e-4), name  # 0.01 %
    assert geodesic_area_km2(geom) == pytest.approx(expected, rel=1e-9)


def test_known_box_area_on_paper() -> None:
    # A 0.1 x 0.1 degree box at the equator: 11.13 km x 11.06 km (WGS84 arc lengths).
    b = densify(box(0.0, 0.0, 0.1, 0.1), 0.001)
    assert area_km2(b) == pytest.approx(123.09, rel=2e-3)


def test_area_additive_over_disjoint_parts() -> None:
    a, b = box(30, 48, 31, 49), box(31, 48, 32, 49)
    assert area_km2(shapely.union(a, b)) == pytest.approx(area_km2(a) + area_km2(b), rel=1e-9)


def test_web_mercator_would_be_wrong() -> None:
    # The reason for all this: square metres in EPSG:3857 overstate Ukraine's areas about 2.2x.
    from pyproj import Transformer

    geom = CASES["1 degree box"]
    merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    m2 = shapely.transform(geom, lambda xy: np.column_stack(merc.transform(xy[:, 0], xy[:, 1]))).area / 1e6
    assert m2 / area_km2(geom) > 2.1


def test_vectorised_areas_with_missing() -> None:
    arr = np.array([box(30, 48, 30.5, 48.5), None, Polygon()], dtype=object)
    out = areas_km2(arr)
    assert out[0] == pytest.approx(reference_km2(densify(arr[0])), rel=1e-4)
    assert out[1] == 0.0 and out[2] == 0.0


def test_real_deepstate_polygon_matches_reference(deepstate_daily_dir) -> None:
    path = deepstate_daily_dir / "deepstatemap_data_20240708.geojson"
    geom = shapely.from_geojson(path.read_text())
    geom = shapely.make_valid(geom)
    assert area_km2(geom) == pytest.approx(reference_km2(geom), rel=1e-4)
    assert 105_000 < area_km2(geom) < 112_000


def test_length_and_distance_are_geodesic() -> None:
    line = LineString([(30, 50), (31, 50), (31, 51)])
    expected = GEOD.line_length([30, 31, 31], [50, 50, 51]) / 1000
    assert length_km(line) == pytest.approx(expected, rel=1e-9)
    # Kyiv - Kharkiv, about 410 km as the crow flies
    assert distance_km(30.5234, 50.4501, 36.2304, 49.9935) == pytest.approx(409.9, abs=2.0)
    d = distance_km(np.array([30.0, 30.0]), np.array([50.0, 50.0]), np.array([30.0, 31.0]), np.array([51.0, 50.0]))
    assert d.shape == (2,) and d[0] == pytest.approx(111.2, abs=0.3)


def test_projection_is_equal_area_not_conformal_only() -> None:
    geom = densify(box(36, 47, 38, 49))
    projected = to_equal_area(geom)
    assert projected.area / 1e6 == pytest.approx(reference_km2(geom), rel=1e-4)


def test_valid_polygon_that_geos_densifies_to_empty_keeps_its_area() -> None:
    """GEOS 3.14.1 ``segmentize`` returns EMPTY for this valid polygon; its area must not become 0."""
    wkt = ("POLYGON ((36.4 47.9, 36.0643290023083 47.9, 36.013337359142085 47.92319143275802, "
           "36.11500978908045 47.936760325736735, 36.0164130892909 47.961631625217, "
           "36.00713161565085 47.98100976834353, 36.113383367775874 48, 36.08561288021705 48.02047005551627, "
           "36.01680436687949 48.038383145042566, 36.064868916817126 48.06039584951817, "
           "36.11543635210994 48.08454742863495, 35.99196601942696 48.094267189684736, "
           "36.15411529751477 48.13209556052247, 36.01653940266945 48.1, 36.4 48.1, 36.4 47.9))")
    poly = shapely.from_wkt(wkt)
    assert poly.is_valid
    # pyproj.Geod (geodesic edges) as the independent reference; edges here are up to 0.4° long
    assert area_km2(poly) == pytest.approx(geodesic_area_km2(poly), rel=5e-4)


def test_areas_of_holes_multipolygons_and_collections() -> None:
    from shapely.geometry import box

    holed = box(30, 48, 31, 49).difference(box(30.2, 48.2, 30.4, 48.4))
    multi = shapely.MultiPolygon([holed, box(32, 48, 33, 49)])
    mixed = shapely.GeometryCollection([holed, shapely.Point(30.5, 48.5), shapely.LineString([(30, 48), (31, 49)])])
    got = areas_km2(np.array([None, holed, shapely.Polygon(), multi, mixed], dtype=object))
    assert got[0] == 0 and got[2] == 0
    assert got[1] == pytest.approx(geodesic_area_km2(holed), rel=1e-4)
    assert got[3] == pytest.approx(geodesic_area_km2(multi), rel=1e-4)
    assert got[4] == pytest.approx(got[1], rel=1e-12)
