"""frontlines: turn dated control maps of armed conflicts into numbers people can trust.

>>> import frontlines
>>> store = frontlines.open_writer("war.db")                     # doctest: +SKIP
>>> frontlines.ingest(store, "deepstate-daily", ["daily.tar.xz"])  # doctest: +SKIP
>>> frontlines.change(store, start="2025-06-01", end="2025-06-30")["net_km2"]  # doctest: +SKIP

Every analytic function returns the JSON document the CLI prints with ``--json``.
"""

from __future__ import annotations

from frontlines.errors import (
    ClaimParseError,
    CoordinateError,
    DateError,
    FrontlinesError,
    InputTooLargeError,
    InvalidGeometryError,
    LayerError,
    RegionError,
    SchemaVersionError,
    SnapshotNotFoundError,
    SourceError,
    SourceFormatError,
    StoreError,
    UnknownClassError,
)
from frontlines.model import STATUSES, LayerKey, Snapshot, SnapshotInfo
from frontlines.service import (
    area,
    change,
    check,
    export,
    frontline,
    ingest,
    layer_geometry,
    open_reader,
    open_writer,
    reindex,
    select,
    series,
    settlements,
    snapshots,
    sources,
)
from frontlines.sources.base import IngestOptions

__version__ = "0.1.0"

__all__ = [
    "ClaimParseError",
    "CoordinateError",
    "DateError",
    "FrontlinesError",
    "IngestOptions",
    "InputTooLargeError",
    "InvalidGeometryError",
    "LayerError",
    "LayerKey",
    "RegionError",
    "STATUSES",
    "SchemaVersionError",
    "Snapshot",
    "SnapshotInfo",
    "SnapshotNotFoundError",
    "SourceError",
    "SourceFormatError",
    "StoreError",
    "UnknownClassError",
    "__version__",
    "area",
    "change",
    "check",
    "export",
    "frontline",
    "ingest",
    "layer_geometry",
    "open_reader",
    "open_writer",
    "reindex",
    "select",
    "series",
    "settlements",
    "snapshots",
    "sources",
]
