"""The adapter protocol: provider payload -> :class:`~frontlines.model.Snapshot`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from frontlines.errors import DateError, SourceFormatError
from frontlines.model import LayerKey, Snapshot
from frontlines.sources._geojson import PartCache
from frontlines.sources._payloads import Limits, Payload

__all__ = [
    "Adapter",
    "IngestOptions",
    "check_not_before",
    "check_not_future",
    "compact_date",
    "parse_date_text",
    "require_area",
]


@dataclass(frozen=True)
class IngestOptions:
    """Options an adapter may use. Unused ones are ignored.

    Parameters
    ----------
    now : datetime
        Current UTC time; snapshots dated more than a day after it are rejected.
    conflict : str
        Conflict id stored with every snapshot: a definition of
        :func:`frontlines.conflicts.default_registry` (the provider adapters are Ukraine's).
    source_name : str or None
        Overrides the adapter's source id (``files`` needs one).
    date : datetime or None
        Publication time for every payload (``files``).
    date_field : str or None
        Attribute holding the date (``files``).
    date_from_name : str or None
        Regex with one group (or a named group ``date``) that finds the date in the file name.
    layer : LayerKey or None
        Layer every feature belongs to (``files``).
    layer_field : str or None
        Attribute whose value is mapped to a layer through ``layer_map`` (``files``).
    layer_map : dict
        Attribute value -> ``LayerKey`` (``files``); values mapping to ``None`` are excluded.
    strict : bool
        Reject payloads whose geometry needed repairs instead of repairing them.
    allow_empty : bool
        Store maps without any area (null geometries, points only) instead of refusing them.
    not_before : date or None
        Unix times in file names before this day are refused (the pipeline sets the
        conflict's ``start``).
    limits : Limits
        Size limits on files, archives and geometries (default: from the environment,
        see :meth:`Limits.from_env`).
    """

    now: dt.datetime
    conflict: str = "ukraine"
    source_name: str | None = None
    date: dt.datetime | None = None
    date_field: str | None = None
    date_from_name: str | None = None
    layer: LayerKey | None = None
    layer_field: str | None = None
    layer_map: dict[str, LayerKey | None] = field(default_factory=dict)
    strict: bool = False
    allow_empty: bool = False
    not_before: dt.date | None = None
    limits: Limits = field(default_factory=Limits.from_env, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The options that change how a payload is read (stored for ``reindex``)."""
        return {
            "conflict": self.conflict,
            "source_name": self.source_name,
            "date": self.date.isoformat() if self.date else None,
            "date_field": self.date_field,
            "date_from_name": self.date_from_name,
            "layer": str(self.layer) if self.layer else None,
            "layer_field": self.layer_field,
            "layer_map": {k: (str(v) if v else None) for k, v in self.layer_map.items()},
            "strict": self.strict,
            "allow_empty": self.allow_empty,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, now: dt.datetime) -> IngestOptions:
        """Inverse of :meth:`as_dict`."""
        return cls(
            now=now,
            conflict=data.get("conflict") or "ukraine",
            source_name=data.get("source_name"),
            date=dt.datetime.fromisoformat(data["date"]) if data.get("date") else None,
            date_field=data.get("date_field"),
            date_from_name=data.get("date_from_name"),
            layer=LayerKey.parse(data["layer"]) if data.get("layer") else None,
            layer_field=data.get("layer_field"),
            layer_map={k: (LayerKey.parse(v) if v else None) for k, v in (data.get("layer_map") or {}).items()},
            strict=bool(data.get("strict")),
            allow_empty=bool(data.get("allow_empty")),
        )


class Adapter(Protocol):
    """What every provider module offers."""

    #: Adapter id, used on the command line (``frontlines ingest NAME``).
    name: str
    #: Bumped when the adapter reads payloads differently (``reindex`` uses it).
    version: int
    #: File-name globs to pick in folders and archives.
    patterns: tuple[str, ...]
    #: Layer analytic commands use by default.
    primary: LayerKey

    def parse(self, payload: Payload, *, cache: PartCache, options: IngestOptions) -> Snapshot:
        """Read one payload into a snapshot (raise :class:`SourceError` subclasses)."""
        ...


def check_not_future(when: dt.datetime, *, name: str, now: dt.datetime) -> dt.datetime:
    """Reject dates more than a day after ``now``; return ``when``."""
    if when > now + dt.timedelta(days=1):
        raise DateError(f"{name}: date {when.date().isoformat()} is in the future (now {now.date().isoformat()})", value=when)
    if when.year < 1900:
        raise DateError(f"{name}: implausible date {when.isoformat()}", value=when)
    return when


def check_not_before(when: dt.datetime, *, name: str, not_before: dt.date | None) -> dt.datetime:
    """Refuse a date before ``not_before`` (the conflict's start); return ``when``."""
    if not_before is not None and when.date() < not_before:
        raise DateError(
            f"{name}: date {when.date().isoformat()} is before the conflict's start ({not_before.isoformat()})",
            path=name, value=when,
        )
    return when


def require_area(snapshot: Snapshot, *, name: str, allow_empty: bool = False) -> Snapshot:
    """Refuse a snapshot none of whose layers holds any polygon (unless ``allow_empty``).

    A map of null geometries, points or lines only, or empty collections, would
    otherwise be stored as a 0 km² snapshot and read as "nothing is held".

    Raises
    ------
    SourceFormatError
        No layer holds a polygon.
    """
    if allow_empty or any(parts for parts in snapshot.layers.values()):
        return snapshot
    notes = snapshot.notes
    found = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in (
        ("ignored_points", notes.get("ignored_points")),
        ("excluded", sum((notes.get("excluded_classes") or {}).values())),
        ("unknown", sum((notes.get("unknown_classes") or {}).values())),
    ) if v) or "only null or empty geometries, points or lines"
    raise SourceFormatError(
        f"{name}: the map holds no area: no measurable area in any layer ({found}); refusing to store it "
        "as a snapshot of 0 km2 (use --allow-empty to ingest it anyway)",
        path=name,
    )


def compact_date(text: str, *, name: str) -> dt.datetime:
    """Midnight UTC of a ``YYYYMMDD`` date found in a file name (ASCII digits only)."""
    if not re.fullmatch(r"[0-9]{8}", text):
        raise DateError(f"{name}: invalid date {text!r} in the file name (expected 8 ASCII digits)", path=name, value=text)
    try:
        return dt.datetime.strptime(text, "%Y%m%d").replace(tzinfo=dt.timezone.utc)
    except ValueError as exc:
        raise DateError(f"{name}: invalid date {text!r} in the file name", path=name, value=text) from exc


_DATE_PATTERNS = (
    ("%Y-%m-%dT%H:%M:%S%z", None),
    ("%Y-%m-%dT%H:%M:%S", None),
    ("%Y-%m-%d %H:%M:%S", None),
    ("%Y-%m-%dT%H:%M", None),
    ("%Y-%m-%d", None),
    ("%Y%m%d", None),
    ("%d.%m.%Y", None),
)


def parse_date_text(text: str, *, name: str) -> dt.datetime:
    """Parse a date or date-time found in a file name or attribute (UTC).

    A bare date means the end of that day (23:59:59 UTC) unless a time is given.
    Unix seconds (9-10 digits) are accepted too.
    """
    s = str(text).strip()
    if not s.isascii():
        raise DateError(f"{name}: date {text!r} holds non-ASCII characters", value=text)
    if re.fullmatch(r"[0-9]{9,10}", s):
        return dt.datetime.fromtimestamp(int(s), tz=dt.timezone.utc)
    s = s.replace("Z", "+00:00")
    try:
        value = dt.datetime.fromisoformat(s)
        has_time = "T" in s or " " in s or ":" in s
    except ValueError:
        value = None
        has_time = False
        for fmt, _ in _DATE_PATTERNS:
            try:
                value = dt.datetime.strptime(s, fmt)
                break
            except ValueError:
                continue
        if value is None:
            raise DateError(f"{name}: cannot read a date from {text!r}", value=text) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    if not has_time and len(s) <= 10:
        value = value.replace(hour=23, minute=59, second=59)
    try:
        return value.astimezone(dt.timezone.utc)
    except OverflowError as exc:  # an offset that moves the first or last representable day out of range
        raise DateError(f"{name}: date {text!r} is out of range", value=text) from exc
