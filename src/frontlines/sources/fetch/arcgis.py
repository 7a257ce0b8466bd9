"""ISW / CTP ArcGIS FeatureServer layers (pure HTTP and response-shape checks).

Discovery
    ``GET {base}?f=json`` lists the services; services whose names match a known ISW
    layer (:data:`LAYER_PATTERNS`, tolerant of prefixes such as ``VIEW_`` / ``MDS_`` and of
    version suffixes such as ``_V3``) are kept, so a renamed service is still found;
    ``GET {base}/{service}/FeatureServer?f=json`` lists its layers.
Change detection
    ``GET {layer}?f=json`` gives ``editingInfo.lastEditDate`` (epoch ms).
Features
    ``GET {layer}/query?where=1=1&outFields=*&returnGeometry=true&outSR=4326&f=geojson
    &resultOffset=N&resultRecordCount=K`` in pages while the answer carries
    ``exceededTransferLimit`` (at the top level or in ``properties``); an empty page ends
    the paging too.
Errors
    ArcGIS answers errors as HTTP 200 with ``{"error": {"code", "message"}}``: codes >= 500
    are retried, others fail at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import orjson

from frontlines.errors import SourceFormatError
from frontlines.sources.fetch.http import (
    Fetched,
    FetchError,
    HttpFetcher,
    ShapeError,
    parse_json,
)

__all__ = [
    "DEFAULT_BASE",
    "LAYER_PATTERNS",
    "LICENCE",
    "LayerInfo",
    "Paged",
    "RemoteLayer",
    "classify_service",
    "discover",
    "discover_webmap",
    "layer_info",
    "query_all",
]

DEFAULT_BASE = "https://services5.arcgis.com/SaBe5HMtmnbqSWlu/arcgis/rest/services"
LICENCE = (
    "Map data (c) Institute for the Study of War and AEI's Critical Threats Project (ISW/CTP); "
    "published on ArcGIS Online; cite ISW/CTP; no open licence is stated."
)
#: ISW file-layer name (as in ``YYYYMMDD_<Layer>.geojson``) -> pattern of the normalised service name.
LAYER_PATTERNS: dict[str, re.Pattern[str]] = {
    "RussianAssessedCoTinUkraine": re.compile(r"^(russia(n)?cotinukraine|russianassessedcotinukraine|assessedrussiancontrol.*)$"),
    "RussianAssessedAdvanceinUkraine": re.compile(r"^(assessedrussianadvanceinukraine|russianassessedadvanceinukraine)$"),
    "RussianClaimedCoTinUkraine": re.compile(r"^(claimedrussianterritoryinukraine|russianclaimedcotinukraine)$"),
    "UkrainianClaimedCounterOffensives": re.compile(r"^(claimedukrainiancounteroffensives|ukrainianclaimedcounteroffensives)$"),
    "UkrainianReportedPartisanWarfare": re.compile(r"^(ukrainianreportedpartisanwarfare|reportedukrainianpartisanwarfare)$"),
    "RussianControlledBefore2022": re.compile(r"^(russiancontrolledukrainianterritorybefore(february24)?2022|russiancontrolledbefore2022)$"),
}
_PREFIX = re.compile(r"^(view|mds)_", re.IGNORECASE)
_SUFFIX = re.compile(r"(_v\d+|_view|_new)+$", re.IGNORECASE)


def classify_service(name: str) -> str | None:
    """The ISW layer a service name stands for, or None.

    >>> classify_service("VIEW_RussiaCoTinUkraine_V3"), classify_service("VIEW_RussiaCoTinUkraine_V4")
    ('RussianAssessedCoTinUkraine', 'RussianAssessedCoTinUkraine')
    >>> classify_service("MDS_AssessedRussianAdvanceInUkraine_view"), classify_service("Something_Else")
    ('RussianAssessedAdvanceinUkraine', None)
    >>> classify_service("VIEW_Russian_controlled_Ukrainian_Territory_before_February_24_2022")
    'RussianControlledBefore2022'
    >>> classify_service("VIEW_ClaimedUkrainianCounteroffensives_V2")
    'UkrainianClaimedCounterOffensives'

    """
    key = _SUFFIX.sub("", _PREFIX.sub("", name.strip())).replace("_", "").lower()
    for layer, pattern in LAYER_PATTERNS.items():
        if pattern.match(key):
            return layer
    return None


@dataclass(frozen=True)
class RemoteLayer:
    """A discovered FeatureServer layer."""

    isw_layer: str  # the file-layer name the ISW adapter knows
    service: str
    layer_id: int
    url: str


@dataclass(frozen=True)
class LayerInfo:
    """Layer metadata."""

    name: str
    last_edit: dt.datetime | None
    fetched: Fetched


@dataclass(frozen=True)
class Paged:
    """Every feature of a layer, gathered from its pages into one FeatureCollection."""

    content: bytes
    features: int
    pages: int
    first: Fetched


def _arcgis_json(content: bytes, url: str) -> Any:
    doc = parse_json(content, url=url)
    if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
        err = doc["error"]
        code = err.get("code")
        message = f"{url}: ArcGIS error {code}: {err.get('message')}"
        if isinstance(code, int) and code >= 500:
            raise SourceFormatError(message, path=url, value=code)  # transient: retried
        raise FetchError(message, path=url, value=code)
    if not isinstance(doc, dict):
        raise ShapeError(f"{url}: expected a JSON object, got {type(doc).__name__}", path=url)
    return doc


def _parse_services(content: bytes, url: str) -> list[str]:
    doc = _arcgis_json(content, url)
    services = doc.get("services")
    if not isinstance(services, list):
        raise ShapeError(f"{url}: no 'services' list in the service directory", path=url, field="services")
    return [s["name"] for s in services
            if isinstance(s, dict) and isinstance(s.get("name"), str) and s.get("type", "FeatureServer") == "FeatureServer"]


def _parse_layers(content: bytes, url: str) -> list[tuple[int, str, str]]:
    doc = _arcgis_json(content, url)
    layers = doc.get("layers")
    if not isinstance(layers, list):
        raise ShapeError(f"{url}: no 'layers' list in the FeatureServer", path=url, field="layers")
    return [(int(x["id"]), str(x.get("name", "")), str(x.get("geometryType", ""))) for x in layers
            if isinstance(x, dict) and isinstance(x.get("id"), int)]


def _parse_info(content: bytes, url: str) -> tuple[str, dt.datetime | None]:
    doc = _arcgis_json(content, url)
    if "name" not in doc and "editingInfo" not in doc:
        raise ShapeError(f"{url}: not layer metadata (no 'name' or 'editingInfo')", path=url)
    ms = (doc.get("editingInfo") or {}).get("lastEditDate")
    when = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc) if isinstance(ms, (int, float)) else None
    return str(doc.get("name", "")), when


def _parse_page(content: bytes, url: str) -> tuple[list[Any], bool]:
    doc = _arcgis_json(content, url)
    if doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise ShapeError(f"{url}: expected a GeoJSON FeatureCollection page, got {doc.get('type')!r}", path=url)
    props = doc.get("properties") if isinstance(doc.get("properties"), dict) else {}
    more = bool(doc.get("exceededTransferLimit") or props.get("exceededTransferLimit"))
    return doc["features"], more


def discover(fetcher: HttpFetcher, base: str) -> tuple[list[RemoteLayer], list[str]]:
    """Known ISW layers among the services under ``base``; and the unmatched service names."""
    base = base.rstrip("/")
    got = fetcher.get(base, params={"f": "json"}, parse=_parse_services)
    found: list[RemoteLayer] = []
    unmatched: list[str] = []
    for service in got.data:
        isw_layer = classify_service(service)
        if isw_layer is None:
            unmatched.append(service)
            continue
        server = f"{base}/{service}/FeatureServer"
        layers = fetcher.get(server, params={"f": "json"}, parse=_parse_layers).data
        polygons = [x for x in layers if "olygon" in x[2]] or layers
        if polygons:
            lid = polygons[0][0]
            found.append(RemoteLayer(isw_layer, service, lid, f"{server}/{lid}"))
    return found, unmatched


def _parse_webmap(content: bytes, url: str) -> list[tuple[str, str]]:
    doc = _arcgis_json(content, url)
    layers = doc.get("operationalLayers")
    if not isinstance(layers, list):
        raise ShapeError(f"{url}: no 'operationalLayers' list in the web map", path=url, field="operationalLayers")
    return [(str(x["url"]), str(x.get("title", ""))) for x in layers if isinstance(x, dict) and isinstance(x.get("url"), str)]


_LAYER_URL = re.compile(r"/services/([^/]+)/FeatureServer/(\d+)/?$")


def discover_webmap(fetcher: HttpFetcher, item_url: str, base: str) -> tuple[list[RemoteLayer], list[str]]:
    """Known ISW layers among a web map's operational layers (``.../items/<id>/data``).

    Only layers under ``base`` are kept (no request ever leaves the configured base URLs);
    returns them and the operational-layer URLs that were not recognised or lie elsewhere.
    """
    base = base.rstrip("/")
    got = fetcher.get(item_url, params={"f": "json"}, parse=_parse_webmap)
    found: list[RemoteLayer] = []
    skipped: list[str] = []
    for url, title in got.data:
        m = _LAYER_URL.search(url)
        isw_layer = (classify_service(m.group(1)) if m else None) or classify_service(title.replace(" ", "_"))
        if m is None or isw_layer is None or not url.startswith(base + "/"):
            skipped.append(url)
            continue
        found.append(RemoteLayer(isw_layer, m.group(1), int(m.group(2)), url.rstrip("/")))
    return found, skipped


def layer_info(fetcher: HttpFetcher, layer_url: str, *, etag: str | None = None) -> LayerInfo:
    """A layer's name and last edit time (None when the server keeps no editing info)."""
    got = fetcher.get(layer_url, params={"f": "json"}, etag=etag, parse=_parse_info)
    name, when = got.data if got.data else ("", None)
    return LayerInfo(name, when, got)


def query_all(fetcher: HttpFetcher, layer_url: str, *, page_size: int = 2000, max_pages: int = 10_000) -> Paged:
    """Every feature of a layer (WGS84 GeoJSON), page after page."""
    features: list[Any] = []
    pages = 0
    first: Fetched | None = None
    offset = 0
    while pages < max_pages:
        got = fetcher.get(f"{layer_url}/query", params={
            "where": "1=1", "outFields": "*", "returnGeometry": "true", "outSR": "4326", "f": "geojson",
            "resultOffset": offset, "resultRecordCount": page_size,
        }, parse=_parse_page)
        first = first or got
        page, more = got.data
        pages += 1
        features.extend(page)
        offset += len(page)
        if not more or not page:
            break
    else:
        raise FetchError(f"{layer_url}: more than {max_pages} pages; giving up", path=layer_url)
    assert first is not None
    content = orjson.dumps({"type": "FeatureCollection", "features": features})
    return Paged(content, len(features), pages, first)
