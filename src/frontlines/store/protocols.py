"""What the service layer needs from a store: a reader and a writer protocol.

:class:`StoreReader` lists every read the service functions make (queries, reports,
claim checking); :class:`StoreWriter` adds what ingest, reindex and ``derive`` write.
:class:`~frontlines.store.sqlite.SQLiteStore`,
:class:`~frontlines.store.postgis.PostGISStore` and
:class:`~frontlines.store.memory.MemoryStore` implement both.

Data version
    Every committed write transaction that changed something increments the store's
    :attr:`StoreReader.data_version`. A reader reads it at the start of each read view
    (one web request) and keys what it caches by it, so a reader never serves figures
    of an older state than the one it reads.
Times
    Every snapshot has ``published_at`` (when it was published / fetched; with the
    source and content hash, its identity) and ``map_time`` (the time of the map it
    shows; timelines, ``sources()`` spans and ``latest_snapshot`` use it). A backend
    stores both (SQLite schema 2: column ``snapshots.map_time``).
Cache
    :attr:`StoreReader.cache` is a byte-bounded :class:`~frontlines.cache.Cache` for
    decoded parts (keyed by part hash), layer part lists, timelines and metadata (keyed
    by the data version), and figures the service computes in memory, such as region
    tables (keyed by the data version too). Readers of one store may share one cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from frontlines.cache import Cache
from frontlines.model import LayerKey, Snapshot, SnapshotInfo

__all__ = ["PartRow", "RedrawPieceRow", "RedrawRow", "RegionRow", "SettlementIndexRow", "StepRow", "StoreReader", "StoreWriter",
           "Timeline"]

#: (snapshot id, map_time, area km² or None when not derived yet), in map-time order.
Timeline = list[tuple[int, dt.datetime, float | None]]
#: (part hash, WKB) of one polygon part.
PartRow = tuple[str, bytes]
#: (snapshot id, layer, region set, region id, km²) of a stored region table.
RegionRow = tuple[int, str, str, str, float]
#: (gazetteer digest, basis bytes, events bytes) of a stored settlement index.
SettlementIndexRow = tuple[str, bytes, bytes]
#: to_id -> (from_id, gained km², lost km²[, gained WKB, lost WKB]).
StepRow = tuple[Any, ...]
#: One stored redraw piece of a step: (direction "gained"/"lost", reason, km², lon/lat WKB).
RedrawPieceRow = tuple[str, str, float, bytes]
#: The stored classification of one step: (from_id, rules digest, redraw pieces). A step
#: classified with no redraw has an empty tuple; fighting = the step's gained / lost minus these.
RedrawRow = tuple[int | None, str, tuple[RedrawPieceRow, ...]]


@runtime_checkable
class StoreReader(Protocol):
    """Everything a query reads from a store; a reader never writes."""

    #: The store file, or the ``postgresql://`` URL without its password (what messages name).
    path: Path | str

    @property
    def data_version(self) -> int:
        """Count of committed write transactions that changed the store (0 for a new store)."""
        ...

    @property
    def cache(self) -> Cache:
        """The cache of decoded parts and data-version-keyed figures owned by (or shared with) this store."""
        ...

    def read_view(self) -> contextlib.AbstractContextManager[int]:
        """Context in which every read sees one state of the store; yields its data version."""
        ...

    def sources(self) -> list[tuple[str, int, dt.datetime, dt.datetime]]:
        """(source, snapshot count, first, last map_time) of every source, by name.

        Returns
        -------
        list of tuple
        """
        ...

    def source_layers(self, source: str) -> list[LayerKey]:
        """Every layer any snapshot of ``source`` holds, sorted."""
        ...

    def latest_snapshot(self, source: str) -> SnapshotInfo:
        """The snapshot of ``source`` showing the latest map (greatest ``map_time``).

        Raises
        ------
        SnapshotNotFoundError
            When the source has no snapshot.
        """
        ...

    def snapshot(self, snapshot_id: int) -> SnapshotInfo:
        """One snapshot by id.

        Raises
        ------
        SnapshotNotFoundError
            When no snapshot has this id.
        """
        ...

    def snapshots(self, source: str | None = None) -> list[SnapshotInfo]:
        """All snapshots (of one source), in map-time order."""
        ...

    def snapshot_count(self) -> int:
        """Number of stored snapshots."""
        ...

    def layer_timeline(self, source: str, layer: LayerKey) -> Timeline:
        """(id, map_time, area km²) of every snapshot of ``source`` holding ``layer``.

        In map-time order (the time of the map shown, :attr:`SnapshotInfo.map_time`, not
        when it was fetched); snapshots of the same instant are ordered by id.
        """
        ...

    def steps(self, layer: LayerKey, snapshot_ids: list[int], *, geometry: bool = False) -> dict[int, StepRow]:
        """Stored steps into the given snapshots.

        Parameters
        ----------
        layer : LayerKey
        snapshot_ids : list of int
        geometry : bool
            Also return the gained and lost WKB.

        Returns
        -------
        dict
            to_id -> (from_id, gained km², lost km²[, gained WKB, lost WKB]).
        """
        ...

    def redraws(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, RedrawRow]:
        """Stored redraw classification of the steps of ``layer`` into the given snapshots.

        Returns
        -------
        dict
            to_id -> (from_id, rules digest, ((direction, reason, km², WKB), ...)); only
            classified steps (see :mod:`frontlines.service.redraws`, which checks from_id and
            the rules digest before trusting a row).
        """
        ...

    def layer_parts(self, snapshot_id: int, layer: LayerKey) -> dict[str, Any]:
        """Part hash -> polygon (lon/lat, shapely) of one snapshot's layer."""
        ...

    def region_areas(self, snapshot_ids: list[int], layer: LayerKey, region_set: str) -> dict[int, dict[str, float]]:
        """Stored per-region areas: snapshot id -> {region id: km²} (only stored ids)."""
        ...

    def region_sets(self, snapshot_id: int, layer: LayerKey) -> list[str]:
        """Names of the region sets whose areas are stored for one snapshot's layer, sorted."""
        ...

    def settlement_index(self, source: str, layer: LayerKey) -> SettlementIndexRow | None:
        """The stored settlement index of a layer: (gazetteer digest, basis, events), or None.

        Opaque to the store (see :mod:`frontlines.service.settlement_index`); schema 5.
        """
        ...

    def redraw_unions(self, source: str, layer: LayerKey) -> tuple[str, bytes] | None:
        """The stored hierarchy of redraw-piece unions of a layer: (rules digest, data), or None.

        Opaque to the store (see :mod:`frontlines.service.redraw_tree`); schema 7.
        """
        ...

    def change_faces(self, source: str, layer: LayerKey, *, geometry: bool = False,
                     ) -> tuple[str, bytes, bytes | None] | None:
        """The stored change-face index of a layer: (basis, query arrays, face geometries or None
        unless ``geometry``), or None.

        Opaque to the store (see :mod:`frontlines.service.change_faces`); schema 8.
        """
        ...

    def change_faces_geometry(self, source: str, layer: LayerKey) -> contextlib.AbstractContextManager[BinaryIO | None]:
        """The face geometries of the stored change-face index (:meth:`change_faces`' third item) as a seekable
        read-only binary file, open for the ``with`` block; None when there are none.

        A reader of a few of its parts reads only those (SQLite: incremental blob I/O, in one read
        transaction). Opaque to the store, like :meth:`change_faces`.
        """
        ...

    def layer_unions(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, bytes]:
        """Stored dissolved layers (the union of each snapshot's parts): snapshot id -> lon/lat WKB.

        Only the snapshots that have one (schema 6; see :func:`frontlines.service.unions.layer_union`).
        """
        ...

    def layer_geojsons(self, layer: LayerKey, tolerance_m: int, snapshot_ids: list[int]) -> dict[int, bytes]:
        """Stored display GeoJSON of layers at a tolerance (metres): snapshot id -> opaque bytes.

        Only the snapshots that have one (schema 10; see :mod:`frontlines.service.layer_geojson`).
        """
        ...

    def fetch_records(self, source: str | None = None) -> list[dict[str, Any]]:
        """Provenance of synced payloads: source, item, url, fetched_at, http_status, etag,
        last_modified, licence, content_hash, published_at, bytes (by source and time)."""
        ...

    def sync_state(self, source: str) -> dict[str, str]:
        """Sync bookkeeping of a source (last success, list ETag, layer edit dates ...)."""
        ...

    def published_areas(self, source: str) -> list[tuple[str, dt.datetime, str, float, float | None]]:
        """(item, published_at, kind, km², percent) of a provider's own area figures, in time order."""
        ...

    def stats(self) -> dict[str, Any]:
        """Sizes of the store (path, schema version, snapshots, parts, payload bytes, file bytes)."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...


@runtime_checkable
class StoreWriter(StoreReader, Protocol):
    """A store that ingest, reindex and ``derive`` write to."""

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """All writes inside happen atomically, or not at all (nested: part of the outer one)."""
        ...

    def committed_reader(self) -> StoreReader | None:
        """A new reader (its own connection and cache; the caller closes it) of the committed state when that
        is all this store sees, for read-only work in other threads; None when it cannot give one."""
        ...

    def has_payload(self, content_hash: str) -> bool:
        """True when a payload with this hash is stored."""
        ...

    def put_payload(self, content_hash: str, data: bytes, *, source: str, base: tuple[str, bytes] | None) -> None:
        """Store a raw payload (no-op when present); ``base`` = (hash, raw bytes) of a keyframe."""
        ...

    def put_compressed_payload(
        self, content_hash: str, blob: bytes, *, source: str, base_hash: str | None, raw_size: int
    ) -> None:
        """Store a payload compressed by :func:`frontlines.store.payloads.compress` (no-op when present).

        ``base_hash``: the stand-alone payload it was compressed against (None: stand-alone).
        """
        ...

    def get_payload(self, content_hash: str) -> bytes:
        """The raw bytes of a stored payload.

        Raises
        ------
        SnapshotNotFoundError
            When no payload has this hash.
        """
        ...

    def latest_keyframe(self, source: str) -> tuple[str, int] | None:
        """(hash, payloads stored since) of the newest stand-alone payload of ``source``."""
        ...

    def find_snapshot(self, source: str, published_at: dt.datetime, content_hash: str) -> int | None:
        """Id of the identical snapshot (same source, time and content), if stored."""
        ...

    def add_snapshot(
        self,
        snapshot: Snapshot,
        *,
        adapter: str,
        adapter_version: int,
        options: dict[str, Any],
        parts: dict[LayerKey, list[PartRow]],
    ) -> int:
        """Insert a normalised snapshot and its parts; returns its new id.

        Raises
        ------
        StoreError
            When an identical snapshot (source, published_at, content hash) is stored
            or its payload is not.
        """
        ...

    def delete_snapshot(self, snapshot_id: int) -> None:
        """Remove a snapshot and its derived rows (payload and parts stay)."""
        ...

    def snapshot_rows(self) -> list[dict[str, Any]]:
        """Every snapshot's stored row (id, source, ..., adapter, adapter_version, options JSON), by id."""
        ...

    def snapshot_keys(self, source: str) -> dict[int, tuple[str, str, str]]:
        """id -> (source, published_at ISO, content hash) of a source's snapshots."""
        ...

    def step_links(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, int | None]:
        """to_id -> from_id of the stored steps of ``layer`` into the given snapshots."""
        ...

    def put_step(
        self,
        layer: LayerKey,
        to_id: int,
        from_id: int | None,
        area_km2: float,
        gained: tuple[float, bytes] | None,
        lost: tuple[float, bytes] | None,
    ) -> None:
        """Record the change into ``to_id`` from its predecessor, and the layer's area at ``to_id``."""
        ...

    def put_redraws(self, layer: LayerKey, to_id: int, from_id: int | None, rules: str,
                    pieces: list[RedrawPieceRow]) -> None:
        """Record (replacing any earlier one) the classification of the step of ``layer`` into ``to_id``:
        its predecessor, the digest of the rules used and its redraw pieces (possibly none)."""
        ...

    def remember_parts(self, parts: dict[str, Any]) -> None:
        """Seed the decoded-part cache with polygons just ingested (hash -> polygon)."""
        ...

    def put_region_areas(self, rows: list[RegionRow]) -> None:
        """Store (snapshot id, layer, region set, region id, km²) rows."""
        ...

    def put_settlement_index(self, source: str, layer: LayerKey, gazetteer: str, basis: bytes, events: bytes) -> None:
        """Store (replace) the settlement index of a layer."""
        ...

    def put_redraw_unions(self, source: str, layer: LayerKey, rules: str, data: bytes) -> None:
        """Store (replace) the hierarchy of redraw-piece unions of a layer."""
        ...

    def put_change_faces(self, source: str, layer: LayerKey, basis: str, data: bytes, geoms: bytes | None) -> None:
        """Store (replace) the change-face index of a layer."""
        ...

    def put_layer_unions(self, layer: LayerKey, rows: list[tuple[int, bytes]]) -> None:
        """Store (replace) the dissolved layer of snapshots: (snapshot id, lon/lat WKB) rows."""
        ...

    def put_layer_geojsons(self, layer: LayerKey, tolerance_m: int, rows: list[tuple[int, bytes]]) -> None:
        """Store (replace) the display GeoJSON of layers at a tolerance: (snapshot id, opaque bytes) rows."""
        ...

    def put_fetch_record(self, record: dict[str, Any]) -> None:
        """Insert or replace the provenance of one synced item (keys as :meth:`StoreReader.fetch_records`)."""
        ...

    def set_sync_state(self, source: str, values: dict[str, str | None]) -> None:
        """Set (or, with None, remove) sync bookkeeping values of a source."""
        ...

    def put_published_areas(self, source: str, item: str, published_at: dt.datetime,
                            rows: list[tuple[str, float, float | None]]) -> None:
        """Store a provider's own (kind, km², percent) area figures of one item."""
        ...

