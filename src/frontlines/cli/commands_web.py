"""``frontlines serve``: the dashboard and HTTP API on a local port."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from frontlines.cli import options as o
from frontlines.cli.output import err_console
from frontlines.errors import FrontlinesError

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve_cmd(
    store: o.Store = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind (default loopback only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="TCP port.")] = 8000,
    token: Annotated[Optional[str], typer.Option(
        "--token", envvar="FRONTLINES_TOKEN",
        help="Enable POST /api/ingest, which then needs 'Authorization: Bearer TOKEN' (also $FRONTLINES_TOKEN).")] = None,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", min=1, help="Largest upload accepted (MB).")] = 256,
    workers: Annotated[int, typer.Option("--readers", min=1, max=64, help="Read connections to the store.")] = 4,
) -> None:
    """Serve the dashboard and the HTTP API (read-only unless --token is given)."""
    import uvicorn

    from frontlines.store import default_store_path
    from frontlines.web.app import create_app

    path = store or default_store_path()
    if not path.exists():
        raise FrontlinesError(f"store {path} does not exist; ingest something first")
    token = token or None  # an empty $FRONTLINES_TOKEN means read-only
    if token is not None and len(token) < 8:
        raise FrontlinesError("--token must be at least 8 characters")
    app = create_app(path, token=token, max_upload_bytes=max_upload_mb * 1024 * 1024, pool_size=workers)
    if host not in _LOOPBACK:
        err_console.print(f"[yellow]warning:[/] serving on {host}: reachable from other machines"
                          + ("" if token is None else "; the ingest token travels unencrypted over plain HTTP"))
    typer.echo(f"frontlines dashboard on http://{'[' + host + ']' if ':' in host else host}:{port}/  "
               f"(API docs at /docs; {'ingest enabled' if token else 'read-only'}; Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level=os.environ.get("FRONTLINES_LOG", "warning"), access_log=False)


def register(app: typer.Typer) -> None:
    """Add ``serve``."""
    app.command("serve")(serve_cmd)
