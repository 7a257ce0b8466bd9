"""How errors become responses: ``{"error": message}`` with a 4xx status, or 500 for a bug.

:data:`STATUS` maps the error tree of :mod:`frontlines.errors` to HTTP statuses (first
match wins; any other :class:`~frontlines.errors.FrontlinesError` is a bad request, 422).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontlines.errors import (
    FrontlinesError,
    InputTooLargeError,
    SnapshotNotFoundError,
    StoreError,
)

__all__ = ["STATUS", "error_response", "install_error_handlers", "status_of"]

log = logging.getLogger("frontlines.web")

#: (error class, HTTP status), most specific first.
STATUS: tuple[tuple[type[FrontlinesError], int], ...] = (
    (SnapshotNotFoundError, 404),
    (InputTooLargeError, 413),
    (StoreError, 503),
)
#: Status of every other FrontlinesError.
DEFAULT_STATUS = 422


def status_of(exc: FrontlinesError) -> int:
    """The HTTP status of a frontlines error.

    >>> status_of(SnapshotNotFoundError("x")), status_of(FrontlinesError("x"))
    (404, 422)
    """
    return next((status for cls, status in STATUS if isinstance(exc, cls)), DEFAULT_STATUS)


def error_response(status: int, message: str, **extra: Any) -> JSONResponse:
    """``{"error": message, **extra}`` with ``status``."""
    return JSONResponse({"error": message, **extra}, status_code=status)


async def _frontlines_error(request: Request, exc: FrontlinesError) -> JSONResponse:
    # Name the store by its file name only: clients need not learn server paths.
    settings = request.app.state.context.settings
    return error_response(status_of(exc), str(exc).replace(str(settings.store_path), settings.store_name))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    msgs = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "body"))
        msgs.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
    return error_response(422, "; ".join(msgs) or "invalid request", details=validation_details(exc.errors()))


def validation_details(errors: Any) -> list[dict[str, Any]]:
    """The JSON-safe part of pydantic's errors: location, message and type, never the input.

    The rejected input is left out: it may be anything JSON can carry (an integer beyond
    64 bits, a megabyte of text), and the client sent it anyway.

    >>> validation_details([{"loc": ("body", "text"), "msg": "bad", "type": "string_type", "input": 10**30}])
    [{'loc': ['body', 'text'], 'msg': 'bad', 'type': 'string_type'}]
    """
    return [{"loc": [x if isinstance(x, int) and abs(x) < 2**53 else str(x) for x in e.get("loc", ())],
             "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))} for e in errors]


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    resp = error_response(exc.status_code, str(exc.detail))
    for k, v in (exc.headers or {}).items():
        resp.headers[k] = v
    return resp


async def _bug(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - a bug
    log.exception("internal error on %s", request.url.path)
    return error_response(500, f"internal error ({type(exc).__name__}); this is a bug in frontlines")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app`` (which must hold its context on ``app.state.context``)."""
    app.add_exception_handler(FrontlinesError, _frontlines_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    # The one catch-all: anything else is a bug, answered with 500 and logged.
    app.add_exception_handler(Exception, _bug)
