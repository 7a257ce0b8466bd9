"""Geometry checks and repairs."""

from __future__ import annotations

import pytest
from shapely.geometry import MultiPolygon, Point, Polygon, box

from frontlines.core.validate import Repairs, check_lonlat, polygon_parts
from frontlines.errors import CoordinateError


def test_bow_tie_is_repaired_and_counted() -> None:
    bow = Polygon([(30, 48), (31, 49), (31, 48), (30, 49), (30, 48)])
    repairs = Repairs()
    parts = polygon_parts(bow, where="f.geojson feature 0", repairs=repairs)
    assert repairs.repaired == 1
    assert len(parts) == 2 and all(p.is_valid for p in parts)
    assert "Self-intersection" in repairs.details[0] and "f.geojson" in repairs.details[0]


def test_points_are_ignored_and_multipolygons_split() -> None:
    parts = polygon_parts(MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)]), where="x")
    assert [p.bounds for p in parts] == [(0, 0, 1, 1), (2, 0, 3, 1)]
    assert polygon_parts(Point(1, 1), where="x") == []


def test_projected_metres_are_refused() -> None:
    with pytest.raises(CoordinateError, match="look projected"):
        check_lonlat(box(3_500_000, 6_000_000, 3_600_000, 6_100_000), where="web.geojson")


def test_out_of_range_degrees_are_refused() -> None:
    with pytest.raises(CoordinateError, match=r"outside \[-180, 180\] x \[-90, 90\]"):
        check_lonlat(box(170, 80, 200, 95), where="bad.geojson")


def test_exteriors_are_counter_clockwise() -> None:
    cw = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
    (part,) = polygon_parts(cw, where="x")
    assert part.exterior.is_ccw
