"""Server status and what the store holds: ``/api/health``, ``/api/sources``, ``/api/snapshots``, ``/api/timeline``."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from frontlines import service
from frontlines._version import __version__
from frontlines.web.deps import Ctx, to_json_doc
from frontlines.web.params import LayerQ, SourceQ
from frontlines.web.settings import STATIC

__all__ = ["FEATURES", "router"]

router = APIRouter()

#: Optional parts of the API, all served by this version (kept in /api/health for clients that ask).
FEATURES = {"frontline": True, "settlements": True, "check": True}


@router.get("/api/health", tags=["meta"], summary="Server status and enabled features")
def health(ctx: Ctx) -> dict[str, Any]:
    settings = ctx.settings
    return {
        "status": "ok",
        "version": __version__,
        "snapshots": ctx.fingerprint()[0],
        "ingest_enabled": settings.ingest_enabled,
        "max_upload_bytes": settings.max_upload_bytes,
        "features": dict(FEATURES),
        "assets": (STATIC / "vendor" / "leaflet" / "leaflet.js").exists(),
    }


@router.get("/api/sources", tags=["data"],
            summary="Sources with snapshot count, span, layers and freshness (= `frontlines sources --json`)")
def get_sources(ctx: Ctx) -> Response:
    # Not cached: ``stale`` depends on the clock as well as on the store.
    with ctx.pool.view() as (store, _fp):
        doc = _sources_doc(store, ctx.settings.store_name)
    return Response(orjson.dumps(doc), media_type="application/json")


def _sources_doc(store: service.StoreReader, file_name: str) -> dict[str, Any]:
    stats = store.stats()
    stats["path"] = file_name  # the file name only: no server paths
    srcs = to_json_doc(service.sources(store))
    fresh = {f["source"]: f for f in service.freshness(store)}
    for s in srcs:
        s["freshness"] = fresh.get(s["source"])
    return {"sources": srcs, "store": stats}


@router.get("/api/snapshots", tags=["data"], summary="Metadata of every snapshot, oldest first (= `frontlines snapshots --json`)")
def get_snapshots(ctx: Ctx, source: SourceQ = None) -> Response:
    return ctx.cached(("snapshots", source), lambda store: _snapshots_doc(store, source))


def _snapshots_doc(store: service.StoreReader, source: str | None) -> dict[str, Any]:
    if source is not None:
        service.select(store, source)  # 404 for an unknown source
    return {"snapshots": to_json_doc(service.snapshots(store, source))}


@router.get("/api/timeline", tags=["data"], summary="Compact timeline of one layer: [snapshot id, map_time, area km²]")
def get_timeline(ctx: Ctx, source: SourceQ = None, layer: LayerQ = None) -> Response:
    return ctx.cached(("timeline", source, layer), lambda store: _timeline_doc(store, source, layer))


def _timeline_doc(store: service.StoreReader, source: str | None, layer: str | None) -> dict[str, Any]:
    sel = service.select(store, source, layer)
    return {
        "source": sel.source,
        "layer": str(sel.layer),
        "coverage": sel.coverage(),
        "fields": ["id", "map_time", "area_km2"],
        "snapshots": [[sid, t.strftime("%Y-%m-%dT%H:%M:%SZ"), None if a is None else round(a, 3)]
                      for sid, t, a in sel.timeline],
    }
