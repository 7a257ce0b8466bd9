"""The HTTP API and dashboard: :func:`create_app` builds a FastAPI app over one store.

Every read endpoint calls :mod:`frontlines.service` and returns the same JSON as the
CLI's ``--json`` (geometry endpoints return GeoJSON). Requests must name this server in
their Host header (see :mod:`frontlines.web.guard`). Errors are ``{"error": message}``
with a 4xx status; anything else is a bug (500), see :mod:`frontlines.web.errors`. The
schema is at ``/openapi.json`` and browsable at ``/docs``.

The routes live in :mod:`frontlines.web.routers`, one module per job; what they share
(settings, read connections, response cache, ingest lock) is the
:class:`~frontlines.web.settings.AppContext` on ``app.state.context``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from frontlines import service
from frontlines._version import __version__
from frontlines.web.cors import add_cors
from frontlines.web.errors import install_error_handlers
from frontlines.web.guard import GuardMiddleware
from frontlines.web.heavy import DEFAULT_BUDGET as DEFAULT_HEAVY_BUDGET
from frontlines.web.heavy import DEFAULT_QUEUE as DEFAULT_HEAVY_QUEUE
from frontlines.web.heavy import DEFAULT_WORKERS as DEFAULT_HEAVY_WORKERS
from frontlines.web.params import MAX_PERIODS, MAX_TOLERANCE_KM
from frontlines.web.response_cache import ResponseCacheMiddleware
from frontlines.web.routers import ROUTERS
from frontlines.web.settings import (
    CONFIG_ENV,
    DEFAULT_MAX_UPLOAD,
    MAX_JSON_BODY,
    STATIC,
    AppContext,
    WebSettings,
)

__all__ = ["CONFIG_ENV", "DEFAULT_MAX_UPLOAD", "GZIP_LEVEL", "GZIP_MIN_BYTES", "MAX_JSON_BODY", "MAX_PERIODS",
           "MAX_TOLERANCE_KM", "app_from_env", "create_app"]

#: With ``gzip``: answers of at least this many bytes are compressed for clients that accept gzip,
#: at this level (a change GeoJSON of 175 KB: 66 KB in 1.3 ms of CPU; level 5: 58 KB in 4 ms).
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 1

DESCRIPTION = (
    "Area, change, series and regions of dated control maps, as the CLI's `--json` prints them. "
    "Dates are `YYYY-MM-DD` (end of that day in `tz`) or ISO 8601 times. Errors are "
    "`{\"error\": message}` with 404 (no snapshot), 413 (too large), 422 (bad parameter), "
    "401/403 (ingest without or with a wrong token)."
)


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
    cors_origins: Iterable[str] = (),
    heavy_workers: int = DEFAULT_HEAVY_WORKERS,
    heavy_queue: int = DEFAULT_HEAVY_QUEUE,
    heavy_budget: float = DEFAULT_HEAVY_BUDGET,
    gzip: bool = False,
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
    cors_origins : iterable of str
        Origins whose pages may read the API with GET/HEAD (``"*"``: any); none by
        default, see :mod:`frontlines.web.cors`.
    heavy_workers, heavy_queue, heavy_budget
        Processes for expensive requests (``by=``, ``depth``, settlements, long series),
        how many more may wait (then 503 with Retry-After), and the seconds one may take
        (then 504); see :mod:`frontlines.web.heavy`.
    gzip : bool
        Compress answers of :data:`GZIP_MIN_BYTES` or more for clients that accept gzip (worth it
        over a network: a change GeoJSON shrinks ~2.7x; on loopback only CPU).

    Raises
    ------
    ValueError
        An empty token.
    StoreError
        The store cannot be opened.
    """
    settings = WebSettings(
        store_path=store_path if service.is_postgres_url(store_path) else Path(store_path), token=token, max_upload_bytes=max_upload_bytes, pool_size=pool_size,
        cache_entries=cache_entries, cache_bytes=cache_bytes, host=host, allowed_hosts=tuple(allowed_hosts),
        cors_origins=tuple(cors_origins), heavy_workers=heavy_workers, heavy_queue=heavy_queue,
        heavy_budget=heavy_budget,
    )
    context = AppContext.create(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        context.heavy.close()  # the worker processes of expensive requests

    # /docs and /redoc are served from local files (routers/docs.py), not FastAPI's CDN pages.
    app = FastAPI(title="frontlines", version=__version__, description=DESCRIPTION, docs_url=None, redoc_url=None,
                  lifespan=lifespan)
    app.state.context = context
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Innermost: repeated answers are replayed from memory (inside CORS and the guard, which add their headers).
    app.add_middleware(ResponseCacheMiddleware, pool=context.pool, max_bytes=max(1, settings.cache_bytes // 4))
    add_cors(app, settings.cors_origins)
    if gzip:  # the bodies as sent, cached or not (Vary: Accept-Encoding)
        app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)
    # Outermost: a request with a foreign Host header is refused before anything else runs.
    app.add_middleware(GuardMiddleware, allowed_hosts=settings.accepted_hosts, max_body=MAX_JSON_BODY,
                       streamed_paths=("/api/ingest",))
    return app


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
