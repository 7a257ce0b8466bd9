"""The polite HTTP client every fetcher uses (httpx + tenacity).

Behaviour
    * every request must fall under one of the configured base URLs (redirects too):
      anything else raises :class:`FetchError` before a byte is sent;
    * proxies come from the environment (``HTTPS_PROXY``, ``NO_PROXY``: httpx's ``trust_env``);
    * at most ``rate`` requests per second across all threads, ``timeout`` seconds per request;
    * timeouts, connection errors, 429 (honouring ``Retry-After``), 5xx, and bodies that are
      truncated or not valid JSON are retried with exponential backoff and jitter, up to
      ``retries`` times; then a :class:`FetchError` names the URL and the last problem;
    * a body whose *shape* is not the documented one (:class:`ShapeError`) is not retried;
    * conditional requests: pass the ETag / Last-Modified of the last fetch and a 304 comes
      back as :attr:`Fetched.not_modified`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import tenacity

from frontlines._version import __version__
from frontlines.errors import SourceError, SourceFormatError

if TYPE_CHECKING:
    import httpx

__all__ = ["FetchError", "FetchSettings", "Fetched", "HttpFetcher", "ShapeError", "parse_json"]


class FetchError(SourceError):
    """A request failed for good (after its retries), or was refused by the URL guard."""


class ShapeError(SourceFormatError):
    """A response parsed but does not have the documented shape (a provider changed its API)."""


class _Retryable(Exception):
    """A transient failure: retried with backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class FetchSettings:
    """How politely and persistently to fetch.

    Parameters
    ----------
    timeout : float
        Seconds for connecting and for each read.
    retries : int
        Retries after the first attempt.
    backoff : float
        First wait in seconds; doubled at each retry (plus up to ``backoff`` of jitter).
    max_backoff : float
        Longest wait between attempts (a longer ``Retry-After`` is capped here too).
    rate : float
        Requests per second at most, over all threads (0: unlimited).
    concurrency : int
        Requests in flight at once (used by the service's thread pool).
    """

    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    max_backoff: float = 120.0
    rate: float = 2.0
    concurrency: int = 2


@dataclass(frozen=True)
class Fetched:
    """One successful response (or a 304)."""

    url: str
    status: int
    content: bytes
    etag: str | None
    last_modified: str | None
    fetched_at: dt.datetime
    attempts: int
    data: Any = None  # the parsed body, when a parser was given

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer to a conditional request."""
        return self.status == 304


def parse_json(content: bytes, *, url: str) -> Any:
    """JSON of a body; an empty, truncated or invalid body raises :class:`SourceFormatError`."""
    if not content.strip():
        raise SourceFormatError(f"{url}: empty body", path=url)
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise SourceFormatError(f"{url}: invalid or truncated JSON ({exc})", path=url) from exc


def _retry_after(value: str | None) -> float | None:
    """Seconds of a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


class HttpFetcher:
    """A thread-safe HTTP client bound to a set of base URLs.

    Parameters
    ----------
    bases : list of str
        The only URL prefixes requests may go to.
    settings : FetchSettings
    sleep : callable
        Used for rate limiting and backoff (tests may pass a faster one).
    transport : httpx.BaseTransport, optional
        For tests; by default httpx's own (which honours proxy variables).
    """

    def __init__(
        self,
        bases: list[str],
        settings: FetchSettings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.bases = [b.rstrip("/") for b in bases]
        self.settings = settings or FetchSettings()
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self.retries = 0
        self.requests = 0
        self.bytes = 0
        # Imported here: importing httpx pulls in rich, click and pygments (~100 ms, ~8 MB in every
        # process that imports frontlines.service, ingest workers included), and only sync fetches.
        import httpx

        self._client = httpx.Client(
            timeout=httpx.Timeout(self.settings.timeout),
            headers={"User-Agent": f"frontlines/{__version__} (sync)", "Accept-Encoding": "gzip"},
            follow_redirects=True,
            trust_env=True,
            transport=transport,
            event_hooks={"request": [self._guard]},
        )

    # -- life -------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- guard and pacing ---------------------------------------------------------------------
    def allowed(self, url: str) -> bool:
        """True when ``url`` lies under one of the configured base URLs."""
        return any(url == b or url.startswith(b + "/") or url.startswith(b + "?") for b in self.bases)

    def _guard(self, request: httpx.Request) -> None:
        url = str(request.url.copy_with(query=None))
        if not self.allowed(url):
            raise FetchError(f"{url}: refused: not under a configured base URL ({', '.join(self.bases)})",
                             path=url)

    def _pace(self) -> None:
        rate = self.settings.rate
        if rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / rate
        if slot > now:
            self._sleep(slot - now)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        exp = tenacity.wait_exponential_jitter(
            multiplier=self.settings.backoff, max=self.settings.max_backoff, jitter=self.settings.backoff
        )(state)
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(max(exc.retry_after, 0.0), self.settings.max_backoff)
        return float(exp)

    # -- requests ---------------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        parse: Callable[[bytes, str], Any] | None = None,
    ) -> Fetched:
        """GET ``url`` with retries; ``parse(body, url)`` validates the body (its result is ``data``).

        ``parse`` raising :class:`ShapeError` fails at once; raising any other
        :class:`SourceFormatError` (truncated, invalid JSON) is retried like a network error.

        Raises
        ------
        FetchError
            Refused URL, 4xx other than 429, or retries exhausted.
        ShapeError
            The body does not have the documented shape.
        """
        if not self.allowed(url):
            raise FetchError(f"{url}: refused: not under a configured base URL ({', '.join(self.bases)})", path=url)
        import httpx  # see __init__

        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempts = 0

        def once() -> Fetched:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                with self._lock:
                    self.retries += 1
            self._pace()
            try:
                resp = self._client.get(url, params=params, headers=headers)
                content = resp.content
            except httpx.TimeoutException as exc:
                raise _Retryable(f"timed out after {self.settings.timeout:g} s ({type(exc).__name__})") from exc
            except (httpx.TransportError, httpx.DecodingError) as exc:  # refused / reset, truncated or corrupt body
                raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
            except httpx.TooManyRedirects as exc:
                raise FetchError(f"{url}: too many redirects", path=url) from exc
            with self._lock:
                self.requests += 1
                self.bytes += len(content)
            status = resp.status_code
            if status == 429 or status >= 500:
                raise _Retryable(f"HTTP {status}", retry_after=_retry_after(resp.headers.get("Retry-After")))
            if status >= 400:
                raise FetchError(f"{resp.url}: HTTP {status}", path=str(resp.url), value=status)
            data = None
            if status != 304 and parse is not None:
                try:
                    data = parse(content, str(resp.url))
                except ShapeError:
                    raise
                except SourceFormatError as exc:
                    raise _Retryable(str(exc)) from exc
            return Fetched(
                url=str(resp.url), status=status, content=content if status != 304 else b"",
                etag=resp.headers.get("ETag"), last_modified=resp.headers.get("Last-Modified"),
                fetched_at=dt.datetime.now(dt.timezone.utc), attempts=attempts, data=data,
            )

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Retryable),
            stop=tenacity.stop_after_attempt(self.settings.retries + 1),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(once)
        except _Retryable as exc:
            raise FetchError(f"{url}: failed after {attempts} attempts: {exc}", path=url) from exc
