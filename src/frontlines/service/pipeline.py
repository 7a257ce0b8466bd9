"""The ingest pipeline: payloads -> snapshots in the store, in one transaction.

Three steps, each doing work once per distinct thing:

1. **parse** (in parallel worker processes for folders and archives): the adapter
   reads each payload; a feature's geometry is validated once per distinct JSON
   (:class:`~frontlines.sources._geojson.PartCache`) and each polygon part is
   hashed from its WKB;
2. **store**: raw payloads (compressed with zstd by the parsers, each batch's first
   payload a keyframe for the others), new parts, and each snapshot's list of parts;
3. **derive** (:mod:`frontlines.service.derive`): for every layer whose timeline gained
   snapshots, the step from each new snapshot's predecessor is computed from the
   parts that differ, giving gained / lost per step and the area by telescoping; then
   the new snapshots' per-region areas of the stored region tables (by default the
   oblast table of the primary layer).
   A timeline the ingest starts is derived as its snapshots are stored, its oblast rows
   from the clips the parse workers made (:mod:`~frontlines.service.early_steps`,
   :mod:`~frontlines.service.worker_clips`); the rest once all is parsed.

If anything fails, the transaction rolls back and the store is as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import itertools
import os
import pickle
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from frontlines.conflicts import default_registry
from frontlines.core.geodesy import area_km2, areas_km2
from frontlines.core.measure import change_parts
from frontlines.errors import SourceError
from frontlines.hashing import part_hash
from frontlines.model import LayerKey, Snapshot, SnapshotInfo
from frontlines.results import IngestReport
from frontlines.service import worker_clips
from frontlines.service.derive import (
    INGEST_LEVELS,
    derive_layers,
    extend_layer_unions,
    extend_region_tables,
    extend_settlement_index,
)
from frontlines.service.early_steps import EarlySteps
from frontlines.service.known import KnownPayloads
from frontlines.service.layer_geojson import extend_layer_geojsons
from frontlines.service.memory import free_heap_bytes, release_memory
from frontlines.service.parallel_steps import missing_steps
from frontlines.service.tail_ahead import ClipRows, TailAhead
from frontlines.sources._geojson import PartCache
from frontlines.sources._payloads import (
    Payload,
    PayloadFiles,
    is_archive,
    payload_files,
    read_regular,
)
from frontlines.sources.base import IngestOptions, parse_date_text, require_area
from frontlines.sources.files import check_zip
from frontlines.sources.registry import ADAPTERS, get_adapter
from frontlines.store import StoreWriter
from frontlines.store import payloads as payload_codec
from frontlines.store.payloads import KEYFRAME_EVERY
from frontlines.store.protocols import PartRow

__all__ = ["ADAPTER_NAMES", "IngestOptions", "IngestReport", "ParsedSnapshot", "ingest", "ingest_payloads", "parse_date_text"]

#: Names of the source adapters ``ingest`` accepts.
ADAPTER_NAMES: tuple[str, ...] = tuple(ADAPTERS)

Progress = Callable[[int, str], None]

#: Payloads parsed together by one worker (steps inside a batch are computed there).
BATCH = 24
#: A batch is cut earlier when its payloads add up to this many bytes (bounds memory in flight:
#: the main process holds up to ``workers + 1`` batches of raw payloads, each worker one). ISW
#: layers are 1.5 MB of JSON each: batches of 5 rather than 21 take the W3 rebuild's peak PSS
#: from 413 to ~295 MB and share the 59 layers evenly between two workers (2026-11-28).
BATCH_BYTES = 8 * 1024 * 1024

#: Parsed bytes (compressed payloads and new parts' WKB, about a thirtieth of the raw JSON
#: of a map history) an ingest parses before it takes the store's write lock; a larger input
#: goes on parsing inside the transaction (memory stays bounded, the lock is held longer).
PARSE_AHEAD_BYTES = 16 * 1024 * 1024

#: Most consecutive files one parse process takes in a row when the input is files (see :func:`_parse_files`).
SEGMENT = 240
#: Fewest (each segment costs one payload parsed without cache and one step computed by the main process).
MIN_SEGMENT = 48
#: ... unless fewer files hold this much content: large payloads (ISW layers, 1.5 MB of JSON each, redrawn
#: whole, so the cache rarely hits) go in smaller segments, enough of them to share the work evenly.
MIN_SEGMENT_BYTES = 8 * 1024 * 1024

#: Content per file (mean) from which the main process does the tail's work while processes parse
#: (:mod:`~frontlines.service.tail_ahead`): ISW layers (1.5 MB of JSON each, redrawn whole) leave it
#: waiting for most of the parse, and their steps are large geometries (W3: the tail was a quarter of
#: the rebuild's wall time). Not for the DeepState history (0.47 MB a file): its main process is busy
#: storing, its tail is short, and the region layer held during the parse would add ~10 MB to its peak.
TAIL_AHEAD_BYTES = 1024 * 1024
#: Content a batch of files must have read for its parse process to give the memory it freed back, unless
#: its heap holds :data:`TRIM_FREE_BYTES` free (see :func:`_worker_parse_files`).
TRIM_BYTES = 4 * 1024 * 1024
TRIM_FREE_BYTES = 16 * 1024 * 1024
#: Snapshots per generation of a parser's memory (see :class:`_Parser`).
GENERATION = 16


@dataclass
class _IngestTally:
    """What an ingest has done so far (mutable while it runs; frozen into an IngestReport)."""

    adapter: str
    sources: set[str] = field(default_factory=set)
    files_read: int = 0
    added: int = 0
    duplicates: int = 0
    parsed: int = 0
    repaired: int = 0
    unknown_classes: Counter[str] = field(default_factory=Counter)
    excluded_classes: Counter[str] = field(default_factory=Counter)
    ignored_points: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    seconds: float = 0.0
    snapshot_ids: list[int] = field(default_factory=list)

    def freeze(self) -> IngestReport:
        """The finished ingest as a typed result."""
        return IngestReport(
            adapter=self.adapter, sources=tuple(sorted(self.sources)), files_read=self.files_read,
            added=self.added, duplicates=self.duplicates, parsed=self.parsed, repaired=self.repaired,
            unknown_classes=dict(self.unknown_classes.most_common()),
            excluded_classes=dict(self.excluded_classes.most_common()), ignored_points=self.ignored_points,
            first=self.first, last=self.last, seconds=self.seconds, snapshot_ids=tuple(self.snapshot_ids),
        )


SnapshotKey = tuple[str, str, str]  # (source, published_at ISO, content hash)


@dataclass
class PrecomputedStep:
    """A layer's change from the previous snapshot of the same parse batch."""

    previous: SnapshotKey
    gained_km2: float
    lost_km2: float
    gained_wkb: bytes
    lost_wkb: bytes
    #: region set -> (row of the gained geometry, row of the lost one; None when empty), clipped by the
    #: parse worker (:mod:`~frontlines.service.worker_clips`)
    clips: dict[str, tuple[np.ndarray | None, np.ndarray | None]] = field(default_factory=dict)


@dataclass
class ParsedSnapshot:
    """A snapshot whose parts are WKB, ready to store (picklable, sent back by workers)."""

    snapshot: Snapshot  # layers emptied: parts are in ``parts``
    parts: dict[LayerKey, list[PartRow]]  # (part hash, WKB: b"" when this parser sent it before)
    payload_name: str
    steps: dict[LayerKey, PrecomputedStep] = field(default_factory=dict)
    #: the raw payload compressed (:mod:`frontlines.store.payloads`), against ``base_hash``'s raw bytes
    blob: bytes = b""
    base_hash: str | None = None
    raw_size: int = 0

    @property
    def key(self) -> SnapshotKey:
        """Identity of the snapshot before it has a store id."""
        s = self.snapshot
        return (s.source, s.published_at.isoformat(), s.provenance.content_hash)


class _Parser:
    """Parses payloads with one adapter, remembering the parts already hashed.

    What it remembers (parsed features, hashed parts) ages like the adapter's
    :class:`~frontlines.sources._geojson.PartCache`: what no snapshot used during the last
    :data:`GENERATION` to ``2 * GENERATION`` snapshots is forgotten, so memory follows the
    size of a few snapshots, not of the whole ingest. A part's WKB is sent to the main
    process the first time only (later rows carry ``b""``; see :func:`_fill_parts`).
    """

    def __init__(self, adapter_name: str, options: IngestOptions, derive: str = "all", clip_levels: int = 0) -> None:
        self.derive = derive
        self.clip_levels = clip_levels  # region levels the primary layer's steps are clipped by (worker_clips)
        self.adapter = get_adapter(adapter_name)
        # zstd level of the raw payloads: an adapter may choose one (ISW: layers redrawn whole); None:
        # the codec's own parameters (store.payloads.PARAMETERS)
        self.level: int | None = getattr(self.adapter, "payload_level", None)
        self.options = options
        self.cache = PartCache(max_positions=options.limits.positions, generation=GENERATION)
        # id(geometry) -> (hash, geometry): the geometry is held so that its id stays its own
        self._rows: dict[int, tuple[str, Any]] = {}
        self._old_rows: dict[int, tuple[str, Any]] = {}
        self._sent: set[str] = set()
        self._geoms: dict[str, Any] = {}  # part hash -> geometry, for the steps of the current batch
        # the latest snapshot of each (source, layer) of the previous batch (see parse_batch)
        self._tail: dict[tuple[str, LayerKey], tuple[SnapshotKey, int, dict[str, Any]]] = {}
        self._parsed = 0

    def _row(self, g: Any) -> tuple[str, Any] | None:
        row = self._rows.get(id(g))
        if row is None:
            row = self._old_rows.pop(id(g), None)
            if row is not None:
                self._rows[id(g)] = row
        return row

    def parse(self, payload: Payload) -> ParsedSnapshot:
        """One payload parsed (see :meth:`parse_batch` for several)."""
        return self._parse(payload)

    def _parse(self, payload: Payload) -> ParsedSnapshot:
        # Adapters validate what they read and raise SourceError subclasses; anything else is a bug.
        snap = self.adapter.parse(payload, cache=self.cache, options=self.options)
        self._parsed += 1
        if self.cache.advance():  # what the parsed features hold ages with them (with redrawn layers, sooner)
            self._old_rows, self._rows = self._rows, {}
        require_area(snap, name=payload.name, allow_empty=self.options.allow_empty)
        if self.options.strict and snap.notes.get("repaired"):
            raise SourceError(
                f"{payload.name}: {snap.notes['repaired']} invalid geometries (--strict): "
                + "; ".join(snap.notes.get("repair_details", [])[:3])
            )
        parts: dict[LayerKey, list[PartRow]] = {}
        known, sent = self._rows.get, self._sent
        for layer, geoms in snap.layers.items():
            rows = [known(id(g)) or self._row(g) for g in geoms]
            wkb_of: dict[str, bytes] = {}
            if None in rows:
                fresh = [g for g, r in zip(geoms, rows) if r is None]
                wkbs = shapely.to_wkb(fresh, output_dimension=2)
                for g, wkb in zip(fresh, wkbs):
                    h = part_hash(wkb)
                    self._rows[id(g)] = (h, g)
                    wkb_of[h] = wkb
                rows = [self._rows[id(g)] for g in geoms]
            self._geoms.update(rows)  # type: ignore[arg-type]

            def first(h: str, g: Any) -> PartRow:  # a part new to this parser was just hashed: its WKB is at hand
                sent.add(h)
                wkb = wkb_of.get(h)  # else sent before a ``resend`` (see parse_batch): the same bytes again
                return (h, shapely.to_wkb(g, output_dimension=2) if wkb is None else wkb)

            parts[layer] = [(h, b"") if h in sent else first(h, g) for h, g in rows]  # type: ignore[misc]
        bare = Snapshot(
            source=snap.source,
            conflict=snap.conflict,
            published_at=snap.published_at,
            provenance=snap.provenance,
            layers={k: () for k in snap.layers},
            primary=snap.primary,
            notes=snap.notes,
            map_time=snap.map_time,
        )
        return ParsedSnapshot(bare, parts, payload.name)

    def parse_batch(self, batch: Iterable[Payload], *, continues: bool = False,
                    resend: bool = False) -> list[ParsedSnapshot]:
        """Parse consecutive payloads and compute each layer's steps between them.

        Steps follow publication order inside the batch. ``continues``: the batch follows,
        in the input, the previous batch this parser parsed, so the step into its first
        snapshot is computed here too; otherwise the main process computes it (it links batches).
        ``resend``: the batch comes, in the input, before batches this parser parsed already
        (taken over from another process, see :func:`_steal`), so the main process will store it
        before them: every part's WKB is sent again, not only the parts this parser never sent.
        ``batch`` may be an iterator reading each payload when asked: a payload's raw bytes are
        dropped once it is parsed and compressed (only the batch's first, the base of the
        others' compression, is held to the end).
        """
        if resend:
            self._sent = set()
        with _cyclic_gc_paused():
            return self._parse_batch(batch, continues=continues)

    def _parse_batch(self, batch: Iterable[Payload], *, continues: bool) -> list[ParsedSnapshot]:
        if not continues:
            self._tail = {}
        self._geoms = {}
        parsed: list[ParsedSnapshot] = []
        base: tuple[str, Any] | None = None
        for payload in batch:
            item = self._parse(payload)
            base = _compress(payload, item, base, self.level)
            parsed.append(item)
            del payload
        arrival = {id(x): i for i, x in enumerate(parsed)}
        # (source, layer) -> (key, arrival index, parts) of its latest snapshot so far; the
        # previous batch's latest has index (its arrival index - its batch's length)
        last: dict[tuple[str, LayerKey], tuple[SnapshotKey, int, dict[str, Any]]] = dict(self._tail)
        steps: list[tuple[ParsedSnapshot, LayerKey, SnapshotKey, Any, Any]] = []
        for item in sorted(parsed, key=lambda x: (x.snapshot.shown_at, x.payload_name)):
            at = arrival[id(item)]
            for layer, rows in item.parts.items():
                if self.derive == "primary" and layer != item.snapshot.primary:
                    continue
                cur = {h: self._geoms[h] for h, _ in rows}
                prev = last.get((item.snapshot.source, layer))
                # no predecessor here: the main process computes the step; arrival not next to it:
                # input out of time order (an archive's members), neighbours here are not in the timeline
                if prev is not None and abs(prev[1] - at) == 1:
                    steps.append((item, layer, prev[0], *change_parts(prev[2], cur)))
                last[(item.snapshot.source, layer)] = (item.key, at, cur)
        # the batch's step areas measured together (each ``area_km2`` of its own: see part_areas)
        km2 = part_areas([g for _, _, _, gained, lost in steps for g in (gained, lost)]).tolist()
        for k, (item, layer, previous, gained, lost) in enumerate(steps):
            item.steps[layer] = PrecomputedStep(previous, km2[2 * k], km2[2 * k + 1], _wkb(gained), _wkb(lost))
        if self.clip_levels:
            self._clip_steps(steps)
        self._tail = {k: (key, at - len(parsed), cur) for k, (key, at, cur) in last.items() if at >= 0}
        self._geoms = {}
        return parsed

    def _clip_steps(self, steps: list[tuple[ParsedSnapshot, LayerKey, SnapshotKey, Any, Any]]) -> None:
        """Clip the primary layer's step geometries of a batch by region (see :mod:`.worker_clips`), one call."""
        mine = [(item, layer, gained, lost) for item, layer, _, gained, lost in steps if layer == item.snapshot.primary]
        by_conflict: dict[str, list[tuple[ParsedSnapshot, LayerKey, Any, Any]]] = {}
        for entry in mine:
            by_conflict.setdefault(entry[0].snapshot.conflict, []).append(entry)
        for conflict, entries in by_conflict.items():
            rows = worker_clips.clip_rows(conflict, self.clip_levels, [g for e in entries for g in e[2:]])
            for k, (item, layer, gained, lost) in enumerate(entries):
                item.steps[layer].clips = {
                    name: (None if shapely.is_empty(gained) else table[2 * k],
                           None if shapely.is_empty(lost) else table[2 * k + 1])
                    for name, table in rows.items()
                }


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a parse batch (as it was before, afterwards).

    Parsing allocates millions of short-lived lists (``orjson`` positions) that reference
    counting frees; the cyclic collector, triggered by their number, kept traversing every
    live object (the parser's caches): ~1 s of the W1 history's 10 s in one process
    (2026-11-28). The parse makes no reference cycles worth collecting meanwhile; any
    are collected once the collector runs again.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def part_areas(geoms: list[Any]) -> np.ndarray:
    """km² of each geometry, each projected about the centre of its own bounds: ``area_km2(g)`` of each.

    Equal to ``[area_km2(g) for g in geoms]`` bit for bit (a figure does not depend on which other
    geometries were measured with it), in one :func:`areas_km2` call per projection centre: the steps
    of a parse batch are measured so (a lone ``area_km2`` call costs ~0.1 ms besides its work).
    """
    arr = np.asarray(geoms, dtype=object)
    out = np.zeros(len(arr))
    if not len(arr):
        return out
    bounds = shapely.bounds(arr)
    # as core.geodesy._centre: centres rounded to even degrees (round half to even, like round())
    centres = np.column_stack([2 * np.round((bounds[:, 0] + bounds[:, 2]) / 4),
                               2 * np.round((bounds[:, 1] + bounds[:, 3]) / 4)])
    finite = np.isfinite(centres).all(axis=1)
    for cx, cy in {(float(x), float(y)) for x, y in centres[finite]}:
        at = finite & (centres[:, 0] == cx) & (centres[:, 1] == cy)
        out[at] = areas_km2(arr[at], centre=(cx, cy))
    if not finite.all():  # empty geometries
        out[~finite] = areas_km2(arr[~finite])
    return out


def _compress(payload: Payload, item: ParsedSnapshot, base: tuple[str, Any] | None,
              level: int | None = None) -> tuple[str, Any]:
    """Compress a raw payload of a batch into ``item``: the batch's first (``base`` None) on its own (a
    keyframe), the others against it. Returns the base for the batch's next payloads."""
    item.raw_size = len(payload.data)
    if base is None:
        item.blob = payload_codec.compress(payload.data, level=level)
        return (item.snapshot.provenance.content_hash, payload_codec.compressor(payload.data, level=level))
    item.blob, item.base_hash = base[1].compress(payload.data), base[0]
    return base


def _wkb(geom: Any) -> bytes:
    return b"" if shapely.is_empty(geom) else shapely.to_wkb(geom, output_dimension=2)


_WORKER: _Parser | None = None


def _worker_init(adapter_name: str, options: IngestOptions, derive: str, clip_levels: int = 0) -> None:
    global _WORKER
    _WORKER = _Parser(adapter_name, options, derive, clip_levels)


def _worker_parse(batch: list[Payload]) -> list[ParsedSnapshot]:
    assert _WORKER is not None
    try:
        return _WORKER.parse_batch(batch)
    finally:
        del batch
        release_memory()


def _worker_parse_files(files: list[tuple[str, str]], limit: int, continues: bool, spill: str,
                        resend: bool = False) -> str:
    """Parse a batch of files; the result is pickled to a file in the folder ``spill``, whose name is returned.
    (``continues``, ``resend``: see :meth:`_Parser.parse_batch`.)

    The memory a batch freed is given back to the system afterwards (:func:`release_memory`) when the
    batch read :data:`TRIM_BYTES` of content or more, or the heap holds :data:`TRIM_FREE_BYTES` free:
    the page faults of using it again cost ~3 % more CPU on W1, and W1's peak PSS falls from 167 to
    140-150 MB (the baseline's is 155-165 MB). W2's daily batches (2 MB, 3-14 MB free after each)
    free too little to matter (+5-7 MB of peak PSS), and their faults cost 2-3 % of the CPU; a small
    batch of ISW layers leaves 25-50 MB free (trimmed: W3's peak PSS ~10 MB lower).
    """
    assert _WORKER is not None
    read = 0  # bytes of content read so far

    def payload(path: str, name: str) -> Payload:
        nonlocal read
        data = read_regular(Path(path), limit=limit)
        read += len(data)
        return Payload(name, data)

    batch = (payload(p, name) for p, name in files)  # each read when parsed
    try:
        result = _WORKER.parse_batch(batch, continues=continues, resend=resend)
        fd, name = tempfile.mkstemp(suffix=".pickle", dir=spill)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        return name
    finally:
        if read >= TRIM_BYTES or (free_heap_bytes() or 0) >= TRIM_FREE_BYTES:
            release_memory()


def _unspill(name: str) -> list[ParsedSnapshot]:
    """The parsed batch a worker spilled to the file ``name`` (the file is removed)."""
    path = Path(name)
    with path.open("rb") as f:
        result: list[ParsedSnapshot] = pickle.load(f)
    path.unlink()
    return result


def _batches(payloads: Iterable[Payload], size: int, max_bytes: int = BATCH_BYTES) -> Iterator[list[Payload]]:
    batch: list[Payload] = []
    held = 0
    for p in payloads:
        batch.append(p)
        held += len(p.data)
        if len(batch) >= size or held >= max_bytes:
            yield batch
            batch = []
            held = 0
    if batch:
        yield batch


def _parse_all(
    payloads: Iterable[Payload], adapter_name: str, options: IngestOptions, workers: int, derive: str,
    idle: Callable[[], bool] | None = None, clip_levels: int = 0,
) -> Iterator[ParsedSnapshot]:
    """Parsed payloads in input order; the raw bytes are dropped once a parser has them.

    ``idle``: called (files parsed by processes only) instead of waiting while the next batch is
    being parsed, as long as it returns True (it did a unit of other work, see :mod:`.tail_ahead`).
    ``clip_levels``: region levels the worker processes clip their steps by (:mod:`.worker_clips`)."""
    if workers <= 1:
        parser = _Parser(adapter_name, options, derive)
        for i, batch in enumerate(_batches(payloads, BATCH)):
            yield from parser.parse_batch(batch, continues=i > 0)
        return
    if isinstance(payloads, PayloadFiles):
        yield from _parse_files(payloads, adapter_name, options, workers, derive, idle, clip_levels)
        return
    # Consecutive payloads go to the same worker so that its part cache hits.
    with ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(adapter_name, options, derive, clip_levels)) as pool:
        pending: deque[Future[list[ParsedSnapshot]]] = deque()
        for batch in _batches(payloads, BATCH):
            if not pending and gc.isenabled():
                if clip_levels:  # shared with the workers (forked at the first submit)
                    worker_clips.preload(options.conflict, clip_levels)
                # The workers are forked at the first submit: objects frozen now are never
                # traversed by their garbage collector, so they share those pages instead of copying them.
                gc.freeze()
                try:
                    pending.append(pool.submit(_worker_parse, batch))
                finally:
                    gc.unfreeze()
            else:
                pending.append(pool.submit(_worker_parse, batch))
            del batch
            while len(pending) > workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _parse_files(
    files: PayloadFiles, adapter_name: str, options: IngestOptions, workers: int, derive: str,
    idle: Callable[[], bool] | None = None, clip_levels: int = 0,
) -> Iterator[ParsedSnapshot]:
    """Parsed files in input order, by ``workers`` processes that read the files themselves.

    The files are cut into segments of consecutive ones (about four per process, at least
    :data:`MIN_SEGMENT` files or :data:`MIN_SEGMENT_BYTES` of content and at most :data:`SEGMENT`
    files, but never more than a process's share, so that a short input still keeps every process
    busy); each segment is parsed by one process, batch after batch, so its caches hit (a feature
    unchanged since the previous snapshot is recognised by its bytes) and it computes every step
    inside the segment. A process is given the next segment when it starts on the last batch of
    its own (:func:`_feed`), so the work is shared by what it costs, not by its number of files.
    Each parsed batch waits in a file until its turn comes, so the main process holds one batch at a time.
    """
    paths = [(str(p), name) for p, name in files.named()]
    size = segment_size(len(paths), workers, sum(_raw_size(p) for p, _ in paths))
    segments = [paths[i:i + size] for i in range(0, len(paths), size)]
    with contextlib.ExitStack() as stack:
        # Parsed batches wait for their turn on disk, not in the main process's memory (a segment
        # parsed while an earlier one is still being stored: 30 ISW layers, ~40 MB, in W3).
        spill = stack.enter_context(tempfile.TemporaryDirectory(prefix="frontlines-parsed-"))
        pools = [ProcessPoolExecutor(1, initializer=_worker_init, initargs=(adapter_name, options, derive, clip_levels))
                 for _ in range(min(workers, len(segments)))]
        for pool in pools:  # on an error (or when the consumer stops early) the work queued is dropped
            stack.callback(pool.shutdown, wait=True, cancel_futures=True)
        assigned: list[list[Future[str]]] = [[] for _ in pools]
        pending: deque[list[Future[str]]] = deque()
        jobs: dict[Future[str], tuple[list[Future[str]], list[tuple[str, str]]]] = {}  # not started: (its segment, files)
        queued = 0

        def feed() -> None:
            nonlocal queued
            queued = _feed(pools, assigned, segments, queued, pending, files.limit, spill, jobs)
            if queued == len(segments):  # no segment left: a process that runs dry takes over queued batches
                _steal(pools, assigned, jobs, files.limit, spill)

        if clip_levels and segments:  # shared with the workers (forked below)
            worker_clips.preload(options.conflict, clip_levels)
        frozen = gc.isenabled()
        if frozen:  # see _parse_all: the workers are forked at their first submit
            gc.freeze()
        try:
            feed()
        finally:
            if frozen:
                gc.unfreeze()
        while pending:
            segment = pending.popleft()
            segment.reverse()
            while segment:
                head = segment.pop()
                while not head.done():  # meanwhile, a process that runs dry gets the next segment
                    if idle is None or not idle():  # (rather than wait: work of the ingest's tail)
                        wait([head, *(f for futures in assigned for f in futures)], return_when=FIRST_COMPLETED)
                    feed()
                # A future keeps its result: drop every reference to it once its result is taken, so
                # that the main process holds the parsed payloads not yet stored, not a whole segment's.
                result = _unspill(head.result())
                del head
                feed()
                yield from _drain(result)


def _feed(
    pools: list[ProcessPoolExecutor],
    assigned: list[list[Future[str]]],
    segments: list[list[tuple[str, str]]],
    queued: int,
    pending: deque[list[Future[str]]],
    limit: int,
    spill: str,
    jobs: dict[Future[str], tuple[list[Future[str]], list[tuple[str, str]]]] | None = None,
) -> int:
    """Give the next segments to the processes that have at most one batch left (the one they are
    parsing); ``assigned[i]`` keeps process ``i``'s unfinished batches, ``pending`` the segments in
    input order, ``jobs`` each submitted batch's segment (list of futures) and files (see :func:`_steal`).
    Returns how many segments are queued now."""
    for i, pool in enumerate(pools):
        assigned[i] = [f for f in assigned[i] if not f.done()]
        while queued < len(segments) and len(assigned[i]) <= 1:
            batches = list(_file_batches(segments[queued]))
            futures = [pool.submit(_worker_parse_files, batch, limit, k > 0, spill) for k, batch in enumerate(batches)]
            assigned[i] += futures
            pending.append(futures)
            if jobs is not None:
                jobs.update((f, (futures, batch)) for f, batch in zip(futures, batches))
            queued += 1
    return queued


#: Fewest unfinished batches a process must have (the one it parses included) for one that ran dry to take some.
STEAL_MIN = 3


def _steal(
    pools: list[ProcessPoolExecutor],
    assigned: list[list[Future[str]]],
    jobs: dict[Future[str], tuple[list[Future[str]], list[tuple[str, str]]]],
    limit: int,
    spill: str,
) -> None:
    """The end of the parse: a process with nothing left takes over the last not yet started batches of
    the busiest one (at most half of what that one has queued, the batches of its last segment only).

    Without it, the process that got the last segment parses it alone while the other idles (W1:
    0.3 s of one core at the end of the parse). The batches taken are cancelled where they were
    queued and submitted again, in order, to the idle process: it parses the first of them without its
    caches (``continues`` False) and sends every part's WKB again (``resend``: the main process stores
    these batches before the later ones that process parsed first), and the main process links it to
    its predecessor as it does at a segment's start (:func:`_link_steps`). Their futures replace the cancelled ones in their segment's
    list, so the parsed batches are still taken in input order.
    """
    for f in [f for f in jobs if f.done()]:
        del jobs[f]
    for i, pool in enumerate(pools):
        if assigned[i]:
            continue
        j = max(range(len(pools)), key=lambda k: len(assigned[k]))
        queue = assigned[j]
        if len(queue) < STEAL_MIN or queue[-1] not in jobs:
            continue
        segment = jobs[queue[-1]][0]
        taken: list[Future[str]] = []
        for f in reversed(queue[len(queue) - (len(queue) - 1) // 2:]):  # from the end: a contiguous run
            if f not in jobs or jobs[f][0] is not segment or not f.cancel():
                break  # another segment's, or started already (cannot be cancelled)
            taken.append(f)
        taken.reverse()
        assigned[j] = [f for f in queue if not f.done()]
        for k, old in enumerate(taken):
            files = jobs.pop(old)[1]
            new = pool.submit(_worker_parse_files, files, limit, k > 0, spill, k == 0)
            segment[segment.index(old)] = new
            jobs[new] = (segment, files)
            assigned[i].append(new)


def segment_size(files: int, workers: int, content_bytes: int = 0) -> int:
    """Files per segment of :func:`_parse_files`: about a quarter of a process's share, within
    [:data:`MIN_SEGMENT`, :data:`SEGMENT`], and never more than the share itself.

    ``content_bytes`` (the files' content in all, see :func:`_raw_size`) lowers the floor to the
    files that hold :data:`MIN_SEGMENT_BYTES` when they are large: the 59 ISW layers of W3 (88 MB
    of JSON) go in 8 segments of 8 rather than 2 of 30 and 29, of which the first cost 2.6 times
    the second to parse (its days repeat less often and have more polygons to repair), so that
    the processes share the work (see :func:`_feed`).
    """
    share = max(1, -(-files // max(1, workers)))
    floor = MIN_SEGMENT
    if content_bytes > 0 and files > 0:
        floor = max(1, min(MIN_SEGMENT, -(-MIN_SEGMENT_BYTES * files // content_bytes)))
    return min(max(floor, min(SEGMENT, -(-files // (4 * max(1, workers))))), share)


def _file_batches(paths: list[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    """Consecutive (file, name) pairs, :data:`BATCH` at a time, cut earlier at :data:`BATCH_BYTES` (of their
    content: a gzip file counts as its content, three times its size on disk for an ISW layer)."""
    batch: list[tuple[str, str]] = []
    held = 0
    for p in paths:
        batch.append(p)
        held += _raw_size(p[0])
        if len(batch) >= BATCH or held >= BATCH_BYTES:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _raw_size(path: str) -> int:
    """Bytes a file holds once read: its size, or for a ``.gz`` file the size gzip records of its
    content (the last 4 bytes, modulo 2**32; an estimate for batching, the limits are checked on reading).
    0 for a file that cannot be read (the worker reading it reports it)."""
    try:
        size = os.stat(path).st_size
        if size >= 18 and path.lower().endswith(".gz"):
            with open(path, "rb") as f:
                f.seek(-4, os.SEEK_END)
                size = max(size, int.from_bytes(f.read(4), "little"))
    except OSError:
        return 0
    return size


def _large_layers(payloads: Iterable[Payload]) -> bool:
    """Whether ``payloads`` are files of :data:`TAIL_AHEAD_BYTES` of content or more on average."""
    if not isinstance(payloads, PayloadFiles):
        return False
    sizes = [_raw_size(str(p)) for p, _ in payloads.named()]
    return bool(sizes) and sum(sizes) >= TAIL_AHEAD_BYTES * len(sizes)


def _default_workers(paths: list[Path]) -> int:
    many = any(Path(p).is_dir() or is_archive(Path(p)) or not Path(p).name.lower().endswith((".geojson", ".json", ".gz", ".gpkg", ".kml", ".kmz")) for p in paths)
    return min(2, os.cpu_count() or 1) if many else 1


def ingest(
    store: StoreWriter,
    adapter_name: str,
    paths: list[Path],
    *,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    derive: str = "all",
    region_levels: int = INGEST_LEVELS,
    settlement_index: bool = True,
    unions: bool = True,
) -> IngestReport:
    """Read payloads with an adapter and add their snapshots to the store.

    All snapshots are added in one transaction: if any payload is bad, the error
    names it and the store is left exactly as it was.

    Parameters
    ----------
    store : StoreWriter
    adapter_name : str
        ``deepstate-history``, ``deepstate-daily``, ``isw``, ``nzz`` or ``files``.
    paths : list of Path
        Files, folders or tar archives.
    options : IngestOptions, optional
    progress : callable, optional
        Called with (payloads done, current name).
    workers : int, optional
        Parser processes; by default 2 for folders and archives, 1 for single files.
    derive : {"all", "primary"}
        Compute steps and areas of every layer now, or of the primary layer only
        (the others then need ``frontlines derive`` before they can be queried).
    region_levels : int
        How many of the conflict's region levels (coarsest first) get their per-region
        tables stored for each source's primary layer (default
        :data:`~frontlines.service.derive.INGEST_LEVELS`; 0 for none). Region tables
        already stored for a layer are always extended.
    settlement_index : bool
        Store (extend) the settlement index of every touched control layer (default);
        without it, settlement queries compute it in memory until ``frontlines derive``
        stores it.
    unions : bool
        Store the dissolved layer of each new snapshot of each source's primary layer
        (:func:`~frontlines.service.derive.extend_layer_unions`, ~10 ms per DeepState
        snapshot; queries between distant snapshots read them), and its display GeoJSON at the
        dashboard's tolerance (:func:`~frontlines.service.layer_geojson.extend_layer_geojsons`,
        ~6 ms per DeepState snapshot; ``/api/layer.geojson`` sends it). False leaves them to
        ``frontlines derive``.

    Returns
    -------
    IngestReport
    """
    adapter = get_adapter(adapter_name)
    options = options or IngestOptions(now=dt.datetime.now(dt.timezone.utc))
    default_registry().get(options.conflict)  # an unknown conflict is an error, with close names
    paths = [Path(p) for p in paths]
    for path in paths:
        if path.suffix.lower() in (".zip", ".kmz") and path.is_file():
            # traversal, member count, sizes (declared and real)
            check_zip(read_regular(path, limit=options.limits.payload_bytes, gunzip=False), name=str(path),
                      limits=options.limits)
    with contextlib.ExitStack() as stack:
        # Parsers read files themselves; an archive's members are spooled to files first (see payload_files).
        spool = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="frontlines-spool-"))) \
            if any(is_archive(p) and p.is_file() for p in paths) else None
        payloads = payload_files(paths, adapter.patterns, limits=options.limits, spool=spool)
        assert payloads is not None  # None only for archives without a spool
        return ingest_payloads(
            store,
            adapter_name,
            payloads,
            options=options,
            progress=progress,
            workers=_default_workers(paths) if workers is None else workers,
            derive=derive,
            region_levels=region_levels,
            settlement_index=settlement_index,
            unions=unions,
        )


def ingest_payloads(
    store: StoreWriter,
    adapter_name: str,
    payloads: Iterable[Payload],
    *,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
    workers: int = 1,
    derive: str = "all",
    region_levels: int = INGEST_LEVELS,
    settlement_index: bool = True,
    unions: bool = True,
) -> IngestReport:
    """Like :func:`ingest`, for payloads already in memory (uploads, ``reindex``)."""
    if derive not in ("all", "primary"):
        raise SourceError(f"derive must be 'all' or 'primary', not {derive!r}")
    adapter = get_adapter(adapter_name)
    options = options or IngestOptions(now=dt.datetime.now(dt.timezone.utc))
    if options.not_before is None:  # Unix times in file names before the conflict's start are refused
        options = dataclasses.replace(options, not_before=default_registry().get(options.conflict).start)
    report = _IngestTally(adapter=adapter.name)
    bases: dict[str, tuple[tuple[str, bytes] | None, int]] = {}
    stored_parts: set[str] = set()
    held_parts: dict[str, bytes] = {}
    touched: set[tuple[str, LayerKey]] = set()
    precomputed: dict[tuple[SnapshotKey, LayerKey], PrecomputedStep] = {}
    dissolved: dict[tuple[int, LayerKey], Any] = {}  # full layers dissolved for areas, clipped again for regions
    # While processes parse large layers, the main process does what the tail would (see tail_ahead).
    tail = TailAhead(store, options.conflict, region_levels, dissolved) \
        if workers > 1 and _large_layers(payloads) else None
    t0 = time.perf_counter()
    # Parse first, outside the write lock (another writer keeps writing meanwhile); only an
    # input larger than PARSE_AHEAD_BYTES goes on being parsed inside the transaction.
    known = KnownPayloads(store, adapter, options)  # already stored: counted, never parsed
    # Without the tail done ahead (DeepState: a busy main process), parse workers clip their steps by region.
    clip_levels = worker_clips.worker_levels(region_levels) if workers > 1 and tail is None else 0
    clipped = tail.rows if tail is not None else ClipRows()  # region clip rows computed ahead, by step WKB
    # new timelines derived (and their oblast rows written) as they come
    early = EarlySteps(store, derive, dissolved, levels=clip_levels, known=clipped) if tail is None else None
    parsed_all = _parse_all(known.unknown(payloads), adapter.name, options, workers, derive,
                            None if tail is None else tail.run_one, clip_levels)
    ahead = _parse_ahead(parsed_all, PARSE_AHEAD_BYTES)
    keyframes: set[str] = set()
    repeated: set[str] = set()  # parsers' keyframes not stored: the payload was stored already
    last_added: tuple[ParsedSnapshot, int] | None = None
    in_order = True  # input arriving in time order (a folder): steps between batches are computed as they arrive
    with store.transaction():
        for parsed in itertools.chain(_drain(ahead), parsed_all):
            report.files_read += 1
            report.parsed += 1
            if progress:
                progress(report.files_read, parsed.payload_name)
            snap = parsed.snapshot
            _tally(report, snap)
            if store.find_snapshot(snap.source, snap.published_at, snap.provenance.content_hash):
                report.duplicates += 1
                _hold_parts(parsed.parts, stored_parts, held_parts)
                continue
            _put_parsed_payload(store, bases, keyframes, parsed, repeated)
            sid = store.add_snapshot(
                snap,
                adapter=adapter.name,
                adapter_version=adapter.version,
                options=options.as_dict(),
                parts=_fill_parts(parsed.parts, stored_parts, held_parts),
            )
            for layer, step in parsed.steps.items():
                precomputed[(parsed.key, layer)] = step
                _file_clips(clipped, step)
            if last_added is not None and in_order:
                in_order = _in_time_order(last_added[0], parsed)
                if in_order:  # a batch's first snapshot: its step now, not after the parse
                    for layer, step in _link_steps(store, last_added, (parsed, sid), derive).items():
                        precomputed[(parsed.key, layer)] = step
            if early is not None:
                if in_order:
                    early.add(parsed, sid, precomputed)
                else:
                    early.stop()
            if tail is not None:
                _queue_tail(tail, store, parsed, sid, precomputed, first=last_added is None)
            last_added = (parsed, sid)
            for layer in parsed.parts:
                if derive == "all" or layer == snap.primary:
                    touched.add((snap.source, layer))
            report.snapshot_ids.append(sid)
            report.added += 1
        for name, info in known.confirm():
            report.files_read += 1
            report.duplicates += 1
            _tally(report, info)
            if progress:
                progress(report.files_read, name)
        # steps not computed by the parse workers (input out of time order: archives), in parallel
        for (key, layer), fields in missing_steps(store, sorted(touched), precomputed, workers=workers).items():
            precomputed[(key, layer)] = PrecomputedStep(*fields)
        release_memory()  # what the parse left free (the tail's peak adds to what the process holds)
        derive_layers(store, sorted(touched), precomputed=precomputed, dissolved=dissolved)
        del precomputed
        release_memory()
        extend_region_tables(store, sorted(touched), report.snapshot_ids, levels=region_levels, dissolved=dissolved,
                             workers=workers,  # the parse workers have exited: a forked helper clips half
                             known=clipped if len(clipped) else None,
                             tabled=None if early is None else early.tabled,
                             tabled_levels=0 if early is None else early.levels)
        del tail
        release_memory()
        if unions:
            # the parse workers have exited: as many threads dissolve and draw (GEOS releases the GIL)
            extend_layer_unions(store, sorted(touched), report.snapshot_ids, dissolved=dissolved, workers=workers)
            extend_layer_geojsons(store, sorted(touched), report.snapshot_ids, dissolved=dissolved, workers=workers)
        del dissolved
        if settlement_index:
            extend_settlement_index(store, sorted(touched))
    report.seconds = time.perf_counter() - t0
    return report.freeze()


def _file_clips(rows: ClipRows, step: PrecomputedStep) -> None:
    """File the region clip rows a parse worker computed for a step under the WKB of its geometries
    (the tail finds them by the WKB the store holds for the step); the step keeps none."""
    for name, (gained, lost) in step.clips.items():
        if gained is not None and step.gained_wkb:
            rows.put(name, step.gained_wkb, gained)
        if lost is not None and step.lost_wkb:
            rows.put(name, step.lost_wkb, lost)
    step.clips = {}


def _in_time_order(before: ParsedSnapshot, after: ParsedSnapshot) -> bool:
    """Whether ``after`` comes after ``before`` in the order parse workers step in (archives' members need not)."""
    return (before.snapshot.shown_at, before.payload_name) < (after.snapshot.shown_at, after.payload_name)


def _link_steps(
    store: StoreWriter, before: tuple[ParsedSnapshot, int], after: tuple[ParsedSnapshot, int], derive: str
) -> dict[LayerKey, PrecomputedStep]:
    """Steps from the snapshot added just before to this one, for the layers whose parser could not compute them.

    A parse worker computes the steps inside its batch; the step into a batch's first
    snapshot joins two batches. Computed here, while the workers go on parsing, rather
    than by :func:`derive_layers` once all is parsed. ``derive_layers`` uses such a step
    only when ``before`` is the snapshot's predecessor in the store's timeline (else it
    computes the real one).
    """
    (prev, prev_sid), (item, sid) = before, after
    out: dict[LayerKey, PrecomputedStep] = {}
    if prev.snapshot.source != item.snapshot.source:
        return out
    b = item.snapshot
    for layer in item.parts:
        if layer in item.steps or layer not in prev.parts or (derive == "primary" and layer != b.primary):
            continue
        gained, lost = change_parts(_layer_geoms(store, prev, prev_sid, layer), _layer_geoms(store, item, sid, layer))
        out[layer] = PrecomputedStep(prev.key, area_km2(gained), area_km2(lost), _wkb(gained), _wkb(lost))
    return out


def _queue_tail(tail: TailAhead, store: StoreWriter, parsed: ParsedSnapshot, sid: int,
                precomputed: dict[tuple[SnapshotKey, LayerKey], PrecomputedStep], *, first: bool) -> None:
    """Queue for :class:`TailAhead` the work of a snapshot just stored: its primary layer's step geometries
    (their region clips), and, for the first snapshot of an empty timeline, its dissolve."""
    layer = parsed.snapshot.primary
    if layer not in parsed.parts:
        return
    if first and [row[0] for row in store.layer_timeline(parsed.snapshot.source, layer)] == [sid]:
        tail.first_snapshot(sid, layer)
    step = precomputed.get((parsed.key, layer))
    if step is not None:
        tail.steps((step.gained_wkb, step.lost_wkb))


def _layer_geoms(store: StoreWriter, item: ParsedSnapshot, sid: int, layer: LayerKey) -> dict[str, Any]:
    """part hash -> polygon of a snapshot just stored: from the WKB its parser sent when it sent
    them all (a redrawn ISW layer), else read back from the store (which caches them)."""
    rows = item.parts[layer]
    if all(wkb for _, wkb in rows):
        return dict(zip((h for h, _ in rows), shapely.from_wkb([wkb for _, wkb in rows])))
    return store.layer_parts(sid, layer)


def _parse_ahead(parsed: Iterator[ParsedSnapshot], limit: int) -> list[ParsedSnapshot]:
    """The first parsed payloads, up to about ``limit`` bytes of compressed data and parts (the rest stay in ``parsed``)."""
    out: list[ParsedSnapshot] = []
    size = 0
    for item in parsed:
        out.append(item)
        size += len(item.blob) + sum(len(wkb) for rows in item.parts.values() for _, wkb in rows)
        if size >= limit:
            break
    return out


def _drain(items: list[ParsedSnapshot]) -> Iterator[ParsedSnapshot]:
    """The items of ``items`` in order, each dropped from the list as it is handed out (so
    that the parsed-ahead payloads are freed once stored, not kept until the ingest ends)."""
    items.reverse()
    while items:
        yield items.pop()


def _put_parsed_payload(
    store: StoreWriter,
    bases: dict[str, tuple[tuple[str, bytes] | None, int]],
    keyframes: set[str],
    parsed: ParsedSnapshot,
    repeated: set[str] | None = None,
) -> None:
    """Store the payload a parser compressed; ``keyframes``: the stand-alone ones stored by this ingest;
    ``repeated``: the parsers' stand-alone ones that were not stored (stored already).

    A parser compresses the first payload of each batch on its own and the others against
    it. When the source has a recent keyframe in the store from before this ingest (a small
    ingest into a store), the payload is compressed against that one instead, as
    :func:`_put_payload` does. A keyframe made for a batch whose first payload repeats one
    stored already (ISW layers often repeat the day before) does not take the parsers' later
    keyframes over (each would be compressed again: every later W3 payload was, ~0.5 s of the
    main process's CPU); it stays the base of the payloads that must be compressed again later
    (one compressor for them in the store's cache, not one per such batch).
    """
    snap = parsed.snapshot
    content_hash = snap.provenance.content_hash
    if store.has_payload(content_hash):
        if parsed.base_hash is None and repeated is not None:
            repeated.add(content_hash)
        return
    _init_base(store, bases, snap.source)
    if parsed.base_hash is None:
        base, since = bases[snap.source]
        if base is not None and since < KEYFRAME_EVERY and base[0] not in keyframes:
            _put_payload(store, bases, snap.source, content_hash, payload_codec.decompress(parsed.blob))
            return
        store.put_compressed_payload(content_hash, parsed.blob, source=snap.source, base_hash=None,
                                     raw_size=parsed.raw_size)
        keyframes.add(content_hash)
        if base is None or base[0] not in keyframes:  # a base of this ingest stays the one to recompress against
            bases[snap.source] = (None, KEYFRAME_EVERY)  # the next stand-alone blob is a keyframe too
        return
    if parsed.base_hash in keyframes:
        store.put_compressed_payload(content_hash, parsed.blob, source=snap.source, base_hash=parsed.base_hash,
                                     raw_size=parsed.raw_size)
        return
    # Its base was not stored on its own by this ingest: compress it anew (there are no chains).
    raw = payload_codec.decompress(parsed.blob, store.get_payload(parsed.base_hash))
    _put_payload(store, bases, snap.source, content_hash, raw)
    made = bases[snap.source][0]
    if parsed.base_hash in (repeated or ()) and made is not None and made[0] == content_hash:
        keyframes.add(content_hash)  # stored on its own, for a batch opening with a repeat: see above


def _hold_parts(
    parts: dict[LayerKey, list[PartRow]], stored: set[str], held: dict[str, bytes]
) -> None:
    """Keep the WKB a skipped (duplicate) snapshot brought: later rows of the same parts carry none."""
    for rows in parts.values():
        for h, wkb in rows:
            if wkb and h not in stored:
                held.setdefault(h, wkb)


def _fill_parts(
    parts: dict[LayerKey, list[PartRow]], stored: set[str], held: dict[str, bytes]
) -> dict[LayerKey, list[PartRow]]:
    """Rows ready for :meth:`StoreWriter.add_snapshot`.

    A parser sends each part's WKB once; later rows carry ``b""``. Such a row is of a part
    stored earlier in this ingest (its row in ``parts`` is kept) or brought by a skipped
    duplicate (its WKB is taken from ``held``).
    """
    out: dict[LayerKey, list[PartRow]] = {}
    for layer, rows in parts.items():
        if not held:  # nothing brought by skipped duplicates (an ingest of new files): the rows as they are
            stored.update([h for h, wkb in rows if wkb])
            if stored.issuperset([h for h, wkb in rows if not wkb]):
                out[layer] = rows
                continue
        filled: list[PartRow] = []
        for h, wkb in rows:
            if not wkb and h not in stored:
                wkb = held.pop(h)  # KeyError: a parser sent an empty part first (a bug)
            if wkb:
                stored.add(h)
                held.pop(h, None)
            filled.append((h, wkb))
        out[layer] = filled
    return out


def _init_base(store: StoreWriter, bases: dict[str, tuple[tuple[str, bytes] | None, int]], source: str) -> None:
    """``bases[source]``: the source's latest keyframe (hash, raw bytes) if recent, and payloads stored since."""
    if source not in bases:
        found = store.latest_keyframe(source)
        if found is None or found[1] >= KEYFRAME_EVERY:
            bases[source] = (None, 0)
        else:
            bases[source] = ((found[0], store.get_payload(found[0])), found[1])


def _put_payload(
    store: StoreWriter,
    bases: dict[str, tuple[tuple[str, bytes] | None, int]],
    source: str,
    content_hash: str,
    data: bytes,
) -> None:
    _init_base(store, bases, source)
    base, since = bases[source]
    if store.has_payload(content_hash):
        return
    if base is None or since >= KEYFRAME_EVERY:
        store.put_payload(content_hash, data, source=source, base=None)
        bases[source] = ((content_hash, data), 0)
    else:
        store.put_payload(content_hash, data, source=source, base=base)
        bases[source] = (base, since + 1)


def _tally(report: _IngestTally, snapshot: Snapshot | SnapshotInfo) -> None:
    report.sources.add(snapshot.source)
    notes = snapshot.notes
    report.repaired += int(notes.get("repaired", 0))
    report.unknown_classes.update(notes.get("unknown_classes", {}))
    report.excluded_classes.update(notes.get("excluded_classes", {}))
    report.ignored_points += int(notes.get("ignored_points", 0))
    t = snapshot.shown_at
    report.first = t if report.first is None or t < report.first else report.first
    report.last = t if report.last is None or t > report.last else report.last
