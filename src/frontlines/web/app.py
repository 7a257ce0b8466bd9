"""The HTTP API and dashboard: :func:`create_app` builds a FastAPI app over one store.

Every read endpoint calls :mod:`frontlines.api` or :mod:`frontlines.where` and returns
the same JSON as the CLI's ``--json`` (geometry endpoints return GeoJSON). Requests must
name this server in their Host header (see :mod:`frontlines.web.guard`). Errors are ``{"error": message}``
with a 4xx status; anything else is a bug (500). The schema is at ``/openapi.json``
and browsable at ``/docs``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import json
import logging
import math
import os
import re
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontlines import __version__, service
from frontlines.errors import (
    FrontlinesError,
    InputTooLargeError,
    SnapshotNotFoundError,
    StoreError,
)
from frontlines.times import FREQS, parse_user_time, periods
from frontlines.web import geo
from frontlines.web.geo import BadParameter
from frontlines.web.guard import GuardMiddleware, allowed_host_set
from frontlines.web.stores import StorePool

__all__ = ["CONFIG_ENV", "DEFAULT_MAX_UPLOAD", "MAX_PERIODS", "MAX_TOLERANCE_KM", "app_from_env", "create_app"]

log = logging.getLogger("frontlines.web")

STATIC = Path(__file__).parent / "static"
#: Default upload limit (bytes).
DEFAULT_MAX_UPLOAD = 256 * 1024 * 1024
#: Most periods one series request may ask for.
MAX_PERIODS = 500
#: Largest body (JSON: a claim text) accepted by POST endpoints other than the upload (413 beyond).
MAX_JSON_BODY = 1024 * 1024
#: Largest ``tolerance_km`` of the front line (distance from borders and coast removed).
MAX_TOLERANCE_KM = 50.0
#: Environment variable that carries create_app's arguments to worker processes.
CONFIG_ENV = "FRONTLINES_WEB_CONFIG"
#: Adapters an upload may name.
UPLOAD_ADAPTERS = ("deepstate-history", "deepstate-daily", "isw", "nzz", "files")

# --------------------------------------------------------------------------- parameters
SourceQ = Annotated[str | None, Query(description="Source id in the store (default: the one with most snapshots).")]
LayerQ = Annotated[str | None, Query(description="Layer SIDE:STATUS (default: the source's primary layer).", max_length=64)]
TzQ = Annotated[str, Query(description="Time zone of bare dates (a date means the end of that day).", max_length=64)]
AtQ = Annotated[str, Query(description="Date (YYYY-MM-DD) or ISO 8601 time.", max_length=64)]
FromQ = Annotated[str, Query(alias="from", description="Start date or ISO time.", max_length=64)]
ToQ = Annotated[str, Query(alias="to", description="End date or ISO time.", max_length=64)]
ByQ = Annotated[
    str | None,
    Query(description="Break down by a region level of the store's conflict (Ukraine: oblast, raion or hromada).",
          max_length=64),
]
TolQ = Annotated[float, Query(description="Simplification tolerance for the browser, in `units` (0 = exact).")]
UnitsQ = Annotated[Literal["km", "deg"], Query(description="Unit of `tolerance`: km or deg (degrees).")]
ModeQ = Annotated[
    Literal["outer", "inner", "both", "centre"],
    Query(description="Grey zone: outer (its far edge), inner (control only), both, or centre (= `--contested`)."),
]
TolKmQ = Annotated[float, Query(description=f"Boundary within this distance (km) of borders and coast is not front (0..{MAX_TOLERANCE_KM:g}; = `--tolerance-km`).")]
MinPopQ = Annotated[int, Query(ge=0, description="Only places with at least this population.")]
RegionQ = Annotated[str | None, Query(description="Only places in this oblast / raion / hromada: a name or `oblast:UA-14`.", max_length=200)]
OptFromQ = Annotated[str | None, Query(alias="from", description="Start date or ISO time (with `to`).", max_length=64)]
OptToQ = Annotated[str | None, Query(alias="to", description="End date or ISO time (with `from`).", max_length=64)]
OptAtQ = Annotated[str | None, Query(description="Date or ISO time (instead of `from` and `to`).", max_length=64)]


def _tolerance_km(value: float) -> float:
    if not math.isfinite(value) or not 0 <= value <= MAX_TOLERANCE_KM:
        raise BadParameter(f"tolerance_km={value}: must be a number from 0 to {MAX_TOLERANCE_KM:g}")
    return value


def _status(exc: FrontlinesError) -> int:
    if isinstance(exc, SnapshotNotFoundError):
        return 404
    if isinstance(exc, InputTooLargeError):
        return 413
    if isinstance(exc, StoreError):
        return 503
    return 422


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


class _LRU:
    """A thread-safe LRU of response bodies bounded by entries and bytes."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self.entries, self.max_bytes = entries, max_bytes
        self._d: OrderedDict[Any, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Any) -> bytes | None:
        with self._lock:
            hit = self._d.get(key)
            if hit is not None:
                self._d.move_to_end(key)
            return hit

    def put(self, key: Any, value: bytes) -> None:
        if len(value) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._d.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._d[key] = value
            self._bytes += len(value)
            while len(self._d) > self.entries or self._bytes > self.max_bytes:
                _, v = self._d.popitem(last=False)
                self._bytes -= len(v)


class _LRUObjects:
    """A small thread-safe LRU of computed Python objects."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._d: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            hit = self._d.get(key)
            if hit is not None:
                self._d.move_to_end(key)
            return hit

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.entries:
                self._d.popitem(last=False)


class CheckBody(BaseModel):
    """A claim check request."""

    text: str = Field(..., min_length=1, max_length=200_000, description="An article or a statement.")
    published: dt.date | None = Field(None, description="Publication date (default: the text's dateline).")
    sources: list[str] | None = Field(None, description="Only these sources (default: all).")


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str | None) -> str:
    """The base name of an uploaded file, reduced to harmless characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = _SAFE_NAME.sub("_", base).lstrip(".")[:200]
    return base or "upload.bin"


def create_app(
    store_path: str | Path,
    *,
    token: str | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
    pool_size: int = 4,
    cache_entries: int = 512,
    cache_bytes: int = 256 * 1024 * 1024,
    host: str | None = "127.0.0.1",
    allowed_hosts: Iterable[str] = (),
) -> FastAPI:
    """The web app over the store at ``store_path``.

    Parameters
    ----------
    store_path : str or Path
        An existing store; the app opens it read-only (ingest opens its own writer).
    token : str, optional
        Enables ``POST /api/ingest``, which then needs ``Authorization: Bearer <token>``.
        Without a token the server is strictly read-only.
    max_upload_bytes : int
        Uploads larger than this are refused with 413 (checked before and while reading).
    pool_size : int
        Read connections shared by the request threads.
    cache_entries, cache_bytes : int
        Bounds of the in-memory cache of responses (keyed by the store's content).
    host : str, optional
        The address the server is bound to: a Host header naming it is accepted.
    allowed_hosts : iterable of str
        Further names accepted in Host headers (``--allow-host``); ``"*"`` accepts any.
        Requests with any other Host (``localhost``, ``127.0.0.1`` and ``[::1]`` are
        always accepted) get 400: a page whose name was re-pointed at this machine
        (DNS rebinding) cannot read the API.
    """
    store_path = Path(store_path)
    allowed = allowed_host_set(host, allowed_hosts)
    pool = StorePool(store_path, size=pool_size)
    cache = _LRU(cache_entries, cache_bytes)
    ingest_lock = threading.Lock()
    if token is not None and not token.strip():
        raise ValueError("token must not be empty")

    app = FastAPI(
        title="frontlines",
        version=__version__,
        description=(
            "Area, change, series and regions of dated control maps, as the CLI's `--json` prints them. "
            "Dates are `YYYY-MM-DD` (end of that day in `tz`) or ISO 8601 times. Errors are "
            "`{\"error\": message}` with 404 (no snapshot), 413 (too large), 422 (bad parameter), "
            "401/403 (ingest without or with a wrong token)."
        ),
    )
    app.state.store_path = store_path
    app.state.pool = pool
    app.state.token = token
    app.state.max_upload_bytes = max_upload_bytes
    app.state.allowed_hosts = allowed

    # ------------------------------------------------------------------- errors
    @app.exception_handler(FrontlinesError)
    async def _frontlines_error(request: Request, exc: FrontlinesError) -> JSONResponse:
        # Name the store by its file name only: clients need not learn server paths.
        return _error(_status(exc), str(exc).replace(str(store_path), store_path.name))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        msgs = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "body"))
            msgs.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
        return _error(422, "; ".join(msgs) or "invalid request", details=orjson.loads(orjson.dumps(exc.errors(), default=str)))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        resp = _error(exc.status_code, str(exc.detail))
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        return resp

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - a bug
        log.exception("internal error on %s", request.url.path)
        return _error(500, f"internal error ({type(exc).__name__}); this is a bug in frontlines")

    # ------------------------------------------------------------------- helpers
    def cached(key: tuple[Any, ...], compute: Callable[..., Any], media: str = "application/json", *,
               with_fp: bool = False) -> Response:
        """The response body of ``compute(store[, fingerprint])``, from the cache when the store is unchanged."""
        with pool.view() as (store, fp):
            full = (fp, *key)
            body = cache.get(full)
            if body is None:
                doc = compute(store, fp) if with_fp else compute(store)
                body = orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
                cache.put(full, body)
        return Response(body, media_type=media)

    geojson = "application/geo+json"

    # ------------------------------------------------------------------- meta
    @app.get("/api/health", tags=["meta"], summary="Server status and enabled features")
    def health() -> dict[str, Any]:
        with pool.view() as (store, fp):
            count = fp[0]
        return {
            "status": "ok",
            "version": __version__,
            "snapshots": count,
            "ingest_enabled": token is not None,
            "max_upload_bytes": max_upload_bytes,
            "features": features(),
            "assets": (STATIC / "vendor" / "leaflet" / "leaflet.js").exists(),
        }

    def features() -> dict[str, bool]:
        from frontlines.web.optional import check_function

        return {
            "frontline": True,
            "settlements": True,
            "check": check_function() is not None,
        }

    @app.get("/api/sources", tags=["data"], summary="Sources with snapshot count, span and layers (= `frontlines sources --json`)")
    def get_sources() -> Response:
        def compute(store: Any) -> Any:
            stats = store.stats()
            stats["path"] = store_path.name  # the file name only: no server paths
            return {"sources": service.sources(store), "store": stats}
        return cached(("sources",), compute)

    @app.get("/api/snapshots", tags=["data"], summary="Metadata of every snapshot, oldest first (= `frontlines snapshots --json`)")
    def get_snapshots(source: SourceQ = None) -> Response:
        def compute(store: Any) -> Any:
            if source is not None:
                service.select(store, source)  # 404 for an unknown source
            return {"snapshots": service.snapshots(store, source)}
        return cached(("snapshots", source), compute)

    @app.get("/api/timeline", tags=["data"], summary="Compact timeline of one layer: [snapshot id, published_at, area km²]")
    def get_timeline(source: SourceQ = None, layer: LayerQ = None) -> Response:
        def compute(store: Any) -> Any:
            sel = service.select(store, source, layer)
            return {
                "source": sel.source,
                "layer": str(sel.layer),
                "coverage": sel.coverage(),
                "fields": ["id", "published_at", "area_km2"],
                "snapshots": [[sid, t.strftime("%Y-%m-%dT%H:%M:%SZ"), None if a is None else round(a, 3)]
                              for sid, t, a in sel.timeline],
            }
        return cached(("timeline", source, layer), compute)

    # ------------------------------------------------------------------- measures
    @app.get("/api/area", tags=["measure"], summary="Area of a layer at a time (= `frontlines area --json`)")
    def get_area(at: AtQ, source: SourceQ = None, layer: LayerQ = None, by: ByQ = None, tz: TzQ = "UTC") -> Response:
        return cached(("area", at, source, layer, by, tz),
                      lambda st: service.area(st, at=at, source=source, layer=layer, by=by, tz=tz))

    @app.get("/api/change", tags=["measure"], summary="Gained, lost and net area between two times (= `frontlines change --json`)")
    def get_change(start: FromQ, end: ToQ, source: SourceQ = None, layer: LayerQ = None, by: ByQ = None,
                   tz: TzQ = "UTC",
                   depth: Annotated[bool, Query(description="Also front-line length and depth of the advance (= `--depth`).")] = False) -> Response:
        return cached(("change", start, end, source, layer, by, tz, depth),
                      lambda st: service.change(st, start=start, end=end, source=source, layer=layer, by=by, tz=tz, depth=depth))

    @app.get("/api/series", tags=["measure"], summary="Per-period area, gained, lost, net (= `frontlines series --json`)")
    def get_series(start: FromQ, end: ToQ, freq: Annotated[Literal["day", "week", "month", "year"], Query(description=f"One of {', '.join(FREQS)}.")] = "month",
                   source: SourceQ = None, layer: LayerQ = None, by: ByQ = None, tz: TzQ = "UTC") -> Response:
        t0 = parse_user_time(start, tz=tz, end_of_day=False)
        t1 = parse_user_time(end, tz=tz)
        n = 0
        for n, _ in enumerate(periods(t0, t1, freq, tz=tz), 1):
            if n > MAX_PERIODS:
                raise BadParameter(f"from={start} to={end} per {freq} gives more than {MAX_PERIODS} periods: use a coarser freq")
        return cached(("series", start, end, freq, source, layer, by, tz),
                      lambda st: service.series(st, start=start, end=end, freq=freq, source=source, layer=layer, by=by, tz=tz))

    # ------------------------------------------------------------------- geometry
    @app.get("/api/layer.geojson", tags=["geometry"], summary="GeoJSON of a layer at a time (dissolved, simplified)")
    def get_layer_geojson(at: AtQ, source: SourceQ = None, layer: LayerQ = None, tz: TzQ = "UTC",
                          tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
        tol = geo.tolerance_degrees(tolerance, units)

        def compute(store: Any) -> Any:
            sel = service.select(store, source, layer)
            info, geom = service.layer_geometry(store, at=at, source=sel.source, layer=sel.layer, tz=tz)
            area = next(a for s, _, a in sel.timeline if s == info.id)
            props = {"source": sel.source, "layer": str(sel.layer), "at": parse_user_time(at, tz=tz).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "snapshot": info.as_dict(), "area_km2": round(float(area or 0), 3)}
            return geo.collection([(geom, props)], tol, tolerance_deg=tol)
        return cached(("layer.geojson", at, source, layer, tz, tol), compute, geojson)

    @app.get("/api/change.geojson", tags=["geometry"], summary="GeoJSON of gained and lost ground between two times")
    def get_change_geojson(start: FromQ, end: ToQ, source: SourceQ = None, layer: LayerQ = None, tz: TzQ = "UTC",
                           tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
        tol = geo.tolerance_degrees(tolerance, units)

        def compute(store: Any) -> Any:
            doc = service.change(store, start=start, end=end, source=source, layer=layer, tz=tz, geometry=True)
            gained, lost = doc.pop("gained"), doc.pop("lost")
            base = {k: doc[k] for k in ("source", "layer", "from", "to")}
            return geo.collection([(gained, {**base, "kind": "gained", "area_km2": doc["gained_km2"]}),
                                   (lost, {**base, "kind": "lost", "area_km2": doc["lost_km2"]})],
                                  tol, change=doc, tolerance_deg=tol)
        return cached(("change.geojson", start, end, source, layer, tz, tol), compute, geojson)

    # ------------------------------------------------------------------- where: front line, settlements
    @app.get("/api/frontline", tags=["where"], summary="The line of contact at a time and its length (= `frontlines frontline --json`)")
    def get_frontline(at: AtQ, source: SourceQ = None, layer: LayerQ = None, mode: ModeQ = "outer",
                      tolerance_km: TolKmQ = 1.0, tz: TzQ = "UTC") -> Response:
        tkm = _tolerance_km(tolerance_km)
        return cached(("frontline", at, source, layer, mode, tkm, tz),
                      lambda st: service.frontline(st, at=at, source=source, layer=layer, mode=mode, tolerance_km=tkm,
                                                 tz=tz, geometry=False))

    @app.get("/api/frontline.geojson", tags=["geometry"], summary="GeoJSON of the line of contact at a time (simplified to `tolerance`)")
    def get_frontline_geojson(at: AtQ, source: SourceQ = None, layer: LayerQ = None, mode: ModeQ = "outer",
                              tolerance_km: TolKmQ = 1.0, tz: TzQ = "UTC",
                              tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
        tkm = _tolerance_km(tolerance_km)
        tol = geo.tolerance_degrees(tolerance, units)

        def compute(store: Any) -> Any:
            doc = service.frontline(store, at=at, source=source, layer=layer, mode=mode, tolerance_km=tkm, tz=tz,
                                  geometry=True)
            line = doc.pop("geometry")
            return geo.collection([(line, {**doc, "kind": "frontline"})], tol, frontline=doc, tolerance_deg=tol)
        return cached(("frontline.geojson", at, source, layer, mode, tkm, tz, tol), compute, geojson)

    @app.get("/api/settlements", tags=["where"],
             summary="Settlements that changed status between two times, or under a layer at a time (= `frontlines settlements --json`)")
    def get_settlements(start: OptFromQ = None, end: OptToQ = None, at: OptAtQ = None, source: SourceQ = None,
                        layer: LayerQ = None, min_population: MinPopQ = 0, region: RegionQ = None,
                        tz: TzQ = "UTC") -> Response:
        if at is not None and (start is not None or end is not None):
            raise BadParameter("give at, or from and to, not both")
        if at is None and (start is None or end is None):
            raise BadParameter("give at, or both from and to" if start is None and end is None
                               else f"{'to' if end is None else 'from'} is missing: give both from and to (or at)")
        if at is None and parse_user_time(end, tz=tz) < parse_user_time(start, tz=tz):
            raise BadParameter(f"to={end} is before from={start}")
        return cached(("settlements", start, end, at, source, layer, min_population, region, tz),
                      lambda st: service.settlements(st, start=start, end=end, at=at, source=source, layer=layer,
                                                   min_population=min_population, region=region, tz=tz))

    status_memo = _LRUObjects(16)

    def place_status(store: Any, fp: tuple[Any, ...], at: str, source: str | None, layer: str | None,
                     tz: str) -> tuple[dict[tuple[float, float, str], str], dict[str, Any]]:
        """(lon, lat, name) -> status of the places under a layer or its grey zone at a time, and the doc's head."""
        key = (fp, at, source, layer, tz)
        hit = status_memo.get(key)
        if hit is None:
            doc = service.settlements(store, at=at, source=source, layer=layer, tz=tz)
            table = {(r["lon"], r["lat"], r["name"]): r["status"] for r in doc["settlements"]}
            head = {k: doc[k] for k in ("source", "layer", "at", "counts")}
            hit = (table, head)
            status_memo.put(key, hit)
        return hit

    # ------------------------------------------------------------------- regions and places
    @app.get("/api/regions", tags=["regions"], summary="Shipped regions: id, name, parent, land area")
    def get_regions(by: Annotated[Literal["oblast", "raion", "hromada"], Query(description="Region layer.")] = "oblast") -> Response:
        def compute(store: Any) -> Any:
            from frontlines.sources.boundaries import load_region_layer
            rl = load_region_layer(by)
            rows = []
            for i, (rid, name) in enumerate(zip(rl.ids, rl.names)):
                row: dict[str, Any] = {"id": rid, "name": name}
                if rl.parents is not None and rl.parents[i]:
                    row["parent"] = rl.parents[i]
                row["land_area_km2"] = round(float(rl.areas[i]), 3)
                rows.append(row)
            return {"region_layer": rl.name, "regions": rows}
        return cached(("regions", by), compute)

    @app.get("/api/regions.geojson", tags=["regions"], summary="Borders of the shipped regions (the dashboard's base map)")
    def get_regions_geojson(by: Annotated[Literal["oblast", "raion", "hromada"], Query(description="Region layer.")] = "oblast",
                            tolerance: TolQ = 0.0, units: UnitsQ = "km") -> Response:
        tol = geo.tolerance_degrees(tolerance, units)

        def compute(store: Any) -> Any:
            from frontlines.sources.boundaries import load_region_layer
            rl = load_region_layer(by)
            items = []
            for i, (rid, name) in enumerate(zip(rl.ids, rl.names)):
                props: dict[str, Any] = {"id": rid, "name": name}
                if rl.parents is not None and rl.parents[i]:
                    props["parent"] = rl.parents[i]
                items.append((rl.geometries[i], props))
            return geo.collection(items, tol, region_layer=rl.name)
        return cached(("regions.geojson", by, tol), compute, geojson)

    @app.get("/api/places.geojson", tags=["regions"], summary="Settlements of the gazetteer as points (for the map)")
    def get_places(bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat (degrees).", max_length=200)] = None,
                   min_population: Annotated[int, Query(ge=0, description="Only places with at least this population.")] = 0,
                   limit: Annotated[int, Query(ge=1, le=5000, description="At most this many places, most populous first.")] = 500,
                   at: Annotated[str | None, Query(description="Also each place's `status` at this time: control, contested or none (as `/api/settlements?at=`).", max_length=64)] = None,
                   source: SourceQ = None, layer: LayerQ = None, tz: TzQ = "UTC") -> Response:
        box = geo.parse_bbox(bbox)

        def compute(store: Any, fp: tuple[Any, ...]) -> Any:
            import numpy as np

            from frontlines.sources.gazetteer import load_gazetteer
            gz = load_gazetteer()
            keep = gz.population >= min_population
            if box is not None:
                keep &= (gz.lon >= box[0]) & (gz.lon <= box[2]) & (gz.lat >= box[1]) & (gz.lat <= box[3])
            idx = np.flatnonzero(keep)
            idx = idx[np.argsort(-gz.population[idx], kind="stable")][:limit]
            table, head = place_status(store, fp, at, source, layer, tz) if at is not None else (None, None)
            feats = []
            for i in idx:
                lon, lat = round(float(gz.lon[i]), 5), round(float(gz.lat[i]), 5)
                props = {"id": gz.ids[i], "name": gz.names[i], "name_uk": gz.names_uk[i],
                         "population": int(gz.population[i]), "oblast": gz.oblasts[i], "raion": gz.raions[i]}
                if table is not None:
                    props["status"] = table.get((lon, lat, gz.names[i]), "none")
                feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props})
            doc: dict[str, Any] = {"type": "FeatureCollection", "matched": int(keep.sum())}
            if head is not None:
                doc["status"] = head
            doc["features"] = feats
            return doc
        return cached(("places", box, min_population, limit, at, source, layer, tz), compute, geojson, with_fp=True)

    # ------------------------------------------------------------------- ingest (token only)
    def require_token(request: Request) -> None:
        if token is None:
            raise StarletteHTTPException(403, "ingest is disabled: this server is read-only (start it with --token to allow uploads)")
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise StarletteHTTPException(401, "missing bearer token: send 'Authorization: Bearer <token>'",
                                         headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise StarletteHTTPException(403, "wrong token")

    @app.post(
        "/api/ingest",
        tags=["ingest"],
        summary="Upload one file (raw body or multipart field `file`) and ingest it (needs the token)",
        openapi_extra={"requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                                                   "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}}},
    )
    async def post_ingest(
        request: Request,
        adapter: Annotated[Literal["deepstate-history", "deepstate-daily", "isw", "nzz", "files"], Query(description="Adapter that reads the file.")],
        filename: Annotated[str | None, Query(description="Name of the file (dates may come from it); multipart uploads carry their own.", max_length=255)] = None,
    ) -> Response:
        require_token(request)
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                raise StarletteHTTPException(400, "bad Content-Length") from None
            if size > max_upload_bytes:
                raise InputTooLargeError(f"upload of {size:,} bytes exceeds the limit of {max_upload_bytes:,} bytes")
        workdir = Path(tempfile.mkdtemp(prefix="frontlines-upload-"))
        try:
            path = await _receive_upload(request, workdir, filename, max_upload_bytes)
            if not ingest_lock.acquire(blocking=False):
                raise StarletteHTTPException(409, "another ingest is running; try again when it has finished")
            try:
                with _process_lock(store_path):  # other worker processes of this server
                    report = await run_in_threadpool(_ingest_file, store_path, adapter, path, workdir)
            finally:
                ingest_lock.release()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return JSONResponse(report)

    # ------------------------------------------------------------------- dashboard
    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Outermost: a request with a foreign Host header is refused before anything else runs.
    app.add_middleware(GuardMiddleware, allowed_hosts=allowed, max_body=MAX_JSON_BODY, streamed_paths=("/api/ingest",))

    _register_optional(app, cached, pool)
    return app


# --------------------------------------------------------------------------- upload plumbing
async def _receive_upload(request: Request, workdir: Path, filename: str | None, limit: int) -> Path:
    """Stream the request body (raw or multipart) to a file in ``workdir``, at most ``limit`` bytes."""
    ctype = request.headers.get("content-type", "")
    received = 0

    def count(n: int) -> None:
        nonlocal received
        received += n
        if received > limit:
            raise InputTooLargeError(f"upload exceeds the limit of {limit:,} bytes")

    if ctype.startswith("multipart/form-data"):
        from python_multipart.multipart import MultipartParser, parse_options_header  # type: ignore[import-not-found]

        _, params = parse_options_header(ctype)
        boundary = params.get(b"boundary")
        if not boundary:
            raise StarletteHTTPException(400, "multipart body without boundary")
        state: dict[str, Any] = {"headers": [], "field": None, "name": None, "out": None, "path": None, "hname": b""}

        def on_part_begin() -> None:
            state["headers"] = []

        def on_header_field(data: bytes, start: int, end: int) -> None:
            state["hname"] += data[start:end]

        def on_header_value(data: bytes, start: int, end: int) -> None:
            state["headers"].append((state["hname"].lower(), data[start:end]))
            state["hname"] = b""

        def on_headers_finished() -> None:
            disp = dict(state["headers"]).get(b"content-disposition", b"")
            _, opts = parse_options_header(disp)
            field = opts.get(b"name", b"").decode("utf-8", "replace")
            state["field"] = field
            if field == "file" and state["out"] is None:
                name = safe_filename(opts.get(b"filename", b"").decode("utf-8", "replace") or filename)
                state["path"] = workdir / name
                state["out"] = open(state["path"], "wb")  # noqa: SIM115

        def on_part_data(data: bytes, start: int, end: int) -> None:
            if state["field"] == "file" and state["out"] is not None and not state["out"].closed:
                state["out"].write(data[start:end])

        def on_part_end() -> None:
            if state["field"] == "file" and state["out"] is not None:
                state["out"].close()

        parser = MultipartParser(boundary, {
            "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
            "on_headers_finished": on_headers_finished, "on_part_data": on_part_data, "on_part_end": on_part_end,
        })
        try:
            async for chunk in request.stream():
                count(len(chunk))
                parser.write(chunk)
            parser.finalize()
        finally:
            if state["out"] is not None:
                state["out"].close()
        if state["path"] is None:
            raise BadParameter("multipart upload without a 'file' field")
        return state["path"]

    path = workdir / safe_filename(filename)
    with open(path, "wb") as out:
        async for chunk in request.stream():
            count(len(chunk))
            out.write(chunk)
    if received == 0:
        raise BadParameter("empty upload: send the file as the request body")
    return path


@contextlib.contextmanager
def _process_lock(store_path: Path) -> Any:
    """An exclusive lock on ``<store>.ingest-lock`` (409 when another process holds it).

    A side file, never the store itself: closing another descriptor of the SQLite file
    would drop SQLite's own POSIX locks in this process.
    """
    import fcntl

    lock_path = store_path.with_name(store_path.name + ".ingest-lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot create the ingest lock next to the store: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StarletteHTTPException(409, "another ingest is running; try again when it has finished") from None
        yield
    finally:
        os.close(fd)  # releases the flock


def _ingest_file(store_path: Path, adapter: str, path: Path, workdir: Path) -> dict[str, Any]:
    """Check and ingest one uploaded file with its own writer connection."""
    from frontlines.store import SQLiteStore

    try:
        if path.suffix.lower() in (".zip", ".kmz"):
            from frontlines.sources.files import check_zip
            check_zip(path.read_bytes(), name=path.name)
        writer = SQLiteStore(store_path)
        try:
            report = service.ingest(writer, adapter, [path], options=None)
        finally:
            writer.close()
    except FrontlinesError as exc:
        # Do not leak the server's temporary path in messages.
        raise type(exc)(str(exc).replace(f"{workdir}/", "")) from exc
    return report.as_dict()


# --------------------------------------------------------------------------- optional endpoints
def _register_optional(app: FastAPI, cached: Callable[..., Response], pool: StorePool) -> None:
    """Endpoints over api functions that land later (front line, settlements, claim check)."""
    from frontlines.web import optional

    optional.register(app, cached, pool)


# --------------------------------------------------------------------------- worker processes
def app_from_env() -> FastAPI:
    """The app described by ``$FRONTLINES_WEB_CONFIG`` (JSON of create_app's arguments).

    ``frontlines serve --workers N`` sets it and has uvicorn call this factory in each
    worker process.
    """
    raw = os.environ.get(CONFIG_ENV)
    if not raw:
        raise RuntimeError(f"${CONFIG_ENV} is not set: start workers with 'frontlines serve --workers N'")
    cfg = json.loads(raw)
    return create_app(cfg.pop("store_path"), **cfg)
