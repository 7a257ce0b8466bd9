"""Commands that fill and inspect the store: ingest, reindex, snapshots, sources, info, export."""

from __future__ import annotations

import datetime as dt
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
from rich.text import Text

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, plain, print_json, table
from frontlines.errors import DateError, LayerError, UsageError
from frontlines.model import LayerKey
from frontlines.service.export import FORMATS, export


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[name]}"), console=console, transient=True,
    )


def _print_report(report: dict, as_json: bool) -> None:
    if as_json:
        print_json(report)
        return
    console.print(
        f"[green]ingested[/] {report['snapshots_added']} snapshots from {report['files_read']} files "
        f"({report['duplicates_skipped']} already stored) in {report['seconds']:.1f} s; "
        f"sources: {plain(', '.join(report['sources'])) or '–'}; {report['first']} .. {report['last']}"
    )
    if report["geometries_repaired"]:
        console.print(f"[yellow]repaired[/] {report['geometries_repaired']} invalid geometries (see `snapshots --json` notes)")
    if report["unknown_classes"]:
        names = "; ".join(f"{k!r} ×{v}" for k, v in list(report["unknown_classes"].items())[:12])
        console.print(f"[yellow]unknown classes (not measured)[/]: {plain(names)}")
    if report["excluded_classes"]:
        names = "; ".join(f"{k} ×{v}" for k, v in report["excluded_classes"].items())
        console.print(f"excluded: {plain(names)}")


def _check_adapter(name: str) -> str:
    if name not in service.ADAPTER_NAMES:
        raise UsageError(f"unknown source {name!r}; known: {', '.join(sorted(service.ADAPTER_NAMES))}",
                         field="ADAPTER", value=name)
    return name


def _check_date(value: Optional[str]) -> Optional[str]:
    if value is not None:
        try:
            service.parse_date_text(value, name="--date")
        except DateError as exc:
            raise UsageError(str(exc), field="--date", value=value) from exc
    return value


def _layer_map(items: Optional[list[str]]) -> dict[str, LayerKey | None]:
    """``VALUE=SIDE:STATUS`` (or ``VALUE=none``) items of ``--map`` as a dict."""
    out: dict[str, LayerKey | None] = {}
    for item in items or []:
        value, sep, key = item.partition("=")
        if not sep:
            raise UsageError(f"--map {item!r} is not VALUE=SIDE:STATUS", field="--map", value=item)
        try:
            out[value] = None if key.strip().lower() == "none" else LayerKey.parse(key)
        except LayerError as exc:
            raise UsageError(f"--map {item!r}: {exc}", field="--map", value=item) from exc
    return out


def _check_map(items: Optional[list[str]]) -> Optional[list[str]]:
    _layer_map(items)
    return items


def ingest_cmd(
    adapter: Annotated[str, typer.Argument(callback=_check_adapter, help=f"Source adapter: {', '.join(service.ADAPTER_NAMES)}.")],
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or .tar[.gz|.xz] archives.")],
    store: o.Store = None,
    source_name: Annotated[Optional[str], typer.Option("--source-name", help="Store under this source id.")] = None,
    conflict: Annotated[str, typer.Option("--conflict", help="Conflict id: a shipped definition (ukraine) or one in $FRONTLINES_CONFLICTS.")] = "ukraine",
    date: Annotated[Optional[str], typer.Option("--date", callback=_check_date, help="files: publication date of every file.")] = None,
    date_field: Annotated[Optional[str], typer.Option("--date-field", help="files: attribute holding the date.")] = None,
    date_from_name: Annotated[Optional[str], typer.Option("--date-from-name", callback=o.regex("--date-from-name"),
                                                          help="files: regex finding the date in the file name.")] = None,
    layer: Annotated[Optional[str], typer.Option("--layer", callback=o.layer_spec("--layer"),
                                                 help="files: layer SIDE:STATUS of every feature.")] = None,
    layer_field: Annotated[Optional[str], typer.Option("--layer-field", help="files: attribute mapped to layers with --map.")] = None,
    mapping: Annotated[Optional[list[str]], typer.Option("--map", callback=_check_map,
                                                         help="files: VALUE=SIDE:STATUS (or VALUE=none), repeatable.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Reject invalid geometry instead of repairing it.")] = False,
    allow_empty: Annotated[bool, typer.Option("--allow-empty", help="Accept maps with no measurable area (only Points, null geometries, nothing) as 0 km².")] = False,
    workers: Annotated[Optional[int], typer.Option("--workers", callback=o.at_least("--workers", 1),
                                                   help="Parser processes (default 2 for folders, else 1); as many threads then dissolve and draw each map, and classify redraws (default 2).")] = None,
    derive: Annotated[str, typer.Option("--derive", callback=o.choice("--derive", ("all", "primary"), "derive mode"),
                                        help="Derive steps and areas of 'all' layers now, or of the 'primary' one (the others with `frontlines derive`).")] = "all",
    as_json: o.Json = False,
) -> None:
    """Read snapshots from files into the store (one transaction: all or nothing)."""
    layer_map = _layer_map(mapping)
    opts = service.IngestOptions(
        now=dt.datetime.now(dt.timezone.utc),
        conflict=conflict,
        source_name=source_name,
        date=service.parse_date_text(date, name="--date") if date else None,
        date_field=date_field,
        date_from_name=date_from_name,
        layer=LayerKey.parse(layer) if layer else None,
        layer_field=layer_field,
        layer_map=layer_map,
        strict=strict,
        allow_empty=allow_empty,
    )
    with service.open_writer(store) as st, _progress() as bar:
        task = bar.add_task(f"ingest {adapter}", total=None, name="")
        report = service.ingest(
            st, adapter, paths, options=opts, workers=workers, derive=derive,
            progress=lambda n, name: bar.update(task, completed=n, name=Path(name.split("!")[-1]).name),
        )
        doc = report.as_dict()
        if derive == "all":
            # A stage of its own, after the ingest's transaction (see `frontlines derive --redraws`); also when
            # every file was stored already, so an ingest stopped during it is completed by running it again.
            bar.update(task, name="classifying redraws")
            doc["redraw_steps"] = service.derive_store_redraws(st, sources=list(report.sources), workers=workers)
    _print_report(doc, as_json)


def reindex_cmd(store: o.Store = None, as_json: o.Json = False,
                everything: Annotated[bool, typer.Option("--everything", help="Re-read every payload, not only those "
                                                        "read by an older adapter version.")] = False) -> None:
    """Re-read the stored raw payloads whose adapter changed since, with the current adapters (one transaction)."""
    from frontlines.service.reindex import reindex

    with service.open_writer(store, create=False) as st, _progress() as bar:
        task = bar.add_task("reindex", total=st.stats()["snapshots"], name="")
        result = reindex(st, progress=lambda n, name: bar.update(task, completed=n, name=name), everything=everything)
    if as_json:
        print_json(result)
    else:
        console.print(f"[green]reindexed[/] {result['snapshots']} snapshots: {result['reread']} re-read, "
                      f"{result['unchanged']} unchanged; areas changed on {result['areas_changed']}")


def snapshots_cmd(store: o.Store = None, source: o.Source = None,
                  limit: Annotated[int, typer.Option("--limit", callback=o.at_least("--limit", 0), help="Show the last N (0: all).")] = 20,
                  as_json: o.Json = False) -> None:
    """List stored snapshots with their time, file and layers."""
    st = service.open_reader(store)
    snaps = service.snapshots(st, source)
    if as_json:
        print_json({"snapshots": snaps})
        return
    shown = snaps[-limit:] if limit else snaps
    rows = [[s["id"], s["source"], s["published_at"], s["file_name"], ", ".join(s["layers"])] for s in shown]
    console.print(table(f"{len(snaps)} snapshots (showing {len(shown)})", ["id", "source", "published_at", "file", "layers"], rows, right={0}))


def sources_cmd(store: o.Store = None, as_json: o.Json = False,
                compare_published: Annotated[bool, typer.Option(
                    "--compare-published", help="DeepState's own per-version area figures beside ours, with the difference.")] = False) -> None:
    """List sources in the store with their coverage and freshness (last fetched, newest map time, stale)."""
    st = service.open_reader(store)
    srcs = service.sources(st)
    fresh = {f["source"]: f for f in service.freshness(st)}
    for s in srcs:
        s["freshness"] = fresh.get(s["source"])
    if compare_published:
        rows = service.compare_published(st)
        if as_json:
            print_json({"source": "deepstate-history", "compared": rows})
            return
        body = [[r["published_at"], _km2(r["published_km2"]), _km2(r["ours_km2"]), _km2(r["difference_km2"]),
                 "–" if r["difference_pct"] is None else f"{r['difference_pct']:+.2f} %"] for r in rows]
        console.print(table(f"DeepState's published occupied area vs ours ({len(rows)} versions)",
                            ["published_at", "DeepState km²", "ours km²", "ours − theirs", "%"], body, right={1, 2, 3, 4}))
        return
    if as_json:
        print_json({"sources": srcs, "store": st.stats()})
        return
    rows = []
    for s in srcs:
        f = s["freshness"] or {}
        state = Text("–") if f.get("stale") is None else (Text("stale", style="red") if f["stale"] else Text("fresh", style="green"))
        rows.append([s["source"], s["snapshots"], s["first"], s["last"], f.get("last_fetched") or "–", state,
                     s["primary_layer"], ", ".join(s["layers"])])
    console.print(table("sources", ["source", "snapshots", "first", "newest map time", "last fetched", "fresh",
                                    "primary", "layers"], rows, right={1}))
    stats = st.stats()
    console.print(
        f"store {plain(stats['path'])}: schema v{stats['schema_version']}, {stats['parts']} distinct parts, "
        f"payloads {stats['payload_raw_bytes'] / 1e6:,.1f} MB raw -> {stats['payload_stored_bytes'] / 1e6:,.1f} MB stored"
    )


def _km2(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def export_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", callback=o.choice("--format", FORMATS, "export format"), help=f"One of {', '.join(FORMATS)}.")],
    out: Annotated[Path, typer.Option("--out", "-o", callback=o.new_file("--out"), help="Output file.")],
    store: o.Store = None,
    source: o.Source = None,
    layer: o.Layer = None,
) -> None:
    """Export every (snapshot, layer) with its area and geometry for QGIS or pandas."""
    st = service.open_reader(store)
    n = export(st, fmt=fmt, out=out, source=source, layer=LayerKey.parse(layer) if layer else None)
    console.print(f"[green]wrote[/] {n} rows to {plain(out)}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("ingest")(ingest_cmd)
    app.command("reindex")(reindex_cmd)
    app.command("snapshots")(snapshots_cmd)
    app.command("sources")(sources_cmd)
    app.command("export")(export_cmd)
