"""Visual commands: chart, map, animate, report (thin layers over :mod:`frontlines.reports`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, print_json
from frontlines.errors import FrontlinesError
from frontlines.times import FREQS, parse_user_time

Out = Annotated[Path, typer.Option("--out", "-o", help="Output file; the suffix picks the format.")]
Bbox = Annotated[Optional[str], typer.Option("--bbox", help="View WEST,SOUTH,EAST,NORTH in degrees.")]
RegionName = Annotated[Optional[str], typer.Option("--region", help="Zoom to a shipped oblast, raion or hromada by name.")]
OptFrom = Annotated[Optional[str], typer.Option("--from", help="Start date or ISO time.")]
OptTo = Annotated[Optional[str], typer.Option("--to", help="End date or ISO time.")]
OptAt = Annotated[Optional[str], typer.Option("--at", help="Date or ISO time (a map of every layer).")]
Freq = Annotated[Optional[str], typer.Option("--freq", help=f"One of {', '.join(FREQS)} (default: by the period's length).")]
Dpi = Annotated[int, typer.Option("--dpi", help="Pixels per inch of PNG output (figures are 10 in wide).")]


def _done(out: Path, started: float, as_json: bool, extra: dict | None = None) -> None:
    doc = {"out": str(out), "bytes": out.stat().st_size, "seconds": round(time.perf_counter() - started, 2), **(extra or {})}
    if as_json:
        print_json(doc)
    else:
        console.print(f"wrote {out} ({doc['bytes']:,} bytes, {doc['seconds']} s)")


def chart_cmd(
    kind: Annotated[str, typer.Argument(help="area (area held over time), change (gained / lost per period) or regions (per-region bars).")],
    start: o.From,
    end: o.To,
    out: Out,
    store: o.Store = None,
    source: o.Source = None,
    layer: o.Layer = None,
    freq: Freq = None,
    compare: Annotated[Optional[list[str]], typer.Option("--compare", help="Another source on the same axes (area chart); repeatable.")] = None,
    gross: Annotated[bool, typer.Option("--gross", help="Change chart: sum every step inside a period (all churn).")] = False,
    by: Annotated[str, typer.Option("--by", help="Regions chart: oblast, raion or hromada.")] = "oblast",
    tz: o.Tz = "UTC",
    dpi: Dpi = 100,
    as_json: o.Json = False,
) -> None:
    """A chart as PNG or SVG: area over time, gains and losses per period, or per-region bars."""
    from frontlines.reports import charts
    from frontlines.reports.style import close, save_figure
    from frontlines.service.report_inputs import auto_freq

    t = time.perf_counter()
    st = service.open_reader(store)
    freq = freq or auto_freq(parse_user_time(start, tz=tz, end_of_day=False), parse_user_time(end, tz=tz))
    if kind == "area":
        docs, times = [], {}
        for src in [source, *(compare or [])]:
            sel = service.select(st, src, layer)
            docs.append(service.series(st, start=start, end=end, freq=freq, source=sel.source, layer=str(sel.layer), tz=tz))
            times[sel.source] = sel.times
        fig = charts.area_chart(docs, snapshot_times=times)
    elif kind == "change":
        fig = charts.change_bars(service.series(st, start=start, end=end, freq=freq, source=source, layer=layer, tz=tz), gross=gross)
    elif kind in ("regions", "region"):
        fig = charts.region_bars(service.change(st, start=start, end=end, source=source, layer=layer, by=by, tz=tz))
    else:
        raise FrontlinesError(f"unknown chart {kind!r}: choose area, change or regions")
    save_figure(fig, out, dpi=dpi)
    close(fig)
    _done(out, t, as_json, {"chart": kind, "freq": freq})


def map_cmd(
    out: Out,
    start: OptFrom = None,
    end: OptTo = None,
    at: OptAt = None,
    store: o.Store = None,
    source: o.Source = None,
    layer: o.Layer = None,
    bbox: Bbox = None,
    region: RegionName = None,
    front: Annotated[bool, typer.Option("--front/--no-front", help="Draw the front lines (control layers).")] = True,
    tz: o.Tz = "UTC",
    dpi: Dpi = 100,
    as_json: o.Json = False,
) -> None:
    """A change map (--from/--to: ground gained and lost) or a map of every layer on one date (--at)."""
    from frontlines.reports import maps
    from frontlines.reports.style import close, save_figure
    from frontlines.service import report_inputs as gather

    t = time.perf_counter()
    st = service.open_reader(store)
    reg = gather.resolve_region(region) if region else None
    if at is not None:
        if start or end:
            raise FrontlinesError("give either --at (one date) or --from and --to (a change), not both")
        sel = service.select(st, source, layer)
        info, primary = service.layer_geometry(st, at=at, source=sel.source, layer=str(sel.layer), tz=tz)
        layers, areas = {}, {}
        for key in info.layers:
            try:
                layers[str(key)] = service.layer_geometry(st, at=at, source=sel.source, layer=str(key), tz=tz)[1]
                areas[str(key)] = service.area(st, at=at, source=sel.source, layer=str(key), tz=tz)["area_km2"]
            except FrontlinesError:
                continue
        ext = gather.view_extent(bbox=bbox, region=reg, around=tuple(layers.values()) if bbox is None and reg is None else ())
        fr = gather.front_line(st, at=at, source=sel.source, layer=str(sel.layer)) if front else None
        fig = maps.state_map(sel.source, parse_user_time(at, tz=tz).isoformat().replace("+00:00", "Z"), layers,
                             furniture=gather.furniture(ext), extent=ext, areas=areas,
                             front=fr["geometry"] if fr else None, context_places=gather.context_places(ext),
                             published_at=info.as_dict()["published_at"])
        extra = {"map": "state", "layers": list(layers)}
    else:
        if not (start and end):
            raise FrontlinesError("give --from and --to (a change map) or --at (the layers on one date)")
        doc = service.change(st, start=start, end=end, source=source, layer=layer, tz=tz, geometry=True)
        held = service.layer_geometry(st, at=start, source=doc["source"], layer=doc["layer"], tz=tz)[1]
        ext = gather.view_extent(bbox=bbox, region=reg, around=(doc["gained"], doc["lost"]), fallback=held)
        fb = fa = None
        if front:
            fb = gather.front_line(st, at=start, source=doc["source"], layer=doc["layer"])
            fa = gather.front_line(st, at=end, source=doc["source"], layer=doc["layer"])
        places = gather.changed_places(doc["gained"], doc["lost"])
        fig = maps.change_map(doc, held_before=held, furniture=gather.furniture(ext), extent=ext,
                              front_before=fb["geometry"] if fb else None, front_after=fa["geometry"] if fa else None,
                              settlements=gather.as_settlements(places),
                              context_places=gather.context_places(ext, exclude={p["short_name"] for p in places}))
        extra = {"map": "change", "gained_km2": doc["gained_km2"], "lost_km2": doc["lost_km2"], "net_km2": doc["net_km2"]}
    save_figure(fig, out, dpi=dpi)
    close(fig)
    _done(out, t, as_json, extra)


def animate_cmd(
    start: o.From,
    end: o.To,
    out: Out,
    store: o.Store = None,
    source: o.Source = None,
    layer: o.Layer = None,
    step: Annotated[str, typer.Option("--step", help="Time between frames: 1d, 12h, 1w ...")] = "1d",
    fps: Annotated[float, typer.Option("--fps", help="Frames per second.")] = 4.0,
    bbox: Bbox = None,
    region: RegionName = None,
    tz: o.Tz = "UTC",
    as_json: o.Json = False,
) -> None:
    """An animation (GIF or MP4) of a layer, one frame per step, with a running counter of ground gained."""
    from frontlines.reports import animate
    from frontlines.service import report_inputs as gather

    t = time.perf_counter()
    st = service.open_reader(store)
    sel = service.select(st, source, layer)
    t0, t1 = parse_user_time(start, tz=tz), parse_user_time(end, tz=tz)
    times = animate.frame_times(t0, t1, animate.parse_step(step))
    reg = gather.resolve_region(region) if region else None
    if bbox is None and reg is None:
        doc = service.change(st, start=start, end=end, source=sel.source, layer=str(sel.layer), tz=tz, geometry=True)
        held = service.layer_geometry(st, at=start, source=sel.source, layer=str(sel.layer), tz=tz)[1]
        ext = gather.view_extent(around=(doc["gained"], doc["lost"]), fallback=held)
    else:
        ext = gather.view_extent(bbox=bbox, region=reg)
    result = animate.animate(gather.layer_states(st, times, source=sel.source, layer=str(sel.layer)), out,
                             source=sel.source, layer=str(sel.layer), extent=ext, furniture=gather.furniture(ext),
                             context_places=gather.context_places(ext), fps=fps)
    _done(out, t, as_json, {k: v for k, v in result.items() if k != "out"})


def report_cmd(
    start: o.From,
    end: o.To,
    out: Out,
    store: o.Store = None,
    source: o.Source = None,
    layer: o.Layer = None,
    region: RegionName = None,
    bbox: Bbox = None,
    freq: Freq = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Report title (default: what and when).")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print a PDF next to the HTML with headless Chromium.")] = False,
    tz: o.Tz = "UTC",
    as_json: o.Json = False,
) -> None:
    """One self-contained HTML file: figures, change map, charts, regions, settlements, data quality, method."""
    from frontlines.reports import html
    from frontlines.service import report_inputs as gather

    t = time.perf_counter()
    st = service.open_reader(store)
    inputs = gather.report_inputs(st, start=start, end=end, source=source, layer=layer, region=region, bbox=bbox,
                                  freq=freq, tz=tz)
    path = html.write_report(inputs, out, title=title)
    extra: dict = {"gained_km2": inputs.change["gained_km2"], "lost_km2": inputs.change["lost_km2"],
                   "net_km2": inputs.change["net_km2"]}
    if pdf:
        extra["pdf"] = str(html.to_pdf(path, path.with_suffix(".pdf")))
    _done(path, t, as_json, extra)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("chart")(chart_cmd)
    app.command("map")(map_cmd)
    app.command("animate")(animate_cmd)
    app.command("report")(report_cmd)
