"""Area of a layer, and change (gained / lost / net) between two states.

A layer is a set of validated polygon *parts*, each addressed by a content hash.
Its state is the union of its parts. Between two states ``A`` and ``B`` that share
the parts ``S`` (``A = S ∪ A'``, ``B = S ∪ B'``)::

    gained = B − A = B' − (A' ∪ S_B)      lost = A − B = A' − (B' ∪ S_A)

where ``S_B`` are only the shared parts whose bounding box meets ``B'``: work is
proportional to what changed, not to the size of the map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon

from frontlines.core.cuts import valid_cuts
from frontlines.core.geodesy import area_km2
from frontlines.core.windows import edit_windows, windowed_change

__all__ = ["EMPTY", "change_geoms", "change_parts", "dissolve", "layer_area_km2", "polygonal"]

#: The empty polygon.
EMPTY = Polygon()


#: ``shapely.disjoint_subset_union_all`` where GEOS has it (>= 3.12), else None.
_DISJOINT_SUBSETS = getattr(shapely, "disjoint_subset_union_all", None) if shapely.geos_version >= (3, 12, 0) else None


def _union_all_of(geoms: Any) -> Any:
    """Union of polygons; GEOS >= 3.12 unions the subsets that do not meet one another apart.

    :func:`shapely.disjoint_subset_union_all` gives the same region as
    :func:`shapely.union_all` (an ISW layer of 67 parts: 11 ms against 66 ms).
    """
    if _DISJOINT_SUBSETS is not None:
        return _DISJOINT_SUBSETS(geoms)
    return shapely.union_all(geoms)


#: Up to this many changed parts on each side, changes are computed part by part.
FEW_PARTS = 8
#: A one-run edit whose two runs hold at least this many vertices is looked at for several
#: shorter edits (:func:`frontlines.core.windows.edit_windows`); shorter ones keep one window.
SPLIT_EDIT_VERTICES = 200
#: Changed parts of at least this many vertices in all that are not one-run edits of
#: each other are overlaid only where they differ (:mod:`frontlines.core.windows`:
#: whole layers redrawn, e.g. ISW).
WINDOW_VERTICES = 2_000


def polygonal(geom: Any) -> Any:
    """Keep only the polygonal pieces of a geometry (drops lines and points left by overlays)."""
    if geom is None or shapely.is_empty(geom):
        return EMPTY
    kind = geom.geom_type
    if kind in ("Polygon", "MultiPolygon"):
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return EMPTY
    return shapely.union_all(polys)


def dissolve(parts: Sequence[Any] | np.ndarray) -> Any:
    """Union of polygon parts as one (Multi)Polygon (empty polygon for no parts)."""
    arr = np.asarray(parts, dtype=object) if len(parts) else np.empty(0, dtype=object)
    if arr.size == 0:
        return EMPTY
    if arr.size == 1:
        return arr[0]
    arr = shapely.get_parts(arr)  # MultiPolygons to their polygons; empties vanish
    arr = arr[shapely.get_type_id(arr) == 3]
    if arr.size == 0:
        return EMPTY
    # Parts of an already dissolved map touch at most at points: a valid MultiPolygon of
    # them is their union, and checking that is far cheaper than a union (an ISW layer of
    # 68 parts: 7 ms against 75 ms), whatever the number of parts.
    multi = shapely.multipolygons(arr)
    if shapely.is_valid(multi):
        return multi
    return polygonal(_union_all_of(arr))


def layer_area_km2(parts: Sequence[Any]) -> float:
    """Ellipsoidal area (km²) of the union of parts."""
    return area_km2(dissolve(parts))


def change_geoms(a: Any, b: Any) -> tuple[Any, Any]:
    """(gained, lost) = (b − a, a − b) of two dissolved states."""
    return polygonal(shapely.difference(b, a)), polygonal(shapely.difference(a, b))


def _minus_near(geom: Any, shared: np.ndarray, tree: shapely.STRtree | None, skip: int | None = None) -> Any:
    """``geom`` minus the parts of ``shared`` that meet it (only those are looked at)."""
    if tree is None or shapely.is_empty(geom):
        return geom
    idx = tree.query(geom, predicate="intersects")
    if skip is not None:
        idx = idx[idx != skip]
    if len(idx) == 0:
        return geom
    # geom is small next to the shared parts it touches (a front-line edit beside the
    # whole of the occupied south): cut them to geom's box first, so the overlay only
    # sees their vertices near geom. geom - S == geom - (S ∩ box) since geom ⊆ box.
    xmin, ymin, xmax, ymax = shapely.bounds(geom)
    pad = 1e-7 * max(1.0, abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    near = shapely.clip_by_rect(shared[idx], xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    bad = ~shapely.is_valid(near)
    if bad.any():  # clip_by_rect is fast but may leave invalid rings
        near[bad] = shapely.make_valid(near[bad])
    near = near[~shapely.is_empty(near)]
    if len(near) == 0:
        return geom
    return polygonal(shapely.difference(geom, dissolve([polygonal(g) for g in near])))


def _ring_coords(ring: Any) -> np.ndarray:
    return shapely.get_coordinates(ring)[:-1]  # without the closing vertex


def edit_window(a: Any, b: Any) -> tuple[float, float, float, float] | None:
    """Bounds of the part of polygon ``a`` that was redrawn to make polygon ``b``.

    When ``b`` is ``a`` with one run of exterior vertices replaced (an edit of a map
    feature) and the same holes, ``a`` and ``b`` coincide outside the returned
    rectangle: the closed curve formed by the old and new runs lies inside it, so
    the symmetric difference does too. The rings are compared cyclically (an edit
    through the ring's first vertex is one run too); several edits separated by common
    vertices count as one run spanning them. ``None`` when that cannot be shown cheaply
    (different holes, the rings share no vertex where looked for, multipart).

    Examples
    --------
    >>> from shapely.geometry import Polygon
    >>> a = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)])
    >>> b = Polygon([(0, 0), (4, 0), (5, 2), (4, 4), (0, 4)])
    >>> edit_window(a, b)
    (4.0, 0.0, 5.0, 4.0)
    >>> edit_window(a, Polygon([(0, -1), (4, 0), (4, 4), (0, 4)]))  # through the first vertex
    (0.0, -1.0, 4.0, 4.0)
    """
    runs = _edit_runs(a, b)
    return None if runs is None else _box(runs)


def _box(runs: tuple[np.ndarray, np.ndarray]) -> tuple[float, float, float, float]:
    """Bounds of the vertices of both runs."""
    run = np.vstack(runs)
    (xmin, ymin), (xmax, ymax) = run.min(axis=0), run.max(axis=0)
    return float(xmin), float(ymin), float(xmax), float(ymax)


def _pad(window: tuple[float, float, float, float]) -> float:
    """Margin around an edit window: a vertex on its edge stays inside the cut."""
    return 1e-9 + 1e-9 * max(abs(v) for v in window)


def _edit_runs(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """The runs of exterior vertices of ``a`` and ``b`` that differ, each with the common vertex before and after.

    The rings are compared cyclically: an edit through the ring's first vertex (the run
    wraps around it) is found by starting both rings at a vertex they share (see
    :func:`_rotated`). ``None`` when :func:`edit_window` gives None.
    """
    pair = np.array([a, b], dtype=object)
    if not (shapely.get_type_id(pair) == 3).all():  # Polygons only
        return None
    holes = shapely.get_num_interior_rings(pair)
    if holes[0] != holes[1]:
        return None
    ring_a, ring_b = shapely.get_exterior_ring(pair)
    if holes[0]:  # the same holes: the same coordinates ring by ring
        ha, hb = (shapely.get_coordinates(shapely.get_interior_ring(g, np.arange(holes[0]))) for g in (a, b))
        sizes = shapely.get_num_coordinates(shapely.get_interior_ring(pair[:, None], np.arange(holes[0])))
        if ha.shape != hb.shape or not (sizes[0] == sizes[1]).all() or not np.array_equal(ha, hb):
            return None
    ca, cb = _ring_coords(ring_a), _ring_coords(ring_b)
    if min(len(ca), len(cb)) < 3:
        return None
    ends = _common_ends(ca, cb)
    if ends[0] == 0 or ends[1] == 0:  # the edit touches the first vertex: the run wraps around
        rotated = _rotated(ca, cb, *ends)
        if rotated is None:
            return None
        ca, cb = rotated
        ends = _common_ends(ca, cb)
        if ends[0] == 0 or ends[1] == 0:
            return None
    i, j = ends
    ea, eb = max(len(ca) - j, i), max(len(cb) - j, i)
    return ca[i - 1 : ea + 1], cb[i - 1 : eb + 1]


def _common_ends(ca: np.ndarray, cb: np.ndarray) -> tuple[int, int]:
    """How many leading and how many trailing vertices two rings (closing vertex dropped) have in common."""
    n = min(len(ca), len(cb))
    # first and last vertex that differ (a position equal in x and y: its complex view is equal)
    va, vb = ca.view(np.complex128).ravel(), cb.view(np.complex128).ravel()
    head = np.flatnonzero(va[:n] != vb[:n])
    tail = np.flatnonzero(va[len(va) - n :][::-1] != vb[len(vb) - n :][::-1])
    return (int(head[0]) if len(head) else n), (int(tail[0]) if len(tail) else n)


def _rotated(ca: np.ndarray, cb: np.ndarray, i: int, j: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Both rings started at another vertex so that they begin and end with common vertices.

    ``i`` / ``j``: the rings' common leading / trailing vertices (:func:`_common_ends`), one of
    them 0. Both rings are first started at a vertex they share (``a``'s first common trailing
    vertex; or, when neither end is common, the first of ``a``'s vertices at a half, a quarter
    and three quarters of its ring that ``b`` has once), then
    moved on by half of the common run that follows it, so that it is split between the two
    ends. ``None`` when no such vertex is found. The caller checks the ends again: what is
    returned is only a candidate, and any start is right when both ends are common.
    """
    if i > 0:  # the trailing vertices differ: the common run starts the rings
        p = q = 0
    elif j > 0:  # the leading vertices differ: the common run ends the rings
        p, q = len(ca) - j, len(cb) - j
    else:
        va, vb = ca.view(np.complex128).ravel(), cb.view(np.complex128).ravel()
        for p in (len(ca) // 2, len(ca) // 4, 3 * len(ca) // 4):
            at = np.flatnonzero(vb == va[p])
            if len(at) == 1:
                break
        else:
            return None
        q = int(at[0])
    ca, cb = np.roll(ca, -p, axis=0), np.roll(cb, -q, axis=0)
    head, tail = _common_ends(ca, cb)
    if tail == 0:
        if head < 2:
            return None
        ca, cb = np.roll(ca, -(head // 2), axis=0), np.roll(cb, -(head // 2), axis=0)
    return ca, cb


def _window_cuts(b: Any, a: Any, window: tuple[float, float, float, float] | np.ndarray) -> list[tuple[Any, Any]]:
    """``(b ∩ W, a ∩ W)`` for each edit window ``W`` of a redrawn polygon.

    ``window``: the one edit window (:func:`edit_window`, padded here) or the padded,
    pairwise disjoint boxes of :func:`frontlines.core.windows.edit_windows`. Both
    polygons are cut together with :func:`shapely.clip_by_rect` (one pass over the
    vertices; an overlay with the rectangle costs about twice as much), polygonal, and
    repaired where the cut leaves invalid rings.
    """
    if isinstance(window, np.ndarray):
        rects = window.tolist()
    else:
        xmin, ymin, xmax, ymax = window
        pad = _pad(window)
        rects = [[xmin - pad, ymin - pad, xmax + pad, ymax + pad]]
    pair = np.array([b, a], dtype=object)
    out = []
    for rect in rects:
        cut = valid_cuts(shapely.clip_by_rect(pair, *rect))
        out.append((polygonal(cut[0]), polygonal(cut[1])))
    return out


def _cuts_difference(cuts: list[tuple[Any, Any]], *, reverse: bool = False) -> Any:
    """``∪_k (x_k − y_k)`` of :func:`_window_cuts` ``(x, y)`` pairs (``y − x`` with ``reverse``)."""
    firsts, seconds = np.empty(len(cuts), dtype=object), np.empty(len(cuts), dtype=object)
    firsts[:], seconds[:] = zip(*cuts) if not reverse else zip(*((y, x) for x, y in cuts))
    pieces = [polygonal(g) for g in shapely.difference(firsts, seconds)]  # one call for all the windows
    if len(pieces) == 1:
        return pieces[0]
    # pieces of disjoint windows are disjoint: dissolve makes their MultiPolygon without a union
    return dissolve([p for p in pieces if not shapely.is_empty(p)])


def _window_difference(b: Any, a: Any, window: tuple[float, float, float, float] | np.ndarray) -> Any:
    """``b − a`` for a redrawn polygon, computed inside its edit window(s) only (see :func:`_window_cuts`)."""
    return _cuts_difference(_window_cuts(b, a, window))


def _edit_window_or_windows(a: Any, b: Any) -> tuple[float, float, float, float] | np.ndarray | None:
    """:func:`edit_window`, or the padded disjoint boxes of :func:`frontlines.core.windows.edit_windows`
    inside it (several short edits along one ring) when they hold fewer vertices."""
    runs = _edit_runs(a, b)
    if runs is None:
        return None
    window = _box(runs)
    if len(runs[0]) + len(runs[1]) < SPLIT_EDIT_VERTICES:
        return window
    boxes = edit_windows(runs[0], runs[1], _pad(window))
    return window if boxes is None else boxes


def _partners(a_only: list[Any], b_only: list[Any]) -> dict[int, tuple[int, Any]]:
    """b index -> (a index, edit window) for the changed parts that are redrawings of one feature."""
    if not a_only or not b_only:
        return {}
    tree = shapely.STRtree(a_only)
    out: dict[int, tuple[int, Any]] = {}
    used: set[int] = set()
    for j, b in enumerate(b_only):
        for i in tree.query(b):
            i = int(i)
            if i in used:
                continue
            window = _edit_window_or_windows(a_only[i], b)
            if window is not None:
                out[j] = (i, window)
                used.add(i)
                break
    return out


def _one_way(news: list[Any], olds: list[Any], shared: np.ndarray,
             partners: dict[int, tuple[int, Any]], cuts: dict[int, list[tuple[Any, Any]]] | None = None,
             reverse: bool = False) -> Any:
    """∪ news − (∪ olds ∪ S): each new part minus what meets it, redrawn parts within their window.

    ``cuts``: the :func:`_window_cuts` of each redrawn pair by its later part's index, shared
    by the two directions (``reverse``: ``news`` are the earlier parts).
    """
    others = np.array(list(olds) + list(shared), dtype=object)
    tree = shapely.STRtree(others) if len(others) else None
    cuts = {} if cuts is None else cuts
    pieces = []
    for j, part in enumerate(news):
        skip = None
        if j in partners:
            skip, window = partners[j]
            later = skip if reverse else j
            pair = cuts.get(later)
            if pair is None:
                pair = cuts[later] = _window_cuts(olds[skip], part, window) if reverse else \
                    _window_cuts(part, olds[skip], window)
            part = _cuts_difference(pair, reverse=reverse)
        pieces.append(_minus_near(part, others, tree, skip))
    return dissolve([p for p in pieces if not shapely.is_empty(p)])


def _unpartnered_vertices(a_only: list[Any], b_only: list[Any],
                          partners: dict[int, tuple[int, Any]]) -> int:
    """Vertices of the changed parts that no one-run edit window accounts for."""
    used = {i for i, _ in partners.values()}
    rest = [g for i, g in enumerate(a_only) if i not in used]
    rest += [g for j, g in enumerate(b_only) if j not in partners]
    return int(shapely.get_num_coordinates(np.array(rest, dtype=object)).sum()) if rest else 0


def change_parts(a: Mapping[str, Any], b: Mapping[str, Any], *, only: str | None = None) -> tuple[Any, Any]:
    """(gained, lost) between two part sets, touching only the parts that differ.

    With ``A = S ∪ A'`` and ``B = S ∪ B'`` (``S`` the shared parts),
    ``B − A = ∪_j (b_j − (A' ∪ S))`` over the new parts ``b_j``: each is reduced by
    only the parts that meet it, cut to its bounding box; a new part that redraws an
    old one (same ring but for one run of vertices, see :func:`edit_window`) is first
    reduced by it inside the redrawn window only. Large changed parts that are not such
    edits (a layer redrawn whole, e.g. ISW) are overlaid only inside the windows where
    their vertices differ (:func:`frontlines.core.windows.windowed_change`, within 0.01 km²).

    Parameters
    ----------
    a, b : mapping of part hash -> Polygon
        The earlier and later states.
    only : {"gained", "lost"}, optional
        Compute only this side; the other is returned as None (callers that need just
        areas derive it from the net change).

    Returns
    -------
    gained, lost : shapely geometry
        ``union(b) − union(a)`` and ``union(a) − union(b)``, polygonal.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> gained, lost = change_parts({"x": box(0, 0, 1, 1)}, {"x": box(0, 0, 1, 1), "y": box(1, 0, 2, 1)})
    >>> gained.bounds, lost.is_empty
    ((1.0, 0.0, 2.0, 1.0), True)
    """
    common = a.keys() & b.keys()
    a_only = [g for h, g in a.items() if h not in common]
    b_only = [g for h, g in b.items() if h not in common]
    if not a_only and not b_only:
        return EMPTY, EMPTY
    shared = np.array([a[h] for h in common], dtype=object)
    few = len(a_only) <= FEW_PARTS and len(b_only) <= FEW_PARTS
    # A step usually redraws a few features: a new part and the old one it replaces
    # differ in one run of vertices, and only that window needs an overlay.
    forward = _partners(a_only, b_only) if few else {}
    if _unpartnered_vertices(a_only, b_only, forward) >= WINDOW_VERTICES:
        windowed = windowed_change(a_only, b_only, only=only)
        if windowed is not None:  # B' − A' and A' − B' where they differ; then minus the shared parts
            tree = shapely.STRtree(shared) if len(shared) else None
            return tuple(None if g is None else _minus_near(g, shared, tree) for g in windowed)  # type: ignore[return-value]
    if few:
        backward = {i: (j, w) for j, (i, w) in forward.items()}
        cuts: dict[int, list[tuple[Any, Any]]] = {}  # each redrawn pair is cut once for both directions
        return (
            None if only == "lost" else _one_way(b_only, a_only, shared, forward, cuts),
            None if only == "gained" else _one_way(a_only, b_only, shared, backward, cuts, reverse=True),
        )
    # States far apart: most parts differ, one overlay of the two unions is cheaper.
    tree = shapely.STRtree(shared) if len(shared) else None
    a1, b1 = dissolve(a_only), dissolve(b_only)
    gained = None if only == "lost" else _minus_near(polygonal(shapely.difference(b1, a1)), shared, tree)
    lost = None if only == "gained" else _minus_near(polygonal(shapely.difference(a1, b1)), shared, tree)
    return gained, lost
