"""Host header check (DNS rebinding), body size limit and security headers, as one pure ASGI middleware.

A page on ``http://attacker.example`` whose name is re-pointed at 127.0.0.1 can make
the browser send requests to a local ``frontlines serve`` *as the same origin*, and
read the answers. Such requests carry ``Host: attacker.example``: the server answers
only requests whose Host names the address it is bound to, a loopback name, or a
name given with ``--allow-host``.

Request bodies (claims to check) are limited to ``max_body`` bytes, refused with 413
from the Content-Length or as soon as the streamed body passes the limit; paths in
``streamed_paths`` (the upload) enforce their own, larger limit while streaming.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

__all__ = ["LOOPBACK_NAMES", "GuardMiddleware", "allowed_host_set", "host_name"]

#: Host names always accepted (they resolve to this machine only).
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

#: Content-Security-Policy of every HTML page (the dashboard, /docs, /redoc): nothing from other hosts,
#: no inline script; ReDoc runs its search in a worker made from a blob.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def host_name(value: str) -> str:
    """The host part of a Host header (or of an address), lower-cased, without port or brackets.

    >>> host_name("LocalHost:8000"), host_name("[::1]:8000"), host_name("::1"), host_name("example.org.")
    ('localhost', '::1', '::1', 'example.org')
    """
    v = value.strip().lower()
    if v.startswith("["):
        end = v.find("]")
        return v[1:end] if end > 0 else v
    if v.count(":") == 1:  # name:port; more than one colon is a bare IPv6 address
        v = v.split(":", 1)[0]
    return v.rstrip(".")


def allowed_host_set(bound_host: str | None, extra: Iterable[str] = ()) -> frozenset[str] | None:
    """Names accepted in Host headers; None when ``*`` is among ``extra`` (no check)."""
    names = set(LOOPBACK_NAMES)
    if bound_host and bound_host not in ("0.0.0.0", "::", ""):  # noqa: S104 - a name, not a bind
        names.add(host_name(bound_host))
    for e in extra:
        if e.strip() == "*":
            return None
        if e.strip():
            names.add(host_name(e))
    return frozenset(names)


class GuardMiddleware:
    """Refuse foreign Host headers (400) and oversized bodies (413); add security headers (CSP on HTML)."""

    def __init__(self, app: Any, *, allowed_hosts: frozenset[str] | None, max_body: int = 1024 * 1024,
                 streamed_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = allowed_hosts
        self.max_body = max_body
        self.streamed = frozenset(streamed_paths)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan; the app has no websockets
            await self.app(scope, receive, send)
            return
        if self.allowed is not None:
            raw = next((v for k, v in scope.get("headers", ()) if k == b"host"), None)
            name = host_name(raw.decode("latin-1")) if raw is not None else ""
            if name not in self.allowed:
                await self._refuse(send, raw)
                return
        if scope.get("method") in ("POST", "PUT", "PATCH") and scope.get("path") not in self.streamed:
            receive = await self._buffer_body(scope, receive, send)
            if receive is None:
                return
        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {k.lower() for k, _ in headers}
                if b"x-content-type-options" not in present:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if b"referrer-policy" not in present:
                    headers.append((b"referrer-policy", b"no-referrer"))
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.lower().startswith(b"text/html"):
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-security-policy"]
                    headers.append((b"content-security-policy", PAGE_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _buffer_body(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        """Read the whole body (at most ``max_body`` bytes); a receive that replays it, or None after a 413."""
        too_large = f"request body exceeds the limit of {self.max_body:,} bytes"
        declared = next((v for k, v in scope.get("headers", ()) if k == b"content-length"), None)
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_body:
            await _answer(send, 413, too_large)
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                chunks = []
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _answer(send, 413, too_large)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        done = False

        async def replay() -> dict[str, Any]:
            nonlocal done
            if done:
                return await receive()  # http.disconnect when the client goes
            done = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay

    async def _refuse(self, send: Any, raw: bytes | None) -> None:
        shown = "none" if raw is None else repr(raw.decode("latin-1")[:100])
        await _answer(send, 400, f"Host header {shown} is not allowed: this server answers for "
                                 f"{', '.join(sorted(self.allowed or ()))}; start it with --allow-host NAME to add a name")


async def _answer(send: Any, status: int, message: str) -> None:
    body = orjson.dumps({"error": message})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
