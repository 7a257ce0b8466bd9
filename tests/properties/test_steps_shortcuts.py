"""The shortcuts of the step computation (issue 18) against the plain overlays they replace (hypothesis).

* :func:`frontlines.core.measure.dissolve` returns the MultiPolygon of the parts when that
  is valid, whatever their number, else a union of disjoint subsets: the region must be
  ``shapely.union_all``'s.
* a one-run redraw (:func:`frontlines.core.measure.edit_window`, cut with ``clip_by_rect``)
  gives the overlay of the two whole polygons.
* :func:`frontlines.core.windows._pair_vertices` pairs vertices one-to-one within the
  tolerance, checked against a brute-force search of all pairs.
"""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from frontlines.core.measure import change_parts, dissolve, edit_window
from frontlines.core.windows import _pair_vertices

cell = st.tuples(st.integers(0, 11), st.integers(0, 11), st.floats(0.2, 1.6), st.floats(0.2, 1.6))


@settings(max_examples=40, deadline=None)
@given(st.lists(cell, min_size=2, max_size=140))
def test_dissolve_of_many_parts_is_their_union(cells) -> None:
    # boxes on a grid: many only touch (a valid MultiPolygon when none overlaps), some overlap
    parts = [box(30 + x, 45 + y, 30 + x + w, 45 + y + h) for x, y, w, h in cells]
    got = dissolve(parts)
    want = shapely.union_all(parts)
    assert got.geom_type in ("Polygon", "MultiPolygon") and shapely.is_valid(got)
    assert abs(got.area - want.area) <= 1e-9 * want.area
    assert shapely.symmetric_difference(got, want).area <= 1e-9 * want.area


def test_dissolve_of_many_disjoint_parts_is_their_multipolygon() -> None:
    parts = [box(30 + 2 * i, 45, 31 + 2 * i, 46) for i in range(100)]  # more than the 64 checked before
    got = dissolve(parts)
    assert got.geom_type == "MultiPolygon" and len(got.geoms) == 100
    assert got.area == shapely.union_all(parts).area == 100.0


TOL = 1e-6


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**31 - 1), st.floats(0.0, 3e-6), st.floats(0.0, 1.0))
def test_pair_vertices_is_one_to_one_within_tolerance(n, seed, jitter, share_moved) -> None:
    rng = np.random.default_rng(seed)
    a = 30 + rng.random((n, 2)) * 1e-4  # dense: neighbouring cells and crowded cells are common
    b = a.copy()
    moved = rng.random(n) < share_moved
    b[moved] += rng.uniform(-jitter, jitter, (int(moved.sum()), 2))
    b = np.vstack([b, 30 + rng.random((n // 3, 2)) * 1e-4])[rng.permutation(n + n // 3)]
    partner = _pair_vertices(a, b, TOL)
    paired = partner >= 0
    # every pair within the tolerance, no vertex of b taken twice
    d = np.hypot(*(b[partner[paired]] - a[paired]).T)
    assert np.all(d <= TOL)
    assert len(np.unique(partner[paired])) == int(paired.sum())
    # a vertex whose redrawn copy is exact and alone (no other vertex of either layer within
    # twice the tolerance: nothing else in its grid cell, nothing else to claim it) is paired with it
    da = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    daa = np.hypot(a[:, None, 0] - a[None, :, 0], a[:, None, 1] - a[None, :, 1])
    for i in range(n):
        twins = np.flatnonzero(da[i] == 0.0)
        if len(twins) == 1 and (da[i] <= 2 * TOL).sum() == 1 and (daa[i] <= 2 * TOL).sum() == 1 \
                and (da[:, twins[0]] <= 2 * TOL).sum() == 1:
            assert partner[i] == twins[0]


def _assert_windowed_change_is_the_overlay(a: Polygon, b: Polygon) -> None:
    """An edit window is found between ``a`` and ``b``, and the change computed inside it is the plain overlay's."""
    assert edit_window(a, b) is not None
    gained, lost = change_parts({"a": a}, {"b": b})
    want_gained, want_lost = shapely.difference(b, a), shapely.difference(a, b)
    assert shapely.symmetric_difference(gained, want_gained).area <= 1e-9 * max(a.area, 1.0)
    assert shapely.symmetric_difference(lost, want_lost).area <= 1e-9 * max(a.area, 1.0)


def _star(radii: np.ndarray) -> Polygon:
    t = 2 * np.pi * np.arange(len(radii)) / len(radii)
    return Polygon(np.column_stack([35 + radii * np.cos(t), 48 + 0.6 * radii * np.sin(t)]))


@settings(max_examples=60, deadline=None)
@given(st.integers(8, 400), st.integers(0, 2**31 - 1), st.integers(1, 40))
def test_one_run_redraw_equals_the_plain_difference(n, seed, run) -> None:
    """A feature redrawn in one run of vertices: the change, computed in its edit window with
    ``clip_by_rect``, is the overlay of the two whole polygons."""
    rng = np.random.default_rng(seed)
    radii = 1.0 + 0.3 * rng.random(n)
    later = radii.copy()
    start = int(rng.integers(1, n - 1))
    stop = min(n - 1, start + run)
    later[start:stop] = 1.0 + 0.3 * rng.random(stop - start)  # the ring's first vertex is kept: one run
    a, b = _star(radii), _star(later)
    if not (a.is_valid and b.is_valid):
        return
    _assert_windowed_change_is_the_overlay(a, b)


@settings(max_examples=60, deadline=None)
@given(st.integers(8, 400), st.integers(0, 2**31 - 1), st.integers(1, 40), st.integers(0, 400))
def test_redraw_through_the_first_vertex_equals_the_plain_difference(n, seed, run, shift) -> None:
    """A run of vertices redrawn across the ring's start (and the later ring started at another
    vertex): the rings are compared cyclically, the window holds the redrawn run, and the change
    is the overlay of the two whole polygons."""
    rng = np.random.default_rng(seed)
    radii = 1.0 + 0.3 * rng.random(n)
    later = radii.copy()
    run = min(run, n - 3)
    moved = (np.arange(run) - run // 2) % n  # around index 0
    later[moved] = 1.0 + 0.3 * rng.random(run)
    a, b = _star(radii), _star(later)
    if not (a.is_valid and b.is_valid):
        return
    b = Polygon(np.roll(np.asarray(b.exterior.coords)[:-1], shift % n, axis=0))  # another start vertex
    window = edit_window(a, b)
    assert window is not None
    # the window holds the moved vertices of both and no unmoved vertex farther than the run's neighbours
    xy_a, xy_b = np.asarray(a.exterior.coords), np.asarray(b.exterior.coords)
    for xy in (xy_a, xy_b):
        changed = ~np.isin(xy.view(np.complex128).ravel(), np.intersect1d(xy_a.view(np.complex128), xy_b.view(np.complex128)))
        inside = (xy[:, 0] >= window[0]) & (xy[:, 0] <= window[2]) & (xy[:, 1] >= window[1]) & (xy[:, 1] <= window[3])
        assert inside[changed].all()
    gained, lost = change_parts({"a": a}, {"b": b})
    want_gained, want_lost = shapely.difference(b, a), shapely.difference(a, b)
    assert shapely.symmetric_difference(gained, want_gained).area <= 1e-9 * max(a.area, 1.0)
    assert shapely.symmetric_difference(lost, want_lost).area <= 1e-9 * max(a.area, 1.0)
    assert abs(gained.area - want_gained.area) <= 1e-9 * max(a.area, 1.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(12, 300), st.integers(0, 2**31 - 1), st.integers(1, 30), st.integers(0, 40), st.integers(0, 300))
def test_redraw_with_another_vertex_count_through_the_first_vertex(n, seed, run, new, shift) -> None:
    """The run across the ring's start replaced by a different number of vertices (``new``, maybe
    none): the change is still the overlay of the two whole polygons."""
    rng = np.random.default_rng(seed)
    radii = 1.0 + 0.3 * rng.random(n)
    a = _star(radii)
    run = min(run, n - 4)
    lo = -(run // 2)  # the replaced vertices: lo .. lo + run - 1 (mod n), around index 0
    t0, t1 = 2 * np.pi * (lo - 1) / n, 2 * np.pi * (lo + run) / n  # angles of the kept neighbours
    t = np.sort(rng.uniform(t0, t1, new)) if new else np.zeros(0)
    r = 1.0 + 0.3 * rng.random(new)
    fresh = np.column_stack([35 + r * np.cos(t), 48 + 0.6 * r * np.sin(t)])
    kept = np.roll(np.asarray(a.exterior.coords)[:-1], -(lo + run), axis=0)[: n - run]  # from the vertex after the run
    b = Polygon(np.roll(np.vstack([kept, fresh]), shift % (n - run + new), axis=0))
    if not (a.is_valid and b.is_valid) or b.area == 0:
        return
    _assert_windowed_change_is_the_overlay(a, b)
