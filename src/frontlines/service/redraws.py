"""Redraws are not fighting: each step classified once, and a window's redraws composed from its steps.

A *step* is the change of a layer from one map to the next (stored by
:mod:`frontlines.service.derive`). Its pieces are classified by the pure rules of
:mod:`frontlines.core.redraws`:

* **local rules** (:func:`classify_change`): against the earlier map's front line
  (``inner``: the edge of control itself, not of the grey zone), its layer (for
  ``fills-hole``), its other layers of the same side (for ``reclassified``) and the
  conflict definition's ``source_notes`` (a map before its source's ``reliable_from``
  day was still being drawn: ``drawing-period``);
* **spike-and-revert** across the steps within ``revert_days`` of each other
  (:func:`frontlines.core.redraws.mark_reverts`).

The redraw pieces of every step are stored by ``frontlines derive --redraws`` (and after
the CLI's ``ingest``, a sync and an upload: :func:`derive_store_redraws`) in the store's
redraw tables, with the digest of the rules used, and so are the unions of the pieces of
aligned blocks of steps (:mod:`frontlines.service.redraw_tree`); a step without a stored classification (or one made with other rules, or from another
predecessor) is classified in memory, the same way, and kept in ``store.cache``: the
figures are the same either way, and queries never write.

**A window's redraws** (:func:`window_redraws`): the window (A, B] gained ground that
lies in the union of the redraw-gained pieces of the steps in (A, B], and likewise for
lost ground. Fighting is the rest: fighting + redraw = the raw change, always.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import shapely

from frontlines.conflicts import default_registry
from frontlines.core.frontline import frontline as build_frontline
from frontlines.core.geodesy import areas_km2
from frontlines.core.measure import EMPTY, change_parts, dissolve, polygonal
from frontlines.core.redraws import Piece, RedrawRules, classify_step, mark_reverts
from frontlines.errors import LayerError
from frontlines.model import LayerKey
from frontlines.service.change_faces import StepSource, derive_change_faces, face_index
from frontlines.service.memory import release_memory
from frontlines.service.redraw_tree import (
    TreeReader,
    build_tree,
    encode_tree,
    union,
    window_nodes,
)
from frontlines.service.selection import Selection, select
from frontlines.service.threads import DEFAULT_THREADS, map_with_readers
from frontlines.service.unions import layer_union, read_layer_unions
from frontlines.store import StoreReader, StoreWriter

__all__ = [
    "MIN_THREADED_STEPS", "RECLASSIFIED_FROM", "REASONS", "RedrawPiece", "WindowRedraws", "classify_change", "classify_steps",
    "derive_redraws", "derive_store_redraws", "face_steps", "redraw_covers_xy", "redraw_ground", "rules_digest", "step_redraws", "window_has_redraws",
    "window_redraws"]

#: Fewest steps to classify whose local classification is shared between threads (each thread opens a reader).
MIN_THREADED_STEPS = 64

#: Statuses of the same side whose ground turning into the layer is a re-labelling.
RECLASSIFIED_FROM = ("advance", "claimed")

#: Reasons in the order a window's redraw ground is attributed to them (the first wins).
REASONS = ("far-from-front", "drawing-period", "fills-hole", "reclassified", "implausible-speed", "sliver",
           "spike-and-revert")

#: Grid (degrees, ~0.1 mm) of the snap-rounded overlays composing a window's redraws.
GRID = 1e-9

#: A stored piece: (direction, reason, km², lon/lat WKB).
_Row = tuple[str, str, float, bytes]


def rules_digest(rules: RedrawRules) -> str:
    """Short digest of a set of rules: a stored classification is used only under the same rules."""
    return hashlib.sha256(orjson.dumps(rules.as_dict(), option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


@dataclass(frozen=True)
class RedrawPiece:
    """A window's redraw ground of one direction and reason (lon/lat geometry)."""

    direction: str  # "gained" or "lost"
    reason: str
    area_km2: float
    geometry: Any

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (without geometry): ``{"kind": "redraw", "direction", "reason", "area_km2"}``."""
        return {"kind": "redraw", "direction": self.direction, "reason": self.reason,
                "area_km2": round(self.area_km2, 3)}


@dataclass(frozen=True)
class WindowRedraws:
    """The redraw ground of a window and what is left as fighting (see the module docstring)."""

    gained: Any  # fighting gained (raw gained minus redraw); None when not asked for
    lost: Any
    redraw_gained: Any
    redraw_lost: Any
    redraw_gained_km2: float
    redraw_lost_km2: float
    pieces: tuple[RedrawPiece, ...]

    @property
    def redraw(self) -> Any:
        """Redraw ground of both directions."""
        return shapely.union(self.redraw_gained, self.redraw_lost)


# --------------------------------------------------------------------------- one step
def _other_layers(store: StoreReader, sel: Selection, when: dt.datetime) -> list[Any]:
    out = []
    for status in RECLASSIFIED_FROM:
        key = LayerKey(sel.layer.side, status)
        if key == sel.layer:
            continue
        try:
            other = select(store, sel.source, key)
        except LayerError:
            continue
        pos = other.index_at(when)
        if pos is not None:
            out.append(layer_union(store, other.timeline[pos][0], key))  # stored (else dissolved), cached
    return out


#: Beyond this radius (long gaps between maps) the whole front line is drawn.
LOCAL_FRONT_MAX_KM = 400.0

#: Margin (km) around the clip region of a local front line: the front's own tolerances
#: (1 km of border, 50 m of gap closing, 0.5 km fragments) stay well inside it.
FRONT_MARGIN_KM = 10.0


def _km_box(geom: Any, km: float) -> Any:
    """The bounding box of ``geom`` grown by ``km`` (degrees converted at its latitude)."""
    x0, y0, x1, y1 = geom.bounds
    dy = km / 111.0
    dx = km / (111.0 * max(np.cos(np.radians(max(abs(y0), abs(y1)))), 0.05))
    return shapely.box(x0 - dx, y0 - dy, x1 + dx, y1 + dy)


def _inner_front(store: StoreReader, sel: Selection, pos: int, near: Any = None, radius_km: float = 0.0) -> Any:
    """Front line (``inner``: the edge of control itself) of the map at ``sel.timeline[pos]``.

    The figure of :func:`frontlines.service.where.frontline_at` with ``mode="inner"``,
    drawn only where the rules look: within ``radius_km`` of the bounding box of
    ``near`` (the step's pieces). The maps and the outline are cut to that box grown by
    :data:`FRONT_MARGIN_KM` and the line is cut back to the box, so within it the line
    is the whole map's line (the cut edges lie on the cut outline's border and are not
    front). Distances up to ``radius_km`` from the pieces are therefore exact. Without
    ``near``, the whole line.
    """
    sid, when, _ = sel.timeline[pos]
    contested = None
    if sel.layer.status == "control":
        try:
            other = select(store, sel.source, LayerKey(sel.layer.side, "contested"))
        except LayerError:
            other = None
        at = other.index_at(when) if other is not None else None
        if other is not None and at is not None:
            contested = (other.timeline[at][0], other.layer)
    inner = _km_box(near, radius_km) if near is not None else None
    outer = _km_box(inner, FRONT_MARGIN_KM) if inner is not None else None

    def layer(snapshot_id: int, key: LayerKey) -> Any:
        parts = np.array(list(store.layer_parts(snapshot_id, key).values()), dtype=object)
        if outer is not None and len(parts):
            parts = shapely.intersection(parts[shapely.intersects(parts, outer)], outer)
        return dissolve(list(parts))

    control = layer(sid, sel.layer)
    grey = layer(*contested) if contested is not None else None
    registry = default_registry()
    conflict = store.snapshot(sid).conflict
    outline = registry.outline(conflict) if conflict in registry else None
    if outline is not None and outer is not None:
        outline = shapely.intersection(outline, outer)  # a new geometry: the shared outline is untouched
    try:
        line = build_frontline(control, outline=outline, contested=grey if grey is not None and not grey.is_empty
                               else None, tolerance_km=1.0, contested_mode="inner").geometry
    except shapely.errors.GEOSException:
        if inner is None:
            raise
        # GEOS can trip on the cut edges (a side location conflict in the projected cut): the whole line
        return shapely.intersection(_inner_front(store, sel, pos), inner)
    return shapely.intersection(line, inner) if inner is not None else line


def _drawing(store: StoreReader, snapshot_id: int) -> bool:
    """True when a snapshot's map is before its source's first reliable day (still being drawn).

    The day is ``source_notes.<source>.reliable_from`` of the conflict definition.
    """
    info = store.snapshot(snapshot_id)
    registry = default_registry()
    if info.conflict not in registry:
        return False
    note = registry.get(info.conflict).source_notes.get(info.source)
    if note is None:
        return False
    first = dt.datetime.combine(note[0], dt.time(), tzinfo=dt.timezone.utc)
    return info.map_time < first


def classify_change(store: StoreReader, sel: Selection, from_id: int, to_id: int, gained: Any, lost: Any, *,
                    rules: RedrawRules = RedrawRules()) -> list[Piece]:
    """Classify the pieces of the change from ``from_id`` to ``to_id`` of a selection (local rules only)."""
    if (gained is None or shapely.is_empty(gained)) and (lost is None or shapely.is_empty(lost)):
        return []
    pos = {s: i for i, (s, _, _) in enumerate(sel.timeline)}
    t0, t1 = sel.timeline[pos[from_id]][1], sel.timeline[pos[to_id]][1]
    days = (t1 - t0).total_seconds() / 86400
    # The rules look at most this far from a piece: the front-distance limit, and the depth
    # a piece may have in the time between the maps (farther than that is a redraw either way).
    radius = max(rules.max_front_distance_km, rules.max_speed_km_per_day * max(days, 1.0)) + 1.0
    moved = shapely.union(gained if gained is not None else EMPTY, lost if lost is not None else EMPTY)
    local = radius < LOCAL_FRONT_MAX_KM
    front = _inner_front(store, sel, pos[from_id], moved if local else None, radius)  # edge of control itself
    before = read_layer_unions(store, sel.layer, [from_id])[from_id]  # stored by the ingest (else dissolved)
    return classify_step(gained, lost, front, days=days, rules=rules,
                         other_layers=_other_layers(store, sel, t0), before=before,
                         drawing=_drawing(store, to_id))


def _step_geometries(store: StoreReader, sel: Selection, from_id: int, to_id: int) -> tuple[Any, Any]:
    """(gained, lost) of one step: the stored step, else computed from the two maps."""
    step = store.steps(sel.layer, [to_id], geometry=True).get(to_id)
    if step is not None and step[0] == from_id:
        return (shapely.from_wkb(step[3]) if step[3] else EMPTY), (shapely.from_wkb(step[4]) if step[4] else EMPTY)
    return change_parts(store.layer_parts(from_id, sel.layer), store.layer_parts(to_id, sel.layer))


def _local(store: StoreReader, sel: Selection, pos: int, rules: RedrawRules) -> list[Piece]:
    """Local classification of the step into ``sel.timeline[pos]`` (cached: snapshot ids never change content)."""
    if pos == 0:
        return []
    a, b = sel.timeline[pos - 1][0], sel.timeline[pos][0]

    def compute() -> tuple[bytes, list[Piece]]:
        gained, lost = _step_geometries(store, sel, a, b)
        pieces = classify_change(store, sel, a, b, gained, lost, rules=rules)
        return b"".join(shapely.to_wkb(p.geometry) for p in pieces), pieces  # bytes first: the cache charges them

    key = ("redraw-local", a, b, sel.source, str(sel.layer), rules_digest(rules))
    return store.cache.get_or_compute(key, compute)[1]


def classify_steps(store: StoreReader, sel: Selection, positions: Sequence[int], *,
                   rules: RedrawRules = RedrawRules(), known: Mapping[int, list[Piece]] | None = None,
                   ) -> dict[int, list[Piece]]:
    """Final classification (local rules and spike-and-revert) of the steps into ``sel.timeline[pos]``.

    Each step's context is every step within ``rules.revert_days`` of it, so the result
    does not depend on which other steps are asked for. ``known``: local classifications
    already made (:func:`_locals_in_threads`), by position.

    Returns
    -------
    dict
        to snapshot id -> its pieces (every piece, fighting and redraw).
    """
    if not positions:
        return {}
    times = [t.timestamp() / 86400 for _, t, _ in sel.timeline]
    wanted = sorted(set(p for p in positions if p > 0))
    out: dict[int, list[Piece]] = {pos: [] for pos in positions if pos == 0}
    have = known or {}
    # Group wanted positions into runs whose contexts overlap; one mark_reverts per run.
    runs: list[list[int]] = []
    for pos in wanted:
        if runs and times[pos] - times[runs[-1][-1]] <= 2 * rules.revert_days:
            runs[-1].append(pos)
        else:
            runs.append([pos])
    for run in runs:
        lo, hi = run[0], run[-1]
        while lo > 1 and times[run[0]] - times[lo - 1] <= rules.revert_days:
            lo -= 1
        while hi + 1 < len(times) and times[hi + 1] - times[run[-1]] <= rules.revert_days:
            hi += 1
        context = list(range(lo, hi + 1))
        marked = mark_reverts([(times[p], have[p] if p in have else _local(store, sel, p, rules)) for p in context],
                              rules=rules)
        for p, pieces in zip(context, marked):
            if p in run:
                out[p] = pieces
    return {sel.timeline[pos][0]: pieces for pos, pieces in out.items()}


def _locals_in_threads(store: StoreWriter, sel: Selection, positions: Sequence[int], rules: RedrawRules,
                       workers: int) -> dict[int, list[Piece]]:
    """The local classification (:func:`_local`) of the steps into ``positions``, made in ``workers`` threads
    with readers of their own (:func:`~frontlines.service.threads.map_with_readers`) when there are
    at least :data:`MIN_THREADED_STEPS`; empty when not (the caller makes them as it goes).

    Contiguous chunks (neighbouring steps share the other layers each thread's cache holds), several per
    thread (taken in turn) so that the threads finish together.
    """
    todo = sorted(p for p in set(positions) if p > 0)
    if workers < 2 or len(todo) < MIN_THREADED_STEPS:
        return {}
    k = min(len(todo), 4 * workers)
    chunks = [todo[i * len(todo) // k:(i + 1) * len(todo) // k] for i in range(k)]

    def work(reader: StoreReader, pos: int) -> list[Piece]:
        return _local(reader, select(reader, sel.source, sel.layer), pos, rules)

    return map_with_readers(store, chunks, work, workers) or {}


def _rows(pieces: Sequence[Piece]) -> tuple[_Row, ...]:
    return tuple((p.direction, str(p.reason), float(p.area_km2), shapely.to_wkb(p.geometry, output_dimension=2))
                 for p in pieces if p.kind == "redraw")


def step_redraws(store: StoreReader, sel: Selection, to_ids: Sequence[int], *,
                 rules: RedrawRules = RedrawRules()) -> dict[int, tuple[_Row, ...]]:
    """The redraw pieces ``(direction, reason, km², WKB)`` of the steps into ``to_ids``.

    Stored rows are used when they were made from the step's real predecessor under the
    same rules; the other steps are classified in memory (cached by data version).
    """
    pos_of = {sid: i for i, (sid, _, _) in enumerate(sel.timeline)}
    ids = [s for s in to_ids if s in pos_of]
    digest = rules_digest(rules)
    stored = store.redraws(sel.layer, ids) if ids else {}
    out: dict[int, tuple[_Row, ...]] = {}
    missing = []
    for sid in ids:
        pos = pos_of[sid]
        prev = sel.timeline[pos - 1][0] if pos > 0 else None
        row = stored.get(sid)
        if row is not None and row[0] == prev and row[1] == digest:
            out[sid] = tuple(row[2])
        elif prev is None:
            out[sid] = ()
        else:
            missing.append(sid)
    if missing:
        # Cached step by step: a step's class depends only on the steps within revert_days of it.
        def key(sid: int) -> tuple[Any, ...]:
            return ("redraw-step", store.data_version, sel.source, str(sel.layer), digest, sid)

        cached = store.cache.get_many([key(s) for s in missing])
        todo = [s for s in missing if key(s) not in cached]
        for sid in missing:
            if key(sid) in cached:
                out[sid] = cached[key(sid)]
        if todo:
            found = classify_steps(store, sel, [pos_of[s] for s in todo], rules=rules)
            for sid in todo:
                out[sid] = _rows(found[sid])
                store.cache.put(key(sid), out[sid])
    return out


def _pieces_by_key(store: StoreReader, sel: Selection, positions: Sequence[int], rules: RedrawRules,
                   ) -> dict[int, dict[tuple[str, str], list[Any]]]:
    """The redraw pieces of the steps into ``positions`` of the timeline: position -> {(direction, reason): pieces}."""
    ids = {p: sel.timeline[p][0] for p in positions if p > 0}
    rows = step_redraws(store, sel, list(ids.values()), rules=rules)
    found: dict[int, dict[tuple[str, str], list[Any]]] = {}
    for p, sid in ids.items():
        for direction, reason, _, wkb in rows.get(sid, ()):
            found.setdefault(p, {}).setdefault((direction, reason), []).append(shapely.from_wkb(wkb))
    return found


def _tree(store: StoreReader, sel: Selection, rules: RedrawRules) -> TreeReader:
    return TreeReader(store, sel, rules_digest(rules), lambda ps: _pieces_by_key(store, sel, ps, rules))


def _window_unions(store: StoreReader, sel: Selection, lo: int, hi: int, rules: RedrawRules,
                   ) -> dict[tuple[str, str], list[Any]]:
    """The unions standing for the redraw pieces of the steps into positions ``lo + 1 .. hi``, per stored
    ``(direction, reason)``: one per node of the window (:func:`frontlines.service.redraw_tree.window_nodes`)."""
    out: dict[tuple[str, str], list[Any]] = {}
    for content in _tree(store, sel, rules).nodes(window_nodes(lo, hi)).values():
        for k, geom in content.items():
            if not shapely.is_empty(geom):
                out.setdefault(k, []).append(geom)
    return out


def _clip_to(raw_parts: np.ndarray, tree: shapely.STRtree, geoms: Sequence[Any]) -> Any:
    """``raw ∩ ∪ geoms`` for ``raw`` = the union of ``raw_parts`` (disjoint polygons, indexed by ``tree``).

    Each polygon of ``geoms`` that meets a raw part is kept whole where the part covers it and
    overlaid with that part only where it does not; the (small) results are unioned once.
    """
    polys = shapely.get_parts(np.asarray(list(geoms), dtype=object))
    pi, ri = tree.query(polys, predicate="intersects")
    if not len(pi):
        return EMPTY
    covered = shapely.covers(raw_parts[ri], polys[pi])
    whole = polys[pi[covered]]
    cut = _cut(raw_parts[ri[~covered]], polys[pi[~covered]])
    found = np.concatenate([whole, cut])
    found = found[~shapely.is_empty(found)]
    return union(found) if len(found) else EMPTY


def _cut(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise polygonal intersections (each pair snap-rounded to the grid when the plain overlay fails)."""
    if not len(a):
        return np.empty(0, dtype=object)
    try:
        out = shapely.intersection(a, b)
    except shapely.errors.GEOSException:
        out = np.array([_overlay(shapely.intersection, x, y) for x, y in zip(a, b)], dtype=object)
    return np.array([polygonal(g) for g in out], dtype=object)


def derive_redraws(store: StoreWriter, source: str, layer: LayerKey, *,
                   rules: RedrawRules = RedrawRules(), workers: int = 1) -> int:
    """Store the classification of every step of a timeline that lacks a current one.

    A step is (re)classified when it has no stored row, or one made from another
    predecessor or under other rules; so is every step within ``rules.revert_days`` of
    one (their spike-and-revert marks may change). Call inside a transaction. With
    ``workers`` >= 2, many steps are classified in that many threads (:func:`_locals_in_threads`).

    Returns
    -------
    int
        Number of steps written.
    """
    sel = select(store, source, layer)
    ids = [sid for sid, _, _ in sel.timeline]
    digest = rules_digest(rules)
    stored = store.redraws(sel.layer, ids)
    times = [t.timestamp() / 86400 for _, t, _ in sel.timeline]
    stale = [pos for pos, sid in enumerate(ids) if pos > 0 and (
        sid not in stored or stored[sid][0] != ids[pos - 1] or stored[sid][1] != digest)]
    if not stale:
        _derive_tree(store, sel, rules, set())
        return 0
    todo = set(stale)
    j = 0
    for pos in stale:  # neighbours within revert_days of a stale step
        while j < len(times) and times[j] < times[pos] - rules.revert_days:
            j += 1
        k = j
        while k < len(times) and times[k] <= times[pos] + rules.revert_days:
            if k > 0:
                todo.add(k)
            k += 1
    known = _locals_in_threads(store, sel, sorted(todo), rules, workers)
    found = classify_steps(store, sel, sorted(todo), rules=rules, known=known)
    if known:
        del known
        release_memory()  # what the threads' readers held (their caches): not kept into the change faces' peak
    for pos in sorted(todo):
        sid = ids[pos]
        store.put_redraws(sel.layer, sid, ids[pos - 1], digest, list(_rows(found[sid])))
    _derive_tree(store, sel, rules, todo)
    return len(todo)


def face_steps(store: StoreReader, sel: Selection, rules: RedrawRules = RedrawRules()) -> StepSource:
    """What the change-face index (:mod:`frontlines.service.change_faces`) reads of a timeline's steps."""
    return StepSource(moves=lambda a, b: _step_geometries(store, sel, a, b),
                      redraws=lambda ids: step_redraws(store, sel, ids, rules=rules),
                      digest=rules_digest(rules), order=REASONS, revert_days=rules.revert_days)


def _derive_tree(store: StoreWriter, sel: Selection, rules: RedrawRules, changed: set[int]) -> None:
    """Write the hierarchy of redraw unions (:mod:`frontlines.service.redraw_tree`) when any node of
    it is missing or stale; ``changed`` = timeline positions whose redraw rows were just rewritten."""
    digest = rules_digest(rules)
    row = store.redraw_unions(sel.source, sel.layer)
    nodes = build_tree(store, sel, digest, lambda ps: _pieces_by_key(store, sel, ps, rules), changed)
    data = encode_tree(nodes)
    if row is None or row != (digest, data):
        store.put_redraw_unions(sel.source, sel.layer, digest, data)
    derive_change_faces(store, sel, face_steps(store, sel, rules), changed)  # the change-face index beside


# --------------------------------------------------------------------------- a window
def _area(geom: Any) -> float:
    if geom is None or shapely.is_empty(geom):
        return 0.0
    return float(areas_km2(np.array([geom], dtype=object))[0])


def _overlay(op: Any, *args: Any) -> Any:
    """A shapely overlay; snap-rounded to :data:`GRID` when the plain one fails (map pieces drawn
    again and again share near-coincident edges that the plain overlay can trip on)."""
    try:
        return op(*args)
    except shapely.errors.GEOSException:
        return op(*args, grid_size=GRID)


#: Relative tolerance of the area check of a fighting geometry (raw − redraw must measure
#: area(raw) − area(redraw)).
FIGHT_RTOL = 1e-7


def _minus(raw: Any, redraw: Any, redraw_km2: float) -> Any:
    """``raw − redraw`` (``redraw`` ⊂ ``raw``, of ``redraw_km2``), snap-rounded to :data:`GRID` when the plain
    overlay fails or measures wrong (the plain overlay can lose a few thousand m² on the near-coincident
    edges of maps drawn again and again)."""
    out = polygonal(_overlay(shapely.difference, raw, redraw))
    want = _area(raw) - redraw_km2
    if abs(_area(out) - want) > FIGHT_RTOL * max(abs(want), 1.0):
        snapped = polygonal(shapely.difference(raw, redraw, grid_size=GRID))
        if abs(_area(snapped) - want) < abs(_area(out) - want):
            out = snapped
    return out


def window_has_redraws(store: StoreReader, sel: Selection, from_id: int, to_id: int, *,
                       rules: RedrawRules = RedrawRules()) -> bool:
    """Whether any step between two snapshots has redraw pieces (read from the change-face index when it
    is current, else from the window's nodes)."""
    ids = [s for s, _, _ in sel.timeline]
    lo, hi = sorted((ids.index(from_id), ids.index(to_id)))
    index = face_index(store, sel, None, rules_digest(rules))
    if index is not None:
        return index.has_redraws(lo, hi)
    return bool(_window_unions(store, sel, lo, hi, rules))


def window_redraws(store: StoreReader, sel: Selection, from_id: int, to_id: int, gained: Any, lost: Any, *,
                   rules: RedrawRules = RedrawRules(), fighting: bool = True, cache: bool = False) -> WindowRedraws:
    """The redraw ground of the window from ``from_id`` to ``to_id`` and the fighting left.

    Parameters
    ----------
    gained, lost : shapely geometry or None
        The window's raw change (lon/lat); None is read as empty.
    fighting : bool
        Also the fighting geometries (raw minus redraw); False leaves them None (only
        the figures are needed: the overlay of the whole change is saved).
    cache : bool
        Keep the result in ``store.cache`` (by snapshot ids and data version): only for
        ``gained`` / ``lost`` = the whole raw change of the window
        (:func:`frontlines.service.measure.change_geometries`). Its geometries are then
        shared: never prepare them.

    Returns
    -------
    WindowRedraws
        ``redraw_gained`` = ``gained`` ∩ ∪ redraw-gained pieces of the steps in the window
        (likewise lost); ``gained`` / ``lost`` = the raw change minus them.
    """
    if cache:
        key = ("window-redraws", store.data_version, sel.source, str(sel.layer), rules_digest(rules), from_id, to_id,
               fighting, gained is None, lost is None)
        return store.cache.get_or_compute(key, lambda: window_redraws(store, sel, from_id, to_id, gained, lost,
                                                                      rules=rules, fighting=fighting))
    gained = EMPTY if gained is None else gained
    lost = EMPTY if lost is None else lost
    ids = [s for s, _, _ in sel.timeline]
    empty = WindowRedraws(gained, lost, EMPTY, EMPTY, 0.0, 0.0, ())
    if from_id == to_id:
        return empty
    i0, i1 = ids.index(from_id), ids.index(to_id)
    lo, hi = min(i0, i1), max(i0, i1)
    by_key = _window_unions(store, sel, lo, hi, rules)
    if not by_key:
        return empty
    # Backwards in time, ground "gained" by a step is the window's lost ground.
    flip = i1 < i0
    groups: dict[tuple[str, str], list[Any]] = {}
    for (direction, reason), geoms in by_key.items():
        if flip:
            direction = "lost" if direction == "gained" else "gained"
        groups[(direction, reason)] = geoms
    order = {r: k for k, r in enumerate(REASONS)}
    pieces: list[RedrawPiece] = []
    done = {"gained": EMPTY, "lost": EMPTY}
    for direction, raw in (("gained", gained), ("lost", lost)):
        keys = sorted((k for k in groups if k[0] == direction), key=lambda k: (order.get(k[1], len(order)), k[1]))
        raw = polygonal(raw)
        if not keys or shapely.is_empty(raw):
            continue
        raw_parts = shapely.get_parts(raw)
        tree = shapely.STRtree(raw_parts)
        for key in keys:  # raw ∩ the key's redraw ground, attributed to the first reason that covers it
            part = _clip_to(raw_parts, tree, groups[key])
            if shapely.is_empty(part):
                continue
            if not shapely.is_empty(done[direction]) and shapely.intersects(part, done[direction]):
                part = polygonal(_overlay(shapely.difference, part, done[direction]))
            area = _area(part)
            if area <= 0:
                continue
            pieces.append(RedrawPiece(direction, key[1], area, part))
            done[direction] = part if shapely.is_empty(done[direction]) else polygonal(
                _overlay(shapely.union, done[direction], part))
    rg, rl = done["gained"], done["lost"]
    g_km2 = sum(p.area_km2 for p in pieces if p.direction == "gained")
    l_km2 = sum(p.area_km2 for p in pieces if p.direction == "lost")
    if fighting:
        fight_g = _minus(polygonal(gained), rg, g_km2) if g_km2 > 0 else gained
        fight_l = _minus(polygonal(lost), rl, l_km2) if l_km2 > 0 else lost
    else:
        fight_g = fight_l = None
    return WindowRedraws(fight_g, fight_l, rg, rl, g_km2, l_km2, tuple(pieces))


def derive_store_redraws(store: StoreWriter, *, sources: Sequence[str] | None = None,
                         rules: RedrawRules = RedrawRules(), workers: int | None = None) -> int:
    """Store the redraw classification of every unclassified step of each source's primary layer.

    One transaction (nested inside the caller's, if any). Other layers are classified in
    memory when a query needs them; a source whose primary layer has no snapshot (an ISW sync
    that stored other layers only) has nothing to classify. ``workers``: threads classifying
    a long history (default :data:`~frontlines.service.threads.DEFAULT_THREADS`; used from
    :data:`MIN_THREADED_STEPS` steps, while the transaction has written nothing, i.e. first in it).

    Returns
    -------
    int
        Number of steps written.
    """
    written = 0
    with store.transaction():
        for source, _, _, _ in store.sources():
            if sources is not None and source not in sources:
                continue
            primary = store.latest_snapshot(source).primary
            if primary in store.source_layers(source):
                written += derive_redraws(store, source, primary, rules=rules,
                                          workers=DEFAULT_THREADS if workers is None else workers)
    # The change faces' coverage cleaning leaves ~0.5 GB of free C heap on the history (RSS 720 -> 200 MB
    # after an appended map): given back, so a server that syncs does not stay at the stage's peak.
    release_memory()
    return written


def _ground_parts(store: StoreReader, sel: Selection, from_id: int, to_id: int, direction: str | None,
                  rules: RedrawRules) -> np.ndarray:
    """The polygons of the window's node unions (:func:`_window_unions`) of one stored direction (None: both):
    their union is the window's redraw ground. New geometries (safe to prepare)."""
    ids = [s for s, _, _ in sel.timeline]
    i0, i1 = sorted((ids.index(from_id), ids.index(to_id)))
    geoms = [g for (d, _), gs in _window_unions(store, sel, i0, i1, rules).items() if direction in (None, d) for g in gs]
    return shapely.get_parts(np.asarray(geoms, dtype=object)) if geoms else np.empty(0, dtype=object)


def redraw_ground(store: StoreReader, sel: Selection, from_id: int, to_id: int, *, direction: str | None = None,
                  rules: RedrawRules = RedrawRules()) -> Any:
    """Union of the redraw pieces of the steps between two snapshots (lon/lat).

    ``direction`` ("gained" / "lost", as the steps drew them) picks one kind; by default
    both: what a place that changed status must lie in to have changed it on a map
    redraw only. A new geometry on every call (safe to prepare).
    """
    parts = _ground_parts(store, sel, from_id, to_id, direction, rules)
    return union(parts) if len(parts) else EMPTY


def redraw_covers_xy(store: StoreReader, sel: Selection, from_id: int, to_id: int, lon: np.ndarray, lat: np.ndarray,
                     *, rules: RedrawRules = RedrawRules()) -> np.ndarray:
    """Whether each point (lon/lat) lies in the redraw ground of the window (either direction; its
    boundary counts): ``shapely.intersects_xy(redraw_ground(...), lon, lat)`` without the union."""
    out = np.zeros(len(lon), dtype=bool)
    if not len(lon):
        return out
    parts = _ground_parts(store, sel, from_id, to_id, None, rules)
    if len(parts):
        hit, _ = shapely.STRtree(parts).query(shapely.points(np.asarray(lon), np.asarray(lat)), predicate="intersects")
        out[hit] = True
    return out
