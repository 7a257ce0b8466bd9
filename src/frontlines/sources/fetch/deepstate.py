"""DeepStateMap's public history API (pure HTTP and response-shape checks).

Endpoints (under the base URL, ``https://deepstatemap.live`` by default)::

    GET /api/history/public          [{"id": <unix s>, "datetime", "createdAt", ...}, ...]
    GET /api/history/{id}/geojson    FeatureCollection, the format of deepstate-history files
    GET /api/history/{id}/areas      [{"hash", "area": km², "percent", "type"}, ...]

``id`` is the publication time in Unix seconds: the synced map is stored as
``<id>.geojson`` and read by :class:`frontlines.sources.deepstate.DeepStateHistory`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from frontlines.sources.fetch.http import Fetched, HttpFetcher, ShapeError, parse_json

__all__ = [
    "AREA_TYPES",
    "DEFAULT_BASE",
    "LICENCE",
    "AreaFigure",
    "Version",
    "areas_url",
    "fetch_areas",
    "fetch_map",
    "list_versions",
    "map_url",
    "versions_url",
]

DEFAULT_BASE = "https://deepstatemap.live"
#: What we know of DeepState's terms (peers disagree: CC BY-NC-SA 4.0 vs "written consent").
LICENCE = (
    "Map content (c) DeepStateMap (deepstatemap.live); no open licence is stated by the API. "
    "Peers cite CC BY-NC-SA 4.0 or require written consent: check DeepStateMap's terms before republishing."
)
#: ``type`` values of ``/areas`` documented in SOURCES.md.
AREA_TYPES = ("unspecified", "other_territories", "occupied_after_24_02_2022", "occupied_to_24_02_2022", "liberated")
_VERSION_FIELDS = {"id", "datetime", "createdAt", "updatedAt", "status", "description", "descriptionEn"}
_AREA_FIELDS = {"hash", "area", "percent", "type"}


@dataclass(frozen=True)
class Version:
    """One published map version."""

    id: int

    @property
    def published_at(self) -> dt.datetime:
        """Publication time (UTC), from the id."""
        return dt.datetime.fromtimestamp(self.id, tz=dt.timezone.utc)


@dataclass(frozen=True)
class AreaFigure:
    """One of DeepState's own area figures for a version."""

    kind: str
    area_km2: float
    percent: float | None


def versions_url(base: str) -> str:
    """URL of the version list."""
    return f"{base.rstrip('/')}/api/history/public"


def map_url(base: str, version_id: int) -> str:
    """URL of one version's FeatureCollection."""
    return f"{base.rstrip('/')}/api/history/{version_id}/geojson"


def areas_url(base: str, version_id: int) -> str:
    """URL of one version's area figures."""
    return f"{base.rstrip('/')}/api/history/{version_id}/areas"


def _parse_versions(content: bytes, url: str) -> tuple[list[Version], list[str]]:
    doc = parse_json(content, url=url)
    if not isinstance(doc, list):
        raise ShapeError(f"{url}: expected a JSON array of versions, got {type(doc).__name__}", path=url)
    out: list[Version] = []
    unknown: set[str] = set()
    for i, item in enumerate(doc):
        if not isinstance(item, dict) or not isinstance(item.get("id"), int) or isinstance(item.get("id"), bool):
            raise ShapeError(f"{url}: item {i} has no integer 'id' ({str(item)[:80]})", path=url, field=f"[{i}].id")
        unknown.update(set(item) - _VERSION_FIELDS)
        out.append(Version(item["id"]))
    warnings = [f"{url}: unknown fields in the version list: {', '.join(sorted(unknown))}"] if unknown else []
    return sorted(set(out), key=lambda v: v.id), warnings


def _parse_map(content: bytes, url: str) -> dict[str, Any]:
    doc = parse_json(content, url=url)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise ShapeError(f"{url}: expected a GeoJSON FeatureCollection, got {kind!r}", path=url)
    return {"features": len(doc["features"])}


def _parse_areas(content: bytes, url: str) -> tuple[list[AreaFigure], list[str]]:
    doc = parse_json(content, url=url)
    if not isinstance(doc, list):
        raise ShapeError(f"{url}: expected a JSON array of area figures, got {type(doc).__name__}", path=url)
    out: list[AreaFigure] = []
    warnings: list[str] = []
    for i, item in enumerate(doc):
        if not isinstance(item, dict) or not isinstance(item.get("area"), (int, float)) or not isinstance(item.get("type"), str):
            raise ShapeError(f"{url}: item {i} lacks a numeric 'area' or a 'type' ({str(item)[:80]})", path=url, field=f"[{i}]")
        if item["type"] not in AREA_TYPES:
            warnings.append(f"{url}: unknown area type {item['type']!r}")
        extra = set(item) - _AREA_FIELDS
        if extra:
            warnings.append(f"{url}: unknown fields in area figures: {', '.join(sorted(extra))}")
        pct = item.get("percent")
        out.append(AreaFigure(item["type"], float(item["area"]), float(pct) if isinstance(pct, (int, float)) else None))
    return out, sorted(set(warnings))


def list_versions(fetcher: HttpFetcher, base: str, *, etag: str | None = None,
                  last_modified: str | None = None) -> tuple[Fetched, list[Version], list[str]]:
    """The published versions, oldest first, and warnings about unknown fields.

    A 304 (conditional request) returns an empty list.
    """
    got = fetcher.get(versions_url(base), etag=etag, last_modified=last_modified, parse=_parse_versions)
    if got.not_modified:
        return got, [], []
    versions, warnings = got.data
    return got, versions, warnings


def fetch_map(fetcher: HttpFetcher, base: str, version_id: int) -> Fetched:
    """One version's FeatureCollection (raw bytes in ``content``)."""
    return fetcher.get(map_url(base, version_id), parse=_parse_map)


def fetch_areas(fetcher: HttpFetcher, base: str, version_id: int) -> tuple[Fetched, list[AreaFigure], list[str]]:
    """DeepState's own area figures of one version, and warnings about unknown types or fields."""
    got = fetcher.get(areas_url(base, version_id), parse=_parse_areas)
    figures, warnings = got.data
    return got, figures, warnings
