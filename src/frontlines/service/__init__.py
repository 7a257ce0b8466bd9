"""The front door: every use case the CLI, the web app, reports and the public API offer.

Callers above this layer (``cli``, ``web``, ``reports``, ``frontlines/__init__``) import
only this package; nothing here imports them. It composes the store, the pure cores
and the sources:

- :mod:`~frontlines.service.selection`: which source, layer and snapshot (time semantics)
- :mod:`~frontlines.service.regions`: region layers and per-region figures
- :mod:`~frontlines.service.measure`: area, change, series
- :mod:`~frontlines.service.where`: front lines, depth, settlements
- :mod:`~frontlines.service.claims`: claim checking against the store
- :mod:`~frontlines.service.reporting`: everything a report shows
- :mod:`~frontlines.service.pipeline`, :mod:`~frontlines.service.reindex`,
  :mod:`~frontlines.service.derive`, :mod:`~frontlines.service.export`: writing and exporting
"""

from __future__ import annotations

from frontlines.service.claims import check, evidence_features
from frontlines.service.compare import compare, overlap
from frontlines.service.demo import DEMO_SOURCE, demo_summary, ingest_demo
from frontlines.service.derive import derive_store
from frontlines.service.export import FORMATS, export
from frontlines.service.freshness import staleness
from frontlines.service.measure import (
    area,
    change,
    change_geometries,
    layer_geometry,
    series,
)
from frontlines.service.pipeline import (
    ADAPTER_NAMES,
    IngestOptions,
    IngestReport,
    ingest,
    parse_date_text,
)
from frontlines.service.quality import quality
from frontlines.service.regions import (
    conflict_of,
    gazetteer_of,
    region_level,
    regions_for,
    resolve_region,
)
from frontlines.service.reindex import reindex
from frontlines.service.reporting import (
    animation_inputs,
    change_map_inputs,
    parse_bbox,
    report_inputs,
    state_map_inputs,
)
from frontlines.service.selection import (
    Selection,
    TimeLike,
    open_reader,
    open_writer,
    select,
    snapshots,
    sources,
    state_at,
)
from frontlines.service.where import (
    CONTESTED_MODES,
    MIN_DEPTH_PIECE_KM2,
    change_depth,
    frontline,
    settlements,
)
from frontlines.store import StoreReader, StoreWriter, default_store_path
from frontlines.store.pool import StorePool

__all__ = [
    "ADAPTER_NAMES",
    "CONTESTED_MODES",
    "DEMO_SOURCE",
    "FORMATS",
    "IngestOptions",
    "IngestReport",
    "MIN_DEPTH_PIECE_KM2",
    "Selection",
    "StorePool",
    "StoreReader",
    "StoreWriter",
    "TimeLike",
    "animation_inputs",
    "area",
    "change",
    "change_map_inputs",
    "change_depth",
    "change_geometries",
    "check",
    "compare",
    "demo_summary",
    "conflict_of",
    "default_store_path",
    "derive_store",
    "evidence_features",
    "export",
    "frontline",
    "gazetteer_of",
    "ingest",
    "ingest_demo",
    "parse_date_text",
    "layer_geometry",
    "open_reader",
    "open_writer",
    "overlap",
    "parse_bbox",
    "quality",
    "region_level",
    "regions_for",
    "report_inputs",
    "reindex",
    "resolve_region",
    "select",
    "series",
    "settlements",
    "snapshots",
    "sources",
    "staleness",
    "state_map_inputs",
    "state_at",
]
