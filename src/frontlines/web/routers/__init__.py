"""The routers of the web app, one per job; :data:`ROUTERS` in the order the app includes them (the order of ``/docs``)."""

from __future__ import annotations

from fastapi import APIRouter

from frontlines.web.routers import (
    basemap,
    claims,
    docs,
    geo,
    ingest,
    measure,
    meta,
    pages,
    quality,
    regions,
    where,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    meta.router, measure.router, geo.router, where.router, regions.router, basemap.router, ingest.router, claims.router, quality.router, pages.router,
    docs.router,
)
