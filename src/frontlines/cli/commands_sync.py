"""``frontlines sync``: keep a store current from DeepStateMap and ISW."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, plain, print_json
from frontlines.errors import SourceError, UsageError
from frontlines.times import parse_user_time


def base_urls(values: Optional[list[str]], sources: list[str]) -> dict[str, str]:
    """``--base-url URL`` (one source) or ``--base-url SOURCE=URL`` (repeatable) as source -> URL."""
    out: dict[str, str] = {}
    for value in values or []:
        name, sep, url = value.partition("=")
        if sep and name in service.SYNC_SOURCES:
            out[name] = url
        elif len(sources) == 1:
            out[sources[0]] = value
        else:
            raise UsageError(f"--base-url {value!r}: with several sources write SOURCE=URL "
                             f"(sources: {', '.join(service.SYNC_SOURCES)})", field="--base-url", value=value)
    for name, url in out.items():
        service.base_url_of(name, url)  # checks the scheme
    return out


def _sources(source: Optional[list[str]], all_: bool) -> list[str]:
    names = list(dict.fromkeys(source or []))
    if all_:
        if names:
            raise UsageError("give sources or --all, not both", field="--all")
        return list(service.SYNC_SOURCES)
    if not names:
        raise UsageError(f"name a source ({', '.join(service.SYNC_SOURCES)}) or give --all", field="SOURCE")
    for n in names:
        if n not in service.SYNC_SOURCES:
            raise UsageError(f"unknown sync source {n!r}; known: {', '.join(service.SYNC_SOURCES)}", field="SOURCE", value=n)
    return names


def _since(value: Optional[str]) -> Optional[str]:
    return o.time_option("--since")(value)


def _print_summary(rep: dict) -> None:
    name = rep["source"]
    if rep["dry_run"]:
        console.print(f"[bold]{name}[/]: {rep['listed']} listed, {rep['already_stored']} already stored; "
                      f"would fetch {len(rep['would_fetch'])}")
        for url in rep["would_fetch"][:20]:
            console.print(f"  {plain(url)}")
        if len(rep["would_fetch"]) > 20:
            console.print(f"  ... and {len(rep['would_fetch']) - 20} more")
    elif rep["not_modified"]:
        console.print(f"[bold]{name}[/]: not modified since the last sync (nothing fetched)")
    else:
        console.print(
            f"[bold]{name}[/]: [green]{rep['new_snapshots']} new snapshots[/] ({rep['already_stored']} already stored of "
            f"{rep['listed']} listed); {rep['bytes'] / 1e6:,.1f} MB in {rep['requests']} requests, "
            f"{rep['retries']} retries, {len(rep['failures'])} failures; newest map time {rep['newest_map_time'] or '–'}"
            + (f"; {rep['redraw_steps']} steps classified for redraws" if rep["redraw_steps"] else "")
        )
    for w in rep["warnings"][:10]:
        console.print(f"  [yellow]warning:[/] {plain(w)}")
    if rep["unknown_classes"]:
        names = "; ".join(f"{k!r} ×{v}" for k, v in list(rep["unknown_classes"].items())[:12])
        console.print(f"  [yellow]unknown classes (not measured):[/] {plain(names)}")
    for f in rep["failures"][:20]:
        console.print(f"  [red]failed:[/] {plain(f['item'])}: {plain(f['error'])}")


def sync_cmd(
    source: Annotated[Optional[list[str]], typer.Argument(help="deepstate and/or isw.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every configured source.")] = False,
    store: o.Store = None,
    since: Annotated[Optional[str], typer.Option("--since", callback=_since, help="Only versions / edits at or after this date or ISO time (UTC).")] = None,
    base_url: Annotated[Optional[list[str]], typer.Option(
        "--base-url", help="Base URL (mirrors, tests): URL for one source, or SOURCE=URL (repeatable). "
                           "Settings: $FRONTLINES_DEEPSTATE_URL, $FRONTLINES_ISW_URL.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be fetched; write nothing.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", callback=o.at_least("--timeout", 0, above=True), help="Seconds per request.")] = 30.0,
    retries: Annotated[int, typer.Option("--retries", callback=o.at_least("--retries", 0), help="Retries per request (exponential backoff with jitter).")] = 4,
    rate: Annotated[float, typer.Option("--rate", callback=o.at_least("--rate", 0), help="Requests per second at most (0: no limit).")] = 2.0,
    concurrency: Annotated[int, typer.Option("--concurrency", callback=o.at_least("--concurrency", 1), help="Requests in flight at once.")] = 2,
    batch: Annotated[int, typer.Option("--batch", callback=o.at_least("--batch", 1), help="Versions stored per transaction.")] = 8,
    page_size: Annotated[int, typer.Option("--page-size", callback=o.at_least("--page-size", 1), help="ArcGIS features per page.")] = 2000,
    webmap_url: Annotated[Optional[str], typer.Option(
        "--webmap-url", help="isw: also search this web map's operational layers (.../content/items/<id>/data).")] = None,
    no_redraws: Annotated[bool, typer.Option(
        "--no-redraws", help="Leave the new steps' redraw classification and the change faces to "
                             "`frontlines derive --redraws` (queries fall back to slower paths until then).")] = False,
    as_json: o.Json = False,
) -> None:
    """Fetch new map versions from DeepStateMap and ISW into the store (resumable; see README)."""
    names = _sources(source, all_)
    urls = base_urls(base_url, names)
    settings = service.FetchSettings(timeout=timeout, retries=retries, backoff=1.0, rate=rate, concurrency=concurrency)
    since_t = parse_user_time(since, end_of_day=False) if since else None
    reports = []
    path = store or service.default_store_path()
    if dry_run:
        st = service.open_reader(path) if Path(path).exists() else None
    else:
        st = service.open_writer(path)
    try:
        for name in names:
            opts = service.SyncOptions(base_url=urls.get(name), since=since_t, dry_run=dry_run, fetch=settings,
                                       batch=batch, page_size=page_size, webmap_url=webmap_url, redraws=not no_redraws)
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          TextColumn("{task.fields[item]}"), console=console, transient=True,
                          disable=as_json) as bar:
                task = bar.add_task(f"sync {name}", total=None, item="")
                rep = service.sync(st, name, options=opts,
                                   progress=lambda n, total, item: bar.update(task, completed=n, total=total, item=item))
            reports.append(rep.as_dict())
    finally:
        if st is not None:
            st.close()
    if as_json:
        print_json({"sync": reports})
    else:
        for rep in reports:
            _print_summary(rep)
    failed = sum(len(r["failures"]) for r in reports)
    if failed:  # exit status 1 with one line; what did succeed is stored
        raise SourceError(f"sync: {failed} item(s) failed (listed above); run again to retry them")


def register(app: typer.Typer) -> None:
    """Add ``sync``."""
    app.command("sync")(sync_cmd)
