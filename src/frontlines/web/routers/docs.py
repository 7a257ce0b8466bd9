"""The API docs: ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served from local files.

The scripts and styles come from npm (``swagger-ui-dist``, ``redoc``), copied into
``static/vendor`` by ``scripts/build_web.sh``: the pages load nothing from other hosts, so
the server works offline and the pages keep a strict Content-Security-Policy (set on every
HTML page by :mod:`frontlines.web.guard`). The pages use the system fonts.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

__all__ = ["DOCS_ASSETS", "router"]

router = APIRouter(include_in_schema=False)

#: The local files the two pages load (under /static).
DOCS_ASSETS = (
    "/static/vendor/swagger-ui/swagger-ui.css",
    "/static/vendor/swagger-ui/swagger-ui-bundle.js",
    "/static/docs/swagger-init.js",
    "/static/vendor/redoc/redoc.standalone.js",
)

_SWAGGER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - API docs</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
</head><body data-spec="{spec}">
<div id="swagger-ui"></div>
<noscript>The API docs need JavaScript; the schema itself is at <a href="{spec}">{spec}</a>.</noscript>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/docs/swagger-init.js"></script>
</body></html>
"""

_REDOC = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head><body style="margin:0">
<redoc spec-url="{spec}"></redoc>
<noscript>The API reference needs JavaScript; the schema itself is at <a href="{spec}">{spec}</a>.</noscript>
<script src="/static/vendor/redoc/redoc.standalone.js"></script>
</body></html>
"""


def _page(request: Request, template: str) -> HTMLResponse:
    app = request.app
    html = template.format(title=escape(app.title), spec=escape(app.openapi_url or "/openapi.json"))
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, _SWAGGER)


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    return _page(request, _REDOC)
