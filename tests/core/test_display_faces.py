"""Display faces: slivers bundled and drawn with the wide face they lean on (hand-built coverages)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from frontlines.core.display_faces import (
    display_faces,
    longest_neighbours,
    shared_edges,
    thin_groups,
)

TOL = 0.1


def _coverage(*boxes: tuple[float, float, float, float]) -> np.ndarray:
    """Boxes noded against each other (a shared edge gets the vertices of both sides), as a cleaned coverage is."""
    geoms = np.array([box(*b) for b in boxes], dtype=object)
    noded = shapely.coverage_clean(geoms, snapping_distance=1e-12)
    assert shapely.coverage_is_valid(noded)
    return noded


def test_shared_edges_are_the_common_boundary_lengths() -> None:
    # A | B side by side (shared edge 1 long), C under both (shares 1 with A, 1 with B), D apart
    geoms = _coverage((0, 1, 1, 2), (1, 1, 2, 2), (0, 0, 2, 1), (5, 5, 6, 6))
    lo, hi, length = shared_edges(geoms)
    got = {(int(a), int(b)): float(d) for a, b, d in zip(lo, hi, length)}
    assert got == pytest.approx({(0, 1): 1.0, (0, 2): 1.0, (1, 2): 1.0})
    # C's longest neighbours tie at 1: the lower index wins; D has none
    assert longest_neighbours(geoms).tolist() == [1, 0, 0, -1]
    assert longest_neighbours(geoms, np.array([False, True, False, False])).tolist() == [1, -1, 1, -1]


def test_a_sliver_is_drawn_with_the_wide_face_sharing_its_longest_edge() -> None:
    # A (10 x 10), sliver S (0.02 wide) along A's right edge, B (10 x 4) right of S's lower part
    geoms = _coverage((0, 0, 10, 10), (10, 0, 10.02, 10), (10.02, 0, 20, 4))
    assert thin_groups(geoms, TOL).tolist() == [0, 0, 2]


def test_slivers_side_by_side_are_bundled_only_while_narrower_than_the_tolerance() -> None:
    # five slivers 0.03 wide between two wide faces: bundled longest edges first while the bundle stays
    # narrower than TOL (three: 0.09; a fourth would make 0.12), so 1-3 and 4-5; each bundle is drawn with
    # the wide face it touches. No sliver is drawn with a face TOL or more away from it.
    xs = [10 + 0.03 * k for k in range(6)]
    geoms = _coverage((0, 0, 10, 10), *((xs[k], 0, xs[k + 1], 10) for k in range(5)), (xs[5], 0, 20, 10))
    lead = thin_groups(geoms, TOL)
    assert lead.tolist() == [0, 0, 0, 0, 6, 6, 6]
    for k in range(1, 6):
        assert shapely.distance(geoms[k], geoms[int(lead[k])]) < TOL


def test_a_bundle_touching_no_wide_face_takes_its_largest_sliver() -> None:
    # three slivers 0.02, 0.03, 0.01 wide side by side, nothing else: one bundle (0.06 wide), drawn as the 0.03 one
    geoms = _coverage((0, 0, 0.02, 10), (0.02, 0, 0.05, 10), (0.05, 0, 0.06, 10))
    assert thin_groups(geoms, TOL).tolist() == [1, 1, 1]


def test_display_faces_cover_the_same_ground_as_an_edge_matched_coverage() -> None:
    xs = [10 + 0.03 * k for k in range(6)]
    geoms = _coverage((0, 0, 10, 10), *((xs[k], 0, xs[k + 1], 10) for k in range(5)), (xs[5], 0, 20, 10),
                      (0, 10, 20, 10.5))
    df = display_faces(geoms, TOL)
    lead = thin_groups(geoms, TOL)
    assert len(df.geoms) == len(np.unique(lead)) and len(df.of) == len(geoms)
    # faces of one group are drawn in one display face, and each display face holds one group
    assert sorted({(int(a), int(b)) for a, b in zip(lead, df.of)}) == sorted(set(zip(np.unique(lead).tolist(),
                                                                                      range(len(df.geoms)))))
    for k, g in enumerate(df.geoms):  # each display face is its members' ground (simplification aside)
        members = shapely.union_all(geoms[df.of == k])
        assert shapely.symmetric_difference(g, members).area <= TOL * members.length
    assert shapely.coverage_is_valid(df.geoms)  # unions of display faces are coverage unions
    assert all(g.is_valid for g in df.geoms)
    whole = shapely.coverage_union_all(df.geoms)
    assert shapely.symmetric_difference(whole, shapely.union_all(geoms)).area == pytest.approx(0.0, abs=1e-9)


def test_display_faces_of_nothing() -> None:
    df = display_faces([], TOL)
    assert len(df.geoms) == 0 and len(df.of) == 0


def test_display_faces_are_simplified_alone_when_geos_cannot_simplify_them_together(monkeypatch) -> None:
    """Drawings serve display faces as they are, so they are simplified either way: a wavy edge of 401
    points, 0.01 off a straight line, keeps its two ends when GEOS's coverage simplification fails."""
    wave = [(10 * k / 400, 0.01 * (k % 2)) for k in range(401)]
    geoms = np.array([shapely.Polygon([*wave, (10, 5), (0, 5)])], dtype=object)

    def refuse(*args, **kwargs):
        raise shapely.errors.GEOSException("TopologyException: not a coverage")

    monkeypatch.setattr(shapely, "coverage_simplify", refuse)
    df = display_faces(geoms, TOL)
    assert len(df.geoms) == 1 and df.geoms[0].is_valid
    assert shapely.get_num_coordinates(df.geoms[0]) == 5  # the box's corners, closed
    assert shapely.symmetric_difference(df.geoms[0], geoms[0]).area <= TOL * geoms[0].length
