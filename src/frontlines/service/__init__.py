"""The front door: every use case the CLI, the web app, reports and the public API offer.

Callers above this layer (``cli``, ``web``, ``reports``, ``frontlines/__init__``) import
only this package; nothing here imports them. It composes the store, the pure cores
and the sources:

- :mod:`~frontlines.service.selection`: which source, layer and snapshot (time semantics)
- :mod:`~frontlines.service.regions`: region layers and per-region figures
- :mod:`~frontlines.service.measure`: area, change, series
- :mod:`~frontlines.service.where`: front lines, depth, settlements
- :mod:`~frontlines.service.places`: which settlement a name means, with its status
- :mod:`~frontlines.service.claims`: claim checking against the store
- :mod:`~frontlines.service.reporting`: everything a report shows
- :mod:`~frontlines.service.pipeline`, :mod:`~frontlines.service.reindex`,
  :mod:`~frontlines.service.derive`, :mod:`~frontlines.service.export`: writing and exporting
- :mod:`~frontlines.service.sync`: live sync from DeepStateMap and ISW, provenance, freshness
"""

from __future__ import annotations

from frontlines.service.change_display import ChangeDrawing, change_drawing
from frontlines.service.claims import check, evidence_features
from frontlines.service.compare import compare, overlap
from frontlines.service.copy import CopyReport, copy_store
from frontlines.service.demo import DEMO_SOURCE, demo_summary, ingest_demo
from frontlines.service.derive import derive_store
from frontlines.service.export import FORMATS, export
from frontlines.service.freshness import staleness
from frontlines.service.layer_geojson import (
    KM_PER_DEGREE,
    display_geometry,
    layer_geojson_text,
    stored_tolerance_m,
)
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
from frontlines.service.places import places
from frontlines.service.quality import quality
from frontlines.service.redraws import derive_store_redraws
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
    basemap_features,
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
from frontlines.service.source_health import HealthRules
from frontlines.service.sync import (
    SYNC_SOURCES,
    FetchSettings,
    PeriodicSync,
    SyncOptions,
    SyncReport,
    base_url_of,
    compare_published,
    freshness,
    parse_interval,
    sync,
)
from frontlines.service.where import (
    CONTESTED_MODES,
    MIN_DEPTH_PIECE_KM2,
    change_depth,
    frontline,
    settlements,
)
from frontlines.store import (
    StoreReader,
    StoreWriter,
    default_store_path,
    is_postgres_url,
)
from frontlines.store.location import resolve_store
from frontlines.store.pgconn import redact as redact_store_url
from frontlines.store.pool import StorePool

__all__ = [
    "ADAPTER_NAMES",
    "CONTESTED_MODES",
    "ChangeDrawing",
    "CopyReport",
    "DEMO_SOURCE",
    "FORMATS",
    "FetchSettings",
    "HealthRules",
    "IngestOptions",
    "IngestReport",
    "KM_PER_DEGREE",
    "MIN_DEPTH_PIECE_KM2",
    "PeriodicSync",
    "SYNC_SOURCES",
    "Selection",
    "StorePool",
    "StoreReader",
    "StoreWriter",
    "SyncOptions",
    "SyncReport",
    "TimeLike",
    "animation_inputs",
    "area",
    "base_url_of",
    "basemap_features",
    "change",
    "change_depth",
    "change_drawing",
    "change_geometries",
    "change_map_inputs",
    "check",
    "compare",
    "compare_published",
    "conflict_of",
    "copy_store",
    "default_store_path",
    "demo_summary",
    "derive_store",
    "derive_store_redraws",
    "display_geometry",
    "evidence_features",
    "export",
    "freshness",
    "frontline",
    "gazetteer_of",
    "ingest",
    "ingest_demo",
    "is_postgres_url",
    "layer_geojson_text",
    "layer_geometry",
    "open_reader",
    "open_writer",
    "overlap",
    "parse_bbox",
    "parse_date_text",
    "parse_interval",
    "places",
    "quality",
    "redact_store_url",
    "region_level",
    "regions_for",
    "reindex",
    "report_inputs",
    "resolve_region",
    "resolve_store",
    "select",
    "series",
    "settlements",
    "snapshots",
    "sources",
    "staleness",
    "state_at",
    "state_map_inputs",
    "stored_tolerance_m",
    "sync",
]
