"""The front door: every use case the CLI, the web app, reports and the public API offer.

Callers above this layer (``cli``, ``web``, ``reports``, ``frontlines/__init__``) import
only this package; nothing here imports them. It composes the store, the pure cores
and the sources:

- :mod:`~frontlines.service.selection`: which source, layer and snapshot (time semantics)
- :mod:`~frontlines.service.regions`: region layers and per-region figures
- :mod:`~frontlines.service.measure`: area, change, series
- :mod:`~frontlines.service.where`: front lines, depth, settlements
- :mod:`~frontlines.service.claims`: claim checking against the store
- :mod:`~frontlines.service.report_inputs`: everything a report shows
- :mod:`~frontlines.service.pipeline`, :mod:`~frontlines.service.reindex`,
  :mod:`~frontlines.service.derive`, :mod:`~frontlines.service.export`: writing and exporting
"""

from __future__ import annotations

from frontlines.service.claims import check, evidence_features
from frontlines.service.derive import derive_store
from frontlines.service.export import FORMATS, export
from frontlines.service.measure import (
    area,
    change,
    change_geometries,
    layer_geometry,
    series,
)
from frontlines.service.pipeline import IngestReport, ingest
from frontlines.service.regions import regions_for
from frontlines.service.reindex import reindex
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
    MIN_DEPTH_PIECE_KM2,
    change_depth,
    frontline,
    settlements,
)

__all__ = [
    "FORMATS",
    "IngestReport",
    "MIN_DEPTH_PIECE_KM2",
    "Selection",
    "TimeLike",
    "area",
    "change",
    "change_depth",
    "change_geometries",
    "check",
    "derive_store",
    "evidence_features",
    "export",
    "frontline",
    "ingest",
    "layer_geometry",
    "open_reader",
    "open_writer",
    "regions_for",
    "reindex",
    "select",
    "series",
    "settlements",
    "snapshots",
    "sources",
    "state_at",
]
