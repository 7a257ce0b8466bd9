"""Derived figures kept in the store: per-layer steps, areas and region areas.

For each (source, layer) timeline, the *step* into a snapshot is the change from
its predecessor: gained and lost ground, computed by
:func:`frontlines.core.measure.change_parts` from the parts that differ. A
snapshot's area is its predecessor's area plus gained minus lost (telescoping),
and is recomputed from scratch every :data:`FULL_EVERY` snapshots and for the
first one, so rounding never accumulates. Region areas are derived the same way
from the step geometries: queries compute them in memory (a query never writes), and
:func:`derive_store` (``frontlines derive --regions``) stores them.

Adding one snapshot therefore costs one step, wherever it falls in time: its own
step, plus a new step for its successor.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import shapely

from frontlines.conflicts import default_registry
from frontlines.core.geodesy import area_km2
from frontlines.core.measure import change_parts, dissolve
from frontlines.core.regions import RegionLayer, clip_areas
from frontlines.errors import FrontlinesError
from frontlines.model import LayerKey
from frontlines.service.layer_geojson import store_layer_geojsons
from frontlines.service.settlement_index import store_index
from frontlines.service.split_clip import split_clip
from frontlines.service.tail_ahead import ClipRows
from frontlines.service.threads import DEFAULT_THREADS, thread_map
from frontlines.store import StoreReader, StoreWriter

__all__ = [
    "FULL_EVERY",
    "INGEST_LEVELS",
    "derive_layers",
    "derive_step",
    "derive_store",
    "extend_layer_unions",
    "extend_region_tables",
    "extend_settlement_index",
    "region_area_table",
    "store_layer_unions",
    "store_region_table",
    "stored_row",
]

#: Snapshots of a timeline whose region figures :func:`region_area_table` computes together:
#: their step geometries are clipped in one batch; only one chunk's geometries and clipped
#: pieces are in memory at a time (the whole W1 history at once took ~100 MB more at peak).
#: An ingest writes the table a chunk at a time as it stores (:mod:`.early_steps`), and the
#: last chunk's work falls after the parse: 64 rather than 256 takes W2's from 0.043 to 0.017 s.
TABLE_CHUNK = 64

#: Snapshots whose parts are read at once to be dissolved in threads (:func:`store_layer_unions`).
UNION_CHUNK = 128

#: A snapshot's area is computed from its full geometry every this many steps (each
#: step satisfies gained - lost = area difference within ~1e-4 km², so drift stays tiny).
FULL_EVERY = 256


def _wkb(geom: Any) -> bytes | None:
    if geom is None or shapely.is_empty(geom):
        return None
    return shapely.to_wkb(geom, output_dimension=2)


def derive_layers(
    store: StoreWriter,
    touched: list[tuple[str, LayerKey]],
    *,
    precomputed: dict[tuple[Any, LayerKey], Any] | None = None,
    dissolved: dict[tuple[int, LayerKey], Any] | None = None,
) -> int:
    """Compute missing or stale steps and areas of the given timelines.

    Parameters
    ----------
    precomputed : dict, optional
        ``((source, published_at ISO, content hash), layer) -> PrecomputedStep`` from the
        parse workers; used when its predecessor is the snapshot's real predecessor.
    dissolved : dict, optional
        Filled with ``(snapshot id, layer) -> dissolved layer`` for every snapshot whose
        area was computed from its full geometry here (the first of a timeline, every
        :data:`FULL_EVERY`-th): :func:`extend_region_tables` clips those rather than
        dissolving them again (on an ISW layer of 146 parts a dissolve costs ~0.2 s).
        A snapshot's dissolved layer found in it already (the ingest dissolves a timeline's
        first snapshot while it parses, :mod:`~frontlines.service.tail_ahead`) is used as it is.

    Returns
    -------
    int
        Number of steps computed here (not taken from ``precomputed``).
    """
    precomputed = precomputed or {}
    computed = 0
    for source, layer in touched:
        timeline = store.layer_timeline(source, layer)
        ids = [sid for sid, _, _ in timeline]
        links = store.step_links(layer, ids)
        keys = store.snapshot_keys(source) if precomputed else {}
        prev: int | None = None
        prev_area: float | None = None
        keep = None if dissolved is None else _Keep(dissolved, layer)
        for pos, (sid, _when, area) in enumerate(timeline):
            stale = sid not in links or links[sid] != prev or area is None
            if stale:
                pre = precomputed.get((keys.get(sid), layer))
                full = prev is None or pos % FULL_EVERY == 0
                if pre is not None and prev is not None and pre.previous == keys.get(prev):
                    area = _use_precomputed(store, layer, prev, sid, prev_area, pre, full=full, keep=keep)
                else:
                    area = _step(store, layer, prev, sid, prev_area, full=full, keep=keep)
                    computed += 1
            prev, prev_area = sid, area
    return computed


def derive_step(
    store: StoreWriter,
    layer: LayerKey,
    prev: int | None,
    sid: int,
    prev_area: float | None,
    pre: Any,
    *,
    pos: int,
    dissolved: dict[tuple[int, LayerKey], Any] | None = None,
) -> float:
    """Store the step into ``sid`` (at position ``pos`` of its timeline) and its area, as :func:`derive_layers` does.

    ``pre``: the precomputed step from ``prev`` (its predecessor; the caller checked that it is
    from ``prev``), or None to compute it. Returns the snapshot's area. Used by the ingest to
    derive its new snapshots as they are stored (:mod:`~frontlines.service.early_steps`);
    :func:`derive_layers` then finds them up to date.
    """
    keep = None if dissolved is None else _Keep(dissolved, layer)
    full = prev is None or pos % FULL_EVERY == 0
    if pre is not None and prev is not None:
        return _use_precomputed(store, layer, prev, sid, prev_area, pre, full=full, keep=keep)
    return _step(store, layer, prev, sid, prev_area, full=full, keep=keep)


class _Keep:
    """The dissolved layers of one timeline's snapshots: those at hand, and those computed here."""

    def __init__(self, dissolved: dict[tuple[int, LayerKey], Any], layer: LayerKey) -> None:
        self._dissolved, self._layer = dissolved, layer

    def get(self, sid: int) -> Any:
        return self._dissolved.get((sid, self._layer))

    def __call__(self, sid: int, geom: Any) -> None:
        self._dissolved[(sid, self._layer)] = geom


Keep = _Keep | None


def _full_area(store: StoreWriter, layer: LayerKey, sid: int, keep: Keep,
               parts: dict[str, Any] | None = None) -> float:
    """Area of a snapshot's dissolved layer (handed to ``keep`` for the region tables; taken from it when there)."""
    geom = None if keep is None else keep.get(sid)
    if geom is None:
        geom = dissolve(list((store.layer_parts(sid, layer) if parts is None else parts).values()))
        if keep is not None:
            keep(sid, geom)
    return area_km2(geom)


def _use_precomputed(store: StoreWriter, layer: LayerKey, prev: int, sid: int, prev_area: float | None, pre: Any,
                     *, full: bool, keep: Keep = None) -> float:
    if full or prev_area is None:
        area = _full_area(store, layer, sid, keep)
    else:
        area = prev_area + pre.gained_km2 - pre.lost_km2
    store.put_step(layer, sid, prev, area, (pre.gained_km2, pre.gained_wkb), (pre.lost_km2, pre.lost_wkb))
    return area


def _step(store: StoreWriter, layer: LayerKey, prev: int | None, sid: int, prev_area: float | None, *, full: bool,
          keep: Keep = None) -> float:
    cur_parts = store.layer_parts(sid, layer)
    if prev is None:
        area = _full_area(store, layer, sid, keep, cur_parts)
        store.put_step(layer, sid, None, area, None, None)
        return area
    gained, lost = change_parts(store.layer_parts(prev, layer), cur_parts)
    g, l = area_km2(gained), area_km2(lost)
    if full or prev_area is None:
        area = _full_area(store, layer, sid, keep, cur_parts)
    else:
        area = prev_area + g - l
    store.put_step(layer, sid, prev, area, (g, _wkb(gained) or b""), (l, _wkb(lost) or b""))
    return area


def store_layer_unions(
    store: StoreWriter,
    touched: Iterable[tuple[str, LayerKey]],
    *,
    only: Collection[int] | None = None,
    dissolved: Mapping[tuple[int, LayerKey], Any] | None = None,
    workers: int = 1,
) -> int:
    """Store the dissolved layer (the union of its parts) of every snapshot of the given timelines that lacks one.

    Queries between distant snapshots overlay two dissolved layers
    (:func:`frontlines.service.unions.layer_union` reads them from the store's
    ``layer_unions`` table); a DeepState history snapshot costs ~8 ms to dissolve and ~50 KB
    of WKB to keep.

    Parameters
    ----------
    only : collection of int, optional
        Just these snapshots (an ingest's new ones); default every snapshot of each timeline.
    dissolved : mapping, optional
        (snapshot id, layer) -> its dissolved layer, where already at hand (see
        :func:`derive_layers`): stored as it is, not dissolved again.
    workers : int
        Threads dissolving (:func:`~frontlines.service.threads.thread_map`).

    Returns
    -------
    int
        Number of dissolved layers written.
    """
    wanted = None if only is None else set(only)
    written = 0
    for source, layer in touched:
        ids = [sid for sid, _, _ in store.layer_timeline(source, layer) if wanted is None or sid in wanted]
        have = store.layer_unions(layer, ids).keys() if ids else set()
        known = dissolved or {}
        todo = [sid for sid in ids if sid not in have]
        for at in range(0, len(todo), UNION_CHUNK):
            chunk = todo[at: at + UNION_CHUNK]
            # read here (the store's connection stays in this thread), dissolved in the threads
            inputs = [known[(sid, layer)] if (sid, layer) in known else list(store.layer_parts(sid, layer).values())
                      for sid in chunk]
            store.put_layer_unions(layer, list(zip(chunk, thread_map(_dissolved_wkb, inputs, workers))))
            written += len(chunk)
    return written


def _dissolved_wkb(layer: Any) -> bytes:
    """WKB of a dissolved layer, or of the union of a list of its parts."""
    return shapely.to_wkb(dissolve(layer) if isinstance(layer, list) else layer, output_dimension=2)


def extend_layer_unions(store: StoreWriter, touched: Iterable[tuple[str, LayerKey]], new_ids: Collection[int], *,
                        dissolved: Mapping[tuple[int, LayerKey], Any] | None = None, workers: int = 1) -> int:
    """After an ingest: store the dissolved layer of the new snapshots of each touched source's primary layer.

    Other layers (DeepState's contested and regained ground) are left to ``frontlines derive
    --all-layers``: on the W1 history they would triple the cost (~13 s CPU and ~70 MB
    per layer); queries dissolve what is not stored.

    Returns
    -------
    int
        Number of dissolved layers written.
    """
    primary = {source: store.latest_snapshot(source).primary for source, _ in touched}
    return store_layer_unions(store, [(s, k) for s, k in touched if k == primary[s]], only=new_ids, dissolved=dissolved,
                              workers=workers)


def region_area_table(
    store: StoreReader,
    source: str,
    layer: LayerKey,
    region_set: str,
    region_ids: list[str],
    clip: Callable[[Any], np.ndarray],
    *,
    only: Collection[int] | None = None,
    clip_many: Callable[[list[Any]], np.ndarray] | None = None,
    dissolved: Mapping[int, Any] | None = None,
    known: Callable[[bytes], np.ndarray | None] | None = None,
) -> tuple[dict[int, np.ndarray], list[int]]:
    """Per-region area of the snapshots of a timeline, computed in memory (nothing is written).

    Stored rows are used as they are; the others are computed from the stored steps
    (predecessor's figures plus the clipped gained ground minus the clipped lost
    ground) or, every :data:`FULL_EVERY` snapshots and where no step links them, from
    the snapshot's dissolved layer.

    Parameters
    ----------
    store : StoreReader
    source : str
    layer : LayerKey
    region_set : str
        Name of the region set in the store (``oblast``, or ``file:DIGEST:FIELD``).
    region_ids : list of str
    clip : callable
        ``geometry -> array of km² per region`` (same order as ``region_ids``).
    only : collection of int, optional
        Just these snapshots (and their predecessors' figures, to step from); default all.
    clip_many : callable, optional
        ``list of geometries -> 2-D array`` (one row per geometry), e.g.
        :func:`frontlines.core.regions.clip_areas`: the same figures as ``clip``, in
        one batch (much cheaper for thousands of small steps).
    dissolved : mapping, optional
        snapshot id -> its dissolved layer, where already at hand (see :func:`derive_layers`):
        used instead of dissolving the snapshot's parts again.
    known : callable, optional
        ``WKB -> row or None``: rows of ``clip`` computed already, found by the geometry's WKB
        (a step's as stored; a dissolved layer's ``shapely.to_wkb(geom, output_dimension=2)``),
        e.g. :meth:`frontlines.service.tail_ahead.ClipRows.lookup`. Those are not clipped again.

    Returns
    -------
    table : dict
        snapshot id -> array of km², ordered like ``region_ids``.
    computed : list of int
        The snapshot ids whose figures were not stored (what :func:`store_region_table` writes).
    """
    ids = [sid for sid, _, _ in store.layer_timeline(source, layer)]
    if only is None:
        need = set(ids)
    else:
        wanted = set(only)
        need = {sid for pos, sid in enumerate(ids) if sid in wanted or (pos + 1 < len(ids) and ids[pos + 1] in wanted)}
    stored = store.region_areas([sid for sid in ids if sid in need], layer, region_set)
    out: dict[int, np.ndarray] = {}
    computed: list[int] = []
    have: set[int] = set()
    # The timeline in chunks of TABLE_CHUNK snapshots (memory: only one chunk's step geometries
    # and clipped pieces are alive at a time): first the chunk's plan (which snapshot steps from
    # which, which is clipped whole), then its geometries clipped in one batch when ``clip_many``
    # is given, then the running sums, carried from chunk to chunk.
    for start in range(0, len(ids), TABLE_CHUNK):
        chunk = ids[start:start + TABLE_CHUNK]
        missing = [sid for sid in chunk if sid in need and not _complete(stored.get(sid), region_ids)]
        steps = store.steps(layer, missing, geometry=True) if missing else {}
        plan: list[tuple[int, str, Any, Any]] = []
        prev_of: dict[int, int] = {}
        for pos, sid in enumerate(chunk, start):
            prev = ids[pos - 1] if pos else None
            row = stored.get(sid)
            if sid not in need:
                continue
            if _complete(row, region_ids):
                plan.append((sid, "stored", None, None))
                have.add(sid)
                continue
            step = steps.get(sid)
            usable = (
                prev is not None and prev in have and step is not None and step[0] == prev
                and pos % FULL_EVERY != 0
            )
            if usable:
                g = _row_or_geometry(step[3], known)
                l = _row_or_geometry(step[4], known)
                plan.append((sid, "step", g, l))
                prev_of[sid] = prev
            else:
                whole = (dissolved or {}).get(sid)
                if whole is None:
                    whole = dissolve(list(store.layer_parts(sid, layer).values()))
                if known is not None and not shapely.is_empty(whole):
                    found = known(shapely.to_wkb(whole, output_dimension=2))
                    whole = whole if found is None else found
                plan.append((sid, "full", whole, None))
            have.add(sid)
        del steps
        # A plan entry holds a geometry to clip, or the row found already (``known``).
        geoms = [g for _, kind, a, b in plan if kind != "stored" for g in (a, b)
                 if g is not None and not isinstance(g, np.ndarray)]
        if clip_many is not None and geoms:
            clipped = dict(zip(map(id, geoms), clip_many(geoms)))
        else:
            clipped = {id(g): clip(g) for g in geoms}

        for sid, kind, a, b in plan:
            if kind == "stored":
                out[sid] = stored_row(stored[sid], region_ids)  # type: ignore[assignment]
            elif kind == "full":
                out[sid] = _row(a, clipped) if a is not None else np.zeros(len(region_ids))
                computed.append(sid)
            else:  # a step from its predecessor, whose figures are in ``out`` already
                vals = out[prev_of[sid]].copy()
                if a is not None:
                    vals += _row(a, clipped)
                if b is not None:
                    vals -= _row(b, clipped)
                np.maximum(vals, 0.0, out=vals)
                out[sid] = vals
                computed.append(sid)
        del plan, geoms, clipped
    return out, computed


def _row(g: Any, clipped: dict[int, np.ndarray]) -> np.ndarray:
    """A plan entry's row: the row it holds, or its geometry's clip."""
    return g if isinstance(g, np.ndarray) else clipped[id(g)]


def _row_or_geometry(wkb: bytes | None, known: Callable[[bytes], np.ndarray | None] | None) -> Any:
    """A stored step geometry: its clip row when ``known`` has it, else the geometry (None when empty)."""
    if not wkb:
        return None
    found = None if known is None else known(wkb)
    return shapely.from_wkb(wkb) if found is None else found


def _complete(row: dict[str, float] | None, region_ids: list[str]) -> bool:
    """Whether :func:`stored_row` gives figures for ``row`` (tested without building them)."""
    return bool(row) and bool(region_ids) and region_ids[0] in row  # type: ignore[operator]


def stored_row(row: dict[str, float] | None, region_ids: list[str]) -> np.ndarray | None:
    """A stored snapshot's figures in ``region_ids`` order, or None when the snapshot is not stored.

    Rows of 0 km² are not written (a hromada table is ~90 % zeros), except the first
    region's, which marks the snapshot as stored: a region without a row holds 0 km².
    Tables written whole (before issue 18) read the same.
    """
    if not _complete(row, region_ids):
        return None
    return np.array([row.get(r, 0.0) for r in region_ids])


def store_region_table(
    store: StoreWriter,
    source: str,
    layer: LayerKey,
    region_set: str,
    region_ids: list[str],
    clip: Callable[[Any], np.ndarray],
    *,
    only: Collection[int] | None = None,
    clip_many: Callable[[list[Any]], np.ndarray] | None = None,
    dissolved: Mapping[int, Any] | None = None,
    known: Callable[[bytes], np.ndarray | None] | None = None,
) -> int:
    """Compute the per-region areas missing from the store and write them.

    Parameters are those of :func:`region_area_table`.

    Returns
    -------
    int
        Number of snapshots whose figures were written.
    """
    table, computed = region_area_table(store, source, layer, region_set, region_ids, clip, only=only,
                                        clip_many=clip_many, dissolved=dissolved, known=known)
    name = str(layer)
    rows = []
    for sid in computed:  # zeros are left out but the first region's (see stored_row)
        vals = table[sid]
        rows.extend((sid, name, region_set, region_ids[i], float(vals[i]))
                    for i in np.flatnonzero((vals != 0.0) | (np.arange(len(vals)) == 0)))
    if rows:
        store.put_region_areas(rows)
    return len(computed)


def derive_store(
    store: StoreWriter,
    *,
    regions: Sequence[tuple[str, RegionLayer]] = (),
    region_layers: str = "primary",
) -> dict[str, Any]:
    """Compute every derived figure the store lacks, in one transaction (``frontlines derive``).

    Parameters
    ----------
    store : StoreWriter
    regions : sequence of (region set name, RegionLayer)
        Also store the per-region area tables of these region layers.
    region_layers : {"primary", "all"}
        Which layers of each source get region tables and stored dissolved layers
        (:func:`store_layer_unions`): the primary one, or every one.

    Returns
    -------
    dict
        ``{"layers": n, "steps_computed": n, "layer_unions": n, "layer_geojson": n, "region_tables": n,
        "region_snapshots": n, "settlement_indexes": n}`` (``layer_unions``: dissolved layers written, see
        :func:`store_layer_unions`; ``layer_geojson``: display GeoJSON rows written, see
        :func:`frontlines.service.layer_geojson.store_layer_geojsons`).
    """
    if region_layers not in ("primary", "all"):
        raise FrontlinesError(f"region_layers must be 'primary' or 'all', not {region_layers!r}")
    summary = {"layers": 0, "steps_computed": 0, "layer_unions": 0, "layer_geojson": 0, "region_tables": 0,
               "region_snapshots": 0, "settlement_indexes": 0}
    with store.transaction():
        for source, _, _, _ in store.sources():
            layers = store.source_layers(source)
            summary["layers"] += len(layers)
            dissolved: dict[tuple[int, LayerKey], Any] = {}
            summary["steps_computed"] += derive_layers(store, [(source, k) for k in layers], dissolved=dissolved)
            summary["settlement_indexes"] += extend_settlement_index(store, [(source, k) for k in layers])
            wanted = layers if region_layers == "all" else [store.latest_snapshot(source).primary]
            summary["layer_unions"] += store_layer_unions(store, [(source, k) for k in wanted], dissolved=dissolved,
                                                          workers=DEFAULT_THREADS)
            summary["layer_geojson"] += store_layer_geojsons(store, [(source, k) for k in wanted], dissolved=dissolved,
                                                             workers=DEFAULT_THREADS)
            for layer in wanted:
                for name, region_layer in regions:
                    summary["region_snapshots"] += store_region_table(
                        store, source, layer, name, list(region_layer.ids),
                        lambda g, r=region_layer: clip_areas(r, g),
                        clip_many=lambda gs, r=region_layer: clip_areas(r, gs),
                        dissolved={sid: g for (sid, key), g in dissolved.items() if key == layer},
                    )
                    summary["region_tables"] += 1
    return summary


#: How many of a conflict's region levels (coarsest first) an ingest stores tables of for
#: each source's primary layer. Since issue 18 all of them: a table is computed from the
#: stored steps (the predecessor's figures plus the clipped gained minus the clipped lost
#: ground), all steps clipped in one batch (:func:`frontlines.core.regions.clip_areas`:
#: each step polygon only against the regions its box meets, a region's own area when it lies
#: inside the polygon), and rows of 0 km² are not written. On the full DeepState history
#: (1,359 snapshots, 2,036 step geometries), measured on a copy of the store (2026-11-28):
#: raion table +1.8 s CPU, hromada +2.6 s (18 s before; 7.4 s writing every zero row), the
#: settlement index +1.5 s; the store grows from 85 to 105 MB. Lower it to leave finer levels
#: to ``frontlines derive --regions`` (queries then compute them in memory).
INGEST_LEVELS = 3


def extend_region_tables(
    store: StoreWriter,
    touched: Iterable[tuple[str, LayerKey]],
    new_ids: Collection[int],
    *,
    levels: int = INGEST_LEVELS,
    dissolved: Mapping[tuple[int, LayerKey], Any] | None = None,
    workers: int = 1,
    known: ClipRows | None = None,
    tabled: Mapping[tuple[str, LayerKey], Collection[int]] | None = None,
    tabled_levels: int = 0,
) -> int:
    """After an ingest: store the region tables of the new snapshots.

    For each touched timeline: every region level of the source's conflict already
    stored for it (seen on its latest older snapshot), plus the ``levels`` coarsest
    levels of the conflict for the source's primary layer. ``dissolved``: the dissolved
    layers :func:`derive_layers` computed (they are clipped, not dissolved again).
    ``workers`` >= 2: large batches of clips are shared with a forked process
    (:func:`~frontlines.service.split_clip.split_clip`; the same figures). ``known``: clip
    rows computed while the ingest parsed (:class:`~frontlines.service.tail_ahead.TailAhead`),
    found by WKB; only the others are clipped here. ``tabled``: per timeline, the new snapshots whose
    tables of the ``tabled_levels`` coarsest levels are written already
    (:class:`~frontlines.service.early_steps.EarlySteps`): those tables are extended with the others
    only, so that their stored rows are not read again (W1: 1,344 of 1,359).

    Returns
    -------
    int
        Number of (snapshot, region set) figures written.
    """
    new = set(new_ids)
    written = 0
    for source, layer in touched:
        ids = [sid for sid, _, _ in store.layer_timeline(source, layer)]
        older = [sid for sid in ids if sid not in new]
        sets = set(store.region_sets(older[-1], layer)) if older else set()
        latest = store.latest_snapshot(source)
        whole = {sid: g for (sid, key), g in (dissolved or {}).items() if key == layer}
        registry = default_registry()
        conflict = registry.get(latest.conflict)
        if layer == latest.primary:
            sets.update(conflict.level_kinds[:levels])
        done = set((tabled or {}).get((source, layer), ()))
        for name in sorted(sets & set(conflict.level_kinds)):
            only = new - done if name in conflict.level_kinds[:tabled_levels] else new
            if not only:  # every new row of this level written while the ingest parsed
                continue
            region = registry.region_layer(conflict, name)
            if region.name != name:  # stored under another name: not one of the conflict's levels
                continue
            with split_clip(region, workers) as clip_many:
                written += store_region_table(
                    store, source, layer, name, list(region.ids), lambda g, r=region: clip_areas(r, g), only=only,
                    clip_many=clip_many, dissolved=whole, known=None if known is None else known.lookup(name),
                )
    return written


def extend_settlement_index(store: StoreWriter, touched: Iterable[tuple[str, LayerKey]]) -> int:
    """After an ingest (or in ``frontlines derive``): store the settlement index of every touched control layer.

    A touched contested layer touches the control layer of its side. The index is extended
    when the new snapshots come after the indexed ones, else recomputed (see
    :mod:`frontlines.service.settlement_index`).

    Returns
    -------
    int
        Number of indexes written.
    """
    wanted: set[tuple[str, LayerKey]] = set()
    for source, layer in touched:
        control = LayerKey(layer.side, "control")
        if control in store.source_layers(source):
            wanted.add((source, control))
    return sum(store_index(store, source, layer) for source, layer in sorted(wanted, key=str))
