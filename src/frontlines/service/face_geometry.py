"""A window's geometries from the change faces: unions of faces instead of overlays.

The change-face index (:mod:`frontlines.service.change_faces`) partitions the ground a
timeline ever changed into faces that lie wholly inside or outside every step's gained,
lost and redraw pieces. A window's geometries are therefore unions of faces, chosen by the
same numpy classification that gives its figures (:meth:`FaceIndex.classes`):

* raw gained / lost: the faces that changed status between the window's ends;
* redraw ground of (direction, reason): the raw faces of that direction whose first redraw
  reason in the window (attribution order) is that reason;
* fighting gained / lost: the raw faces of that direction with no redraw event of it, exactly
  the faces whose areas the figures count.

The faces do not overlap, but as the builder leaves them they are not edge-matched (a face
not split by a cutter lacks the vertices its neighbour got on their shared edge), so the
index also stores them cleaned into a GEOS coverage
(:func:`frontlines.service.change_faces.clean_coverage`, at derive time). The unions are
coverage unions of those (``shapely.coverage_union_all``: shared edges cancel, no overlay).
The cleaned faces are read once per store data version into ``store.cache`` and decoded face
by face as windows need them; shared between threads and never prepared. A store without
them (an index written before, or one GEOS could not clean) takes the overlay path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from frontlines.cache import size_of
from frontlines.core.arrays import unique
from frontlines.core.measure import EMPTY
from frontlines.service.change_faces import FaceIndex, WindowFaces
from frontlines.service.redraws import RedrawPiece, WindowRedraws
from frontlines.service.selection import Selection
from frontlines.store import StoreReader

#: Distance (degrees, ~10 µm) within which a vertex of a union of faces counts as lying on its edge.
LEAN_DEG = 1e-10

__all__ = ["LEAN_DEG", "FaceShapes", "WindowShapes", "face_shapes", "faces_union", "window_shapes"]


class FaceShapes:
    """The geometries (lon/lat) of an index's faces, decoded from their WKB as windows need them.

    Shared between threads (a lock guards the decoding); the geometries are never prepared.
    """

    def __init__(self, wkb: bytes, lens: np.ndarray) -> None:
        self._wkb = wkb
        self._ends = np.cumsum(lens)
        self._starts = self._ends - lens
        self._geoms = np.empty(len(lens), dtype=object)
        self._done = np.zeros(len(lens), dtype=bool)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._geoms)

    def __sizeof_content__(self) -> int:  # the cache's charge: the WKB and the geometries decoded from it
        return 3 * len(self._wkb) + 150 * len(self._geoms)

    def take(self, mask: np.ndarray) -> np.ndarray:
        """The geometries of the faces selected by ``mask`` (bool per face), decoded if not yet."""
        with self._lock:
            todo = np.flatnonzero(mask & ~self._done)
            if len(todo):
                raw = self._wkb
                chunks = [raw[a:b] for a, b in zip(self._starts[todo].tolist(), self._ends[todo].tolist())]
                self._geoms[todo] = shapely.from_wkb(np.array(chunks, dtype=object))
                self._done[todo] = True
            return self._geoms[mask]


def face_shapes(store: StoreReader, sel: Selection, index: FaceIndex) -> FaceShapes | None:
    """The face geometries of ``index`` (the selection's current index): the cleaned coverage stored beside
    it, read once per data version and decoded face by face as windows need them.

    None when the store holds no cleaned coverage (an index written before it, or one GEOS
    could not clean) or one of another face count.
    """

    def load() -> FaceShapes | None:
        # only the cleaned faces are read (a third of the blob, which holds the builder's faces too)
        with store.change_faces_geometry(sel.source, sel.layer) as f:
            if f is None:
                return None
            z = np.load(f, allow_pickle=False)
            if "clean_lens" not in z.files:  # written before the cleaned coverage was stored, or GEOS could not clean
                return None
            return FaceShapes(z["clean_wkb"].tobytes(), z["clean_lens"])

    shapes = store.cache.get_or_compute(("change-face-shapes", store.data_version, sel.source, str(sel.layer)), load)
    if shapes is None or len(shapes) != index.faces:
        return None
    return shapes  # type: ignore[no-any-return]


def faces_union(geoms: np.ndarray, mask: np.ndarray) -> Any:
    """The coverage union of the faces selected by ``mask`` (bool per face; ``geoms`` decoded where it is
    true); EMPTY when none."""
    chosen = geoms[mask]
    chosen = chosen[~shapely.is_empty(chosen)]  # a sliver the cleaning emptied
    if len(chosen) == 0:
        return EMPTY
    if len(chosen) == 1:
        return chosen[0]
    return shapely.coverage_union_all(chosen)


@dataclass(frozen=True)
class WindowShapes:
    """A window's geometries from the faces: raw change (None unless asked for) and the redraw split."""

    raw_gained: Any
    raw_lost: Any
    redraws: WindowRedraws

    def __sizeof_content__(self) -> int:  # the cache's charge: every geometry held
        wr = self.redraws
        geoms = [self.raw_gained, self.raw_lost, wr.gained, wr.lost, wr.redraw_gained, wr.redraw_lost,
                 *(p.geometry for p in wr.pieces)]
        return 256 + sum(size_of(g) for g in geoms if g is not None)


def window_shapes(store: StoreReader, sel: Selection, index: FaceIndex, i0: int, i1: int, *,
                  raw: bool = False, ground: bool = True) -> WindowShapes | None:
    """The geometries of the window from timeline position ``i0`` to ``i1`` (either order) from the faces.

    ``redraws`` holds what :func:`frontlines.service.redraws.window_redraws` gives: the fighting
    gained / lost, the redraw ground per direction, their km² (the faces' figures) and one
    :class:`RedrawPiece` per (direction, reason) with its geometry (no pieces, empty redraw
    ground: a window without redraws). With ``raw`` also the raw change (fighting + redraw);
    without ``ground`` the redraw ground per direction is None (only depth and the clip by
    another region level read it; the GeoJSON draws the pieces).
    Each face is united once (into the fighting or one reason's piece); the rest are unions
    of those. None when the store holds no cleaned face coverage. Kept in the store's cache.
    """
    shapes = face_shapes(store, sel, index)
    if shapes is None:
        return None

    def compute() -> WindowShapes:
        c = index.classes(i0, i1)
        geoms = np.empty(index.faces, dtype=object)
        moved = c.gained | c.lost
        geoms[moved] = shapes.take(moved)
        return _shapes(geoms, index, c, raw=raw, ground=ground)

    key = ("change-face-window", store.data_version, sel.source, str(sel.layer), i0, i1, raw, ground)
    return store.cache.get_or_compute(key, compute)  # type: ignore[no-any-return]


def _shapes(geoms: np.ndarray, index: FaceIndex, c: WindowFaces, *, raw: bool, ground: bool) -> WindowShapes:
    none = len(index.reasons)
    pieces: list[RedrawPiece] = []
    redrawn_of: dict[str, Any] = {}
    km2: dict[str, float] = {}
    fight: dict[str, Any] = {}
    whole: dict[str, Any] = {}
    for direction, moved in (("gained", c.gained), ("lost", c.lost)):
        best = c.best.get(direction)
        if best is None:  # no redraw of this direction: the fighting is the raw change
            fight[direction] = whole[direction] = faces_union(geoms, moved)
            redrawn_of[direction], km2[direction] = EMPTY, 0.0
            continue
        redrawn = best < none
        fight[direction] = faces_union(geoms, moved & ~redrawn)
        mine = []
        for k in unique(best[redrawn]).tolist():
            m = best == k
            mine.append(RedrawPiece(direction, index.reasons[k], float(index.area[m].sum()), faces_union(geoms, m)))
        pieces += mine
        km2[direction] = float(index.area[redrawn].sum())
        if ground or raw:
            redrawn_of[direction] = _union([p.geometry for p in mine])
        if raw:
            whole[direction] = _union([fight[direction], redrawn_of[direction]])
    wr = WindowRedraws(gained=_lean(fight["gained"]), lost=_lean(fight["lost"]),
                       redraw_gained=_lean(redrawn_of["gained"]) if ground else None,
                       redraw_lost=_lean(redrawn_of["lost"]) if ground else None,
                       redraw_gained_km2=km2["gained"], redraw_lost_km2=km2["lost"], pieces=tuple(pieces))
    return WindowShapes(_lean(whole["gained"]) if raw else None, _lean(whole["lost"]) if raw else None, wr)


def _lean(geom: Any) -> Any:
    """A union of faces without the vertices the faces' cuts left on its edges.

    Where a cutter (a grid line, a region border, another step's piece) crossed an edge of
    the ground, the faces on both sides have a vertex there, and so has their union: points
    on the edge (collinear within float noise) that the overlay of the two states does not
    have. Measured ground is the same with or without them, but :mod:`frontlines.core.depth`
    samples every vertex: they are dropped (Douglas-Peucker, :data:`LEAN_DEG`) so that depth
    sees the edges the overlays give. The redraw ground is thinned too (depth's grey-zone
    variant takes it off and samples what is left; fewer vertices also make that cheaper);
    the redraw pieces, which only the GeoJSON draws, keep them.
    """
    if geom is None or shapely.is_empty(geom):
        return geom
    lean = shapely.simplify(geom, LEAN_DEG)
    return lean if shapely.is_valid(lean) else shapely.simplify(geom, LEAN_DEG, preserve_topology=True)


def _union(parts: list[Any]) -> Any:
    """Coverage union of unions of faces (their shared edges are the faces' own)."""
    parts = [p for p in parts if not shapely.is_empty(p)]
    if not parts:
        return EMPTY
    return parts[0] if len(parts) == 1 else shapely.coverage_union_all(np.asarray(parts, dtype=object))
