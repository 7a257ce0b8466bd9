"""The one exception tree of frontlines.

Every error the library raises on purpose derives from :class:`FrontlinesError`.
The CLI and the web layer catch this root only: anything else is a bug.

::

    FrontlinesError
    ├── SourceError                  reading a provider's payload failed
    │   ├── SourceFormatError        (also ValueError) malformed, truncated, wrong shape
    │   ├── InvalidGeometryError     (also ValueError) geometry that cannot be repaired
    │   ├── CoordinateError          (also ValueError) projected or out-of-range coordinates
    │   ├── DateError                (also ValueError) missing, unparsable or future date
    │   └── UnknownClassError        (also ValueError) a class name no mapping knows
    ├── StoreError                   the store cannot be opened, read or written
    │   └── SchemaVersionError       the store was written by a newer frontlines
    ├── SnapshotNotFoundError        (also LookupError) no snapshot for a time / id
    │   └── StaleDataError           the latest map is older than asked for (``--strict``)
    ├── UsageError                   (also ValueError) a bad command-line / API parameter
    ├── LayerError                   (also ValueError) a bad ``SIDE:STATUS`` layer spec
    ├── RegionError                  (also ValueError) a bad region layer or region name
    │   └── RegionLevelError         (also UsageError) a --by level the conflict does not have
    ├── ClaimParseError              (also ValueError) text that cannot be read as claims
    └── InputTooLargeError           (also ValueError) an upload or archive over the limit

Messages name the file, the snapshot or the field and the offending value.
Every error also carries that context as optional attributes, so callers need not
parse the message:

>>> exc = SourceFormatError("a.geojson: feature 3 has no geometry", path="a.geojson", field="features[3].geometry")
>>> str(exc), exc.path, exc.field, exc.value
('a.geojson: feature 3 has no geometry', 'a.geojson', 'features[3].geometry', None)
>>> isinstance(UsageError("--to is before --from", field="--to"), ValueError)
True
"""

from __future__ import annotations

import os

__all__ = [
    "ClaimParseError",
    "CoordinateError",
    "DateError",
    "FrontlinesError",
    "InputTooLargeError",
    "InvalidGeometryError",
    "LayerError",
    "OptionalDependencyError",
    "RegionError",
    "RegionLevelError",
    "SchemaVersionError",
    "SnapshotNotFoundError",
    "StaleDataError",
    "SourceError",
    "SourceFormatError",
    "StoreError",
    "UnknownClassError",
    "UsageError",
]


class FrontlinesError(Exception):
    """Root of every error frontlines raises on purpose.

    Parameters
    ----------
    message : str
        What went wrong, naming the file, field and value (``str(exc)``).
    path : str or os.PathLike, optional
        The file, folder, archive member or store concerned.
    field : str, optional
        The option, attribute or JSON path concerned (``--at``, ``features[3].geometry``).
    value : object, optional
        The offending value.
    """

    path: str | os.PathLike[str] | None
    field: str | None
    value: object

    def __init__(
        self,
        message: str = "",
        *,
        path: str | os.PathLike[str] | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.field = field
        self.value = value


class SourceError(FrontlinesError):
    """Reading a provider's payload failed."""


class SourceFormatError(SourceError, ValueError):
    """A payload is malformed, truncated, or not of the expected shape."""


class InvalidGeometryError(SourceError, ValueError):
    """A geometry is invalid and cannot be repaired."""


class CoordinateError(SourceError, ValueError):
    """Coordinates are outside longitude/latitude ranges or look projected."""


class DateError(SourceError, ValueError):
    """A snapshot date is missing, unparsable or in the future."""


class UnknownClassError(SourceError, ValueError):
    """A class name that no mapping knows."""


class StoreError(FrontlinesError):
    """The store cannot be opened, read or written."""


class SchemaVersionError(StoreError):
    """The store's schema is newer than this version of frontlines understands."""


class SnapshotNotFoundError(FrontlinesError, LookupError):
    """No snapshot matches the requested source, time or id."""


class StaleDataError(SnapshotNotFoundError):
    """The state at the asked time comes from a map older than the source's usual cadence (``--strict``)."""


class UsageError(FrontlinesError, ValueError):
    """A command-line or API parameter is wrong: a bad choice, an impossible range, exclusive options."""


class LayerError(FrontlinesError, ValueError):
    """A layer specification is not ``SIDE:STATUS`` with a known status."""


class RegionError(FrontlinesError, ValueError):
    """A region layer or a region name is unusable."""


class ClaimParseError(FrontlinesError, ValueError):
    """Text that cannot be read as territorial claims."""


class InputTooLargeError(FrontlinesError, ValueError):
    """An upload or an archive member is larger than allowed."""


class OptionalDependencyError(FrontlinesError, ImportError):
    """An optional package (pandas, geopandas) is needed for this call and is not installed."""


class RegionLevelError(RegionError, UsageError):
    """A region level (``--by``) that the conflict does not have: a usage error (exit 2, HTTP 422)."""
