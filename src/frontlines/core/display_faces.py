"""Display faces: a polygonal coverage coarsened for drawing at one tolerance.

The change faces (:mod:`frontlines.core.faces`) are mostly slivers: on the W1 history 59,859 of
70,914 faces are narrower than 0.1 km (twice their area over their perimeter), together 0.03 %
of the ground. Drawn at that tolerance they vanish, but a window's coverage union still pays
for each of them. For display only, :func:`display_faces` bundles neighbouring slivers (while a bundle stays
narrower than the tolerance), merges each bundle into the wide neighbour with which it shares
the longest edge (:func:`thin_groups`) and simplifies the result together (``shapely.coverage_simplify``: shared edges stay shared, so unions of
display faces are coverage unions). A display face is classified in a window as its wide
face, or a lone bundle as its largest sliver (its *lead*). Nothing here touches a figure: figures are the faces' own areas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

__all__ = ["DisplayFaces", "display_faces", "longest_neighbours", "shared_edges", "thin_groups"]


@dataclass(frozen=True, eq=False)
class DisplayFaces:
    """Display faces at one tolerance: ``geoms`` (lon/lat, an edge-matched coverage with gaps) and, for
    each, ``lead``: the index of its largest member face (the one whose class it takes)."""

    geoms: np.ndarray
    lead: np.ndarray  # int64, face index per display face


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
    """The face whose class each polygon of a coverage is drawn with (itself, or a neighbour).

    Faces narrower than ``tolerance_deg`` (slivers: twice the area over the perimeter) lie in
    stacks, side by side. First they are bundled: neighbouring slivers joined, longest shared
    edges first, as long as the bundle stays narrower than the tolerance (its perimeter the sum
    of its members' less their shared edges). A bundle that touches a wide face is drawn with
    the one sharing the longest edge with it; one that touches none, with its largest member.
    Every sliver is thus drawn with a class of ground less than the tolerance away (a bundle
    is narrower than it, and only a bundle touching a wide face takes that face's class).
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
        if p > 0 and 2 * a / p < tolerance_deg:
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
    onto = _longest(key // max(n, 1), key % max(n, 1), along, n)
    # bundles alone: their largest member
    order = np.lexsort((-area, bundle))
    first = np.r_[True, bundle[order][1:] != bundle[order][:-1]]
    largest = np.arange(n, dtype=np.int64)
    largest[bundle[order][first]] = order[first]
    out = np.where(onto[bundle] >= 0, onto[bundle], largest[bundle])
    out[wide] = np.flatnonzero(wide)
    return out


def display_faces(geoms: Any, tolerance_deg: float) -> DisplayFaces:
    """The display faces of an edge-matched coverage ``geoms`` (lon/lat) at ``tolerance_deg``
    (:func:`thin_groups`), simplified together to the tolerance (as they are when GEOS cannot
    simplify them); empty ones left out."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return DisplayFaces(np.empty(0, dtype=object), np.empty(0, dtype=np.int64))
    group = thin_groups(geoms, tolerance_deg)
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
    ends = np.r_[starts[1:], len(order)]
    lead = group[order][starts]  # the face each display face is drawn with
    merged = np.empty(len(starts), dtype=object)
    for k, (s, e) in enumerate(zip(starts.tolist(), ends.tolist())):
        members = geoms[order[s:e]]
        members = members[~shapely.is_empty(members)]
        if len(members) == 0:
            merged[k] = shapely.Polygon()
        else:
            merged[k] = members[0] if len(members) == 1 else shapely.coverage_union_all(members)
    kept = ~shapely.is_empty(merged)
    merged, lead = merged[kept], lead[kept]
    try:
        simple = shapely.coverage_simplify(merged, tolerance_deg)
    except shapely.errors.GEOSException:  # not a valid coverage after all: drawn unsimplified (DP per request)
        simple = merged
    ok = ~shapely.is_empty(simple)
    return DisplayFaces(np.asarray(simple, dtype=object)[ok], lead[ok])
