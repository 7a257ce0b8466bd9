"""Unions of a coverage's polygons read off its arcs, checked against shapely's own unions."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from frontlines.core.coverage_arcs import coverage_arcs, unions, without_thin_rings


def _grid(n: int) -> np.ndarray:
    return np.array([shapely.box(i, j, i + 1, j + 1) for j in range(n) for i in range(n)], dtype=object)


def _same_ground(got, want) -> bool:
    return shapely.area(shapely.symmetric_difference(got, want)) < 1e-9


def test_a_union_with_a_hole_and_an_island_in_it() -> None:
    cells = _grid(5)
    arcs = coverage_arcs(cells)
    labels = np.zeros(25, dtype=int)
    labels[[6, 7, 8, 11, 13, 16, 17, 18]] = -1  # a ring of cells left out around the centre
    got = unions(arcs, labels, 1)
    assert got is not None and got[0].is_valid
    assert _same_ground(got[0], shapely.union_all(cells[labels == 0]))
    assert got[0].area == pytest.approx(17.0)
    parts = shapely.get_parts(got[0])
    assert len(parts) == 2 and sorted(shapely.get_num_interior_rings(parts).tolist()) == [0, 1]


def test_polygons_that_touch_at_a_point_and_a_hole_that_touches_its_shell() -> None:
    cells = _grid(3)
    arcs = coverage_arcs(cells)
    checker = np.array([(i + j) % 2 for j in range(3) for i in range(3)])  # diagonal neighbours touch at points
    got = unions(arcs, checker, 2)
    for k in (0, 1):
        assert got[k].is_valid and _same_ground(got[k], shapely.union_all(cells[checker == k]))
    pinched = np.zeros(9, dtype=int)
    pinched[[4, 8]] = -1  # the centre's hole touches the corner cell's notch at (2, 2)
    got = unions(arcs, pinched, 1)
    assert got[0].is_valid and got[0].area == pytest.approx(7.0)
    assert _same_ground(got[0], shapely.union_all(cells[pinched == 0]))


def test_random_labels_of_an_irregular_coverage_match_shapely() -> None:
    rng = np.random.default_rng(3)
    pts = shapely.multipoints(rng.uniform(0, 10, size=(300, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=shapely.box(0, 0, 10, 10)))
    cells = shapely.intersection(cells, shapely.box(0, 0, 10, 10))
    cells = shapely.coverage_clean(cells)  # edge-matched
    for decimals in (None, 9):
        arcs = coverage_arcs(cells, decimals)
        for _ in range(5):
            labels = rng.integers(-1, 4, size=len(cells))
            got = unions(arcs, labels, 4)
            assert got is not None
            for k in range(4):
                want = shapely.union_all(cells[labels == k])
                assert got[k].is_valid
                assert shapely.area(shapely.symmetric_difference(got[k], want)) < 1e-6 * max(want.area, 1.0)


def test_a_label_without_polygons_is_empty() -> None:
    arcs = coverage_arcs(_grid(2))
    got = unions(arcs, np.array([0, 0, -1, -1]), 3)
    assert got[0].area == pytest.approx(2.0) and got[1].is_empty and got[2].is_empty


def _thin_ring_coverage() -> tuple[np.ndarray, np.ndarray, object]:
    """Cells, labels and the frame: label 0 holds a small hole, a small square, a long thin strip
    (0.2 x 0.01) and a strip 0.25 wide; label 1 a thin frame around a gap (whose rings are wide)."""
    hole = shapely.box(5, 5, 5.05, 5.05)
    gap = shapely.box(40.05, 0.05, 42.95, 2.95)
    frame = shapely.box(40, 0, 43, 3).difference(gap)
    cells = np.array([shapely.box(0, 0, 10, 10).difference(hole), hole, shapely.box(20, 0, 20.05, 0.05),
                      shapely.box(30, 0, 30.2, 0.01), shapely.box(50, 0, 50.25, 3), frame, gap], dtype=object)
    return cells, np.array([0, -1, 0, 0, 0, 1, -1]), frame


def test_rings_narrower_than_the_tolerance_are_left_out() -> None:
    """Rings whose twice area over perimeter is under the tolerance: a small hole, a small square and a
    long thin strip (0.2 x 0.01) go, a strip 0.25 wide stays. The measure is the ring's: a thin frame
    around a gap has wide rings and stays, its hole with it."""
    cells, labels, frame = _thin_ring_coverage()
    arcs = coverage_arcs(cells)
    exact = unions(arcs, labels, 2)
    got = unions(arcs, labels, 2, narrower_than=0.1)
    assert exact[0].area == pytest.approx(100 - 0.0025 + 0.0025 + 0.002 + 0.75)
    assert got[0].is_valid and got[0].area == pytest.approx(100 + 0.75)  # the hole, the square, the strip gone
    assert len(got[0].geoms) == 2 and shapely.get_num_interior_rings(got[0].geoms[0]) == 0
    assert shapely.equals(got[1], frame) and shapely.equals(exact[1], frame)


def test_thin_rings_left_out_of_a_plain_union_as_the_arcs_leave_them_out() -> None:
    """The drawing's fallback (GEOS unions where the arcs do not close) leaves out the same rings."""
    cells, labels, frame = _thin_ring_coverage()
    by_arcs = unions(coverage_arcs(cells), labels, 2, narrower_than=0.1)
    for k in (0, 1):
        got = without_thin_rings(shapely.union_all(cells[labels == k]), 0.1)
        assert got.is_valid and _same_ground(got, by_arcs[k])
    got = without_thin_rings(shapely.union_all(cells[labels == 0]), 0.1)
    assert got.area == pytest.approx(100 + 0.75)  # the hole filled, the square and the strip gone
    assert shapely.get_num_interior_rings(shapely.get_parts(got)).sum() == 0
    assert without_thin_rings(shapely.box(0, 0, 1, 0.01), 0.1).is_empty
    assert without_thin_rings(frame, 0.1).equals(frame)  # a thin frame's rings are wide
