"""What one web app is configured with (:class:`WebSettings`) and what it holds while it runs (:class:`AppContext`).

:func:`frontlines.web.app.create_app` builds one :class:`AppContext` and keeps it on
``app.state.context``; routes receive it through :func:`frontlines.web.deps.get_context`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from fastapi.responses import Response

from frontlines import service
from frontlines.cache import Cache, size_of
from frontlines.service import StorePool, StoreReader
from frontlines.web.guard import allowed_host_set
from frontlines.web.heavy import DEFAULT_BUDGET as DEFAULT_HEAVY_BUDGET
from frontlines.web.heavy import DEFAULT_QUEUE as DEFAULT_HEAVY_QUEUE
from frontlines.web.heavy import DEFAULT_WORKERS as DEFAULT_HEAVY_WORKERS
from frontlines.web.heavy import HeavyPool, run_task

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_MAX_UPLOAD",
    "GEOJSON",
    "JSON",
    "MAX_JSON_BODY",
    "STATIC",
    "AppContext",
    "WebSettings",
]

#: Folder of the dashboard's page, scripts and styles.
STATIC = Path(__file__).parent / "static"
#: Default upload limit (bytes).
DEFAULT_MAX_UPLOAD = 256 * 1024 * 1024
#: Largest body (JSON: a claim text) accepted by POST endpoints other than the upload (413 beyond).
MAX_JSON_BODY = 1024 * 1024
#: Environment variable that carries create_app's arguments to worker processes.
CONFIG_ENV = "FRONTLINES_WEB_CONFIG"
#: Media types of the responses.
JSON = "application/json"
GEOJSON = "application/geo+json"

#: A response body larger than this share of the cache is sent but not kept (it would evict most others).
_LARGEST_CACHED_SHARE = 4
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


@dataclass(frozen=True)
class WebSettings:
    """The configuration of one web app (the arguments of :func:`~frontlines.web.app.create_app`).

    Attributes
    ----------
    store_path : Path or str
        An existing store file or a ``postgresql://`` URL, opened read-only (ingest opens its own writer).
    token : str or None
        Enables ``POST /api/ingest`` (``Authorization: Bearer <token>``); None = read-only.
    max_upload_bytes : int
        Uploads larger than this are refused with 413.
    pool_size : int
        Read connections shared by the request threads.
    cache_entries, cache_bytes : int
        Bounds of the in-memory cache of responses.
    host : str or None
        The address the server is bound to (a Host header naming it is accepted).
    allowed_hosts : tuple of str
        Further names accepted in Host headers; ``"*"`` accepts any.
    heavy_workers, heavy_queue : int
        Processes computing expensive requests, and how many more may wait (503 beyond).
    heavy_budget : float
        Seconds an expensive request may take, waiting included (504 beyond).
    cors_origins : tuple of str
        Origins (``https://example.org``) whose pages may read the API with GET; ``"*"``
        = any. Empty (the default): no cross-origin reads (see :mod:`frontlines.web.cors`).
    """

    store_path: Path | str
    token: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    pool_size: int = 4
    cache_entries: int = 512
    cache_bytes: int = 256 * 1024 * 1024
    host: str | None = "127.0.0.1"
    allowed_hosts: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    heavy_workers: int = DEFAULT_HEAVY_WORKERS
    heavy_queue: int = DEFAULT_HEAVY_QUEUE
    heavy_budget: float = DEFAULT_HEAVY_BUDGET

    def __post_init__(self) -> None:
        if self.token is not None and not self.token.strip():
            raise ValueError("token must not be empty")
        if self.cache_entries < 1 or self.cache_bytes < 1:
            raise ValueError("cache_entries and cache_bytes must be positive")

    @property
    def accepted_hosts(self) -> frozenset[str] | None:
        """Host names the guard accepts (None: any), see :func:`~frontlines.web.guard.allowed_host_set`."""
        return allowed_host_set(self.host, self.allowed_hosts)

    @property
    def store_name(self) -> str:
        """How responses name the store: its file name, or the URL without password (no server paths)."""
        if isinstance(self.store_path, str):
            return service.redact_store_url(self.store_path)
        return self.store_path.name

    @property
    def ingest_enabled(self) -> bool:
        """Whether ``POST /api/ingest`` is open (to holders of the token)."""
        return self.token is not None


@dataclass(frozen=True)
class AppContext:
    """What the routes of one app share: settings, read connections, the cache, the ingest lock, the heavy pool.

    Cache keys start with the store's fingerprint (snapshot count, last id, last ingest
    time), so an ingest makes every earlier entry unreachable; entries are dropped
    least recently used first.
    """

    settings: WebSettings
    pool: StorePool
    cache: Cache
    ingest_lock: threading.Lock
    heavy: HeavyPool

    @classmethod
    def create(cls, settings: WebSettings) -> AppContext:
        """Open the read pool (fails now for a missing or foreign store) and an empty cache."""
        # Every entry is charged at least cache_bytes / cache_entries: at most cache_entries fit.
        floor = max(1, settings.cache_bytes // settings.cache_entries)
        cache = Cache(max_bytes=settings.cache_bytes, sizer=lambda value: max(size_of(value), floor))
        return cls(settings=settings, pool=StorePool(settings.store_path, size=settings.pool_size),
                   cache=cache, ingest_lock=threading.Lock(),
                   heavy=HeavyPool(settings.store_path, workers=settings.heavy_workers, queue=settings.heavy_queue,
                                   budget=settings.heavy_budget))

    def fingerprint(self) -> tuple[Any, ...]:
        """The fingerprint of the store's current content (read on the pool's probe connection: never waits)."""
        return self.pool.fingerprint()

    def cached(self, key: tuple[Hashable, ...], compute: Callable[[StoreReader], Any], media: str = JSON) -> Response:
        """The JSON response of ``compute(store)``, from the cache while the store is unchanged."""
        return self.cached_with_fingerprint(key, lambda store, _fp: compute(store), media)

    def cached_with_fingerprint(self, key: tuple[Hashable, ...], compute: Callable[[StoreReader, tuple[Any, ...]], Any],
                                media: str = JSON) -> Response:
        """As :meth:`cached`, for a ``compute(store, fingerprint)`` that memoises by the fingerprint."""
        with self.pool.view() as (store, fp):
            full = ("response", fp, *key)
            body = self.cache.get(full)
            if body is None:
                body = orjson.dumps(compute(store, fp), option=_ORJSON_OPTIONS)
                if len(body) <= self.settings.cache_bytes // _LARGEST_CACHED_SHARE:
                    self.cache.put(full, body)
        return Response(body, media_type=media)

    def heavy_cached(self, key: tuple[Hashable, ...], task: str, kwargs: dict[str, Any], media: str = JSON) -> Response:
        """The JSON response of the expensive ``TASKS[task](store, **kwargs)``: from the cache, else computed in
        the heavy pool (503 when it is full, 504 past its budget; see :mod:`frontlines.web.heavy`)."""
        full = ("response", self.fingerprint(), *key)
        body = self.cache.get(full)
        if body is None:
            body = self.heavy.run(run_task, task, kwargs)
            if len(body) <= self.settings.cache_bytes // _LARGEST_CACHED_SHARE:
                self.cache.put(full, body)
        return Response(body, media_type=media)

    def memo(self, key: tuple[Hashable, ...], compute: Callable[[], Any]) -> Any:
        """A computed object kept in the cache (``key`` must include the store's fingerprint)."""
        return self.cache.get_or_compute(("memo", *key), compute)
