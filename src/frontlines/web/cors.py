"""The CORS policy: no cross-origin reads unless the server is started with origins to allow.

Why not ``*`` by default: ``frontlines serve`` usually runs on the user's own machine, on
a store that may hold maps they ingested themselves. With ``Access-Control-Allow-Origin: *``
any web page the user visits could ``fetch("http://127.0.0.1:8000/api/...")`` and read
that store: the Host check (:mod:`frontlines.web.guard`) stops DNS rebinding, and
withholding CORS headers stops plain cross-origin reads. A public deployment of public data
can allow every origin (``cors_origins=("*",)``, ``--cors-origin '*'``) or a list of them.

Allowed origins may only read: ``GET`` and ``HEAD``, no credentials (cookies are not used,
and the ingest token never leaves same-origin clients). A preflight from an allowed origin
is answered 200 with the allowed method and headers; from any other origin, or for another
method, 400 ``{"error": ...}`` and no CORS headers, so the browser blocks the request.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response

__all__ = ["CORS_MAX_AGE", "add_cors", "cors_middleware_options"]

#: Seconds a browser may cache a preflight answer.
CORS_MAX_AGE = 600


class _JsonErrorCORS(CORSMiddleware):
    """Starlette's CORS middleware whose refused preflights answer ``{"error": ...}``."""

    def preflight_response(self, request_headers: Any) -> Response:
        resp = super().preflight_response(request_headers)
        if resp.status_code < 400:
            return resp
        reason = resp.body.decode("utf-8", "replace") if isinstance(resp.body, bytes) else "refused"
        return JSONResponse({"error": f"cross-origin request refused: {reason} (this server allows GET and HEAD "
                                      f"from its --cors-origin list only)"}, status_code=resp.status_code)


def cors_middleware_options(origins: tuple[str, ...]) -> dict[str, Any]:
    """Keyword arguments of the CORS middleware for ``origins``.

    >>> cors_middleware_options(("*",))["allow_methods"]
    ('GET', 'HEAD')
    """
    return {"allow_origins": tuple(o.rstrip("/") for o in origins), "allow_methods": ("GET", "HEAD"),
            "allow_headers": (), "allow_credentials": False, "max_age": CORS_MAX_AGE}


def add_cors(app: Any, origins: tuple[str, ...]) -> None:
    """Install the policy on ``app`` (nothing when ``origins`` is empty: same origin only)."""
    if origins:
        app.add_middleware(_JsonErrorCORS, **cors_middleware_options(origins))
