"""Copy every snapshot of one store into another (SQLite, PostgreSQL, memory: any two), verified.

``frontlines copy --from war.db --to postgresql://analyst@db/frontlines``: in one
transaction of the destination, each snapshot (oldest id first, so snapshots published
at the same instant keep their order) is added with its raw payload, its parts, its
derived steps and layer areas, and its stored region tables, dissolved layers and their display GeoJSON, redraw
classifications, change-face indexes and settlement indexes; then the live-sync rows of
every source (provenance of synced items, sync bookkeeping, the providers' published
figures) that the destination lacks (rows it holds are kept). Snapshots already in the
destination (same source, time and content hash) are skipped. A source the destination
did not hold gets the source store's steps and areas as they are; a source it already
held has its timelines re-derived (the steps between old and new snapshots are new), and
its redraw classification and settlement index, where the source store held them, are
computed again in the destination (they depend on the merged timeline).

Then the copy is verified, still inside the transaction (a mismatch rolls everything
back): per source the snapshot count, and per snapshot the payload's content hash, the
set of part hashes of every layer (each part's hash recomputed from its WKB), the
layer areas and the region tables must match, and so must the number of classified
steps of every layer and the settlement index of every source copied afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import shapely

from frontlines.errors import StoreError
from frontlines.hashing import content_hash, part_hash
from frontlines.model import LayerKey, Provenance, Snapshot
from frontlines.service.change_faces import copy_index
from frontlines.service.derive import derive_layers
from frontlines.service.layer_geojson import STORED_TOLERANCES_M
from frontlines.service.pipeline import PrecomputedStep
from frontlines.service.pipeline import _put_payload as put_payload_keyframed
from frontlines.service.redraws import derive_redraws
from frontlines.service.selection import select
from frontlines.service.settlement_index import store_index
from frontlines.store import StoreWriter
from frontlines.store.protocols import PartRow

__all__ = ["CopyReport", "copy_store"]

#: Largest difference between copied and source areas that verification accepts (km²).
AREA_TOLERANCE_KM2 = 1e-6


@dataclass
class CopyReport:
    """What :func:`copy_store` did.

    Attributes
    ----------
    copied : int
        Snapshots added to the destination.
    skipped : int
        Snapshots the destination already held.
    sources : dict
        source -> snapshot count, equal in both stores after the copy.
    verified : int
        Snapshots whose payload hash, part hashes, areas and region tables were compared.
    """

    copied: int = 0
    skipped: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    verified: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``frontlines copy --json``."""
        return {"copied": self.copied, "skipped": self.skipped, "sources": dict(sorted(self.sources.items())),
                "verified": self.verified}


def copy_store(src: StoreWriter, dst: StoreWriter, *, progress: Callable[[int, str], None] | None = None) -> CopyReport:
    """Copy every snapshot of ``src`` into ``dst`` in one transaction, and verify it.

    Parameters
    ----------
    src : StoreWriter
        The store to read (a read-only store answers every read this needs).
    dst : StoreWriter
        The store to write.
    progress : callable, optional
        ``progress(n, file name)`` after each snapshot.

    Raises
    ------
    StoreError
        When verification finds a difference (nothing is then written).
    """
    report = CopyReport()
    with src.read_view(), dst.transaction():
        held = {s for s, _, _, _ in dst.sources()}
        id_map: dict[int, int] = {}
        bases: dict[str, Any] = {}
        rows_by_hash: dict[str, PartRow] = {}  # parts are shared by many snapshots
        for n, row in enumerate(src.snapshot_rows(), 1):
            info = src.snapshot(row["id"])
            existing = dst.find_snapshot(info.source, info.published_at, info.content_hash)
            if existing is not None:
                id_map[info.id] = existing
                report.skipped += 1
                continue
            put_payload_keyframed(dst, bases, info.source, info.content_hash, src.get_payload(info.content_hash))
            parts = {layer: _part_rows(src.layer_parts(info.id, layer), rows_by_hash) for layer in info.layers}
            snap = Snapshot(source=info.source, conflict=info.conflict, published_at=info.published_at, map_time=info.map_time,
                            provenance=Provenance(info.file_name, info.content_hash, info.url),
                            layers={k: () for k in info.layers}, primary=info.primary, notes=info.notes)
            id_map[info.id] = dst.add_snapshot(snap, adapter=row["adapter"], adapter_version=row["adapter_version"],
                                               options=orjson.loads(row["options"]), parts=parts)
            report.copied += 1
            if progress:
                progress(n, info.file_name)
        for source, _count, _first, _last in src.sources():
            for layer in src.source_layers(source):
                _copy_steps(src, dst, source, layer, id_map, fresh=source not in held)
                _copy_classifications(src, dst, source, layer, id_map, fresh=source not in held)
        _copy_region_tables(src, dst, id_map)
        _copy_layer_unions(src, dst, id_map)
        _copy_sync_rows(src, dst)
        report.verified = _verify(src, dst, id_map)
        report.sources = {s: c for s, c, _, _ in src.sources()}
    return report


def _part_rows(parts: dict[str, Any], known: dict[str, PartRow]) -> list[PartRow]:
    """(hash, WKB) of each part."""
    fresh = [h for h in parts if h not in known]
    if fresh:
        geoms = [parts[h] for h in fresh]
        for h, w in zip(fresh, shapely.to_wkb(geoms, output_dimension=2)):
            known[h] = (h, bytes(w))
    return [known[h] for h in parts]


def _copy_steps(src: StoreWriter, dst: StoreWriter, source: str, layer: LayerKey, id_map: dict[int, int],
                *, fresh: bool) -> None:
    timeline = src.layer_timeline(source, layer)
    steps = src.steps(layer, [sid for sid, _, _ in timeline], geometry=True)
    if fresh:
        for sid, _when, area in timeline:
            step = steps.get(sid)
            if step is None or area is None:
                continue
            from_id, g_km2, l_km2, g_wkb, l_wkb = step
            dst.put_step(layer, id_map[sid], None if from_id is None else id_map[from_id], area,
                         None if g_km2 is None else (g_km2, g_wkb or b""),
                         None if l_km2 is None else (l_km2, l_wkb or b""))
        return
    keys = src.snapshot_keys(source)
    pre = {}
    for sid, (from_id, g_km2, l_km2, g_wkb, l_wkb) in steps.items():
        if from_id is not None and g_km2 is not None and l_km2 is not None:
            pre[(keys[sid], layer)] = PrecomputedStep(keys[from_id], g_km2, l_km2, g_wkb or b"", l_wkb or b"")
    derive_layers(dst, [(source, layer)], precomputed=pre)


def _copy_classifications(src: StoreWriter, dst: StoreWriter, source: str, layer: LayerKey,
                          id_map: dict[int, int], *, fresh: bool) -> None:
    """The redraw classification and the settlement index of one layer, where ``src`` holds them.

    A fresh source keeps its timeline, so the rows are copied with the snapshot ids
    mapped; a source the destination already held has a merged timeline, so both are
    computed again there (by the same functions as ``frontlines derive``).
    """
    ids = [sid for sid, _, _ in src.layer_timeline(source, layer)]
    redraws = src.redraws(layer, ids)
    index = src.settlement_index(source, layer)
    if not fresh:
        if redraws:
            derive_redraws(dst, source, layer)
        if index is not None:
            store_index(dst, source, layer)
        return
    for to_id, (from_id, digest, pieces) in redraws.items():
        dst.put_redraws(layer, id_map[to_id], None if from_id is None else id_map[from_id], digest, list(pieces))
    if redraws:
        copy_index(src, dst, select(src, source, layer), select(dst, source, layer), id_map)  # the change faces
        derive_redraws(dst, source, layer)  # classifies nothing again: writes the stored unions of the rows
    if index is not None:
        gazetteer, basis, events = index
        ids_at = np.frombuffer(basis, dtype="<i8").reshape(-1, 2)
        mapped = np.array([[id_map[int(c)], id_map[int(k)] if k >= 0 else -1] for c, k in ids_at], dtype="<i8")
        dst.put_settlement_index(source, layer, gazetteer, mapped.reshape(-1, 2).tobytes(), events)


def _copy_region_tables(src: StoreWriter, dst: StoreWriter, id_map: dict[int, int]) -> None:
    for info in src.snapshots():
        rows = []
        for layer in info.layers:
            for region_set in src.region_sets(info.id, layer):
                for rid, km2 in src.region_areas([info.id], layer, region_set).get(info.id, {}).items():
                    rows.append((id_map[info.id], str(layer), region_set, rid, km2))
        if rows:
            dst.put_region_areas(rows)


def _copy_layer_unions(src: StoreWriter, dst: StoreWriter, id_map: dict[int, int]) -> None:
    """The stored dissolved layer and display GeoJSON of each snapshot copied (not skipped), ids mapped."""
    by_layer: dict[LayerKey, list[int]] = {}
    for info in src.snapshots():
        for layer in info.layers:
            by_layer.setdefault(layer, []).append(info.id)
    for layer, ids in by_layer.items():
        rows = _new_rows(src.layer_unions(layer, ids), lambda new_ids: dst.layer_unions(layer, new_ids), id_map)
        if rows:
            dst.put_layer_unions(layer, rows)
        for tolerance_m in STORED_TOLERANCES_M:
            rows = _new_rows(src.layer_geojsons(layer, tolerance_m, ids),
                             lambda new_ids, m=tolerance_m: dst.layer_geojsons(layer, m, new_ids), id_map)
            if rows:
                dst.put_layer_geojsons(layer, tolerance_m, rows)


def _new_rows(rows: dict[int, bytes], held_in_dst: Callable[[list[int]], dict[int, bytes]],
              id_map: dict[int, int]) -> list[tuple[int, bytes]]:
    """``rows`` (source snapshot id -> bytes) with ids mapped, less those the destination holds."""
    mapped = [(id_map[sid], data) for sid, data in rows.items()]
    held = held_in_dst([new for new, _ in mapped])
    return [(new, data) for new, data in mapped if new not in held]


def _sync_sources(store: StoreWriter) -> list[str]:
    """Sources that may have live-sync rows: those with snapshots or with provenance records."""
    return sorted({s for s, _, _, _ in store.sources()} | {r["source"] for r in store.fetch_records()})


def _copy_sync_rows(src: StoreWriter, dst: StoreWriter) -> None:
    """Add the provenance, sync state and published figures of every source that ``dst`` lacks.

    Rows the destination holds (same source and item, key, or item and kind) are kept: they
    describe its own sync, and its snapshots are a superset of the source's after the copy.
    """
    for source in _sync_sources(src):
        have = {r["item"] for r in dst.fetch_records(source)}
        for record in src.fetch_records(source):
            if record["item"] not in have:
                dst.put_fetch_record(record)
        theirs = dst.sync_state(source)
        missing: dict[str, str | None] = {k: v for k, v in src.sync_state(source).items() if k not in theirs}
        if missing:
            dst.set_sync_state(source, missing)
        held = {(item, kind) for item, _, kind, _, _ in dst.published_areas(source)}
        by_item: dict[tuple[str, dt.datetime], list[tuple[str, float, float | None]]] = {}
        for item, when, kind, km2, pct in src.published_areas(source):
            if (item, kind) not in held:
                by_item.setdefault((item, when), []).append((kind, km2, pct))
        for (item, when), rows in by_item.items():
            dst.put_published_areas(source, item, when, rows)


def _verify(src: StoreWriter, dst: StoreWriter, id_map: dict[int, int]) -> int:
    """Compare counts and content hashes; raise StoreError naming the first difference."""
    src_counts = {s: c for s, c, _, _ in src.sources()}
    dst_counts = {s: c for s, c, _, _ in dst.sources()}
    for source, count in src_counts.items():
        if dst_counts.get(source, 0) < count:
            _fail(f"source {source}: {count} snapshots, {dst_counts.get(source, 0)} copied")
    checked = 0
    hashed: set[str] = set()
    for info in src.snapshots():
        new = dst.snapshot(id_map[info.id])
        when = info.published_at.astimezone(dt.timezone.utc)
        if (new.source, new.published_at, new.content_hash, new.layers) != (info.source, when, info.content_hash,
                                                                             info.layers):
            _fail(f"snapshot {info.file_name} of {info.source} differs after the copy")
        if content_hash(dst.get_payload(info.content_hash)) != info.content_hash:
            _fail(f"payload of {info.file_name} ({info.content_hash}) does not match its content hash")
        for layer in info.layers:
            theirs = dst.layer_parts(new.id, layer)
            if set(theirs) != set(src.layer_parts(info.id, layer)):
                _fail(f"snapshot {info.file_name}, layer {layer}: the parts differ")
            for h, geom in theirs.items():
                if h not in hashed and part_hash(shapely.to_wkb(geom, output_dimension=2)) != h:
                    _fail(f"snapshot {info.file_name}, layer {layer}: part {h} does not match its hash")
                hashed.add(h)
            if set(src.layer_unions(layer, [info.id])) and not dst.layer_unions(layer, [new.id]):
                _fail(f"snapshot {info.file_name}, layer {layer}: its dissolved layer was not copied")
            for region_set in src.region_sets(info.id, layer):
                a = src.region_areas([info.id], layer, region_set).get(info.id, {})
                b = dst.region_areas([new.id], layer, region_set).get(new.id, {})
                if a.keys() != b.keys() or any(abs(a[k] - b[k]) > AREA_TOLERANCE_KM2 for k in a):
                    _fail(f"snapshot {info.file_name}, layer {layer}: region table {region_set} differs")
        checked += 1
    for source in src_counts:
        for layer in src.source_layers(source):
            theirs = {sid: area for sid, _, area in dst.layer_timeline(source, layer)}
            for sid, _when, area in src.layer_timeline(source, layer):
                got = theirs.get(id_map[sid])
                if (area is None) != (got is None) or (area is not None and abs(area - got) > AREA_TOLERANCE_KM2 * 1e3):
                    _fail(f"source {source}, layer {layer}: area of snapshot {sid} is {got}, not {area}")
        for layer in src.source_layers(source):
            _verify_classifications(src, dst, source, layer, id_map)
    for source in _sync_sources(src):
        items = {r["item"] for r in dst.fetch_records(source)}
        lost = [r["item"] for r in src.fetch_records(source) if r["item"] not in items]
        if lost or not src.sync_state(source).keys() <= dst.sync_state(source).keys():
            _fail(f"source {source}: sync records not copied ({', '.join(lost[:3]) or 'sync state'})")
        figures = {(item, kind) for item, _, kind, _, _ in dst.published_areas(source)}
        if not {(item, kind) for item, _, kind, _, _ in src.published_areas(source)} <= figures:
            _fail(f"source {source}: published figures not copied")
    return checked


def _verify_classifications(src: StoreWriter, dst: StoreWriter, source: str, layer: LayerKey,
                            id_map: dict[int, int]) -> None:
    """Every step classified in ``src`` is classified in ``dst``; an index copied as is maps back exactly."""
    ids = [sid for sid, _, _ in src.layer_timeline(source, layer)]
    classified = src.redraws(layer, ids)
    theirs = dst.redraws(layer, [id_map[sid] for sid in classified])
    if len(theirs) != len(classified):
        _fail(f"source {source}, layer {layer}: {len(classified)} steps classified for redraws, "
              f"{len(theirs)} after the copy")
    mine, copied = src.settlement_index(source, layer), dst.settlement_index(source, layer)
    if mine is not None and copied is None:
        _fail(f"source {source}, layer {layer}: the settlement index was not copied")
    if mine is not None and copied is not None and copied[0] == mine[0] and copied[2] == mine[2]:
        back = {new: old for old, new in id_map.items()}
        ids_at = np.frombuffer(copied[1], dtype="<i8").reshape(-1, 2)
        if np.frombuffer(mine[1], dtype="<i8").tolist() != [back.get(int(v), v) if v >= 0 else -1
                                                              for v in ids_at.ravel()]:
            _fail(f"source {source}, layer {layer}: the settlement index's snapshots differ after the copy")


def _fail(message: str) -> None:
    raise StoreError(f"copy not verified, nothing written: {message}")
