"""A window's change drawn from the stored display faces: ``/api/change.geojson`` at its tolerance.

Drawing a window from the change faces (:func:`frontlines.service.face_geometry.window_shapes`)
unites the 10,000-30,000 faces it moves, most of them slivers that the drawing's
simplification then removes. At derive time the index also stores *display faces* for
:data:`~frontlines.service.change_faces.DISPLAY_TOLERANCE_M` (0.1 km,
:func:`frontlines.core.display_faces.display_faces`): slivers merged into the neighbour they
lean on, groups still thinner than the tolerance left out, the rest simplified together. A
window draws each feature as the coverage union of the display faces of that feature's class:
the class covering most of a display face's area in the window, of its faces' classes (the same
numpy classification as the figures, :meth:`~frontlines.service.change_faces.FaceIndex.classes`),
read off the display faces' arcs stored beside them (:func:`frontlines.core.coverage_arcs.unions`:
numpy over the arcs, no overlay; rings narrower than :data:`THIN` of the tolerance left out: the
hairlines that simplifying the faces leaves, most under a metre wide). The unions are
served as they are: the display faces were simplified together at the tolerance and rounded to
the output grid when they were stored, so the unions of a valid coverage are valid and on the
grid, and every point is within one tolerance of the cleaned faces. (Simplifying the unions
again would move points by up to twice the tolerance, for smaller bodies: ~125 KB instead of
~235 KB on random windows of the history, at ~10 ms more per request.)

The figures are :func:`frontlines.service.measure.change`'s, untouched; only the drawing
differs from the faces' exact unions by ground thinner than the tolerance (a sliver drawn
with the class of the display face it is part of). A store without display faces (an index
written before them, or none) answers None and the caller draws the exact unions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from frontlines.core.coverage_arcs import CoverageArcs, unions, without_thin_rings
from frontlines.core.measure import EMPTY
from frontlines.core.redraws import RedrawRules
from frontlines.results import ChangeResult
from frontlines.service.change_faces import (
    DISPLAY_TOLERANCE_M,
    FaceIndex,
    face_index,
    has_display,
    read_arcs,
)
from frontlines.service.face_geometry import FaceShapes
from frontlines.service.layer_geojson import tolerance_m_degrees
from frontlines.service.measure import change
from frontlines.service.redraws import rules_digest
from frontlines.service.selection import Selection, TimeLike, select
from frontlines.store import StoreReader

__all__ = ["THIN", "ChangeDrawing", "DisplayShapes", "change_drawing", "display_shapes", "drawn_tolerance"]

#: Rings of a drawn union narrower than this share of the tolerance (twice their area over their
#: perimeter) are left out. Simplified together, the display faces leave hairlines where a face
#: thinned to almost nothing (on 25 random W1 windows 26.7k parts drawn without this rule, 14.4k
#: with rings under 0.05 of the tolerance left out); at 0.25 a window draws about as many parts as
#: a second Douglas-Peucker of its unions left (10.6k against 10.9k) with 0.03 % less ground than the
#: unions with every ring (DP: 0.09 %).
THIN = 0.25


@dataclass(frozen=True, eq=False)
class DisplayShapes:
    """An index's display faces: their geometries (decoded as windows need them), per face of the
    index the display face it is drawn in (-1: none), and their arcs (a window's unions are read
    off them: :func:`frontlines.core.coverage_arcs.unions`)."""

    shapes: FaceShapes
    of: np.ndarray  # int64 per face
    tolerance_m: int
    arcs: CoverageArcs

    def __sizeof_content__(self) -> int:  # the cache's charge
        return self.shapes.__sizeof_content__() + self.of.nbytes + self.arcs.__sizeof_content__()

    def classes(self, face_class: np.ndarray, area: np.ndarray) -> np.ndarray:
        """The class of each display face in a window: of its faces' classes (``face_class``, int per
        face, 0 .. k - 1), the one with the most area (``area`` per face; ties: the lowest)."""
        k = int(face_class.max()) + 1 if len(face_class) else 1
        ok = self.of >= 0
        votes = np.bincount(self.of[ok] * k + face_class[ok], weights=area[ok], minlength=len(self.shapes) * k)
        return votes.reshape(len(self.shapes), k).argmax(axis=1)


@dataclass(frozen=True, eq=False)
class ChangeDrawing:
    """A change's figures (``result``, as :func:`frontlines.service.measure.change` gives them without
    geometry) and its features drawn for display (unions of display faces simplified at the tolerance,
    rounded, valid; None where nothing is left at the tolerance): ``gained``, ``lost`` and one per
    ``result.redraw_pieces``, in order."""

    result: ChangeResult
    gained: Any
    lost: Any
    pieces: tuple[Any, ...]


def drawn_tolerance(tolerance_deg: float) -> int | None:
    """The stored display tolerance (metres) that ``tolerance_deg`` is exactly (as the web API converts
    ``tolerance=0.1&units=km``), or None."""
    return DISPLAY_TOLERANCE_M if tolerance_deg == tolerance_m_degrees(DISPLAY_TOLERANCE_M) else None


def display_shapes(store: StoreReader, sel: Selection, index: FaceIndex) -> DisplayShapes | None:
    """The display faces stored beside ``index`` (read once per data version; None: none stored, or not of
    this index)."""

    def load() -> DisplayShapes | None:
        with store.change_faces_geometry(sel.source, sel.layer) as f:
            if f is None:
                return None
            z = np.load(f, allow_pickle=False)
            if not has_display(z.files, z.__getitem__):  # written before display faces (of these rules) were stored
                return None
            return DisplayShapes(FaceShapes(z["display_wkb"].tobytes(), z["display_lens"]),
                                 np.asarray(z["display_of"], dtype=np.int64), int(z["display_tol_m"][0]),
                                 read_arcs(z.__getitem__))

    shapes = store.cache.get_or_compute(("change-display-shapes", store.data_version, sel.source, str(sel.layer)), load)
    if shapes is None or len(shapes.of) != index.faces:
        return None
    return shapes  # type: ignore[no-any-return]


def _union(geoms: np.ndarray) -> Any:
    """Coverage union of display faces (plain union if GEOS finds them not edge-matched)."""
    if len(geoms) == 0:
        return EMPTY
    if len(geoms) == 1:
        return geoms[0]
    try:
        return shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:  # "incorrectly noded": never seen on the W1 history; the plain union is the same ground
        return shapely.union_all(geoms)


def _unions(shown: DisplayShapes, labels: np.ndarray, count: int, tolerance_deg: float) -> list[Any]:
    """The union of the display faces of each label ``0 .. count - 1`` (``labels`` per display face; -1: none),
    read off the stored arcs without the rings narrower than :data:`THIN` x ``tolerance_deg``
    (:func:`frontlines.core.coverage_arcs.unions`); coverage unions of the faces, without those rings
    either, where the arcs do not close into rings (never seen on the W1 history)."""
    narrower_than = THIN * tolerance_deg
    out = unions(shown.arcs, labels, count, narrower_than=narrower_than)
    if out is not None:
        return out
    geoms = shown.shapes.take(labels >= 0)
    inside = labels[labels >= 0]
    return [without_thin_rings(_union(geoms[inside == j]), narrower_than) for j in range(count)]


def change_drawing(store: StoreReader, *, start: TimeLike, end: TimeLike, source: str | None = None,
                   layer: str | None = None, tz: str = "UTC", include_redraws: bool = False,
                   tolerance_deg: float) -> ChangeDrawing | None:
    """The change between two times with its features drawn from the display faces at ``tolerance_deg``.

    None (draw the exact geometries instead) unless ``tolerance_deg`` is the stored display
    tolerance (:func:`drawn_tolerance`) and the store holds a current change-face index with
    display faces; the window's two ends must differ.
    """
    tol_m = drawn_tolerance(tolerance_deg)
    if tol_m is None:
        return None
    result = change(store, start=start, end=end, source=source, layer=layer, tz=tz, include_redraws=include_redraws)
    sel = select(store, source, layer)
    a, b = result.from_snapshot.id, result.to_snapshot.id
    if a == b:
        return None
    index = face_index(store, sel, None, rules_digest(RedrawRules()))
    shown = display_shapes(store, sel, index) if index is not None else None
    if index is None or shown is None or shown.tolerance_m != tol_m:
        return None
    c = index.classes(sel.position[a], sel.position[b])
    none = len(index.reasons)
    rank = {r: k for k, r in enumerate(index.reasons)}
    # per face: 0 unmoved, 1 + rank (none: the fighting) gained, 2 + none + rank lost
    face_class = np.zeros(index.faces, dtype=np.int64)
    for off, direction, moved in ((1, "gained", c.gained), (2 + none, "lost", c.lost)):
        face_class[moved] = off + (c.best[direction][moved] if direction in c.best else none)
    shown_class = shown.classes(face_class, index.area)
    k = none + 1  # classes per direction: the redraw reasons by rank, then the fighting
    label = shown_class - 1  # -1 unmoved; direction * k + rank
    per_class = _unions(shown, label, 2 * k, tolerance_deg)
    drawn = {(direction, r): per_class[d * k + r] for d, direction in enumerate(("gained", "lost")) for r in range(k)}
    if include_redraws:
        both = _unions(shown, np.where(label >= 0, label // k, -1), 2, tolerance_deg)
        whole = {"gained": both[0], "lost": both[1]}
    else:
        whole = {"gained": drawn[("gained", none)], "lost": drawn[("lost", none)]}

    def show(geom: Any) -> Any:
        return None if geom is None or shapely.is_empty(geom) else geom

    pieces = tuple(show(drawn.get((p.direction, rank.get(p.reason, -1)))) for p in result.redraw_pieces)
    return ChangeDrawing(result, show(whole["gained"]), show(whole["lost"]), pieces)
