"""Change between two redrawn layers, computed only inside the windows that changed.

Some sources (ISW) publish every layer redrawn whole: the same polygons of 35-70k
vertices each day, a few stretches edited, and on some days every vertex moved by a
few nanodegrees (a round trip through another projection) and the rings started at
another vertex. Neither part hashes nor one-run edit windows
(:func:`frontlines.core.measure.edit_window`) recognise such a layer, and the
overlay of two whole layers costs 50-100 ms a side. This module finds where two
layers differ by matching their vertices and overlays only there.

Method, for parts ``A = {a_i}`` and ``B = {b_j}`` (valid polygons; the parts of one
layer may overlap):

1. **Vertex matching.** Each vertex of ``A`` is paired with a vertex of ``B`` within
   ``tol`` degrees (nearest in a grid of ``tol`` cells; the pairing is kept
   one-to-one: a vertex of ``B`` claimed twice is paired with neither).
2. **Segment matching.** An edge of ``A`` is *matched* when its two vertices are
   paired with the two ends of one edge of ``B`` (either direction). Matched edges
   join parts of ``A`` to parts of ``B`` into groups.
3. **Windows.** The boxes of the runs of unmatched edges of both layers, and of
   every overlap between two parts of one side in one group, padded by ``tol`` and
   merged until they are pairwise disjoint.
4. **Change.** ``B − A = ∪_k (B ∩ W_k) − (A ∩ W_k)`` (each layer cut to each window
   with :func:`shapely.clip_by_rect`), ``A − B`` likewise.

Why it is right. Let ``A*`` be ``A`` with every paired vertex moved onto its
partner. Outside the windows ``W``, the rings of a group's parts in ``A*`` and in
``B`` have the same edges (the matched ones; every unmatched edge lies in ``W``).
The complement of finitely many disjoint closed boxes is connected and unbounded, so
from any point outside ``W`` a path leads to infinity without entering ``W``, and it
crosses the same edges of both: the point is inside both or inside neither by the
even-odd rule, which outside ``W`` is the union of the group's parts (a valid polygon
is the even-odd region of its rings, and overlaps of parts lie in ``W``). A part with
no matched edge has its whole boundary, hence itself, inside one window. So
``A* ∖ W = B ∖ W``, and ``(B − A) ∖ W ⊆ A Δ A*``, which lies in the regions swept by
the edges of ``A`` while their ends move to their partners: at most
:attr:`Windows.error_km2` (the convex hulls of each edge and its moved copy, in km²,
an upper bound). When all paired vertices coincide exactly the result is exact.
:func:`windowed_change` refuses (``None``) when the bound exceeds ``max_error_km2``.

Pure: never mutates its inputs; no caches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon

from frontlines.core.arrays import unique
from frontlines.core.cuts import valid_cuts

__all__ = ["MAX_ERROR_KM2", "TOL_DEG", "Windows", "change_windows", "edit_windows", "windowed_change", "within_windows"]

#: Two vertices closer than this (degrees, ~0.1 m) are the same point redrawn.
TOL_DEG = 1e-6
#: Largest area (km²) a windowed change may leave out (sub-tolerance shifts of matched vertices).
MAX_ERROR_KM2 = 0.01
#: Fewer matched edges than this share of the edges: the layers are too different for windows.
MIN_MATCHED_SHARE = 0.1
#: More windows than this: give up (the change is spread all over the layer).
MAX_WINDOWS = 400

_EMPTY = Polygon()

#: km per degree on the WGS84 ellipsoid, an upper bound (largest radius of curvature, 6,399.6 km).
_KM_PER_DEG_MAX = 6_399.6 * math.pi / 180.0


@dataclass(frozen=True)
class Windows:
    """Where two layers differ.

    Attributes
    ----------
    boxes : numpy.ndarray
        ``(k, 4)`` rows ``xmin, ymin, xmax, ymax``, pairwise disjoint; outside them the
        layers coincide (to ``error_km2``).
    error_km2 : float
        Upper bound of the area of ``(B − A) ∖ W`` and of ``(A − B) ∖ W``.
    matched_share : float
        Share of the edges of both layers that were matched.
    """

    boxes: np.ndarray
    error_km2: float
    matched_share: float


@dataclass(frozen=True)
class _Rings:
    """The vertices of a layer's rings, closing vertices dropped."""

    xy: np.ndarray  # (n, 2)
    nxt: np.ndarray  # index of the next vertex of the same ring (cyclic)
    part: np.ndarray  # part index of each vertex


def _rings(parts: Sequence[Any]) -> _Rings:
    arr = np.asarray(parts, dtype=object)
    rings, part_of_ring = shapely.get_rings(arr, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    n = len(xy)
    if n == 0:
        return _Rings(np.zeros((0, 2)), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp))
    last = np.ones(n, dtype=bool)
    last[:-1] = ring_of[1:] != ring_of[:-1]  # the closing vertex of each ring
    keep = ~last
    xy, ring_of = xy[keep], ring_of[keep]
    n = len(xy)
    idx = np.arange(n)
    nxt = idx + 1
    first = np.ones(n, dtype=bool)
    first[1:] = ring_of[1:] != ring_of[:-1]
    starts = idx[first]
    ends = np.append(starts[1:], n) - 1
    nxt[ends] = starts
    return _Rings(xy, nxt, part_of_ring[ring_of])


#: The cells next to a vertex's own, looked at for the vertices not paired in their own cell.
_NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def _pair_vertices(a: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray:
    """For each vertex of ``a``, the index of a vertex of ``b`` within ``tol`` (or -1), one-to-one.

    ``a`` and ``b`` are snapped to a grid of ``tol`` cells; each cell's candidate in ``b``
    is its vertex of lowest index. A vertex of ``a`` takes its own cell's candidate when
    within ``tol``, else the nearest within ``tol`` of the eight neighbouring cells'.
    """
    partner = np.full(len(a), -1, dtype=np.intp)
    if len(a) == 0 or len(b) == 0:
        return partner
    shift = np.int64(1) << np.int64(32)
    ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    qx, qy = np.floor(ax / tol).astype(np.int64), np.floor(ay / tol).astype(np.int64)
    kb = np.floor(bx / tol).astype(np.int64) * shift + np.floor(by / tol).astype(np.int64)
    order = np.argsort(kb, kind="stable")
    sorted_kb = kb[order]
    last = len(sorted_kb) - 1
    # The same cell first, for every vertex: a redrawn vertex is nearly always in its old one.
    key = qx * shift + qy
    pos = np.minimum(np.searchsorted(sorted_kb, key), last)
    cand = order[pos]
    hit = (sorted_kb[pos] == key) & (np.hypot(bx[cand] - ax, by[cand] - ay) <= tol)
    partner[hit] = cand[hit]
    todo = np.flatnonzero(~hit)
    if todo.size:
        best = np.full(todo.size, np.inf)
        got = np.full(todo.size, -1, dtype=np.intp)
        tx, ty, tqx, tqy = ax[todo], ay[todo], qx[todo], qy[todo]
        for dx, dy in _NEIGHBOURS:
            key = (tqx + dx) * shift + (tqy + dy)
            pos = np.minimum(np.searchsorted(sorted_kb, key), last)
            cand = order[pos]
            d = np.hypot(bx[cand] - tx, by[cand] - ty)
            better = (sorted_kb[pos] == key) & (d <= tol) & (d < best)
            got[better] = cand[better]
            best[better] = d[better]
        partner[todo] = got
    counts = np.bincount(partner[partner >= 0], minlength=len(b))
    partner[(partner >= 0) & (counts[np.maximum(partner, 0)] > 1)] = -1
    return partner


def _merge_disjoint(boxes: np.ndarray) -> np.ndarray:
    """Merge boxes that meet (closed) until all are pairwise disjoint."""
    while len(boxes) > 1:
        geoms = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        label = _components(len(boxes), left, right)
        roots, group = np.unique(label, return_inverse=True)
        if len(roots) == len(boxes):
            break
        merged = np.empty((len(roots), 4))
        merged[:, 0] = np.full(len(roots), np.inf)
        merged[:, 1] = np.full(len(roots), np.inf)
        merged[:, 2] = np.full(len(roots), -np.inf)
        merged[:, 3] = np.full(len(roots), -np.inf)
        np.minimum.at(merged[:, 0], group, boxes[:, 0])
        np.minimum.at(merged[:, 1], group, boxes[:, 1])
        np.maximum.at(merged[:, 2], group, boxes[:, 2])
        np.maximum.at(merged[:, 3], group, boxes[:, 3])
        boxes = merged
    return boxes


def _run_boxes(xy: np.ndarray, nxt: np.ndarray, unmatched: np.ndarray, pad: float) -> np.ndarray:
    """One box per run of consecutive unmatched edges of a ring (edge ``i`` joins ``i`` and ``nxt[i]``)."""
    idx = np.flatnonzero(unmatched)
    if idx.size == 0:
        return np.zeros((0, 4))
    p, q = xy[idx], xy[nxt[idx]]
    lo, hi = np.minimum(p, q), np.maximum(p, q)
    start = np.ones(idx.size, dtype=bool)
    start[1:] = nxt[idx[:-1]] != idx[1:]  # the previous unmatched edge does not lead into this one
    at = np.flatnonzero(start)
    return np.column_stack([np.minimum.reduceat(lo, at, axis=0) - pad, np.maximum.reduceat(hi, at, axis=0) + pad])


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected component label of each of ``n`` nodes joined by the edges ``left[k]-right[k]``."""
    label = np.arange(n)
    while True:  # hook every node to the smallest label it sees, then jump pointers to the roots
        low = label.copy()
        np.minimum.at(low, left, label[right])
        np.minimum.at(low, right, label[left])
        while True:
            jumped = low[low]
            if np.array_equal(jumped, low):
                break
            low = jumped
        if np.array_equal(low, label):
            return label
        label = low


def _overlap_boxes(a: Sequence[Any], b: Sequence[Any], part_a: np.ndarray, part_b: np.ndarray) -> np.ndarray:
    """Boxes holding every overlap between parts of one side that are joined by matched edges.

    Parts ``a_i`` and ``b_j`` are joined when an edge of ``a_i`` matched an edge of ``b_j``.
    A group of joined parts is the even-odd region of its rings except where two of its
    parts on one side share interior points; those overlaps must lie in the windows.
    """
    na, nb = len(a), len(b)
    if na * nb <= 1_000_000:
        code = np.flatnonzero(np.bincount(part_a * nb + part_b, minlength=na * nb))
    else:
        code = unique(part_a * nb + part_b)
    label = _components(na + nb, code // nb, na + code % nb)
    out = [np.zeros((0, 4))]
    for parts, offset in ((a, 0), (b, na)):
        lab = label[offset : offset + len(parts)]
        groups, counts = np.unique(lab, return_counts=True)
        for g in groups[counts > 1]:
            out.append(_overlaps([parts[i] for i in np.flatnonzero(lab == g)]))
    return np.vstack(out)


def _overlaps(parts: Sequence[Any]) -> np.ndarray:
    """Bounds of the smaller polygon of each pair that shares interior points (shared edges are fine)."""
    arr = np.asarray(parts, dtype=object)
    if shapely.is_valid(shapely.multipolygons(arr)):
        return np.zeros((0, 4))
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    hit = shapely.relate_pattern(arr[left], arr[right], "T********")
    left, right = left[hit], right[hit]
    size = shapely.area(shapely.envelope(arr))
    smaller = np.where(size[left] <= size[right], left, right)
    return shapely.bounds(arr[smaller]).reshape(-1, 4)


def _tri2(ux: np.ndarray, uy: np.ndarray, vx: np.ndarray, vy: np.ndarray, wx: np.ndarray, wy: np.ndarray) -> np.ndarray:
    """Areas of the triangles ``uvw``."""
    return np.abs((vx - ux) * (wy - uy) - (wx - ux) * (vy - uy)) / 2


def change_windows(a: Sequence[Any], b: Sequence[Any], *, tol: float = TOL_DEG) -> Windows | None:
    """The windows outside which two sets of polygon parts coincide.

    Parameters
    ----------
    a, b : sequence of shapely.Polygon
        Valid lon/lat polygons (the parts of one layer may overlap each other).
    tol : float
        Vertices closer than this (degrees) count as the same point.

    Returns
    -------
    Windows or None
        ``None`` when the layers are too different for windows to help (fewer than
        :data:`MIN_MATCHED_SHARE` of their edges matched, more than
        :data:`MAX_WINDOWS` windows) or one of them is empty.

    Examples
    --------
    >>> from shapely.geometry import Polygon
    >>> a = Polygon([(0, 0), (4, 0), (4, 4), (2, 4), (0, 4)])
    >>> b = Polygon([(2, 4), (0, 4), (0, 0), (4, 0), (5, 2), (4, 4)])  # another start vertex
    >>> w = change_windows([a], [b], tol=1e-6)
    >>> w.boxes.round(6).tolist(), w.error_km2
    ([[3.999999, -1e-06, 5.000001, 4.000001]], 0.0)
    """
    ra, rb = _rings(a), _rings(b)
    na, nb = len(ra.xy), len(rb.xy)
    if na == 0 or nb == 0:
        return None
    partner = _pair_vertices(ra.xy, rb.xy, tol)
    p0, p1 = partner, partner[ra.nxt]
    both = (p0 >= 0) & (p1 >= 0)
    fwd = both & (rb.nxt[np.maximum(p0, 0)] == p1)
    bwd = both & ~fwd & (rb.nxt[np.maximum(p1, 0)] == p0)
    matched_a = fwd | bwd
    matched_b = np.zeros(nb, dtype=bool)
    matched_b[p0[fwd]] = True
    matched_b[p1[bwd]] = True
    share = (matched_a.sum() + matched_b.sum()) / (na + nb)
    if share < MIN_MATCHED_SHARE:
        return None
    overlaps = _overlap_boxes(a, b, ra.part[matched_a], rb.part[p0[matched_a]])
    boxes = np.vstack([
        overlaps + np.array([-tol, -tol, tol, tol]),
        _run_boxes(ra.xy, ra.nxt, ~matched_a, tol),
        _run_boxes(rb.xy, rb.nxt, ~matched_b, tol),
    ])
    boxes = _merge_disjoint(boxes) if len(boxes) else boxes
    if len(boxes) > MAX_WINDOWS:
        return None
    return Windows(boxes, _error_bound(ra, rb.xy, partner), float(share))


#: An edit split into more windows than this is cut with one window (each window costs two clips).
MAX_EDIT_WINDOWS = 16


def _vertex_hash(xy: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each vertex's exact coordinates (candidates only: matches are checked exactly)."""
    bits = np.ascontiguousarray(xy, dtype=np.float64).view(np.uint64)
    with np.errstate(over="ignore"):
        return bits[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ (bits[:, 1] * np.uint64(0xC2B2AE3D27D4EB4F) + np.uint64(1))


def _shared_edges(pa: np.ndarray, pb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which edges of the vertex runs ``pa`` and ``pb`` (edge ``i`` joins rows ``i`` and ``i + 1``) the other run has too.

    An edge is shared when its two ends equal, exactly, the two ends of an edge of the
    other run (either direction). Candidates are found by hash, then compared exactly.
    """
    ha, hb = _vertex_hash(pa), _vertex_hash(pb)
    with np.errstate(over="ignore"):
        ka, kb = ha[:-1] + ha[1:], hb[:-1] + hb[1:]  # the same for both directions
    order = np.argsort(kb, kind="stable")
    sk = kb[order]
    pos = np.minimum(np.searchsorted(sk, ka), len(sk) - 1)
    cand = order[pos]
    p, q, r, t = pa[:-1], pa[1:], pb[cand], pb[cand + 1]
    same = (sk[pos] == ka) & (
        (np.all(p == r, axis=1) & np.all(q == t, axis=1)) | (np.all(p == t, axis=1) & np.all(q == r, axis=1))
    )
    shared_b = np.zeros(len(kb), dtype=bool)
    shared_b[cand[same]] = True
    return same, shared_b


def _run_bounds(pts: np.ndarray, unmatched: np.ndarray) -> np.ndarray:
    """Bounds ``(k, 4)`` of each run of consecutive unmatched edges of a vertex run (edge ``i``: rows ``i``, ``i + 1``)."""
    idx = np.flatnonzero(unmatched)
    if idx.size == 0:
        return np.zeros((0, 4))
    p, q = pts[idx], pts[idx + 1]
    lo, hi = np.minimum(p, q), np.maximum(p, q)
    start = np.ones(idx.size, dtype=bool)
    start[1:] = np.diff(idx) != 1
    at = np.flatnonzero(start)
    return np.column_stack([np.minimum.reduceat(lo, at, axis=0), np.maximum.reduceat(hi, at, axis=0)])


def _merge_small(boxes: list[list[float]]) -> list[list[float]]:
    """Merge boxes that meet (closed) until pairwise disjoint (few boxes: quadratic)."""
    merged = True
    while merged and len(boxes) > 1:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                    boxes[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return boxes


def edit_windows(a_run: np.ndarray, b_run: np.ndarray, pad: float) -> np.ndarray | None:
    """Pairwise disjoint boxes outside which two redrawings of a polygon coincide exactly.

    For a polygon ``b`` that is ``a`` with one run of exterior vertices replaced
    (:func:`frontlines.core.measure.edit_window`), ``a_run`` / ``b_run`` are the
    replaced runs with the unchanged vertex before and after each. An edge (two
    consecutive vertices, either direction) that both runs have with exactly the same
    coordinates is *shared*; each run of the other edges gets the box of its vertices,
    padded by ``pad``, and boxes that meet are merged until pairwise disjoint. Outside
    those boxes both polygons have the same edges, so (the argument of
    :func:`change_windows`, here with exact equality, hence no error) they hold the
    same points: ``b − a = ∪_k (b ∩ W_k) − (a ∩ W_k)``, and likewise ``a − b``.
    Several short edits along one long front line thus give several small windows
    where the one window around them all holds most of the line's vertices.

    Parameters
    ----------
    a_run, b_run : numpy.ndarray
        ``(n, 2)`` vertices, ``n >= 2``.
    pad : float
        Degrees added on every side of each box.

    Returns
    -------
    numpy.ndarray or None
        ``(k, 4)`` rows ``xmin, ymin, xmax, ymax`` (``k = 0``: the runs have the same
        edges); ``None`` when there are more than :data:`MAX_EDIT_WINDOWS`.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([(30, 48), (35, 48), (36, 48), (40, 48), (40, 50)], dtype=float)
    >>> b = np.array([(30, 48), (35, 47), (36, 48), (40, 48), (41, 49), (40, 50)], dtype=float)
    >>> edit_windows(a, b, 0.0).tolist()  # the edge (36, 48)-(40, 48) is kept
    [[30.0, 47.0, 36.0, 48.0], [40.0, 48.0, 41.0, 50.0]]
    """
    if len(a_run) < 2 or len(b_run) < 2:
        return None
    shared_a, shared_b = _shared_edges(a_run, b_run)
    found = np.vstack([_run_bounds(a_run, ~shared_a), _run_bounds(b_run, ~shared_b)])
    if len(found) > 4 * MAX_EDIT_WINDOWS:
        return None
    boxes = _merge_small((found + np.array([-pad, -pad, pad, pad])).tolist())
    if len(boxes) > MAX_EDIT_WINDOWS:
        return None
    return np.array(boxes, dtype=float).reshape(-1, 4)


def _error_bound(ra: _Rings, b_xy: np.ndarray, partner: np.ndarray) -> float:
    """Upper bound (km²) of the area swept by the edges of ``a`` moving onto their partners.

    Each edge ``pq`` moved to ``rs`` sweeps at most the convex hull of ``p, q, r, s``,
    bounded by half the sum of the four triangles of those points.
    """
    x, y = ra.xy[:, 0], ra.xy[:, 1]
    has = partner >= 0
    mx, my = x.copy(), y.copy()
    mx[has] = b_xy[partner[has], 0]
    my[has] = b_xy[partner[has], 1]
    shifted = (mx != x) | (my != y)
    edges = np.flatnonzero(shifted | shifted[ra.nxt])
    if edges.size == 0:
        return 0.0
    nxt = ra.nxt[edges]
    px, py, qx, qy = x[edges], y[edges], x[nxt], y[nxt]
    rx, ry, sx, sy = mx[edges], my[edges], mx[nxt], my[nxt]
    deg2 = (_tri2(px, py, qx, qy, rx, ry) + _tri2(px, py, qx, qy, sx, sy) + _tri2(px, py, rx, ry, sx, sy)
            + _tri2(qx, qy, rx, ry, sx, sy)) / 2
    lat = np.minimum(np.abs(py), np.abs(qy))
    return float(np.sum(deg2 * np.cos(np.radians(np.minimum(lat, 90.0)))) * _KM_PER_DEG_MAX**2)


def _polygon_parts(geom: Any) -> list[Any]:
    parts = shapely.get_parts(geom)
    return list(parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)])


def _clip(parts: np.ndarray, bounds: np.ndarray, box: np.ndarray) -> list[Any]:
    """The parts cut to one box (valid polygons; only parts whose bounds meet it)."""
    xmin, ymin, xmax, ymax = box
    near = parts[(bounds[:, 0] <= xmax) & (bounds[:, 2] >= xmin) & (bounds[:, 1] <= ymax) & (bounds[:, 3] >= ymin)]
    if near.size == 0:
        return []
    cut = valid_cuts(shapely.clip_by_rect(near, xmin, ymin, xmax, ymax))
    pieces = shapely.get_parts(cut[~shapely.is_empty(cut)])
    return list(pieces[shapely.get_type_id(pieces) == 3])


def _union(pieces: list[Any]) -> Any:
    """Union of valid polygons (their MultiPolygon when they do not overlap)."""
    if not pieces:
        return _EMPTY
    if len(pieces) == 1:
        return pieces[0]
    multi = shapely.multipolygons(pieces)
    if shapely.is_valid(multi):
        return multi
    return _polygonal(shapely.union_all(pieces))


def _polygonal(geom: Any) -> Any:
    """The polygonal pieces of an overlay result, as one geometry (drops lines and points)."""
    if shapely.get_type_id(geom) in (3, 6):
        return geom
    polys = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(polys) if polys else _EMPTY


def within_windows(a: Sequence[Any], b: Sequence[Any], windows: Windows, *, only: str | None = None) -> tuple[Any, Any]:
    """(b − a, a − b) computed inside the windows only (see :func:`change_windows`).

    ``only="gained"`` / ``"lost"`` computes one side and returns None for the other.
    """
    pa, pb = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    ba, bb = shapely.bounds(pa).reshape(-1, 4), shapely.bounds(pb).reshape(-1, 4)
    gained: list[Any] = []
    lost: list[Any] = []
    for box in windows.boxes:
        ua, ub = _union(_clip(pa, ba, box)), _union(_clip(pb, bb, box))
        if only != "lost":
            gained.extend(_polygon_parts(shapely.difference(ub, ua)))
        if only != "gained":
            lost.extend(_polygon_parts(shapely.difference(ua, ub)))
    # Pieces of disjoint windows are disjoint: their union is their MultiPolygon.
    g = None if only == "lost" else (shapely.multipolygons(gained) if gained else _EMPTY)
    l = None if only == "gained" else (shapely.multipolygons(lost) if lost else _EMPTY)
    return g, l


def windowed_change(
    a: Sequence[Any], b: Sequence[Any], *, tol: float = TOL_DEG, max_error_km2: float = MAX_ERROR_KM2,
    only: str | None = None,
) -> tuple[Any, Any] | None:
    """(gained, lost) = (b − a, a − b) of two sets of parts, overlaid only where they differ.

    Parameters
    ----------
    a, b : sequence of shapely.Polygon
        Valid lon/lat polygons: the earlier and the later layer (or the parts of them
        that are not shared).
    tol : float
        Vertex tolerance in degrees (see :func:`change_windows`).
    max_error_km2 : float
        Largest area the result may leave out (sub-tolerance vertex shifts); above it, None.
    only : {"gained", "lost"}, optional
        Compute one side only; the other is None.

    Returns
    -------
    (gained, lost) or None
        Polygonal geometries; ``None`` when windows do not apply (the caller overlays
        the whole layers).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> gained, lost = windowed_change([box(0, 0, 4, 4)], [box(0, 0, 4, 4).union(box(4, 1, 5, 2))])
    >>> gained.area, lost.is_empty
    (1.0, True)
    """
    windows = change_windows(a, b, tol=tol)
    if windows is None or windows.error_km2 > max_error_km2:
        return None
    return within_windows(a, b, windows, only=only)
