"""A store in memory: the test double of :class:`~frontlines.store.sqlite.SQLiteStore`.

Same semantics as the SQLite store: a snapshot is unique by (source, published_at,
content hash) and needs its payload; a transaction rolls back on any exception
(nested ones are part of the outer one); deleting a snapshot removes its layers, parts
list, steps and region areas, and turns steps *from* it into first steps; a committed
transaction that changed something increments :attr:`MemoryStore.data_version`.
Snapshot ids are never given out twice.

>>> store = MemoryStore()
>>> store.data_version, store.sources()
(0, [])
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import shapely

from frontlines.cache import Cache
from frontlines.errors import SnapshotNotFoundError, StoreError
from frontlines.model import LayerKey, Snapshot, SnapshotInfo
from frontlines.store import payloads as payload_codec
from frontlines.store.protocols import PartRow
from frontlines.store.sqlite import (
    DEFAULT_CACHE_BYTES,
    SCHEMA_VERSION,
    format_time,
    parse_time,
)

__all__ = ["MemoryStore"]


@dataclass(frozen=True)
class _Row:
    id: int
    source: str
    conflict: str
    published_at: str  # format_time text: text order is time order
    file_name: str
    content_hash: str
    url: str | None
    adapter: str
    adapter_version: int
    options: str
    primary_layer: str
    notes: str
    map_time: str = ""  # format_time text of the time of the map shown (selection orders by it)


@dataclass
class _State:
    """Every table as a dict of immutable values (copied shallowly to begin a transaction)."""

    #: hash -> (source, base hash, raw bytes)
    payloads: dict[str, tuple[str, str | None, bytes]] = field(default_factory=dict)
    #: hash -> (WKB, km²)
    parts: dict[str, bytes] = field(default_factory=dict)
    snapshots: dict[int, _Row] = field(default_factory=dict)
    #: (source, published_at text, content hash) -> id
    identity: dict[tuple[str, str, str], int] = field(default_factory=dict)
    #: (id, layer) -> (area km² or None, part count)
    layers: dict[tuple[int, str], tuple[float | None, int]] = field(default_factory=dict)
    #: (id, layer) -> part hashes
    layer_parts: dict[tuple[int, str], tuple[str, ...]] = field(default_factory=dict)
    #: (to id, layer) -> (from id, gained km², lost km², gained WKB, lost WKB)
    steps: dict[tuple[int, str], tuple[Any, ...]] = field(default_factory=dict)
    #: (to id, layer) -> (from id, rules digest, redraw pieces)
    redraws: dict[tuple[int, str], tuple[Any, ...]] = field(default_factory=dict)
    #: (id, layer, region set, region id) -> km²
    region_areas: dict[tuple[int, str, str, str], float] = field(default_factory=dict)
    #: (source, layer) -> (gazetteer digest, basis, events) of the settlement index
    settlement_index: dict[tuple[str, str], tuple[str, bytes, bytes]] = field(default_factory=dict)
    #: (source, layer) -> (rules digest, redraw-union hierarchy)
    redraw_unions: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict)
    #: (source, layer) -> (basis, query arrays, face geometries) of the change-face index
    change_faces: dict[tuple[str, str], tuple[str, bytes, bytes | None]] = field(default_factory=dict)
    #: (id, layer) -> lon/lat WKB of the dissolved layer
    layer_unions: dict[tuple[int, str], bytes] = field(default_factory=dict)
    #: (id, layer, tolerance in metres) -> display GeoJSON of the layer (opaque)
    layer_geojson: dict[tuple[int, str, int], bytes] = field(default_factory=dict)
    #: (source, item) -> provenance record of a synced payload
    fetches: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: (source, key) -> value of the sync bookkeeping
    sync: dict[tuple[str, str], str] = field(default_factory=dict)
    #: (source, item, kind) -> (published_at text, km², percent)
    published: dict[tuple[str, str, str], tuple[str, float, float | None]] = field(default_factory=dict)
    data_version: int = 0

    def copy(self) -> _State:
        return _State(**{k: (dict(v) if isinstance(v, dict) else v) for k, v in vars(self).items()})


class MemoryStore:
    """A store held in dicts; implements :class:`~frontlines.store.protocols.StoreWriter`.

    Parameters
    ----------
    name : str
        Shown where the SQLite store shows its path (error messages).
    cache : Cache, optional
        By default a new one of :data:`~frontlines.store.sqlite.DEFAULT_CACHE_BYTES`.
    """

    readonly = False

    def __init__(self, name: str = "<memory>", *, cache: Cache | None = None) -> None:
        self.path = Path(name)
        self._cache = cache if cache is not None else Cache(max_bytes=DEFAULT_CACHE_BYTES)
        self._s = _State()
        self._saved: _State | None = None  # the state before the open transaction
        self._next_id = 1
        self._dirty = False

    # -- life -----------------------------------------------------------------------------
    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The schema version this store mirrors."""
        return SCHEMA_VERSION

    @property
    def cache(self) -> Cache:
        """This store's cache."""
        return self._cache

    @property
    def data_version(self) -> int:
        """Committed write transactions that changed the store."""
        return self._saved.data_version if self._saved is not None else self._s.data_version

    @contextlib.contextmanager
    def read_view(self) -> Iterator[int]:
        """Reads see one state (a single-threaded store always does); yields the data version."""
        yield self.data_version

    def committed_reader(self) -> None:
        """None: a store in memory has no second connection (callers compute in their own thread)."""
        return None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen atomically, or not at all."""
        if self._saved is not None:
            yield
            return
        self._saved = self._s.copy()
        self._dirty = False
        try:
            yield
        except BaseException:
            self._s = self._saved
            self._saved = None
            self._cache.clear()
            raise
        if self._dirty:
            self._s.data_version += 1
        self._saved = None

    def _write(self) -> None:
        """Called before every change: outside a transaction a change commits at once."""
        if self._saved is None:
            self._s.data_version += 1
        else:
            self._dirty = True

    def _memo(self, key: tuple[Any, ...], compute: Any) -> Any:
        if self._saved is not None:
            return compute()
        return self._cache.get_or_compute((self._s.data_version, *key), compute)

    # -- payloads -------------------------------------------------------------------------
    def has_payload(self, content_hash: str) -> bool:
        """True when a payload with this hash is stored."""
        return content_hash in self._s.payloads

    def put_payload(self, content_hash: str, data: bytes, *, source: str, base: tuple[str, bytes] | None) -> None:
        """Store a raw payload (no-op when present)."""
        if content_hash in self._s.payloads:
            return
        self._write()
        self._s.payloads[content_hash] = (source, base[0] if base else None, bytes(data))

    def put_compressed_payload(
        self, content_hash: str, blob: bytes, *, source: str, base_hash: str | None, raw_size: int
    ) -> None:
        """Store a compressed payload (kept uncompressed here; no-op when present)."""
        if content_hash in self._s.payloads:
            return
        data = payload_codec.decompress(blob, None if base_hash is None else self.get_payload(base_hash))
        self.put_payload(content_hash, data, source=source, base=(base_hash, b"") if base_hash else None)

    def get_payload(self, content_hash: str) -> bytes:
        """The raw bytes of a stored payload."""
        try:
            return self._s.payloads[content_hash][2]
        except KeyError:
            raise SnapshotNotFoundError(f"no payload {content_hash} in store {self.path}") from None

    def latest_keyframe(self, source: str) -> tuple[str, int] | None:
        """(hash, payloads stored since) of the newest stand-alone payload of a source."""
        mine = [(h, base) for h, (src, base, _) in self._s.payloads.items() if src == source]
        for pos in range(len(mine) - 1, -1, -1):
            if mine[pos][1] is None:
                return mine[pos][0], len(mine) - 1 - pos
        return None

    def payload_bytes(self) -> tuple[int, int]:
        """(raw bytes, stored bytes) of all payloads (stored uncompressed)."""
        raw = sum(len(d) for _, _, d in self._s.payloads.values())
        return raw, raw

    # -- snapshots ------------------------------------------------------------------------
    def find_snapshot(self, source: str, published_at: dt.datetime, content_hash: str) -> int | None:
        """Id of the identical snapshot, if stored."""
        return self._s.identity.get((source, format_time(published_at), content_hash))

    def add_snapshot(
        self,
        snapshot: Snapshot,
        *,
        adapter: str,
        adapter_version: int,
        options: dict[str, Any],
        parts: dict[LayerKey, list[PartRow]],
    ) -> int:
        """Insert a normalised snapshot; returns its id."""
        prov = snapshot.provenance
        ident = (snapshot.source, format_time(snapshot.published_at), prov.content_hash)
        if ident in self._s.identity or prov.content_hash not in self._s.payloads:
            raise StoreError(
                f"cannot add snapshot {prov.file_name} of {snapshot.source} to {self.path}: "
                "identical snapshot stored or payload missing"
            )
        self._write()
        sid = self._next_id
        self._next_id += 1
        self._s.snapshots[sid] = _Row(
            sid, snapshot.source, snapshot.conflict, ident[1], prov.file_name, prov.content_hash, prov.url,
            adapter, adapter_version, orjson.dumps(options).decode(), str(snapshot.primary),
            orjson.dumps(snapshot.notes).decode(), format_time(snapshot.shown_at),
        )
        self._s.identity[ident] = sid
        for layer, triples in parts.items():
            for t in triples:  # (hash, WKB)
                self._s.parts.setdefault(t[0], bytes(t[1]))
            hashes = tuple(dict.fromkeys(t[0] for t in triples))
            self._s.layer_parts[(sid, str(layer))] = hashes
            self._s.layers[(sid, str(layer))] = (None, len(hashes))
        return sid

    def delete_snapshot(self, snapshot_id: int) -> None:
        """Remove a snapshot and its derived rows (payload and parts stay)."""
        row = self._s.snapshots.get(snapshot_id)
        if row is None:
            return
        self._write()
        s = self._s
        del s.snapshots[snapshot_id]
        del s.identity[(row.source, row.published_at, row.content_hash)]
        s.layers = {k: v for k, v in s.layers.items() if k[0] != snapshot_id}
        s.layer_parts = {k: v for k, v in s.layer_parts.items() if k[0] != snapshot_id}
        s.region_areas = {k: v for k, v in s.region_areas.items() if k[0] != snapshot_id}
        s.layer_unions = {k: v for k, v in s.layer_unions.items() if k[0] != snapshot_id}
        s.layer_geojson = {k: v for k, v in s.layer_geojson.items() if k[0] != snapshot_id}
        s.redraws = {k: v for k, v in s.redraws.items() if k[0] != snapshot_id}
        s.steps = {
            k: ((None, *v[1:]) if v[0] == snapshot_id else v) for k, v in s.steps.items() if k[0] != snapshot_id
        }

    def _info(self, row: _Row) -> SnapshotInfo:
        layers = tuple(sorted(LayerKey.parse(layer) for sid, layer in self._s.layers if sid == row.id))
        return SnapshotInfo(
            id=row.id, source=row.source, conflict=row.conflict, published_at=parse_time(row.published_at),
            file_name=row.file_name, content_hash=row.content_hash, url=row.url,
            primary=LayerKey.parse(row.primary_layer), layers=layers, notes=orjson.loads(row.notes),
            map_time=parse_time(row.map_time),
        )

    def _ordered(self, source: str | None = None) -> list[_Row]:
        rows = [r for r in self._s.snapshots.values() if source is None or r.source == source]
        return sorted(rows, key=lambda r: (r.map_time, r.id))

    def snapshots(self, source: str | None = None) -> list[SnapshotInfo]:
        """All snapshots (of one source), oldest first."""
        return list(self._memo(("snapshots", source), lambda: [self._info(r) for r in self._ordered(source)]))

    def snapshot_count(self) -> int:
        """Number of stored snapshots."""
        return len(self._s.snapshots)

    def latest_snapshot(self, source: str) -> SnapshotInfo:
        """The most recently published snapshot of a source."""
        rows = self._ordered(source)
        if not rows:
            raise SnapshotNotFoundError(f"no snapshot of source {source!r} in {self.path}")
        return self._info(rows[-1])

    def source_layers(self, source: str) -> list[LayerKey]:
        """Every layer any snapshot of the source holds."""
        ids = {r.id for r in self._ordered(source)}
        return sorted({LayerKey.parse(layer) for sid, layer in self._s.layers if sid in ids})

    def snapshot(self, snapshot_id: int) -> SnapshotInfo:
        """One snapshot by id."""
        row = self._s.snapshots.get(snapshot_id)
        if row is None:
            raise SnapshotNotFoundError(f"no snapshot with id {snapshot_id} in {self.path}")
        return self._info(row)

    def snapshot_rows(self) -> list[dict[str, Any]]:
        """Every snapshot's stored row, for ``reindex``."""
        cols = ["id", "source", "conflict", "published_at", "file_name", "content_hash", "url", "adapter",
                "adapter_version", "options"]
        return [{c: getattr(r, c) for c in cols} for _, r in sorted(self._s.snapshots.items())]

    def sources(self) -> list[tuple[str, int, dt.datetime, dt.datetime]]:
        """(source, snapshot count, first, last map_time) for every source."""
        out = []
        for name in sorted({r.source for r in self._s.snapshots.values()}):
            times = [r.map_time for r in self._s.snapshots.values() if r.source == name]
            out.append((name, len(times), parse_time(min(times)), parse_time(max(times))))
        return out

    def layer_timeline(self, source: str, layer: LayerKey) -> list[tuple[int, dt.datetime, float | None]]:
        """(snapshot id, map_time, area km²) of every snapshot holding ``layer``, in map-time order."""
        name = str(layer)

        def compute() -> list[tuple[int, dt.datetime, float | None]]:
            return [
                (r.id, parse_time(r.map_time), self._s.layers[(r.id, name)][0])
                for r in self._ordered(source)
                if (r.id, name) in self._s.layers
            ]

        return list(self._memo(("timeline", source, name), compute))

    def snapshot_keys(self, source: str) -> dict[int, tuple[str, str, str]]:
        """id -> (source, published_at ISO, content hash) of a source's snapshots."""
        return {r.id: (source, parse_time(r.published_at).isoformat(), r.content_hash) for r in self._ordered(source)}

    # -- steps ----------------------------------------------------------------------------
    def step_links(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, int | None]:
        """to_id -> from_id of the stored steps of a layer (for the given snapshots)."""
        name = str(layer)
        return {sid: self._s.steps[(sid, name)][0] for sid in snapshot_ids if (sid, name) in self._s.steps}

    def put_step(
        self,
        layer: LayerKey,
        to_id: int,
        from_id: int | None,
        area_km2: float,
        gained: tuple[float, bytes] | None,
        lost: tuple[float, bytes] | None,
    ) -> None:
        """Record the change into ``to_id`` from its predecessor, and its area."""
        if to_id not in self._s.snapshots:
            raise StoreError(f"no snapshot with id {to_id} in {self.path}: cannot store its step")
        self._write()
        name = str(layer)
        self._s.steps[(to_id, name)] = (
            from_id,
            gained[0] if gained else None,
            lost[0] if lost else None,
            gained[1] if gained else None,
            lost[1] if lost else None,
        )
        if (to_id, name) in self._s.layers:
            self._s.layers[(to_id, name)] = (area_km2, self._s.layers[(to_id, name)][1])

    def steps(self, layer: LayerKey, snapshot_ids: list[int], *, geometry: bool = False) -> dict[int, tuple[Any, ...]]:
        """to_id -> (from_id, gained km², lost km²[, gained WKB, lost WKB])."""
        name = str(layer)
        width = 5 if geometry else 3
        return {sid: self._s.steps[(sid, name)][:width] for sid in snapshot_ids if (sid, name) in self._s.steps}

    def redraws(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, tuple[Any, ...]]:
        """to_id -> (from_id, rules digest, ((direction, reason, km², WKB), ...)) of classified steps."""
        name = str(layer)
        return {sid: self._s.redraws[(sid, name)] for sid in snapshot_ids if (sid, name) in self._s.redraws}

    def put_redraws(self, layer: LayerKey, to_id: int, from_id: int | None, rules: str,
                    pieces: list[tuple[str, str, float, bytes]]) -> None:
        """Record the classification of one step (replacing an earlier one)."""
        if to_id not in self._s.snapshots:
            raise StoreError(f"no snapshot with id {to_id} in {self.path}: cannot store its redraws")
        self._write()
        self._s.redraws[(to_id, str(layer))] = (from_id, rules, tuple((d, r, float(a), w) for d, r, a, w in pieces))

    # -- geometry -------------------------------------------------------------------------
    def layer_parts(self, snapshot_id: int, layer: LayerKey) -> dict[str, Any]:
        """part hash -> polygon (lon/lat) of one snapshot's layer."""
        hashes = self._s.layer_parts.get((snapshot_id, str(layer)), ())
        found = self._cache.get_many([("part", h) for h in hashes])
        out = {h: found.get(("part", h)) for h in hashes}
        missing = [h for h, g in out.items() if g is None]
        if missing:
            for h, geom in zip(missing, shapely.from_wkb([self._s.parts[h] for h in missing])):
                out[h] = geom
                self._cache.put(("part", h), geom)
        return out

    def remember_parts(self, parts: dict[str, Any]) -> None:
        """Seed the decoded-part cache (after an ingest)."""
        for h, geom in parts.items():
            self._cache.put(("part", h), geom)

    # -- region areas ---------------------------------------------------------------------
    def region_areas(self, snapshot_ids: list[int], layer: LayerKey, region_set: str) -> dict[int, dict[str, float]]:
        """Stored per-region areas: snapshot id -> {region id: km²} (only ids that are stored)."""
        wanted = set(snapshot_ids)
        name = str(layer)
        out: dict[int, dict[str, float]] = {}
        for (sid, lay, rset, rid), area in self._s.region_areas.items():
            if sid in wanted and lay == name and rset == region_set:
                out.setdefault(sid, {})[rid] = area
        return out

    def region_sets(self, snapshot_id: int, layer: LayerKey) -> list[str]:
        """Names of the region sets stored for one snapshot's layer."""
        name = str(layer)
        return sorted({k[2] for k in self._s.region_areas if k[0] == snapshot_id and k[1] == name})

    def put_region_areas(self, rows: list[tuple[int, str, str, str, float]]) -> None:
        """Store (snapshot id, layer, region set, region id, km²) rows."""
        with self.transaction():
            for sid, layer, rset, rid, area in rows:
                if sid not in self._s.snapshots:
                    raise StoreError(f"no snapshot with id {sid} in {self.path}: cannot store its region areas")
                self._write()
                self._s.region_areas[(sid, layer, rset, rid)] = float(area)

    # -- derived: settlement index ----------------------------------------------------------
    def settlement_index(self, source: str, layer: LayerKey) -> tuple[str, bytes, bytes] | None:
        """The stored settlement index of a layer: (gazetteer digest, basis, events), or None."""
        return self._s.settlement_index.get((source, str(layer)))

    def put_settlement_index(self, source: str, layer: LayerKey, gazetteer: str, basis: bytes, events: bytes) -> None:
        """Store (replace) the settlement index of a layer."""
        with self.transaction():
            self._write()
            self._s.settlement_index[(source, str(layer))] = (gazetteer, bytes(basis), bytes(events))

    # -- derived: redraw unions -------------------------------------------------------------
    def redraw_unions(self, source: str, layer: LayerKey) -> tuple[str, bytes] | None:
        """The stored redraw-union hierarchy of a layer: (rules digest, data), or None."""
        return self._s.redraw_unions.get((source, str(layer)))

    def put_redraw_unions(self, source: str, layer: LayerKey, rules: str, data: bytes) -> None:
        """Store (replace) the redraw-union hierarchy of a layer."""
        with self.transaction():
            self._write()
            self._s.redraw_unions[(source, str(layer))] = (rules, bytes(data))

    # -- derived: change faces ---------------------------------------------------------------
    def change_faces(self, source: str, layer: LayerKey, *, geometry: bool = False,
                     ) -> tuple[str, bytes, bytes | None] | None:
        """The stored change-face index of a layer: (basis, query arrays, face geometries or None
        unless ``geometry``), or None."""
        row = self._s.change_faces.get((source, str(layer)))
        if row is None:
            return None
        return (row[0], row[1], row[2] if geometry else None)

    @contextlib.contextmanager
    def change_faces_geometry(self, source: str, layer: LayerKey) -> Iterator[BinaryIO | None]:
        """The face geometries of the stored change-face index as a seekable read-only file (None: none stored)."""
        row = self.change_faces(source, layer, geometry=True)
        yield io.BytesIO(row[2]) if row is not None and row[2] is not None else None

    def put_change_faces(self, source: str, layer: LayerKey, basis: str, data: bytes, geoms: bytes | None) -> None:
        """Store (replace) the change-face index of a layer."""
        with self.transaction():
            self._write()
            self._s.change_faces[(source, str(layer))] = (basis, bytes(data), None if geoms is None else bytes(geoms))

    # -- derived: dissolved layers ----------------------------------------------------------
    def layer_unions(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, bytes]:
        """Stored dissolved layers: snapshot id -> lon/lat WKB (only ids that are stored)."""
        name = str(layer)
        return {sid: self._s.layer_unions[(sid, name)] for sid in snapshot_ids if (sid, name) in self._s.layer_unions}

    def put_layer_unions(self, layer: LayerKey, rows: list[tuple[int, bytes]]) -> None:
        """Store (replace) the dissolved layer (snapshot id, lon/lat WKB) of snapshots."""
        with self.transaction():
            for sid, wkb in rows:
                if sid not in self._s.snapshots:
                    raise StoreError(f"no snapshot with id {sid} in {self.path}: cannot store its dissolved layer")
                self._write()
                self._s.layer_unions[(sid, str(layer))] = bytes(wkb)

    # -- derived: display GeoJSON of layers ---------------------------------------------------
    def layer_geojsons(self, layer: LayerKey, tolerance_m: int, snapshot_ids: list[int]) -> dict[int, bytes]:
        """Stored display GeoJSON of layers at a tolerance: snapshot id -> opaque bytes (only ids that are stored)."""
        name, tol = str(layer), int(tolerance_m)
        return {sid: self._s.layer_geojson[(sid, name, tol)] for sid in snapshot_ids
                if (sid, name, tol) in self._s.layer_geojson}

    def put_layer_geojsons(self, layer: LayerKey, tolerance_m: int, rows: list[tuple[int, bytes]]) -> None:
        """Store (replace) the display GeoJSON (snapshot id, opaque bytes) of layers at a tolerance."""
        with self.transaction():
            for sid, data in rows:
                if sid not in self._s.snapshots:
                    raise StoreError(f"no snapshot with id {sid} in {self.path}: cannot store its layer GeoJSON")
                self._write()
                self._s.layer_geojson[(sid, str(layer), int(tolerance_m))] = bytes(data)

    # -- live sync --------------------------------------------------------------------------
    def fetch_records(self, source: str | None = None) -> list[dict[str, Any]]:
        """Provenance rows of synced payloads (of one source), by source and publication time."""
        rows = [dict(r) for (src, _), r in self._s.fetches.items() if source is None or src == source]
        return sorted(rows, key=lambda r: (r["source"], r.get("published_at") or "", r["item"]))

    def put_fetch_record(self, record: dict[str, Any]) -> None:
        """Insert or replace the provenance of one synced item."""
        with self.transaction():
            self._write()
            cols = ("source", "item", "url", "fetched_at", "http_status", "etag", "last_modified", "licence",
                    "content_hash", "published_at", "bytes")
            self._s.fetches[(record["source"], record["item"])] = {c: record.get(c) for c in cols}

    def sync_state(self, source: str) -> dict[str, str]:
        """Sync bookkeeping of a source (key -> value)."""
        return {k: v for (src, k), v in self._s.sync.items() if src == source}

    def set_sync_state(self, source: str, values: dict[str, str | None]) -> None:
        """Set (or, with None, remove) sync bookkeeping values of a source."""
        with self.transaction():
            for key, value in values.items():
                if value is None and (source, key) not in self._s.sync:
                    continue  # like SQLite: removing nothing is no change, so no new data version
                self._write()
                if value is None:
                    self._s.sync.pop((source, key), None)
                else:
                    self._s.sync[(source, key)] = value

    def published_areas(self, source: str) -> list[tuple[str, dt.datetime, str, float, float | None]]:
        """(item, published_at, kind, km², percent) of a provider's own figures, in time order."""
        rows = [(item, parse_time(t), kind, a, p) for (src, item, kind), (t, a, p) in self._s.published.items()
                if src == source]
        return sorted(rows, key=lambda r: (r[1], r[2]))

    def put_published_areas(self, source: str, item: str, published_at: dt.datetime,
                            rows: list[tuple[str, float, float | None]]) -> None:
        """Store a provider's own (kind, km², percent) figures of one item."""
        with self.transaction():
            for kind, area, pct in rows:
                self._write()
                self._s.published[(source, item, kind)] = (format_time(published_at), float(area), pct)

    def stats(self) -> dict[str, Any]:
        """Sizes of the store, like :meth:`SQLiteStore.stats` (no file: 0 bytes)."""
        raw, stored = self.payload_bytes()
        return {
            "path": str(self.path),
            "schema_version": SCHEMA_VERSION,
            "snapshots": len(self._s.snapshots),
            "parts": len(self._s.parts),
            "payload_raw_bytes": raw,
            "payload_stored_bytes": stored,
            "file_bytes": 0,
        }

