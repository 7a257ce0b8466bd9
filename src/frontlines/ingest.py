"""Ingest: payloads -> snapshots in the store, in one transaction.

Orchestrates an adapter (:mod:`frontlines.sources`) and the store. Work is done
once per distinct thing: a feature's geometry is validated once per distinct JSON
(see :class:`~frontlines.sources._geojson.PartCache`), a part is hashed once, and a
layer's dissolved area is computed once per distinct set of parts.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely

from frontlines.core.geodesy import area_km2
from frontlines.core.measure import dissolve
from frontlines.errors import FrontlinesError, SourceError
from frontlines.hashing import part_hash
from frontlines.model import LayerKey, Snapshot
from frontlines.sources._geojson import PartCache
from frontlines.sources._payloads import Payload, iter_payloads
from frontlines.sources.base import IngestOptions
from frontlines.sources.registry import get_adapter
from frontlines.store import SQLiteStore
from frontlines.store.payloads import KEYFRAME_EVERY

__all__ = ["IngestReport", "Normaliser", "ingest"]

Progress = Callable[[int, str], None]


@dataclass
class IngestReport:
    """What an ingest did."""

    adapter: str
    sources: set[str] = field(default_factory=set)
    files_read: int = 0
    added: int = 0
    duplicates: int = 0
    repaired: int = 0
    unknown_classes: Counter[str] = field(default_factory=Counter)
    excluded_classes: Counter[str] = field(default_factory=Counter)
    ignored_points: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ") if t else None  # noqa: E731
        return {
            "adapter": self.adapter,
            "sources": sorted(self.sources),
            "files_read": self.files_read,
            "snapshots_added": self.added,
            "duplicates_skipped": self.duplicates,
            "geometries_repaired": self.repaired,
            "unknown_classes": dict(self.unknown_classes.most_common()),
            "excluded_classes": dict(self.excluded_classes.most_common()),
            "ignored_points": self.ignored_points,
            "first": fmt(self.first),
            "last": fmt(self.last),
            "seconds": round(self.seconds, 3),
        }


class Normaliser:
    """Turns snapshots into stored rows, remembering work already done."""

    def __init__(self) -> None:
        self._part_rows: dict[int, tuple[str, bytes, float, Any]] = {}
        self._areas: dict[frozenset[str], float] = {}

    def part_rows(self, snapshot: Snapshot) -> dict[LayerKey, list[tuple[str, bytes, float]]]:
        """(hash, WKB, area) of every part of every layer."""
        out: dict[LayerKey, list[tuple[str, bytes, float]]] = {}
        for layer, parts in snapshot.layers.items():
            rows = []
            for geom in parts:
                row = self._part_rows.get(id(geom))
                if row is None:
                    wkb = shapely.to_wkb(geom, output_dimension=2)
                    row = (part_hash(wkb), wkb, area_km2(geom), geom)
                    self._part_rows[id(geom)] = row
                rows.append(row[:3])
            out[layer] = rows
        return out

    def geometries(self) -> dict[str, Any]:
        """part hash -> geometry of every part seen."""
        return {h: g for h, _, _, g in self._part_rows.values()}

    def layer_areas(self, snapshot: Snapshot, rows: dict[LayerKey, list[tuple[str, bytes, float]]]) -> dict[LayerKey, float]:
        """Dissolved area of each layer (memoised by the set of part hashes)."""
        out = {}
        for layer, parts in snapshot.layers.items():
            key = frozenset(h for h, _, _ in rows[layer])
            area = self._areas.get(key)
            if area is None:
                area = area_km2(dissolve(list(parts)))
                self._areas[key] = area
            out[layer] = area
        return out


def ingest(
    store: SQLiteStore,
    adapter_name: str,
    paths: list[Path],
    *,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Read payloads with an adapter and add their snapshots to the store.

    All snapshots are added in one transaction: if any payload is bad, the error
    names it and the store is left exactly as it was.

    Parameters
    ----------
    store : SQLiteStore
    adapter_name : str
        ``deepstate-history``, ``deepstate-daily``, ``isw``, ``nzz`` or ``files``.
    paths : list of Path
        Files, folders or tar archives.
    options : IngestOptions, optional
    progress : callable, optional
        Called with (payloads done, current name).

    Returns
    -------
    IngestReport
    """
    adapter = get_adapter(adapter_name)
    options = options or IngestOptions(now=dt.datetime.now(dt.timezone.utc))
    report = IngestReport(adapter=adapter.name)
    cache = PartCache()
    norm = Normaliser()
    bases: dict[str, tuple[tuple[str, bytes] | None, int]] = {}
    t0 = time.perf_counter()
    with store.transaction():
        for payload in iter_payloads(list(paths), adapter.patterns):
            report.files_read += 1
            if progress:
                progress(report.files_read, payload.name)
            snapshot = _parse(adapter, payload, cache, options)
            if options.strict and snapshot.notes.get("repaired"):
                raise SourceError(
                    f"{payload.name}: {snapshot.notes['repaired']} invalid geometries (--strict): "
                    + "; ".join(snapshot.notes.get("repair_details", [])[:3])
                )
            _tally(report, snapshot)
            if store.find_snapshot(snapshot.source, snapshot.published_at, snapshot.provenance.content_hash):
                report.duplicates += 1
                continue
            base, since = bases.get(snapshot.source) or _keyframe(store, snapshot.source)
            if base is None or since >= KEYFRAME_EVERY:
                store.put_payload(snapshot.provenance.content_hash, payload.data, source=snapshot.source, base=None)
                base, since = (snapshot.provenance.content_hash, payload.data), 0
            else:
                store.put_payload(snapshot.provenance.content_hash, payload.data, source=snapshot.source, base=base)
                since += 1
            bases[snapshot.source] = (base, since)
            rows = norm.part_rows(snapshot)
            store.add_snapshot(
                snapshot,
                adapter=adapter.name,
                adapter_version=adapter.version,
                options=options.as_dict(),
                parts=rows,
                layer_areas=norm.layer_areas(snapshot, rows),
                ingested_at=options.now,
            )
            report.added += 1
    store.remember_parts(norm.geometries())
    report.seconds = time.perf_counter() - t0
    return report


def _parse(adapter: Any, payload: Payload, cache: PartCache, options: IngestOptions) -> Snapshot:
    try:
        return adapter.parse(payload, cache=cache, options=options)
    except FrontlinesError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise SourceError(f"{payload.name}: cannot read as {adapter.name} ({type(exc).__name__}: {exc})") from exc


def _keyframe(store: SQLiteStore, source: str) -> tuple[tuple[str, bytes] | None, int]:
    found = store.latest_keyframe(source)
    if found is None or found[1] >= KEYFRAME_EVERY:
        return None, 0
    return (found[0], store.get_payload(found[0])), found[1]


def _tally(report: IngestReport, snapshot: Snapshot) -> None:
    report.sources.add(snapshot.source)
    notes = snapshot.notes
    report.repaired += int(notes.get("repaired", 0))
    report.unknown_classes.update(notes.get("unknown_classes", {}))
    report.excluded_classes.update(notes.get("excluded_classes", {}))
    report.ignored_points += int(notes.get("ignored_points", 0))
    t = snapshot.published_at
    report.first = t if report.first is None or t < report.first else report.first
    report.last = t if report.last is None or t > report.last else report.last
