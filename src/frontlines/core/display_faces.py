"""Display faces: a polygonal coverage coarsened for drawing at one tolerance.

The change faces (:mod:`frontlines.core.faces`) are mostly slivers: on the W1 history 59,859 of
70,914 faces are narrower than 0.1 km (twice their area over their perimeter), together 0.03 %
of the ground. Drawn at that tolerance they vanish, but a window's coverage union still pays
for each of them. For display only, :func:`display_faces` bundles neighbouring slivers
(while a bundle stays narrower than the tolerance), merges each bundle into the wide
neighbour with which it shares the longest edge (:func:`thin_groups`) and simplifies the
result together (``shapely.coverage_simplify``: shared edges stay shared, so unions of
display faces are coverage unions), rounded to the output grid. A window draws a display face with the class that covers
most of its area (:mod:`frontlines.service.change_display`). Nothing here touches a figure:
figures are the faces' own areas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from frontlines.core.display import DECIMALS

#: Widest bundle of slivers, in tolerances (twice its area over its perimeter).
BUNDLE_WIDTH = 1.0
#: Least share of a bundle's perimeter it must share with a wide face to join it (a strip along the
#: face shares about half).
ATTACH_SHARE = 0.25
#: Snapping distance of the cleaning after rounding, in grid steps (:func:`_on_grid`).
GRID_SNAP = 0.1

__all__ = ["ATTACH_SHARE", "BUNDLE_WIDTH", "DisplayFaces", "display_faces", "longest_neighbours", "shared_edges", "thin_groups"]


@dataclass(frozen=True, eq=False)
class DisplayFaces:
    """Display faces at one tolerance: ``geoms`` (lon/lat, an edge-matched coverage with gaps) and, for
    each input face, ``of``: the display face it is drawn in (-1: none, its ground collapsed)."""

    geoms: np.ndarray
    of: np.ndarray  # int64 per input face


def shared_edges(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first, second, length) of every pair of polygons of an edge-matched coverage that share edges
    (``first < second``; length in degrees).

    Shared edges are found as identical segments: a coverage's neighbours have the same vertices
    along their common edges.
    """
    n = len(geoms)
    rings, ring_of = shapely.get_rings(geoms, return_index=True)
    xy, coord_of = shapely.get_coordinates(rings, return_index=True)
    same = coord_of[1:] == coord_of[:-1]
    p, q = xy[:-1][same], xy[1:][same]
    face = ring_of[coord_of[:-1][same]]
    swap = (p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1]))
    a = np.where(swap[:, None], q, p)
    b = np.where(swap[:, None], p, q)
    key = np.ascontiguousarray(np.hstack([a, b])).view([("", np.float64)] * 4).ravel()
    order = np.argsort(key, kind="stable")
    dup = key[order][1:] == key[order][:-1]
    i, j = order[:-1][dup], order[1:][dup]
    fi, fj = face[i], face[j]
    keep = fi != fj
    fi, fj = fi[keep], fj[keep]
    seg = np.hypot(*(b[i] - a[i])[keep].T)
    lo, hi = np.minimum(fi, fj).astype(np.int64), np.maximum(fi, fj).astype(np.int64)
    pair, inv = np.unique(lo * max(n, 1) + hi, return_inverse=True)
    return pair // max(n, 1), pair % max(n, 1), np.bincount(inv.ravel(), weights=seg, minlength=len(pair))


def _longest(src: np.ndarray, dst: np.ndarray, length: np.ndarray, n: int) -> np.ndarray:
    """Per index 0..n-1, the ``dst`` of its longest ``(src, dst, length)`` link (ties: the lower ``dst``;
    -1: none)."""
    best = np.full(n, -1, dtype=np.int64)
    o = np.lexsort((dst, -length, src))
    src, dst = src[o], dst[o]
    first = np.r_[True, src[1:] != src[:-1]] if len(src) else np.zeros(0, dtype=bool)
    best[src[first]] = dst[first]
    return best


def longest_neighbours(geoms: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """For each polygon of an edge-matched coverage, the index of the neighbour (among ``eligible``, bool
    per polygon; default all) sharing the longest edge length with it (-1: none shares an edge;
    ties go to the lower index)."""
    lo, hi, length = shared_edges(geoms)
    src, dst, length = np.r_[lo, hi], np.r_[hi, lo], np.r_[length, length]
    if eligible is not None:
        ok = eligible[dst]
        src, dst, length = src[ok], dst[ok], length[ok]
    return _longest(src, dst, length, len(geoms))


def _width(geoms: np.ndarray) -> np.ndarray:
    """Twice the area over the perimeter (degrees): the width of a strip."""
    per = shapely.length(geoms)
    return np.where(per > 0, 2 * shapely.area(geoms) / np.where(per > 0, per, 1.0), 0.0)


def thin_groups(geoms: np.ndarray, tolerance_deg: float) -> np.ndarray:
    """The display group of each polygon of a coverage, named by its lead face (itself, or a neighbour).

    Faces narrower than ``tolerance_deg`` (slivers: twice the area over the perimeter) lie in
    stacks, side by side. First they are bundled: neighbouring slivers joined, longest shared
    edges first, as long as the bundle stays narrower than the tolerance (its perimeter the sum
    of its members' less their shared edges). A bundle that lies along a wide face (shares at
    least :data:`ATTACH_SHARE` of its perimeter with it) joins the one sharing the longest edge
    with it (its lead); the others are led by their largest member. Every sliver is thus
    grouped with ground less than the tolerance away, and a group's slivers have at most about
    tolerance x (twice their edge along the wide face) of area (a bundle is narrower than the
    tolerance, and joins only a face it lies along).
    """
    n = len(geoms)
    area = shapely.area(geoms)
    width = _width(geoms)
    wide = width >= tolerance_deg
    lo, hi, length = shared_edges(geoms)
    parent = list(range(n))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    gA = area.tolist()
    gP = shapely.length(geoms).tolist()
    tt = np.flatnonzero(~wide[lo] & ~wide[hi])
    tt = tt[np.argsort(-length[tt], kind="stable")]
    for x, y, d in zip(lo[tt].tolist(), hi[tt].tolist(), length[tt].tolist()):
        rx, ry = root(x), root(y)
        if rx == ry:  # an edge inside a bundle
            gP[rx] -= 2 * d
            continue
        a, p = gA[rx] + gA[ry], gP[rx] + gP[ry] - 2 * d
        if p > 0 and 2 * a / p < BUNDLE_WIDTH * tolerance_deg:
            keep, gone = min(rx, ry), max(rx, ry)
            parent[gone] = keep
            gA[keep], gP[keep] = a, p
    bundle = np.array([root(k) for k in range(n)], dtype=np.int64)
    # bundles next to wide faces: the wide face sharing the longest edge with the bundle
    tw = wide[lo] != wide[hi]
    thin_end = np.where(wide[lo[tw]], hi[tw], lo[tw])
    wide_end = np.where(wide[lo[tw]], lo[tw], hi[tw])
    key, inv = np.unique(bundle[thin_end] * max(n, 1) + wide_end, return_inverse=True)
    along = np.bincount(inv.ravel(), weights=length[tw], minlength=len(key))
    by = key // max(n, 1)
    # only along a good share of the bundle's outline: a long bundle touching a wide face at one end keeps to itself
    hug = along >= ATTACH_SHARE * np.asarray(gP)[by]
    onto = _longest(by[hug], (key % max(n, 1))[hug], along[hug], n)
    # bundles alone: their largest member
    order = np.lexsort((-area, bundle))
    first = np.r_[True, bundle[order][1:] != bundle[order][:-1]]
    largest = np.arange(n, dtype=np.int64)
    largest[bundle[order][first]] = order[first]
    out = np.where(onto[bundle] >= 0, onto[bundle], largest[bundle])
    out[wide] = np.flatnonzero(wide)
    return out


def display_faces(geoms: Any, tolerance_deg: float) -> DisplayFaces:
    """The display faces of an edge-matched coverage ``geoms`` (lon/lat) at ``tolerance_deg``: each face
    with the ones :func:`thin_groups` draws with it, simplified together to the tolerance (each alone
    when GEOS cannot simplify them together) and put on the output grid (:func:`_on_grid`); empty ones
    left out."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return DisplayFaces(np.empty(0, dtype=object), np.empty(0, dtype=np.int64))
    lead = thin_groups(geoms, tolerance_deg)
    order = np.argsort(lead, kind="stable")
    starts = np.flatnonzero(np.r_[True, lead[order][1:] != lead[order][:-1]])
    ends = np.r_[starts[1:], len(order)]
    merged = np.empty(len(starts), dtype=object)
    for k, (s, e) in enumerate(zip(starts.tolist(), ends.tolist())):
        members = geoms[order[s:e]]
        members = members[~shapely.is_empty(members)]
        if len(members) == 0:
            merged[k] = shapely.Polygon()
        else:
            merged[k] = members[0] if len(members) == 1 else shapely.coverage_union_all(members)
    group = np.empty(len(geoms), dtype=np.int64)  # display group of each face
    group[order] = np.repeat(np.arange(len(starts)), ends - starts)
    try:
        simple = shapely.coverage_simplify(merged, tolerance_deg)
    except shapely.errors.GEOSException:  # not a valid coverage after all: each simplified alone (drawings unite them)
        simple = shapely.simplify(merged, tolerance_deg, preserve_topology=True)
    simple = _on_grid(np.asarray(simple, dtype=object))
    ok = ~shapely.is_empty(simple)
    renumber = np.where(ok, np.cumsum(ok) - 1, -1)
    return DisplayFaces(simple[ok], renumber[group])


def _on_grid(geoms: np.ndarray) -> np.ndarray:
    """A coverage with its coordinates rounded to :data:`frontlines.core.display.DECIMALS` and noded again
    (``shapely.coverage_clean``, snapping within a tenth of the grid); as it was when GEOS cannot clean it
    or a polygon comes out invalid. (GEOS's cleaning gives a valid coverage by construction: checking it
    with ``shapely.coverage_is_valid`` took 1.8 s of the history's 6 s of display faces, and never failed.)

    A drawing rounds its coordinates for transfer, and rounding a simplified union of faces
    made ~70 % of a window's features invalid (parts within a grid step of each other), whose
    repair was most of a drawing's CPU. Rounded here, a union of display faces is nearly all
    on the grid already (the cleaning adds ~2 % of vertices off it, where rounded edges crossed);
    faces that rounding collapses (narrower than the grid step) come out empty.
    """
    if len(geoms) == 0:
        return geoms
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))
    try:
        noded = shapely.coverage_clean(rounded, snapping_distance=GRID_SNAP * 10.0 ** -DECIMALS)
    except shapely.errors.GEOSException:
        return geoms
    if not shapely.is_valid(noded).all():
        return geoms
    return np.asarray(noded, dtype=object)
