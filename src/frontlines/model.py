"""Plain, frozen data types shared by every layer of frontlines.

Geometries are shapely objects in longitude / latitude (WGS84, EPSG:4326).
Times are timezone-aware ``datetime`` objects in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from frontlines.errors import LayerError

__all__ = [
    "STATUSES",
    "LayerKey",
    "Provenance",
    "Snapshot",
    "SnapshotInfo",
]

#: Every status a layer can have.
STATUSES: tuple[str, ...] = ("control", "contested", "claimed", "advance", "regained", "other")


@dataclass(frozen=True, order=True)
class LayerKey:
    """A (side, status) pair naming one layer of a map, e.g. ``russia:control``.

    Parameters
    ----------
    side : str
        Short lower-case id of a party to the conflict (``russia``, ``ukraine`` ...).
    status : str
        One of :data:`STATUSES`.
    """

    side: str
    status: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise LayerError(
                f"unknown layer status {self.status!r}; expected one of {', '.join(STATUSES)}"
            )
        if not self.side or not self.side.replace("-", "").replace("_", "").isalnum():
            raise LayerError(f"invalid side {self.side!r}: use a short id such as 'russia'")

    @classmethod
    def parse(cls, text: str) -> LayerKey:
        """Parse ``SIDE:STATUS``.

        Examples
        --------
        >>> LayerKey.parse("russia:control")
        LayerKey(side='russia', status='control')
        """
        side, sep, status = text.strip().lower().partition(":")
        if not sep:
            raise LayerError(f"layer {text!r} is not of the form SIDE:STATUS (e.g. russia:control)")
        return cls(side, status)

    def __str__(self) -> str:
        return f"{self.side}:{self.status}"


@dataclass(frozen=True)
class Provenance:
    """Where a snapshot came from.

    Parameters
    ----------
    file_name : str
        Name of the file (or archive member) the payload was read from.
    content_hash : str
        SHA-256 of the raw payload bytes (after gzip decompression).
    url : str or None
        Where the payload can be fetched, when known.
    """

    file_name: str
    content_hash: str
    url: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """One published state of one map, normalised.

    Parameters
    ----------
    source : str
        Source id (``deepstate``, ``isw``, ``nzz`` or a user-chosen name).
    conflict : str
        Conflict id, e.g. ``ukraine``.
    published_at : datetime
        UTC time the payload was published or fetched (``fetched_at`` in JSON; see each
        source's documentation). Part of the snapshot's identity.
    provenance : Provenance
        File and hash of the raw payload.
    layers : dict
        ``LayerKey -> tuple of shapely Polygons`` (validated parts, lon/lat).
    primary : LayerKey
        The layer analytic commands use unless told otherwise.
    notes : dict
        Ingest notes: ``repaired`` (int), ``unknown_classes`` (name -> count),
        ``excluded_classes`` (name -> count), ``ignored_points`` (int).
    map_time : datetime or None
        UTC time of the map the snapshot shows (what selection by time uses); each
        adapter documents its rule. ``None`` means the same as ``published_at``.
    """

    source: str
    conflict: str
    published_at: dt.datetime
    provenance: Provenance
    layers: dict[LayerKey, tuple[Any, ...]]
    primary: LayerKey
    notes: dict[str, Any] = field(default_factory=dict)
    map_time: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.map_time is None:
            object.__setattr__(self, "map_time", self.published_at)

    @property
    def shown_at(self) -> dt.datetime:
        """The time of the map shown (``map_time``, never ``None``)."""
        return self.map_time or self.published_at


@dataclass(frozen=True)
class SnapshotInfo:
    """A stored snapshot's metadata, without its geometry.

    ``published_at`` is when the payload was published or fetched (``fetched_at`` in
    JSON); ``map_time`` is the time of the map it shows, which selection uses.
    """

    id: int
    source: str
    conflict: str
    published_at: dt.datetime
    file_name: str
    content_hash: str
    url: str | None
    primary: LayerKey
    layers: tuple[LayerKey, ...]
    notes: dict[str, Any]
    map_time: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.map_time is None:
            object.__setattr__(self, "map_time", self.published_at)

    @property
    def shown_at(self) -> dt.datetime:
        """The time of the map shown (``map_time``, never ``None``)."""
        return self.map_time or self.published_at

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation.

        ``published_at`` and ``fetched_at`` are the same instant (the payload's
        publication / download time); ``map_time`` is the time of the map shown.
        """
        fetched = self.published_at.isoformat().replace("+00:00", "Z")
        return {
            "id": self.id,
            "source": self.source,
            "conflict": self.conflict,
            "map_time": self.shown_at.isoformat().replace("+00:00", "Z"),
            "fetched_at": fetched,
            "published_at": fetched,
            "file_name": self.file_name,
            "content_hash": self.content_hash,
            "url": self.url,
            "primary_layer": str(self.primary),
            "layers": [str(k) for k in self.layers],
        }
