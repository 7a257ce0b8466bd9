"""A polygonal coverage as arcs: unions of any of its polygons without an overlay (pure geometry).

The edges of a coverage (polygons that share edges exactly and do not overlap) split into
*arcs*: chains of segments with the same polygon on their left and on their right (or
none). The union of a subset of the polygons is bounded by exactly the arcs with the subset
on one side only, so once the arcs are known a union is a selection of arcs (numpy) and a
chaining of them into rings (numpy), with no overlay and no noding: its cost grows with the
union's boundary, not with the polygons inside it.

:func:`coverage_arcs` finds the arcs of a coverage (once); :func:`unions` gives the unions
of any number of disjoint subsets (labels per polygon). The arcs' coordinates can be
rounded (for transfer); rounding can make a union invalid where two arcs come closer than
the rounding, so callers check :func:`shapely.is_valid` and repair what is not.

Pure: numpy and shapely; the arrays are never mutated after construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from frontlines.core.arrays import unique

__all__ = ["CoverageArcs", "coverage_arcs", "unions", "without_thin_rings"]


@dataclass(frozen=True, eq=False)
class CoverageArcs:
    """The arcs of a coverage of ``polygons`` polygons.

    Arc ``k`` runs through ``xy[off[k]:off[k + 1]]`` (no repeated consecutive points), from
    node ``start[k]`` to node ``end[k]``, with polygon ``left[k]`` on its left and ``right[k]`` on
    its right (-1: none). Arcs that collapsed when rounded are kept with -1 on both sides.
    """

    xy: np.ndarray  # float64 (n, 2)
    off: np.ndarray  # int64 (arcs + 1)
    left: np.ndarray  # int32
    right: np.ndarray  # int32
    start: np.ndarray  # int64 node id
    end: np.ndarray  # int64 node id
    polygons: int

    def __sizeof_content__(self) -> int:  # the cache's charge
        return sum(a.nbytes for a in (self.xy, self.off, self.left, self.right, self.start, self.end))

    @property
    def arcs(self) -> int:
        return len(self.left)


def _void(rows: np.ndarray) -> np.ndarray:
    """Each row of a contiguous float64 array as one comparable scalar (its bytes)."""
    rows = np.ascontiguousarray(rows)
    return rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()


def coverage_arcs(polygons: np.ndarray, decimals: int | None = None) -> CoverageArcs:
    """The arcs of a valid coverage (an array of (Multi)Polygons sharing edges exactly; empty ones allowed).

    ``decimals``: round the arcs' coordinates (after they are found, so shared edges stay
    shared; points that rounding merges are dropped, arcs that collapse to a point lose
    their sides).
    """
    polys = shapely.orient_polygons(np.asarray(polygons, dtype=object))  # shells ccw, holes cw: the polygon on the left
    parts, part_of = shapely.get_parts(polys, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    seg = np.flatnonzero(ring_of[1:] == ring_of[:-1])  # segment seg -> seg + 1 within a ring
    left = part_of[ring_part[ring_of[seg]]].astype(np.int32)
    a, b = xy[seg], xy[seg + 1]
    fwd, rev = _void(np.hstack([a, b])), _void(np.hstack([b, a]))
    o = np.argsort(fwd)
    at = np.minimum(np.searchsorted(fwd[o], rev), len(o) - 1)
    found = fwd[o][at] == rev
    right = np.full(len(seg), -1, dtype=np.int32)
    right[found] = left[o[at[found]]]
    keep = (right == -1) | (left < right)  # each shared edge once
    seg, left, right = seg[keep], left[keep], right[keep]
    # arcs: the segments of one (left, right) pair chained
    n = len(polys) + 1
    pair = left.astype(np.int64) * n + (right.astype(np.int64) + 1)
    order = np.argsort(pair, kind="stable")
    pairs, pid = np.unique(pair[order], return_inverse=True)
    lines = shapely.linestrings(np.stack([xy[seg[order]], xy[seg[order] + 1]], axis=1))
    merged = shapely.line_merge(shapely.multilinestrings(lines, indices=pid), directed=True)
    arcs, arc_pair = shapely.get_parts(merged, return_index=True)
    arc_left = (pairs[arc_pair] // n).astype(np.int32)
    arc_right = (pairs[arc_pair] % n - 1).astype(np.int32)
    pts, which = shapely.get_coordinates(arcs, return_index=True)
    if decimals is not None:
        pts = np.round(pts, decimals)
    dup = np.zeros(len(pts), dtype=bool)
    dup[1:] = (pts[1:] == pts[:-1]).all(axis=1) & (which[1:] == which[:-1])
    pts, which = pts[~dup], which[~dup]
    pts, which, arc_left, arc_right = _split_at_nodes(pts, which, arc_left, arc_right)  # after rounding: it joins points
    count = np.bincount(which, minlength=len(arc_left))
    off = np.r_[0, np.cumsum(count)].astype(np.int64)
    collapsed = count < 2
    arc_left[collapsed] = -1
    arc_right[collapsed] = -1
    ends = np.concatenate([pts[off[:-1]], pts[off[1:] - 1]])
    _, node = np.unique(_void(ends), return_inverse=True)
    return CoverageArcs(xy=pts, off=off, left=arc_left, right=arc_right, start=node[: len(arc_left)],
                        end=node[len(arc_left) :], polygons=len(polys))


def _split_at_nodes(pts: np.ndarray, which: np.ndarray, left: np.ndarray, right: np.ndarray,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arcs (points ``pts`` of arc ``which``) cut where an inner point is also a point of another arc (or again
    of the same one).

    ``line_merge`` chains the segments of one (left, right) pair through any point where only they
    meet, though other arcs may pass or end there (a polygon touching itself at a point): a
    union's rings must be able to turn there.
    """
    first = np.r_[True, which[1:] != which[:-1]]
    last = np.r_[which[1:] != which[:-1], True]
    _, at, seen = np.unique(_void(pts), return_inverse=True, return_counts=True)
    cut = ~first & ~last & (seen[at] > 1)  # an inner point that is also another arc's point (or its own again)
    if not cut.any():
        return pts, which, left, right
    copies = np.where(cut, 2, 1)
    new_pts = np.repeat(pts, copies, axis=0)
    starts = np.r_[0, np.cumsum(copies)[:-1]]  # where each old point went
    begins = np.zeros(len(new_pts), dtype=bool)
    begins[starts[first]] = True
    begins[starts[cut] + 1] = True  # the second copy of a cut point starts a new arc
    new_which = np.cumsum(begins) - 1
    parent = np.repeat(which, copies)[begins]
    return new_pts, new_which, left[parent], right[parent]


def _ends(arcs: CoverageArcs, arc: np.ndarray, fwd: np.ndarray, at_end: bool) -> np.ndarray:
    """Angle of each (oriented) arc's segment at its first (``at_end`` False) or last node, pointing away from
    the node."""
    first = fwd != at_end  # the node is the arc's first stored point
    lo, hi = arcs.off[arc], arcs.off[arc + 1]
    p = np.where(first, lo, hi - 1)
    q = np.where(first, lo + 1, hi - 2)
    d = arcs.xy[q] - arcs.xy[p]
    return np.arctan2(d[:, 1], d[:, 0])


def _pair_turning(arcs: CoverageArcs, arc: np.ndarray, fwd: np.ndarray, key: np.ndarray, o_in: np.ndarray,
                  o_out: np.ndarray, succ: np.ndarray) -> None:
    """Where a union's boundary passes a node more than once, link each incoming arc to the first outgoing arc
    clockwise from the direction it came from (the union stays on the left: its rings touch at the
    node instead of crossing there). ``key``: node (per label) of the entries in ``o_out`` order (the
    same as the incoming ones in ``o_in`` order); ``succ`` is updated where the turns give a one-to-one
    link (elsewhere the order of the sort stays)."""
    many = np.zeros(len(key), dtype=bool)
    same = key[1:] == key[:-1]
    many[1:] |= same
    many[:-1] |= same
    where = np.flatnonzero(many)
    ins, outs, node = o_in[where], o_out[where], key[where]
    back = _ends(arcs, arc[ins], fwd[ins], True)  # where each incoming arc came from
    out = _ends(arcs, arc[outs], fwd[outs], False)
    # (node, angle) as one sortable number: node * 8 + angle in [0, 2 pi)
    out_key = node * 8.0 + (out + np.pi)
    o = np.argsort(out_key)
    out_key, outs_o = out_key[o], outs[o]
    first = np.searchsorted(out_key, node * 8.0)  # the node's first outgoing
    last = np.searchsorted(out_key, node * 8.0 + 7.0) - 1  # and its last
    # clockwise next: the largest outgoing angle below the incoming's back angle, else (wrapping) the largest
    pick = np.searchsorted(out_key, node * 8.0 + (back + np.pi)) - 1
    pick = np.where(pick < first, last, pick)
    taken = np.bincount(pick, minlength=len(pick))
    clash = np.zeros(len(pick), dtype=bool)  # nodes where the turns are not one-to-one (degenerate angles)
    clash[taken[pick] > 1] = True
    bad_nodes = node[clash]
    ok = ~np.isin(node, bad_nodes)  # there the order of the sort stays
    succ[ins[ok]] = outs_o[pick[ok]]


def unions(arcs: CoverageArcs, labels: np.ndarray, count: int, narrower_than: float = 0.0) -> list[Any] | None:
    """The union of the polygons of each label ``0 .. count - 1`` (``labels``: per polygon, -1 for none), as
    (Multi)Polygons (EMPTY for a label without ground); None when the arcs do not close into rings
    (not a coverage).

    ``narrower_than`` > 0: rings narrower than that (twice their area over their perimeter: a strip's
    width) are left out (a part with its holes, or a hole): drawn at that tolerance, ground thinner
    than it is below the drawing's resolution (slivers and hairlines that simplifying the union
    would collapse).

    Each boundary arc is taken with its label on the left; at every node the arcs are linked
    into rings (where a label's boundary passes a node more than once, by turning:
    :func:`_pair_turning`); rings with the label on their left and counter-clockwise are shells,
    the others holes, each in the smallest shell around it.
    """
    lab = np.append(np.asarray(labels, dtype=np.int64), -1)  # index -1 (no polygon) -> no label
    la, lb = lab[arcs.left], lab[arcs.right]
    b = np.flatnonzero(la != lb)
    label = np.concatenate([la[b], lb[b]])
    arc = np.concatenate([b, b])
    fwd = np.r_[np.ones(len(b), dtype=bool), np.zeros(len(b), dtype=bool)]
    m = label >= 0
    label, arc, fwd = label[m], arc[m], fwd[m]
    out: list[Any] = [shapely.MultiPolygon() for _ in range(count)]
    if not len(arc):
        return out
    nodes = int(max(arcs.start.max(), arcs.end.max())) + 1
    s = np.where(fwd, arcs.start[arc], arcs.end[arc]) + label * nodes
    e = np.where(fwd, arcs.end[arc], arcs.start[arc]) + label * nodes
    o_out, o_in = np.argsort(s, kind="stable"), np.argsort(e, kind="stable")
    if not np.array_equal(s[o_out], e[o_in]):
        return None
    succ = np.empty(len(arc), dtype=np.int64)
    succ[o_in] = o_out
    key = s[o_out]
    if (key[1:] == key[:-1]).any():  # nodes a boundary passes more than once
        _pair_turning(arcs, arc, fwd, key, o_in, o_out, succ)
    ring, rank = _cycles(succ)
    order = np.lexsort((rank, ring))
    ring = ring.copy()
    ring[order] = _split_pinched(ring[order], s[order])
    order = order[np.argsort(ring[order], kind="stable")]
    a, f = arc[order], fwd[order]
    n_pts = arcs.off[a + 1] - arcs.off[a] - 1  # each arc without its last point (the next arc's first)
    first = np.where(f, arcs.off[a], arcs.off[a + 1] - 1)
    step = np.where(f, 1, -1)
    before = np.cumsum(n_pts) - n_pts
    idx = np.repeat(first, n_pts) + np.repeat(step, n_pts) * (np.arange(int(n_pts.sum())) - np.repeat(before, n_pts))
    roots, entry_ring = np.unique(ring[order], return_inverse=True)
    ring_label = np.empty(len(roots), dtype=np.int64)
    ring_label[entry_ring] = label[order]
    rid = np.repeat(entry_ring, n_pts)
    enough = np.bincount(rid, minlength=len(roots)) >= 3  # fewer points: a ring that collapsed when rounded
    if not enough.any():
        return out
    pt = enough[rid]
    renum = np.cumsum(enough) - 1
    ring_xy, ring_id = arcs.xy[idx[pt]], renum[rid[pt]]
    ring_label = ring_label[enough]
    signed, perimeter, lo, hi = _ring_measures(ring_xy, ring_id, len(ring_label))
    area = np.abs(signed)
    keep = area > 0
    if narrower_than > 0:  # thinner rings (and the holes of such a shell: inside it) left out
        keep &= _wide(area, perimeter, narrower_than)
    if not keep.any():
        return out
    at = keep[ring_id]
    rings = shapely.linearrings(ring_xy[at], indices=(np.cumsum(keep) - 1)[ring_id[at]])
    ring_label, area, ccw, lo, hi = ring_label[keep], area[keep], signed[keep] > 0, lo[keep], hi[keep]
    shells = np.flatnonzero(ccw)
    holes = np.flatnonzero(~ccw)
    owner = np.full(len(rings), -1, dtype=np.int64)
    owner[shells] = shells
    if len(holes):
        # the shells around a point inside each hole, larger than the hole (an island in the hole is smaller)
        inner = shapely.get_coordinates(shapely.point_on_surface(shapely.polygons(rings[holes])))
        boxes = shapely.box(lo[shells, 0], lo[shells, 1], hi[shells, 0], hi[shells, 1])
        hi_, si = shapely.STRtree(boxes).query(shapely.points(inner))
        keep = (ring_label[holes[hi_]] == ring_label[shells[si]]) & (area[shells[si]] > area[holes[hi_]])
        hi_, si = hi_[keep], si[keep]
        cand, at = np.unique(si, return_inverse=True)
        shell_poly = shapely.polygons(rings[shells[cand]])  # made here: prepared in place by contains_xy, never shared
        inside = shapely.contains_xy(shell_poly[at.ravel()], inner[hi_, 0], inner[hi_, 1])
        hi_, si = hi_[inside], si[inside]
        best = np.lexsort((area[shells[si]], hi_))
        hi_, si = hi_[best], si[best]
        firsts = np.r_[True, hi_[1:] != hi_[:-1]] if len(hi_) else np.zeros(0, dtype=bool)
        owner[holes[hi_[firsts]]] = shells[si[firsts]]
    use = owner >= 0  # a hole in no shell of its label: dropped (cannot happen in a coverage)
    o = np.lexsort((~ccw[use], owner[use]))  # per polygon: its shell, then its holes
    r, own = rings[use][o], owner[use][o]
    _, poly_id = np.unique(own, return_inverse=True)
    polys = shapely.polygons(r, indices=poly_id)
    poly_label = ring_label[unique(own)]
    for k in unique(poly_label).tolist():
        out[k] = shapely.multipolygons(polys[poly_label == k])
    return out


def _wide(area: np.ndarray, perimeter: np.ndarray, narrower_than: float) -> np.ndarray:
    """Whether each ring is at least ``narrower_than`` wide (twice its area over its perimeter: a strip's width)."""
    return 2 * area >= narrower_than * perimeter


def without_thin_rings(geom: Any, narrower_than: float) -> Any:
    """``geom`` (polygonal) without its rings narrower than ``narrower_than``, as :func:`unions` leaves them out.

    A ring's width is twice its area over its perimeter; a part whose shell is thinner goes with its
    holes, a thinner hole is filled.

    Examples
    --------
    >>> from shapely.geometry import MultiPolygon, Polygon, box
    >>> wide = Polygon(box(0, 0, 10, 10).exterior, [box(2, 2, 2.05, 2.05).exterior, box(5, 5, 8, 8).exterior])
    >>> got = without_thin_rings(MultiPolygon([wide, box(20, 0, 20.2, 0.01)]), 0.1)
    >>> got.geom_type, got.area  # the strip gone, the small hole filled, the large one kept
    ('Polygon', 91.0)
    """
    if narrower_than <= 0 or shapely.is_empty(geom):
        return geom
    polys = shapely.get_parts(geom)
    rings, poly_of = shapely.get_rings(polys, return_index=True)
    width_ok = _wide(shapely.area(shapely.polygons(rings)), shapely.length(rings), narrower_than)
    shell = np.r_[True, poly_of[1:] != poly_of[:-1]]  # get_rings gives each part's shell first
    kept_part = np.zeros(len(polys), dtype=bool)
    kept_part[poly_of[shell]] = width_ok[shell]
    keep = width_ok & kept_part[poly_of]
    if not keep.any():
        return shapely.MultiPolygon()
    _, part = np.unique(poly_of[keep], return_inverse=True)
    kept = shapely.polygons(rings[keep], indices=part)
    return kept[0] if len(kept) == 1 else shapely.multipolygons(kept)


def _ring_measures(xy: np.ndarray, ring: np.ndarray,
                   count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(signed area: > 0 counter-clockwise, perimeter, lower-left and upper-right corners of the bounds) of
    each ring ``0 .. count - 1`` of points ``xy`` (``ring`` per point, sorted; each ring without its closing
    point): the shoelace formula, each ring's coordinates taken from its first point (as GEOS does)."""
    starts = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    rel = xy - np.repeat(xy[starts], np.diff(np.r_[starts, len(ring)]), axis=0)
    nxt = np.r_[np.arange(1, len(ring)), 0]
    last = np.r_[ring[1:] != ring[:-1], True]
    nxt[last] = starts
    cross = rel[:, 0] * rel[nxt, 1] - rel[nxt, 0] * rel[:, 1]
    signed = 0.5 * np.bincount(ring, weights=cross, minlength=count)
    perimeter = np.bincount(ring, weights=np.hypot(*(xy[nxt] - xy).T), minlength=count)
    return signed, perimeter, np.minimum.reduceat(xy, starts, axis=0), np.maximum.reduceat(xy, starts, axis=0)


def _split_pinched(ring: np.ndarray, node: np.ndarray) -> np.ndarray:
    """Ring ids of a union's boundary arcs in ring order (``ring`` sorted, ``node`` where each arc starts), with
    every ring that passes a node more than once split there into rings that pass it once.

    Linked by turning, a ring passes a node twice where the union touches itself there: a hole
    touching its shell, which OGC validity wants as a shell and a hole touching at a point.
    """
    key = ring.astype(np.int64) * (int(node.max()) + 1) + node
    _, at_key, seen_count = np.unique(key, return_inverse=True, return_counts=True)
    events = np.flatnonzero(seen_count[at_key.ravel()] > 1)  # entries at a node their ring passes more than once
    if not len(events):
        return ring
    out = ring.copy()
    next_id = int(ring.max()) + 1
    # walk only those entries, ring by ring, with a stack of them: back at a node, the entries since (not yet
    # in a ring of their own) form a ring
    stack: list[int] = []
    seen: dict[int, int] = {}  # node -> its place on the stack
    current = -1
    for k, r, v in zip(events.tolist(), ring[events].tolist(), node[events].tolist()):
        if r != current:
            stack, seen, current = [], {}, r
        at = seen.get(v)
        if at is not None:
            part = out[stack[at]:k]
            part[part == r] = next_id
            next_id += 1
            for e in stack[at:]:
                del seen[int(node[e])]
            del stack[at:]
        seen[v] = len(stack)
        stack.append(k)
    return out


def _cycles(succ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cycle id, position in the cycle) of each element of the permutation ``succ`` (pointer doubling)."""
    n = len(succ)
    root = np.arange(n)
    p = succ.copy()
    for _ in range(max(1, int(np.ceil(np.log2(max(n, 2)))) + 1)):
        root = np.minimum(root, root[p])
        p = p[p]
    # break each cycle before its root; rank = steps to the end of the broken list
    nxt = succ.copy()
    last = nxt == root  # its successor is the root: the end of the list
    nxt[last] = np.flatnonzero(last)
    dist = (~last).astype(np.int64)
    for _ in range(max(1, int(np.ceil(np.log2(max(n, 2)))) + 1)):
        dist = dist + dist[nxt]
        nxt = nxt[nxt]
    return root, -dist
