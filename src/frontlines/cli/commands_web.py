"""``frontlines serve``: the dashboard and HTTP API on a local port."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import err_console
from frontlines.errors import FrontlinesError, UsageError

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: Default worker processes and read connections per process (see bench/load_test.py). A request
#: holds a read connection while it works, and its work is CPU: two per process keep two cores
#: busy without a long request sharing its core with many others (requests past that wait their
#: turn; the slow kinds run in the heavy pool, ``--heavy-workers``).
DEFAULT_WORKERS = 2
DEFAULT_READERS = 2
#: Memory for cached responses, shared out between the worker processes.
RESPONSE_CACHE_BYTES = 256 * 1024 * 1024


def gzip_answers(host: str, gzip: bool | None) -> bool:
    """Whether ``serve`` compresses its answers: ``--gzip`` / ``--no-gzip``, else when it is reachable from
    other machines (``host`` not loopback; on loopback compressing only costs CPU)."""
    return host not in _LOOPBACK if gzip is None else gzip


def serve_cmd(
    store: o.Store = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind (default loopback only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="TCP port.")] = 8000,
    token: Annotated[Optional[str], typer.Option(
        "--token", envvar="FRONTLINES_TOKEN",
        help="Enable POST /api/ingest, which then needs 'Authorization: Bearer TOKEN' (also $FRONTLINES_TOKEN).")] = None,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", min=1, help="Largest upload accepted (MB).")] = 256,
    readers: Annotated[int, typer.Option("--readers", min=1, max=64, help="Read connections to the store, per worker process: requests it works on at once.")] = DEFAULT_READERS,
    workers: Annotated[int, typer.Option("--workers", min=1, max=16, help="Server processes (each with its own readers and caches).")] = DEFAULT_WORKERS,
    allow_host: Annotated[Optional[list[str]], typer.Option(
        "--allow-host",
        help="Also answer requests whose Host header names this host (repeatable; '*' = any). "
             "By default only the bound address, localhost, 127.0.0.1 and [::1] are answered (DNS rebinding).")] = None,
    cors_origin: Annotated[Optional[list[str]], typer.Option(
        "--cors-origin", help="Let pages of this origin read the API with GET (repeatable; '*' = any). Default: none.")] = None,
    heavy_workers: Annotated[int, typer.Option("--heavy-workers", min=1, max=16,
                                               help="Processes for expensive requests (by=, depth, settlements), per worker.")] = 1,
    heavy_queue: Annotated[int, typer.Option("--heavy-queue", min=0, max=1000,
                                             help="Expensive requests that may wait for one (more get 503 + Retry-After).")] = 6,
    heavy_budget: Annotated[float, typer.Option("--heavy-budget", min=0.1, max=3600,
                                                help="Seconds an expensive request may take, waiting included (then 504).")] = 60.0,
    gzip: Annotated[Optional[bool], typer.Option(
        "--gzip/--no-gzip",
        help="Compress answers of 1 KB or more for clients that accept gzip. Default: on when --host is not loopback.")] = None,
    sync_every: Annotated[Optional[str], typer.Option(
        "--sync-every", help="Keep the store current: sync now and then every INTERVAL (90s, 15m, 1h, 1d); one sync at a time.")] = None,
    sync_source: Annotated[Optional[list[str]], typer.Option("--sync", help="Source to sync with --sync-every (repeatable; default all).")] = None,
    sync_base_url: Annotated[Optional[list[str]], typer.Option(
        "--sync-base-url", help="Base URL for --sync-every, as for `frontlines sync --base-url`.")] = None,
) -> None:
    """Serve the dashboard and the HTTP API (read-only unless --token is given)."""
    import uvicorn

    from frontlines.web.app import create_app
    from frontlines.web.settings import CONFIG_ENV

    location = service.resolve_store(store)
    syncer = _syncer(location, sync_every, sync_source, sync_base_url)
    if isinstance(location, Path) and not location.exists():
        if syncer is None:
            raise FrontlinesError(f"store {location} does not exist; ingest something first")
        service.open_writer(location).close()  # an empty store the first sync fills
    token = token or None  # an empty $FRONTLINES_TOKEN means read-only
    if token is not None and len(token) < 8:
        raise FrontlinesError("--token must be at least 8 characters")
    allowed = [h for h in (allow_host or []) if h.strip()]
    config = {"store_path": location if isinstance(location, str) else str(location.resolve()), "token": token, "max_upload_bytes": max_upload_mb * 1024 * 1024,
              "pool_size": readers, "host": host, "allowed_hosts": allowed,
              "cache_bytes": RESPONSE_CACHE_BYTES // workers,  # each worker has its own response cache
              "cors_origins": [c for c in (cors_origin or []) if c.strip()], "heavy_workers": heavy_workers,
              "heavy_queue": heavy_queue, "heavy_budget": heavy_budget,
              "gzip": gzip_answers(host, gzip)}
    # Build the app once here even with workers: a bad store or option fails now, not in a worker.
    app = create_app(**config)
    if host not in _LOOPBACK:
        err_console.print(f"[yellow]warning:[/] serving on {host}: reachable from other machines"
                          + ("" if token is None else "; the ingest token travels unencrypted over plain HTTP"))
        if not allowed:
            err_console.print("[yellow]note:[/] only requests with Host "
                              f"{host}, localhost, 127.0.0.1 or [::1] are answered; add the names clients use with --allow-host")
    typer.echo(f"frontlines dashboard on http://{'[' + host + ']' if ':' in host else host}:{port}/  "
               f"(API docs at /docs; {'ingest enabled' if token else 'read-only'}; "
               f"{workers} worker{'s' if workers > 1 else ''} x {readers} readers{'; gzip' if config['gzip'] else ''}; "
               "Ctrl-C stops)")
    log_level = os.environ.get("FRONTLINES_LOG", "warning")
    if syncer is not None:
        typer.echo(f"syncing {', '.join(syncer.sources)} now and every {sync_every} (one sync at a time)")
        syncer.start()
    try:
        if workers == 1:
            uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
            return
        del app
        # Worker processes build their own app from this (inherited) environment variable.
        os.environ[CONFIG_ENV] = json.dumps(config)
        _run_workers(uvicorn.Config("frontlines.web.app:app_from_env", factory=True, workers=workers, host=host, port=port,
                                    log_level=log_level, access_log=False))
    finally:
        if syncer is not None:
            syncer.stop(timeout=5)


def _syncer(path: object, every: Optional[str], sources: Optional[list[str]],
            base_url: Optional[list[str]]) -> Optional[service.PeriodicSync]:
    """The background sync of ``serve --sync-every`` (None without it)."""
    if every is None:
        if sources or base_url:
            raise UsageError("--sync and --sync-base-url need --sync-every", field="--sync-every")
        return None
    from frontlines.cli.commands_sync import base_urls

    interval = service.parse_interval(every)
    names = list(dict.fromkeys(sources or service.SYNC_SOURCES))
    for n in names:
        if n not in service.SYNC_SOURCES:
            raise UsageError(f"unknown sync source {n!r}; known: {', '.join(service.SYNC_SOURCES)}", field="--sync", value=n)
    urls = base_urls(base_url, names)

    def log(rep: service.SyncReport) -> None:
        d = rep.as_dict()
        line = (f"sync {d['source']}: {d['new_snapshots']} new, {len(d['failures'])} failures, "
                f"newest map time {d['newest_map_time'] or '-'}")
        if rep.ok:
            err_console.print(line, markup=False, highlight=False)
        else:
            err_console.print(f"{line}: {d['failures'][0]['error']}", style="yellow", markup=False, highlight=False)

    return service.PeriodicSync(path, names, every=interval, on_report=log,
                                options={n: service.SyncOptions(base_url=urls.get(n)) for n in names})


def _run_workers(config: object) -> None:
    """uvicorn.run(workers=N), but on a listening socket marked as TCP.

    uvicorn binds the shared socket with ``proto`` 0; accepted connections inherit it and
    asyncio then leaves Nagle's algorithm on (it sets TCP_NODELAY only for
    ``proto == IPPROTO_TCP``), so every keep-alive request after the first waits ~40 ms
    for the client's delayed ACK (uvicorn issue #3149). Re-wrapping the descriptor with
    IPPROTO_TCP fixes it; the workers rebuild the socket with the proto it carries.
    """
    import inspect
    import socket

    from uvicorn import Server
    from uvicorn.supervisors import Multiprocess

    sock = config.bind_socket()  # type: ignore[attr-defined]
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        sock.set_inheritable(True)
    kwargs: dict[str, object] = {"sockets": [sock]}
    if "target" in inspect.signature(Multiprocess.__init__).parameters:  # uvicorn < 0.31
        kwargs["target"] = Server(config=config).run  # type: ignore[arg-type]
    try:
        Multiprocess(config, **kwargs).run()  # type: ignore[arg-type]
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


def register(app: typer.Typer) -> None:
    """Add ``serve``."""
    app.command("serve")(serve_cmd)
