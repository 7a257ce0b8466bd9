"""frontlines: turn dated control maps of armed conflicts into numbers people can trust.

>>> import frontlines
>>> with frontlines.open_writer("war.db") as store:                     # doctest: +SKIP
...     frontlines.ingest(store, "deepstate-daily", ["daily.tar.xz"])
>>> store = frontlines.open_reader("war.db")                            # doctest: +SKIP
>>> frontlines.change(store, start="2025-06-01", end="2025-06-30").net_km2  # doctest: +SKIP

Every analytic function returns a frozen, typed result (:mod:`frontlines.results`) whose
``as_dict()`` is the JSON document the CLI prints with ``--json``. Everything here comes from
the service layer (:mod:`frontlines.service`), the one front door of the package.
"""

from __future__ import annotations

from frontlines._version import __version__
from frontlines.errors import (
    ClaimParseError,
    CoordinateError,
    DateError,
    FrontlinesError,
    InputTooLargeError,
    InvalidGeometryError,
    LayerError,
    OptionalDependencyError,
    RegionError,
    RegionLevelError,
    SchemaVersionError,
    SnapshotNotFoundError,
    SourceError,
    SourceFormatError,
    StaleDataError,
    StoreError,
    UnknownClassError,
    UsageError,
)
from frontlines.model import STATUSES, LayerKey, Snapshot, SnapshotInfo
from frontlines.service import (
    IngestOptions,
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
    "OptionalDependencyError",
    "RegionError",
    "RegionLevelError",
    "STATUSES",
    "SchemaVersionError",
    "Snapshot",
    "SnapshotInfo",
    "SnapshotNotFoundError",
    "SourceError",
    "SourceFormatError",
    "StaleDataError",
    "StoreError",
    "UnknownClassError",
    "UsageError",
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
