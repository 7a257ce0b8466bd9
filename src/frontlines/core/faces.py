"""Change faces: a planar partition of the ground a timeline ever changed (pure geometry).

A *face* is a cell of the overlay of every step's change pieces (gained, lost, and the
redraw pieces of the step), cut by the regions of a region layer (or "outside" them) and
by a coarse grid, plus the never-changed rest of the domain. Every face lies wholly inside
or wholly outside each cutter it was split by, so its history is a short list of
*events*: (timeline position, what happened there). The status of a face at a position
(inside the layer or not) is the direction of its last status event up to that position,
or its status at position 0 when it has none.

:class:`FaceBuilder` builds the partition incrementally: cells first (regions x grid, split
by the layer at position 0), then each step only splits the faces its pieces meet (a
static STRtree of the grid cells finds the candidates). A face inside a cutter wholly (up
to :data:`WHOLE_RTOL`) is not split; slivers below :data:`MIN_AREA_DEG2` are dropped.

Pure: shapely and numpy. A builder is used by one thread; it may hand pairwise overlays to the
threads of an executor its caller gives (:meth:`FaceBuilder.cut`), which only read geometries.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import shapely

from frontlines.core.measure import EMPTY, polygonal

__all__ = ["CELL_DEG", "Event", "FaceBuilder", "GRID", "MIN_AREA_DEG2", "WHOLE_RTOL", "grid_cells"]

#: Side (degrees) of the grid cells the regions are cut into (keeps faces local and candidate lists short).
CELL_DEG = 0.5

#: Grid (degrees, ~0.1 mm) of snap-rounded overlays when the plain one fails.
GRID = 1e-9

#: Pieces smaller than this (degrees², ~1e-3 m²) are overlay noise: not faces of their own.
MIN_AREA_DEG2 = 1e-13

#: Fewest face-cutter overlays of one split worth sharing between two threads.
MIN_SHARED_OVERLAYS = 64

#: A face whose intersection with a cutter has this relative share of its area missing at most
#: lies wholly inside it (not split).
WHOLE_RTOL = 1e-9

#: One event: (timeline position, code). Status codes: 1 = into the layer (gained), 0 = out of it
#: (lost); redraw codes: 2 + 2 * reason index + (0 gained, 1 lost as the step drew it).
Event = tuple[int, int]


def _overlay(op: Any, a: Any, b: Any) -> Any:
    """A pairwise (vectorised) shapely overlay; pair by pair snap-rounded to :data:`GRID` on failure."""
    try:
        return op(a, b)
    except shapely.errors.GEOSException:
        if isinstance(a, np.ndarray):
            return np.array([_overlay(op, x, y) for x, y in zip(a, np.broadcast_to(b, a.shape))], dtype=object)
        return op(a, b, grid_size=GRID)


def _intersections(faces: np.ndarray, parts: np.ndarray, pool: Executor | None) -> np.ndarray:
    """Pairwise ``faces & parts`` (:func:`_overlay`); in two halves on ``pool``'s threads when there are at
    least :data:`MIN_SHARED_OVERLAYS` pairs (GEOS releases the GIL; each pair's overlay is its own, so the
    answers are the same)."""
    if pool is None or len(faces) < MIN_SHARED_OVERLAYS:
        return _overlay(shapely.intersection, faces, parts)
    work = np.cumsum(shapely.get_num_coordinates(faces) + shapely.get_num_coordinates(parts))
    half = min(max(int(np.searchsorted(work, work[-1] / 2)) + 1, 1), len(faces) - 1)
    halves = pool.map(lambda s: _overlay(shapely.intersection, faces[s], parts[s]), (slice(0, half), slice(half, None)))
    return np.concatenate(list(halves))


def _objects(items: Sequence[Any]) -> np.ndarray:
    """An object array of geometries."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _polygonal_all(arr: np.ndarray) -> np.ndarray:
    """Only the polygonal pieces of each geometry (lines and points of overlays dropped)."""
    arr = np.asarray(arr, dtype=object)
    kinds = shapely.get_type_id(arr)
    odd = np.flatnonzero((kinds != 3) & (kinds != 6))
    if len(odd):
        arr = arr.copy()
        arr[odd] = [polygonal(g) for g in arr[odd]]
    return arr


def grid_cells(regions: np.ndarray, bounds: tuple[float, float, float, float], cell_deg: float = CELL_DEG,
               ) -> tuple[np.ndarray, np.ndarray]:
    """The cells of ``bounds`` cut by a grid of ``cell_deg`` and by the regions: (geometries, region index;
    -1 = outside every region). They partition the bounds' box."""
    x0, y0, x1, y1 = bounds
    xs = np.arange(np.floor(x0 / cell_deg) * cell_deg, x1 + cell_deg, cell_deg)
    ys = np.arange(np.floor(y0 / cell_deg) * cell_deg, y1 + cell_deg, cell_deg)
    gx, gy = np.meshgrid(xs[:-1], ys[:-1])
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + cell_deg, gy.ravel() + cell_deg)
    regions = np.asarray(regions, dtype=object)
    bi, ri = shapely.STRtree(regions).query(boxes, predicate="intersects")
    geoms: list[Any] = []
    region: list[int] = []
    inside = _polygonal_all(_overlay(shapely.intersection, boxes[bi], regions[ri])) if len(bi) else np.empty(0)
    keep = shapely.area(inside) > MIN_AREA_DEG2 if len(bi) else np.zeros(0, dtype=bool)
    geoms += list(inside[keep])
    region += list(ri[keep])
    for b, box in enumerate(boxes):
        meet = ri[bi == b]
        rest = box if not len(meet) else polygonal(_overlay(shapely.difference, box,
                                                            shapely.union_all(regions[meet])))
        if shapely.area(rest) > MIN_AREA_DEG2:
            geoms.append(rest)
            region.append(-1)
    return np.array(geoms, dtype=object), np.array(region, dtype=np.int32)


def _disjoint(geoms: Sequence[Any]) -> bool:
    """Whether polygonal geometries overlap nowhere (shared edges allowed; overlaps below
    :data:`MIN_AREA_DEG2` ignored)."""
    if len(geoms) < 2:
        return True
    arr = _objects(list(geoms))
    a, b = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = a < b
    if not keep.any():
        return True
    inter = _overlay(shapely.intersection, arr[a[keep]], arr[b[keep]])
    return bool((shapely.area(_polygonal_all(inter)) <= MIN_AREA_DEG2).all())


@dataclass
class FaceBuilder:
    """A partition of a domain into faces, split step by step (mutable; one thread).

    Build with :meth:`start` (cells, then status at position 0), then :meth:`cut` for each
    step's pieces. :attr:`geoms`, :attr:`region`, :attr:`status0`, :attr:`events` hold the live faces
    (index = face id; a split face's slot is reused by its first child, the others appended).
    """

    cells: np.ndarray  # the grid cells (static), for candidate look-up
    cell_faces: list[list[int]]  # cell -> face ids (live faces only)
    geoms: list[Any]
    region: list[int]
    cell: list[int]  # face -> its cell
    status0: list[bool]
    events: list[list[Event]]
    fresh: set[int]  # faces whose geometry changed since the last call of :meth:`take_fresh`
    # bounds of the live faces (row = face id; rows past len(geoms) unused), made on the first split
    _face_bounds: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def start(cls, regions: np.ndarray, bounds: tuple[float, float, float, float], first: Any,
              cell_deg: float = CELL_DEG) -> FaceBuilder:
        """Cells of ``bounds`` x regions (:func:`grid_cells`), split by ``first`` (the layer at position 0:
        the faces inside it have status 1 there)."""
        geoms, region = grid_cells(regions, bounds, cell_deg)
        n = len(geoms)
        fb = cls(cells=geoms, cell_faces=[[i] for i in range(n)], geoms=list(geoms), region=[int(r) for r in region],
                 cell=list(range(n)), status0=[False] * n, events=[[] for _ in range(n)], fresh=set(range(n)))
        if first is not None and not shapely.is_empty(first):
            for f, _ in fb.split([first]):
                fb.status0[f] = True
        return fb

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """Bounds of the domain (the grid cells, which never change)."""
        return tuple(shapely.total_bounds(self.cells))  # type: ignore[return-value]

    def covers(self, geom: Any) -> bool:
        """Whether the domain's box holds ``geom`` (else it must be rebuilt larger)."""
        x0, y0, x1, y1 = self.bounds
        a, b, c, d = shapely.bounds(geom)
        return bool(a >= x0 and b >= y0 and c <= x1 and d <= y1)

    def take_fresh(self) -> set[int]:
        """Face ids whose geometry was made or changed since the last call (their areas need measuring)."""
        out, self.fresh = self.fresh, set()
        return out

    def _cell_tree(self) -> shapely.STRtree:
        """STRtree of the (static) cells, built once."""
        tree = self.__dict__.get("_tree")
        if tree is None:
            tree = self.__dict__["_tree"] = shapely.STRtree(self.cells)
        return tree

    # ------------------------------------------------------------------ splitting
    def split(self, cutters: Sequence[Any], pool: Executor | None = None) -> list[tuple[int, int]]:
        """Split the faces by disjoint ``cutters`` (polygonal geometries); return the (face, cutter index)
        pairs of faces now wholly inside a cutter. ``pool``: threads sharing the overlays (:func:`_intersections`)."""
        geoms = np.asarray([polygonal(g) for g in cutters], dtype=object)
        parts, owner = shapely.get_parts(geoms, return_index=True)
        if not len(parts):
            return []
        pi, ci = self._cell_tree().query(parts, predicate="intersects")
        # candidates: every live face of each cell a part meets, in cell-list order; kept where the boxes meet
        in_cell = [self.cell_faces[c] for c in ci.tolist()]
        counts = np.fromiter(map(len, in_cell), dtype=np.int64, count=len(in_cell))
        total = int(counts.sum())
        if not total:
            return []
        pf = np.fromiter(itertools.chain.from_iterable(in_cell), dtype=np.int64, count=total)
        pp = np.repeat(pi, counts)
        fb = self._bounds_of(pf)
        pb = shapely.bounds(parts)[pp]
        near = (fb[:, 0] <= pb[:, 2]) & (pb[:, 0] <= fb[:, 2]) & (fb[:, 1] <= pb[:, 3]) & (pb[:, 1] <= fb[:, 3])
        pp, pf = pp[near], pf[near]
        faces = _objects([self.geoms[i] for i in pf.tolist()])
        shapely.prepare(parts)  # each part is tested against many faces
        hit = shapely.intersects(parts[pp], faces)
        pp, pf, faces = pp[hit], pf[hit], faces[hit]
        if not len(pp):
            return []
        # a face inside its part is its own intersection with it (no overlay)
        inside = shapely.covers(parts[pp], faces)
        inter = faces.copy()
        cut = np.flatnonzero(~inside)
        if len(cut):
            inter[cut] = _polygonal_all(_intersections(faces[cut], parts[pp[cut]], pool))
        ia = shapely.area(inter)
        ok = ia > MIN_AREA_DEG2
        pp, pf, inter, ia, faces = pp[ok], pf[ok], inter[ok], ia[ok], faces[ok]
        if not len(pp):
            return []
        out: list[tuple[int, int]] = []
        order = np.argsort(pf, kind="stable")
        pp, pf, inter, ia, faces = pp[order], pf[order], inter[order], ia[order], faces[order]
        starts = np.flatnonzero(np.r_[True, pf[1:] != pf[:-1]])
        ends = np.r_[starts[1:], len(pf)]
        fa = shapely.area(faces[starts])
        for s, e, area in zip(starts, ends, fa):
            f = int(pf[s])
            if e - s == 1 and ia[s] >= area * (1 - WHOLE_RTOL):
                out.append((f, int(owner[pp[s]])))
                continue
            used = parts[pp[s:e]]
            rest = polygonal(_overlay(shapely.difference, faces[s],
                                      used[0] if len(used) == 1 else shapely.union_all(used)))
            pieces = list(inter[s:e])
            cutter_of = [int(owner[p]) for p in pp[s:e]]
            if shapely.area(rest) > max(MIN_AREA_DEG2, area * WHOLE_RTOL):
                pieces.append(rest)
                cutter_of.append(-1)
            kids = self._replace(f, pieces)
            out += [(k, c) for k, c in zip(kids, cutter_of) if c >= 0]
        return out

    def _bounds_of(self, faces: np.ndarray) -> np.ndarray:
        """Bounds (x0, y0, x1, y1) of live faces ``faces`` (NaN for empty ones), kept up to date by :meth:`_replace`."""
        if self._face_bounds is None:
            self._face_bounds = shapely.bounds(_objects(self.geoms))
        return self._face_bounds[faces]

    def _note_bounds(self, first: int, pieces: list[Any]) -> None:
        """Record the bounds of face ``first`` and of the faces appended after it (``pieces[1:]``)."""
        if self._face_bounds is None:
            return  # made from the geometries on the first split
        b = shapely.bounds(_objects(pieces))
        self._face_bounds[first] = b[0]
        n, have = len(self.geoms), len(self._face_bounds)
        if n > have:
            grown = np.empty((max(n, 2 * have), 4))
            grown[:have] = self._face_bounds
            self._face_bounds = grown
        self._face_bounds[n - len(pieces) + 1:n] = b[1:]

    def _replace(self, f: int, pieces: list[Any]) -> list[int]:
        """Replace face ``f`` by ``pieces`` (its events and status at 0 inherited); their ids."""
        kids = [f]
        self.geoms[f] = pieces[0]
        self.fresh.add(f)
        for g in pieces[1:]:
            k = len(self.geoms)
            self.geoms.append(g)
            self.region.append(self.region[f])
            self.cell.append(self.cell[f])
            self.status0.append(self.status0[f])
            self.events.append(list(self.events[f]))
            self.cell_faces[self.cell[f]].append(k)
            self.fresh.add(k)
            kids.append(k)
        self._note_bounds(f, pieces)
        return kids

    def cut(self, pos: int, gained: Any, lost: Any, redraws: Sequence[tuple[int, int, Any]] = (),
            pool: Executor | None = None) -> None:
        """Apply the step into timeline position ``pos``: its gained and lost ground (status events) and its
        redraw pieces ``(direction 0 gained / 1 lost, reason index, geometry)`` (redraw events). ``pool``:
        threads sharing the overlays (the same faces either way)."""
        moved = [g if g is not None else EMPTY for g in (gained, lost)]
        for f, c in self.split(moved, pool):
            self.events[f].append((pos, 1 if c == 0 else 0))
        if not redraws:
            return
        codes = [2 + 2 * reason + direction for direction, reason, _ in redraws]
        geoms = [polygonal(g) for _, _, g in redraws]
        if _disjoint(geoms):  # the usual case (a step's pieces are parts of its change): one split
            for f, c in self.split(geoms, pool):
                self.events[f].append((pos, codes[c]))
            return
        for code, geom in zip(codes, geoms):
            for f, _ in self.split([geom], pool):
                self.events[f].append((pos, code))

    def drop_events(self, positions: set[int], *, redraw_only: bool = True) -> None:
        """Forget the (redraw) events at ``positions`` (their steps are about to be cut again)."""
        for evs in self.events:
            if evs and any(p in positions for p, _ in evs):
                evs[:] = [(p, c) for p, c in evs if p not in positions or (redraw_only and c < 2)]
