"""The change-face index of a timeline: change between any two snapshots as numpy lookups.

The faces (:mod:`frontlines.core.faces`) partition the ground a layer's timeline ever
changed, cut by the conflict's first region level (oblasts). Each face carries its area
(km², :func:`frontlines.core.geodesy.areas_km2`), its region, its status at position 0
and its events: the steps whose gained or lost ground holds it, and the steps whose redraw
pieces (:func:`frontlines.service.redraws.step_redraws`) hold it, with their direction and
reason. For a window ``(lo, hi]`` of timeline positions:

* status at a position = the direction of the face's last status event up to it (status at
  0 without one); checkpoints every :data:`CHECKPOINT` positions keep the events a query
  reads few;
* raw gained = the faces out at ``lo`` and in at ``hi`` (lost likewise);
* redraw gained of reason r = the raw-gained faces with a redraw-gained event in the window,
  attributed to the first reason of :data:`frontlines.service.redraws.REASONS` among them
  (:func:`frontlines.service.redraws.window_redraws`'s definition); backwards windows flip
  directions as it does;
* per region: ``np.bincount`` over the faces' regions, weighted by area.

The index is written by ``frontlines derive --redraws`` and the CLI's ingest (beside the
redraw unions) in the store's ``change_faces`` table (schema 8): one row per source and
layer with a *basis* (digest of the timeline's snapshot ids, the redraw rules and the
region level) and two blobs: the query arrays, and the face geometries an appended
snapshot splits further. A row whose basis does not match the timeline is never used
(:func:`face_index` answers None and the overlay path answers).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import struct
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import shapely

from frontlines.conflicts import default_registry
from frontlines.core.arrays import unique
from frontlines.core.coverage_arcs import CoverageArcs, coverage_arcs
from frontlines.core.display_faces import display_faces
from frontlines.core.faces import FaceBuilder
from frontlines.core.geodesy import areas_km2
from frontlines.core.regions import RegionLayer
from frontlines.errors import FrontlinesError
from frontlines.service.layer_geojson import tolerance_m_degrees
from frontlines.service.regions import conflict_of
from frontlines.service.selection import Selection
from frontlines.service.threads import DEFAULT_THREADS
from frontlines.service.unions import read_layer_unions
from frontlines.store import StoreReader, StoreWriter

__all__ = ["CHECKPOINT", "DISPLAY_FORMAT", "DISPLAY_TOLERANCE_M", "FORMAT", "NEAR_DEG", "SAME_POINT_DEG",
           "FaceIndex", "StepSource", "Window", "WindowFaces", "arc_arrays", "clean_coverage", "clean_coverage_update",
           "copy_index", "derive_change_faces", "display_arrays", "face_index", "has_display", "index_basis",
           "index_region", "read_arcs"]

#: Version of the index's layout and rules of construction (part of the basis).
FORMAT = 1

#: Tolerance (metres) of the display faces stored beside the cleaned coverage: ``/api/change.geojson``'s
#: 0.1 km (see :mod:`frontlines.service.change_display`).
DISPLAY_TOLERANCE_M = 100
#: Version of the display faces' rules (:func:`display_arrays`); others are computed again by ``derive``.
DISPLAY_FORMAT = 7

#: Positions between status checkpoints.
CHECKPOINT = 32

#: Margin (degrees) of the domain around the region layer and the first map.
MARGIN_DEG = 1.0

#: Snapping distances (degrees, ~0.1 mm and ~1 mm) tried in turn to clean the faces into a coverage.
CLEAN_SNAP_DEG = (1e-9, 1e-8)

#: Steps read from the store at once while building.
BATCH = 64

#: Fewest steps cut in one build whose overlays are shared between threads (:func:`_overlay_threads`).
MIN_THREADED_CUTS = 16


def index_region(store: StoreReader, sel: Selection) -> tuple[str, RegionLayer] | None:
    """The region level the index is cut by: the conflict's first level (None: the conflict is unknown)."""
    try:
        conflict = conflict_of(store, sel.source)
        layer = default_registry().region_layer(conflict, conflict.level_kinds[0])
    except FrontlinesError:
        return None
    return layer.name, layer


def index_basis(sel: Selection, rules_digest: str, region_key: str) -> str:
    """Digest of what an index depends on: its format, the timeline's snapshot ids, the rules, the region level."""
    h = hashlib.sha256(f"{FORMAT}|{rules_digest}|{region_key}|{sel.source}|{sel.layer}".encode())
    ids = [sid for sid, _, _ in sel.timeline]
    h.update(struct.pack(f"<{len(ids)}q", *ids))
    return h.hexdigest()[:24]


# --------------------------------------------------------------------------- the query side
def _between(sorted_pos: np.ndarray, first: int, stop: int) -> tuple[int, int]:
    """The slice of ``sorted_pos`` holding the values ``first`` .. ``stop - 1``.

    The bounds are given in the array's own dtype: ``searchsorted`` with Python ints (int64)
    on an int32 array converts the whole array first (~70 µs for the 300,000 events of the
    W1 history, more than the rest of a window's lookup).
    """
    a, b = np.searchsorted(sorted_pos, np.array([first, stop], dtype=sorted_pos.dtype))
    return int(a), int(b)


@dataclass(frozen=True)
class Window:
    """Figures of a window, per region (last entry: outside every region), km².

    ``redraw`` maps (direction of the window, reason) to the per-region km² of the raw change
    attributed to that reason; keys in attribution order (gained first).
    """

    gained: np.ndarray
    lost: np.ndarray
    redraw: dict[tuple[str, str], np.ndarray]
    any_redraw: bool


@dataclass(frozen=True, eq=False)
class WindowFaces:
    """The faces of a window (per face, numpy): raw ``step`` (``gained`` / ``lost`` as bools), and per direction of the
    window with any redraw event (``best``) the attribution rank of each face's redraw reason
    (``len(reasons)``: none; the fighting ground of that direction)."""

    step: np.ndarray  # int8 per face: 1 gained, -1 lost, 0 neither
    best: dict[str, np.ndarray]
    any_redraw: bool

    @property
    def gained(self) -> np.ndarray:
        """Whether each face was gained (raw)."""
        return self.step == 1

    @property
    def lost(self) -> np.ndarray:
        """Whether each face was lost (raw)."""
        return self.step == -1


@dataclass(frozen=True, eq=False)
class FaceIndex:
    """The query arrays of an index (see the module docstring); immutable, shared between threads."""

    area: np.ndarray  # float64, km² per face
    region: np.ndarray  # int32, region index; n_regions = outside
    n_regions: int
    status0: np.ndarray  # bool
    ev_pos: np.ndarray  # int32, sorted
    ev_face: np.ndarray  # int32
    ev_in: np.ndarray  # bool
    rd_pos: np.ndarray  # int32, sorted
    rd_face: np.ndarray  # int32
    rd_dir: np.ndarray  # int8: 0 gained, 1 lost (as the step drew it)
    rd_rank: np.ndarray  # int16: attribution rank of the reason
    reasons: tuple[str, ...]  # by rank
    checkpoints: np.ndarray  # uint8 (positions // CHECKPOINT + 1, ceil(faces / 8)), packed status
    positions: int  # timeline length

    def arrays(self) -> tuple[np.ndarray, ...]:
        """Every array of the index (what it holds in memory)."""
        return (self.area, self.region, self.status0, self.ev_pos, self.ev_face, self.ev_in, self.rd_pos,
                self.rd_face, self.rd_dir, self.rd_rank, self.checkpoints)

    @property
    def faces(self) -> int:
        return len(self.area)

    def status(self, pos: int) -> np.ndarray:
        """Whether each face is inside the layer at timeline position ``pos``."""
        c = pos // CHECKPOINT
        out = np.unpackbits(self.checkpoints[c], count=self.faces).view(np.bool_)  # 0/1 bytes: no copy
        a, b = _between(self.ev_pos, c * CHECKPOINT + 1, pos + 1)
        if b > a:
            f, v = self.ev_face[a:b][::-1], self.ev_in[a:b][::-1]
            u, first = np.unique(f, return_index=True)  # the last event of each face
            out[u] = v[first]
        return out

    def has_redraws(self, lo: int, hi: int) -> bool:
        """Whether any step into positions ``lo + 1 .. hi`` has redraw pieces."""
        a, b = _between(self.rd_pos, lo + 1, hi + 1)
        return bool(b > a)

    @functools.cached_property
    def _redraws_by_direction(self) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]:
        """(positions, faces, ranks) of the redraw events drawn as gained (0) and as lost (1), in event order."""
        out = []
        for d in (0, 1):
            m = self.rd_dir == d
            out.append((self.rd_pos[m], self.rd_face[m], self.rd_rank[m]))
        return tuple(out)

    def classes(self, i0: int, i1: int) -> WindowFaces:
        """Which faces moved from position ``i0`` to ``i1`` (either order) and the redraw reason of each.

        The redraw events are read from per-direction arrays (:attr:`_redraws_by_direction`).
        """
        s0, s1 = self.status(i0), self.status(i1)
        step = s1.view(np.int8) - s0.view(np.int8)  # 1 gained, -1 lost, 0 neither
        lo, hi = min(i0, i1), max(i0, i1)
        a, b = _between(self.rd_pos, lo + 1, hi + 1)
        best: dict[str, np.ndarray] = {}
        flip = i1 < i0
        for direction, raw, stored in (("gained", 1, 1 if flip else 0), ("lost", -1, 0 if flip else 1)):
            pos, face, rank = self._redraws_by_direction[stored]
            sa, sb = _between(pos, lo + 1, hi + 1)
            face = face[sa:sb]
            keep = step[face] == raw
            if not keep.any():
                continue
            face, rank = face[keep], rank[sa:sb][keep]
            rank_of = np.full(self.faces, len(self.reasons), dtype=np.int16)
            np.minimum.at(rank_of, face, rank)
            best[direction] = rank_of
        return WindowFaces(step, best, bool(b > a))

    def window(self, i0: int, i1: int) -> Window:
        """Figures of the change from position ``i0`` to ``i1`` (either order).

        One ``bincount`` over every face gives gained and lost per region (bins: lost, neither,
        gained; each bin adds its faces in face order, as a bincount of those faces alone does).
        """
        r = self.n_regions + 1
        zero = np.zeros(r)
        if i0 == i1:
            return Window(zero, zero.copy(), {}, False)
        c = self.classes(i0, i1)
        per_step = np.bincount(self.region + (c.step + 1) * r, weights=self.area, minlength=3 * r)
        g, l = per_step[2 * r :], per_step[:r]
        redraw: dict[tuple[str, str], np.ndarray] = {}
        for direction, best in c.best.items():
            hit = np.flatnonzero(best < len(self.reasons))
            per = np.bincount(best[hit] * r + self.region[hit], weights=self.area[hit],
                              minlength=len(self.reasons) * r).reshape(len(self.reasons), r)
            for k in np.flatnonzero(per.sum(axis=1) > 0):
                redraw[(direction, self.reasons[k])] = per[k]
        return Window(g, l, redraw, c.any_redraw)

    # ------------------------------------------------------------------ storage
    def encode(self) -> bytes:
        head = orjson.dumps({"format": FORMAT, "n_regions": self.n_regions, "reasons": list(self.reasons),
                             "positions": self.positions, "checkpoint": CHECKPOINT})
        buf = io.BytesIO()
        np.savez(buf, head=np.frombuffer(head, dtype=np.uint8), area=self.area, region=self.region,
                 status0=self.status0, ev_pos=self.ev_pos, ev_face=self.ev_face, ev_in=self.ev_in, rd_pos=self.rd_pos,
                 rd_face=self.rd_face, rd_dir=self.rd_dir, rd_rank=self.rd_rank, checkpoints=self.checkpoints)
        return buf.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> FaceIndex | None:
        """The index of :meth:`encode`'s bytes (None for another format)."""
        z = np.load(io.BytesIO(data), allow_pickle=False)
        head = orjson.loads(z["head"].tobytes())
        if head.get("format") != FORMAT or head.get("checkpoint") != CHECKPOINT:
            return None
        return cls(area=z["area"], region=z["region"], n_regions=head["n_regions"], status0=z["status0"],
                   ev_pos=z["ev_pos"], ev_face=z["ev_face"], ev_in=z["ev_in"], rd_pos=z["rd_pos"],
                   rd_face=z["rd_face"], rd_dir=z["rd_dir"], rd_rank=z["rd_rank"], reasons=tuple(head["reasons"]),
                   checkpoints=z["checkpoints"], positions=head["positions"])


def face_index(store: StoreReader, sel: Selection, region_key: str | None, rules_digest: str) -> FaceIndex | None:
    """The stored index of a selection when it is current (same timeline, rules and region level), else None.

    ``region_key``: the region level the query is broken down by (None: none); an index is used
    only for its own level. ``rules_digest``: of the redraw rules in use
    (:func:`frontlines.service.redraws.rules_digest`). Kept in ``store.cache`` (by data version).
    """
    if sel.members:  # composed selections have no index
        return None

    def load() -> tuple[str, FaceIndex] | None:
        row = store.change_faces(sel.source, sel.layer)
        if row is None:
            return None
        index = FaceIndex.decode(row[1])
        # the arrays beside the index: the cache charges their bytes
        return (row[0], index, index.arrays()) if index is not None else None

    found = store.cache.get_or_compute(("change-faces", store.data_version, sel.source, str(sel.layer)), load)
    if found is None:
        return None
    basis, index, _ = found
    own = index_region(store, sel)
    if own is None or (region_key is not None and region_key != own[0]):
        return None
    ends = (len(sel.timeline), sel.timeline[0][0], sel.timeline[-1][0]) if sel.timeline else (0,)
    want = store.cache.get_or_compute(  # the same timeline while the data version stays
        ("change-faces-basis", store.data_version, sel.source, str(sel.layer), rules_digest, own[0]) + ends,
        lambda: index_basis(sel, rules_digest, own[0]))
    if basis != want or index.positions != len(sel.timeline):
        return None
    return index


# --------------------------------------------------------------------------- building
def _reason_order(reasons: Sequence[str], first: Sequence[str]) -> list[str]:
    order = {r: k for k, r in enumerate(first)}
    return sorted(set(reasons), key=lambda r: (order.get(r, len(order)), r))


def _finish(fb: FaceBuilder, areas: np.ndarray, reasons: list[str], n_regions: int, positions: int,
            order: Sequence[str] = ()) -> FaceIndex:
    """The query arrays of a builder's faces (``areas``: km² per face; ``reasons``: redraw reason by code,
    attributed in ``order``, then by name)."""
    n = len(fb.geoms)
    rank_of = {r: k for k, r in enumerate(_reason_order(reasons, order))}
    code_rank = np.array([rank_of[r] for r in reasons] or [0], dtype=np.int16)
    counts = np.fromiter((len(e) for e in fb.events), dtype=np.int64, count=n)
    flat = np.array([ev for evs in fb.events for ev in evs], dtype=np.int64).reshape(-1, 2)
    face = np.repeat(np.arange(n, dtype=np.int32), counts)
    pos, code = flat[:, 0], flat[:, 1]
    st = code < 2
    o = np.argsort(pos[st], kind="stable")
    ev_pos, ev_face, ev_in = pos[st][o].astype(np.int32), face[st][o], (code[st][o] == 1)
    o2 = np.argsort(pos[~st], kind="stable")
    rc = code[~st][o2] - 2
    rd_pos, rd_face = pos[~st][o2].astype(np.int32), face[~st][o2]
    rd_dir, rd_rank = (rc % 2).astype(np.int8), code_rank[rc // 2] if len(rc) else np.zeros(0, dtype=np.int16)
    status0 = np.array(fb.status0, dtype=bool)
    cps = []
    status = status0.copy()
    j = 0
    for c in range((positions - 1) // CHECKPOINT + 1 if positions else 1):
        end = np.searchsorted(ev_pos, c * CHECKPOINT + 1)  # events up to position c * CHECKPOINT
        if end > j:  # the last event of each face wins
            u, last = np.unique(ev_face[j:end][::-1], return_index=True)
            status[u] = ev_in[j:end][::-1][last]
        j = end
        cps.append(np.packbits(status))
    region = np.array(fb.region, dtype=np.int32)
    region[region < 0] = n_regions
    return FaceIndex(area=np.asarray(areas, dtype=float), region=region, n_regions=n_regions, status0=status0,
                     ev_pos=ev_pos, ev_face=ev_face, ev_in=ev_in, rd_pos=rd_pos, rd_face=rd_face, rd_dir=rd_dir,
                     rd_rank=np.asarray(rd_rank, dtype=np.int16), reasons=tuple(_reason_order(reasons, order)),
                     checkpoints=np.array(cps, dtype=np.uint8), positions=positions)


def clean_coverage(geoms: Sequence[Any]) -> np.ndarray | None:
    """The faces as an edge-matched polygonal coverage (``shapely.coverage_clean``), face for face; None when
    GEOS cannot clean them.

    The builder's faces do not overlap, but a face not split by a cutter keeps the edge its
    neighbour has new vertices on, so they are not a *coverage* for GEOS (whose coverage
    union and simplification need identical shared edges). Cleaning nodes them, snapping
    vertices within :data:`CLEAN_SNAP_DEG` (the first distance that works); a face may move by
    that much or (a sliver) vanish. Only the window geometries read these
    (:mod:`frontlines.service.face_geometry`); every figure is the faces' own area.
    """
    arr = np.asarray(list(geoms), dtype=object)
    if len(arr) == 0:
        return arr
    for snap in CLEAN_SNAP_DEG:
        try:
            return shapely.coverage_clean(arr, snapping_distance=snap, merge_strategy="min_index")  # type: ignore[no-any-return]
        except shapely.errors.GEOSException:  # GEOS: "cannot process overlapping inputs" at too fine a snap
            continue
    return None


#: Faces nearer than this (degrees) to a changed one are cleaned again with it (:func:`clean_coverage_update`);
#: far above the cleaning's snapping distance, so no snap reaches past them.
NEAR_DEG = 1e-7
#: Vertices this close (degrees) are one point when a locally cleaned face meets a stored one.
SAME_POINT_DEG = 1e-11


def clean_coverage_update(geoms: Sequence[Any], fresh: Sequence[int], previous: np.ndarray) -> np.ndarray | None:
    """:func:`clean_coverage` of ``geoms`` computed around the faces that changed only; None when it cannot be
    shown to give a coverage (the caller cleans them all).

    ``previous``: the cleaned faces before the faces ``fresh`` changed or were added (faces from
    ``len(previous)`` on are new and must be fresh). The faces within :data:`NEAR_DEG` of a fresh
    one (*local*: the fresh ones as they are, the others as cleaned before) are cleaned again,
    together with the previously cleaned faces within :data:`NEAR_DEG` of those (the *ring*). A ring
    face that comes out the same keeps its stored geometry; the local faces and the ring faces
    that changed take the new one, with their vertices within :data:`SAME_POINT_DEG` of a vertex
    of a face kept as stored moved onto it. When these and every stored face within
    :data:`NEAR_DEG` of them pass ``shapely.coverage_is_valid``, every pair of neighbouring faces
    is edge-matched: the pairs with a new face by that check, the others as before. Otherwise None.
    """
    arr = np.asarray(list(geoms), dtype=object)
    prev = np.asarray(previous, dtype=object)
    n, old = len(arr), len(prev)
    changed = unique(np.asarray(list(fresh), dtype=np.int64))
    if old > n or not np.array_equal(changed[changed >= old], np.arange(old, n)):
        return None  # faces removed, or new faces not among the fresh ones
    if not len(changed):
        return prev.copy()
    if old == 0:
        return None
    tree = shapely.STRtree(arr)
    local = np.union1d(tree.query(arr[changed], predicate="dwithin", distance=NEAR_DEG)[1], changed)
    ring = np.setdiff1d(tree.query(arr[local], predicate="dwithin", distance=NEAR_DEG)[1], local)
    ring = ring[ring < old]
    if len(local) + len(ring) > n // 2:  # most of the coverage (a layer redrawn whole): cleaning it all is cheaper
        return None
    # the changed faces as they are, the unchanged ones as cleaned before (noded alike with their neighbours)
    given = np.where(np.isin(local, changed), arr[local], prev[np.minimum(local, old - 1)])
    try:
        out = shapely.coverage_clean(np.concatenate([given, prev[ring]]), snapping_distance=CLEAN_SNAP_DEG[0],
                                     merge_strategy="min_index")
    except shapely.errors.GEOSException:  # as clean_coverage's first distance: the caller tries them all
        return None
    # GEOS writes even an unchanged face anew, its vertices moved by a few ULPs: a ring face that came out the same
    # (to SAME_POINT_DEG) keeps its stored geometry; the others (and the local ones) take the new one, their vertices
    # that lie (to SAME_POINT_DEG) on a vertex of a face kept as stored taking that vertex exactly
    ring_out = out[len(local):]
    same = shapely.equals_exact(shapely.normalize(ring_out), shapely.normalize(prev[ring]), tolerance=SAME_POINT_DEG)
    redo = np.concatenate([local, ring[~same]])
    cleaned = np.concatenate([np.asarray(out[: len(local)], dtype=object), ring_out[~same]])
    kept = np.setdiff1d(tree.query(arr[redo], predicate="dwithin", distance=NEAR_DEG)[1], redo)
    if (kept >= old).any():
        return None
    xy = shapely.get_coordinates(cleaned)
    kept_xy = shapely.get_coordinates(prev[kept])
    if len(kept_xy) and len(xy):
        at, hit = shapely.STRtree(shapely.points(kept_xy)).query_nearest(
            shapely.points(xy), max_distance=SAME_POINT_DEG, all_matches=False)
        xy[at] = kept_xy[hit]
        cleaned = shapely.set_coordinates(cleaned, xy)
    if not (shapely.is_valid(cleaned).all() and shapely.coverage_is_valid(np.concatenate([cleaned, prev[kept]]))):
        return None
    result = np.empty(n, dtype=object)
    result[:old] = prev
    result[redo] = cleaned
    return result


def _wkb_parts(geoms: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """(concatenated WKB bytes, length of each) of geometries."""
    wkb = shapely.to_wkb(np.asarray(list(geoms), dtype=object), output_dimension=2)
    lens = np.fromiter((len(w) for w in wkb), dtype=np.int64, count=len(wkb))
    return np.frombuffer(b"".join(wkb), dtype=np.uint8), lens


def display_arrays(clean: np.ndarray) -> dict[str, np.ndarray]:
    """The display faces (:func:`frontlines.core.display_faces.display_faces`) of the cleaned coverage at
    :data:`DISPLAY_TOLERANCE_M`, as the geometry blob's members: ``display_wkb`` / ``display_lens`` (the
    simplified geometries), ``display_of`` (per face, the display face it is drawn in; -1: none),
    ``display_tol_m``, ``display_format``, and the display faces' arcs (:func:`arc_arrays`, members
    ``display_arc_<name>``: a window's unions are read off them)."""
    df = display_faces(clean, tolerance_m_degrees(DISPLAY_TOLERANCE_M))
    wkb, lens = _wkb_parts(df.geoms)
    arcs = coverage_arcs(df.geoms)  # a window's unions read off them (service.change_display)
    return {"display_wkb": wkb, "display_lens": lens, "display_of": df.of.astype(np.int32),
            "display_tol_m": np.array([DISPLAY_TOLERANCE_M], dtype=np.int64),
            "display_format": np.array([DISPLAY_FORMAT], dtype=np.int64),
            **{f"display_arc_{k}": v for k, v in arc_arrays(arcs).items()}}


#: The arrays of :class:`frontlines.core.coverage_arcs.CoverageArcs` stored as ``display_arc_<name>``.
_ARC_FIELDS = ("xy", "off", "left", "right", "start", "end")


def arc_arrays(arcs: CoverageArcs) -> dict[str, np.ndarray]:
    """The arrays of a coverage's arcs (``xy`` float64, ``off`` / ``start`` / ``end`` int32 where they fit, ``left`` /
    ``right`` int32) as stored (the display faces' arcs: members ``display_arc_<name>``), plus ``polygons``."""
    out = {k: np.asarray(getattr(arcs, k)) for k in _ARC_FIELDS}
    for k in ("off", "start", "end"):  # W1: 187,000 points, 69,000 arcs: int32 is plenty
        if len(out[k]) and int(out[k].max()) < 2**31:
            out[k] = out[k].astype(np.int32)
    out["polygons"] = np.array([arcs.polygons], dtype=np.int64)
    return out


def read_arcs(read: Callable[[str], np.ndarray], prefix: str = "display_arc_") -> CoverageArcs:
    """The arcs stored by :func:`arc_arrays` (``read(name)`` gives a member)."""
    return CoverageArcs(xy=np.asarray(read(prefix + "xy"), dtype=np.float64),
                        off=np.asarray(read(prefix + "off"), dtype=np.int64),
                        left=np.asarray(read(prefix + "left"), dtype=np.int32),
                        right=np.asarray(read(prefix + "right"), dtype=np.int32),
                        start=np.asarray(read(prefix + "start"), dtype=np.int64),
                        end=np.asarray(read(prefix + "end"), dtype=np.int64),
                        polygons=int(read(prefix + "polygons")[0]))


def has_display(files: Any, read: Callable[[str], np.ndarray]) -> bool:
    """Whether a geometry blob's members (``files``; ``read(name)`` gives one) hold display faces of the
    current :data:`DISPLAY_FORMAT` and :data:`DISPLAY_TOLERANCE_M`."""
    return ("display_format" in files and int(read("display_format")[0]) == DISPLAY_FORMAT
            and int(read("display_tol_m")[0]) == DISPLAY_TOLERANCE_M)


def _split_wkb(wkb: np.ndarray, lens: np.ndarray) -> np.ndarray:
    raw = wkb.tobytes()
    ends = np.cumsum(lens).tolist()
    starts = [0, *ends[:-1]]
    return shapely.from_wkb(np.array([raw[a:b] for a, b in zip(starts, ends)], dtype=object))  # type: ignore[no-any-return]


def _with_clean_coverage(blob: bytes) -> bytes | None:
    """A geometry blob written before the cleaned coverage (or its display faces) was stored, with them added
    (None: it has both, or GEOS cannot clean the faces)."""
    z = np.load(io.BytesIO(blob), allow_pickle=False)
    if "clean_lens" in z.files and has_display(z.files, z.__getitem__):
        return None
    arrays = {k: z[k] for k in z.files if not k.startswith("display_")}  # display faces of other rules: replaced
    n = int(orjson.loads(arrays["head"].tobytes())["faces"])
    if "clean_lens" in arrays:
        clean = _split_wkb(arrays["clean_wkb"], arrays["clean_lens"])
    else:
        clean = clean_coverage(_split_wkb(arrays["wkb"], arrays["lens"][:n]))
        if clean is None:
            return None
        arrays["clean_wkb"], arrays["clean_lens"] = _wkb_parts(clean)
    arrays.update(display_arrays(clean))
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _encode_builder(fb: FaceBuilder, areas: np.ndarray, reasons: list[str], ids: list[int], head: dict[str, Any],
                    previous: tuple[np.ndarray, list[int]] | None = None) -> bytes:
    """The geometry blob of a builder; ``previous``: (the cleaned faces stored before, the faces changed since), when
    the builder continued a stored one (the coverage is then cleaned around the changed faces only)."""
    wkb = shapely.to_wkb(np.asarray(fb.geoms + list(fb.cells), dtype=object), output_dimension=2)
    lens = np.fromiter((len(w) for w in wkb), dtype=np.int64, count=len(wkb))
    clean = clean_coverage_update(fb.geoms, previous[1], previous[0]) if previous is not None else None
    if clean is None:
        clean = clean_coverage(fb.geoms)
    extra = {}
    if clean is not None:  # the coverage the window geometries are unions of (none: they take the overlays)
        extra["clean_wkb"], extra["clean_lens"] = _wkb_parts(clean)
        extra.update(display_arrays(clean))  # what /api/change.geojson draws at 0.1 km
    counts = np.fromiter((len(e) for e in fb.events), dtype=np.int64, count=len(fb.events))
    flat = np.array([ev for evs in fb.events for ev in evs], dtype=np.int64).reshape(-1, 2)
    h = orjson.dumps(dict(head, reasons=reasons, faces=len(fb.geoms), cells=len(fb.cells)))
    buf = io.BytesIO()
    np.savez(buf, head=np.frombuffer(h, dtype=np.uint8), wkb=np.frombuffer(b"".join(wkb), dtype=np.uint8),
             lens=lens, region=np.array(fb.region, dtype=np.int32), cell=np.array(fb.cell, dtype=np.int32),
             status0=np.array(fb.status0, dtype=bool), counts=counts, events=flat, areas=np.asarray(areas),
             ids=np.array(ids, dtype=np.int64), **extra)
    return buf.getvalue()


def _decode_builder(data: bytes) -> tuple[FaceBuilder, np.ndarray, list[str], list[int], dict[str, Any]]:
    """(builder, areas, reasons, snapshot ids, head) of a geometry blob."""
    z = np.load(io.BytesIO(data), allow_pickle=False)
    head = orjson.loads(z["head"].tobytes())
    geoms = _split_wkb(z["wkb"], z["lens"])
    nf = head["faces"]
    cell = z["cell"].tolist()
    cell_faces: list[list[int]] = [[] for _ in range(head["cells"])]
    for f, c in enumerate(cell):
        cell_faces[c].append(f)
    pairs = [tuple(e) for e in z["events"].tolist()]
    bounds = np.r_[0, np.cumsum(z["counts"])].tolist()
    events = [pairs[bounds[f] : bounds[f + 1]] for f in range(nf)]
    fb = FaceBuilder(cells=geoms[nf:], cell_faces=cell_faces, geoms=list(geoms[:nf]),
                     region=z["region"].tolist(), cell=cell, status0=z["status0"].tolist(),
                     events=events, fresh=set())
    return fb, np.array(z["areas"]), list(head["reasons"]), [int(i) for i in z["ids"]], head


def _stored_clean(data: bytes) -> np.ndarray | None:
    """The cleaned faces of a geometry blob (None: written without them)."""
    z = np.load(io.BytesIO(data), allow_pickle=False)
    return _split_wkb(z["clean_wkb"], z["clean_lens"]) if "clean_lens" in z.files else None


@dataclass(frozen=True)
class StepSource:
    """Where the builder reads a timeline's steps (given by :mod:`frontlines.service.redraws`).

    ``moves(from_id, to_id) -> (gained, lost)`` of one step; ``redraws(to_ids) -> {to_id: ((direction,
    reason, km², WKB), ...)}`` the redraw pieces of steps; ``digest`` of the rules, ``order`` the
    reasons in attribution order, ``revert_days`` how far back an appended step changes classes.
    """

    moves: Callable[[int, int], tuple[Any, Any]]
    redraws: Callable[[list[int]], dict[int, Sequence[tuple[str, str, float, bytes]]]]
    digest: str
    order: tuple[str, ...]
    revert_days: float


def _steps(sel: Selection, positions: Sequence[int], src: StepSource, *, moves: bool = True,
           ) -> dict[int, tuple[Any, Any, list[tuple[str, str, Any]]]]:
    """(gained, lost, redraw pieces (direction, reason, geometry)) of the steps into ``positions``."""
    ids = [sel.timeline[p][0] for p in positions]
    rows = src.redraws(ids)
    out = {}
    for p, sid in zip(positions, ids):
        g, l = src.moves(sel.timeline[p - 1][0], sid) if moves else (None, None)
        out[p] = (g, l, [(d, r, shapely.from_wkb(w)) for d, r, _, w in rows.get(sid, ())])
    return out


def _cut(fb: FaceBuilder, reasons: list[str], pos: int, step: tuple[Any, Any, list[tuple[str, str, Any]]],
         pool: Executor | None = None) -> bool:
    """Apply one step; False when its ground leaves the domain (the index must be rebuilt larger)."""
    g, l, pieces = step
    for geom in (g, l, *(p[2] for p in pieces)):
        if geom is not None and not shapely.is_empty(geom) and not fb.covers(geom):
            return False
    coded = []
    for direction, reason, geom in pieces:
        if reason not in reasons:
            reasons.append(reason)
        coded.append((0 if direction == "gained" else 1, reasons.index(reason), geom))
    fb.cut(pos, g, l, coded, pool)
    return True


def _bounds(*geoms: Any) -> tuple[float, float, float, float]:
    b = np.array([shapely.bounds(g) for g in geoms if g is not None and not shapely.is_empty(g)])
    return (b[:, 0].min() - MARGIN_DEG, b[:, 1].min() - MARGIN_DEG, b[:, 2].max() + MARGIN_DEG,
            b[:, 3].max() + MARGIN_DEG)


def _first_layer(store: StoreReader, sel: Selection) -> Any:
    """The dissolved layer at position 0 (stored, else dissolved from its parts)."""
    sid = sel.timeline[0][0]
    return read_layer_unions(store, sel.layer, [sid])[sid]


@contextlib.contextmanager
def _overlay_threads(steps: int) -> Iterator[Executor | None]:
    """Threads sharing the builder's overlays (:meth:`~frontlines.core.faces.FaceBuilder.cut`) when it cuts at
    least :data:`MIN_THREADED_CUTS` steps (an appended map's few steps are cut in this thread)."""
    if DEFAULT_THREADS < 2 or steps < MIN_THREADED_CUTS:
        yield None
        return
    with ThreadPoolExecutor(DEFAULT_THREADS) as pool:
        yield pool


def _build(store: StoreReader, sel: Selection, src: StepSource, layer: RegionLayer,
           old: tuple[FaceBuilder, np.ndarray, list[str], list[int]] | None, changed: set[int],
           ) -> tuple[FaceBuilder, np.ndarray, list[str], list[int] | None]:
    """The builder of the whole timeline: ``old`` (built over a prefix of it) continued, or a new one; with its
    areas, reasons, and the faces whose geometry changed when ``old`` was continued (None: a new one)."""
    ids = [sid for sid, _, _ in sel.timeline]
    times = [t.timestamp() / 86400 for _, t, _ in sel.timeline]
    extra: tuple[float, float, float, float] | None = None
    while True:
        if old is not None and extra is None:
            fb, areas, reasons, done_ids = old
            start = len(done_ids)
            redo = {p for p in changed if 0 < p < start}
            redo |= {p for p in range(1, start) if start < len(ids) and times[p] >= times[start] - src.revert_days}
            if redo:  # their redraw pieces may have changed: cut again
                fb.drop_events(redo)
                steps = _steps(sel, sorted(redo), src, moves=False)
                if not all(_cut(fb, reasons, p, steps[p]) for p in sorted(redo)):
                    old = None
                    continue
        else:
            first = _first_layer(store, sel)
            box = _bounds(shapely.box(*shapely.total_bounds(layer.geometries)), first)
            if extra is not None:
                box = (min(box[0], extra[0]), min(box[1], extra[1]), max(box[2], extra[2]), max(box[3], extra[3]))
            fb = FaceBuilder.start(layer.geometries, box, first)
            areas, reasons, start = np.zeros(0), [], 1
        ok = True
        with _overlay_threads(len(ids) - start) as pool:
            for b0 in range(start, len(ids), BATCH):
                batch = list(range(b0, min(b0 + BATCH, len(ids))))
                steps = _steps(sel, batch, src)
                for p in batch:
                    if not _cut(fb, reasons, p, steps[p], pool):
                        g, l, pieces = steps[p]
                        extra = _bounds(*(x for x in (g, l, *(q[2] for q in pieces))))
                        ok = False
                        break
                if not ok:
                    break
        if ok:
            break
        old = None
    fresh = sorted(fb.take_fresh())
    full = np.zeros(len(fb.geoms))
    full[: len(areas)] = areas[: len(fb.geoms)]
    if fresh:
        full[fresh] = areas_km2(np.asarray([fb.geoms[f] for f in fresh], dtype=object), centre=layer.centre)
    return fb, full, reasons, (fresh if old is not None else None)


def derive_change_faces(store: StoreWriter, sel: Selection, src: StepSource, changed: set[int] | None = None,
                        ) -> bool:
    """Write the change-face index of a selection when it is missing or stale; True when written.

    An index built over a prefix of the timeline (same rules and region level) is continued:
    only the appended steps split its faces, the steps near the seam (and ``changed``:
    positions whose redraw rows were just rewritten) have their redraw events cut again, and
    the cleaned coverage is cleaned again around the faces that changed
    (:func:`clean_coverage_update`; whole when that cannot be shown to give a coverage). A
    current index written before the cleaned coverage (:func:`clean_coverage`) or its display
    faces (:func:`display_arrays`) were stored gets them added (the query arrays are left as they are).
    """
    region = index_region(store, sel)
    if region is None or len(sel.timeline) < 2:
        return False
    key, layer = region
    digest = src.digest
    basis = index_basis(sel, digest, key)
    row = store.change_faces(sel.source, sel.layer, geometry=True)
    changed = changed or set()
    if row is not None and row[0] == basis and not changed:
        cleaned = _with_clean_coverage(row[2]) if row[2] is not None else None
        if cleaned is None:
            return False
        store.put_change_faces(sel.source, sel.layer, basis, row[1], cleaned)  # an index of before the coverage
        return True
    ids = [sid for sid, _, _ in sel.timeline]
    head = {"format": FORMAT, "rules": digest, "region": key, "regions": len(layer.ids)}
    old = None
    old_blob = None  # the stored geometry blob of the builder continued (its cleaned faces are read from it)
    if row is not None and row[2] is not None:
        fb, areas, reasons, done, h = _decode_builder(row[2])
        if ({k: h.get(k) for k in head} == head and 1 < len(done) <= len(ids) and ids[: len(done)] == done):
            old, old_blob = (fb, areas, reasons, done), row[2]
    fb, areas, reasons, fresh = _build(store, sel, src, layer, old, changed)
    index = _finish(fb, areas, reasons, len(layer.ids), len(ids), src.order)
    clean = _stored_clean(old_blob) if old_blob is not None else None
    previous = (clean, fresh) if clean is not None and fresh is not None else None
    store.put_change_faces(sel.source, sel.layer, basis, index.encode(),
                           _encode_builder(fb, areas, reasons, ids, head, previous))
    return True


def copy_index(src: StoreReader, dst: StoreWriter, sel_src: Selection, sel_dst: Selection,
               id_map: dict[int, int]) -> bool:
    """Copy a current index of ``sel_src`` into ``dst`` for ``sel_dst`` (the same timeline, snapshot ids
    mapped by ``id_map``): its basis recomputed and the ids of its geometry blob mapped. False (nothing
    written) when ``src`` holds no current index or the timelines differ."""
    row = src.change_faces(sel_src.source, sel_src.layer, geometry=True)
    if row is None or row[2] is None:
        return False
    z = np.load(io.BytesIO(row[2]), allow_pickle=False)
    arrays = {k: z[k] for k in z.files}
    head = orjson.loads(arrays["head"].tobytes())
    if row[0] != index_basis(sel_src, head.get("rules", ""), head.get("region", "")):
        return False
    if [id_map.get(s) for s, _, _ in sel_src.timeline] != [s for s, _, _ in sel_dst.timeline]:
        return False
    arrays["ids"] = np.array([id_map[int(i)] for i in arrays["ids"]], dtype=np.int64)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    dst.put_change_faces(sel_dst.source, sel_dst.layer, index_basis(sel_dst, head["rules"], head["region"]), row[1],
                         buf.getvalue())
    return True
