"""Visual commands: chart, map, animate, report (thin layers over :mod:`frontlines.reports`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, plain, print_json
from frontlines.errors import UsageError
from frontlines.times import parse_user_time

CHARTS = ("area", "change", "regions", "region")


def _check_chart(kind: str) -> str:
    if kind not in CHARTS:
        raise UsageError(f"unknown chart {kind!r}: choose area, change or regions", field="KIND", value=kind)
    return kind


def _check_step(value: str) -> str:
    from frontlines.reports.animate import parse_step

    parse_step(value)  # raises UsageError
    return value


def _done(out: Path, started: float, as_json: bool, extra: dict | None = None) -> None:
    doc = {"out": str(out), "bytes": out.stat().st_size, "seconds": round(time.perf_counter() - started, 2), **(extra or {})}
    if as_json:
        print_json(doc)
    else:
        console.print(f"wrote {plain(out)} ({doc['bytes']:,} bytes, {doc['seconds']} s)")


def chart_cmd(
    kind: Annotated[str, typer.Argument(callback=_check_chart,
                                        help="area (area held over time), change (gained / lost per period) or regions (per-region bars).")],
    start: o.From,
    end: o.To,
    out: o.ImageOut,
    store: o.Store = None,
    source: o.Source = None,
    layer: o.Layer = None,
    freq: o.Freq = None,
    compare: Annotated[Optional[list[str]], typer.Option("--compare", help="Another source on the same axes (area chart); repeatable.")] = None,
    gross: Annotated[bool, typer.Option("--gross", help="Change chart: sum every step inside a period (all churn).")] = False,
    by: Annotated[Optional[str], typer.Option("--by", help="Regions chart: a region level of the store's conflict (default: the coarsest).")] = None,
    tz: o.Tz = "UTC",
    dpi: o.Dpi = 100,
    as_json: o.Json = False,
) -> None:
    """A chart as PNG or SVG: area over time, gains and losses per period, or per-region bars."""
    from frontlines.reports import charts
    from frontlines.reports.style import close, save_figure
    from frontlines.service.reporting import auto_freq

    t = time.perf_counter()
    st = service.open_reader(store)
    freq = freq or auto_freq(parse_user_time(start, tz=tz, end_of_day=False), parse_user_time(end, tz=tz))
    conflict = service.conflict_of(st, service.select(st, source, layer).source)
    sides = {s.id: s.name() for s in conflict.sides}  # legends and titles name the actor
    if kind == "area":
        docs, times = [], {}
        for src in [source, *(compare or [])]:
            sel = service.select(st, src, layer)
            docs.append(service.series(st, start=start, end=end, freq=freq, source=sel.source, layer=str(sel.layer), tz=tz).as_dict())
            times[sel.source] = sel.times
        fig = charts.area_chart(docs, snapshot_times=times, sides=sides)
    elif kind == "change":
        fig = charts.change_bars(service.series(st, start=start, end=end, freq=freq, source=source, layer=layer, tz=tz).as_dict(),
                                 gross=gross, sides=sides)
    elif kind in ("regions", "region"):
        by = by or conflict.level_kinds[0]
        fig = charts.region_bars(service.change(st, start=start, end=end, source=source, layer=layer, by=by, tz=tz).as_dict(),
                                 sides=sides)
    else:  # unreachable from the command line: _check_chart ran first
        raise UsageError(f"unknown chart {kind!r}: choose area, change or regions", field="KIND", value=kind)
    save_figure(fig, out, dpi=dpi)
    close(fig)
    _done(out, t, as_json, {"chart": kind, "freq": freq})


def map_cmd(
    out: o.ImageOut,
    start: o.OptFrom = None,
    end: o.OptTo = None,
    at: o.OptAt = None,
    store: o.Store = None,
    source: o.Source = None,
    layer: o.Layer = None,
    bbox: o.Bbox = None,
    region: o.RegionName = None,
    front: Annotated[bool, typer.Option("--front/--no-front", help="Draw the front lines (control layers).")] = True,
    tz: o.Tz = "UTC",
    dpi: o.Dpi = 100,
    as_json: o.Json = False,
) -> None:
    """A change map (--from/--to: ground gained and lost) or a map of every layer on one date (--at)."""
    from frontlines.reports import maps
    from frontlines.reports.style import close, save_figure

    t = time.perf_counter()
    st = service.open_reader(store)
    if at is not None:
        if start or end:
            raise UsageError("give either --at (one date) or --from and --to (a change), not both")
        state = service.state_map_inputs(st, at=at, source=source, layer=layer, bbox=bbox, region=region,
                                         front=front, tz=tz)
        fig = maps.state_map(state.source, state.at.isoformat().replace("+00:00", "Z"), dict(state.layers),
                             furniture=dict(state.furniture), extent=state.extent, areas=dict(state.areas),
                             front=state.front, context_places=list(state.context), published_at=state.map_time)
        extra = {"map": "state", "layers": list(state.layers)}
    else:
        if not (start and end):
            raise UsageError("give --from and --to (a change map) or --at (the layers on one date)")
        m = service.change_map_inputs(st, start=start, end=end, source=source, layer=layer, bbox=bbox, region=region,
                                      front=front, tz=tz)
        fig = maps.change_map(m.change, held_before=m.held_before, furniture=dict(m.furniture), extent=m.extent,
                              front_before=m.front_before, front_after=m.front_after,
                              settlements=maps.as_settlements(m.places), context_places=list(m.context))
        doc = m.change.as_dict()
        extra = {"map": "change", "gained_km2": doc["gained_km2"], "lost_km2": doc["lost_km2"], "net_km2": doc["net_km2"]}
    save_figure(fig, out, dpi=dpi)
    close(fig)
    _done(out, t, as_json, extra)


ANIMATION_FORMATS = ("mp4", "gif")


def _animation_out(value: Optional[Path]) -> Optional[Path]:
    """``--out``: a .mp4 or .gif file, or a name without a suffix (the format's suffix is added)."""
    if value is not None and value.suffix and value.suffix.lower() not in (".mp4", ".gif"):
        raise UsageError(f"--out {value}: unsupported animation type {value.suffix}; use .mp4 or .gif "
                         "(or --format gif)", field="--out", path=value)
    return o.new_file("--out")(value)


def animation_path(out: Path, fmt: Optional[str]) -> Path:
    """The file an animation is written to: ``--format`` (mp4 by default) must agree with ``--out``'s suffix.

    ``-o kharkiv`` writes ``kharkiv.mp4``; ``-o kharkiv --format gif`` writes ``kharkiv.gif``;
    ``-o kharkiv.gif`` writes a GIF; ``-o kharkiv.gif --format mp4`` is a usage error.
    """
    suffix = out.suffix.lower().lstrip(".")
    if fmt is not None and fmt not in ANIMATION_FORMATS:
        raise UsageError(f"--format {fmt!r}: choose mp4 or gif", field="--format", value=fmt)
    if suffix in ANIMATION_FORMATS:
        if fmt is not None and fmt != suffix:
            raise UsageError(f"--out {out} is a .{suffix} but --format is {fmt}", field="--format", value=fmt)
        return out
    return out.with_name(out.name + "." + (fmt or "mp4"))


def animate_cmd(
    start: o.From,
    end: o.To,
    out: Annotated[Path, typer.Option("--out", "-o", callback=_animation_out,
                                      help="Output file: .mp4 (H.264, the default when no suffix is given) or .gif.")],
    store: o.Store = None,
    source: o.Source = None,
    layer: o.Layer = None,
    step: Annotated[str, typer.Option("--step", callback=_check_step, help="Time between frames: 1d, 12h, 1w ...")] = "1d",
    fps: Annotated[float, typer.Option("--fps", callback=o.finite("--fps", 0.1, 60), help="Frames per second.")] = 4.0,
    bbox: o.Bbox = None,
    region: o.RegionName = None,
    fmt: Annotated[Optional[str], typer.Option("--format", help="mp4 (default: small, plays everywhere) or gif "
                                               "(optimised: shared palette, repeated frames merged).")] = None,
    tz: o.Tz = "UTC",
    as_json: o.Json = False,
) -> None:
    """An animation (MP4 by default, or GIF) of a layer, one frame per step: front line, key towns, the date large,
    and a running counter of ground gained and lost."""
    from frontlines.reports import animate

    out = animation_path(out, fmt)
    t = time.perf_counter()
    st = service.open_reader(store)
    times = animate.frame_times(parse_user_time(start, tz=tz), parse_user_time(end, tz=tz), animate.parse_step(step))
    anim = service.animation_inputs(st, times, start=start, end=end, source=source, layer=layer, bbox=bbox,
                                    region=region, tz=tz)
    result = animate.animate(anim.frames, out, source=anim.source, layer=anim.layer, extent=anim.extent,
                             furniture=dict(anim.furniture), context_places=list(anim.context), fps=fps,
                             period=(start, end))
    _done(out, t, as_json, {k: v for k, v in result.items() if k not in ("out", "map_px")})


def report_cmd(
    start: o.From,
    end: o.To,
    out: o.HtmlOut,
    store: o.Store = None,
    source: o.Source = None,
    layer: o.Layer = None,
    region: o.RegionName = None,
    bbox: o.Bbox = None,
    freq: o.Freq = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Report title (default: what and when).")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print a PDF next to the HTML with headless Chromium.")] = False,
    tz: o.Tz = "UTC",
    as_json: o.Json = False,
) -> None:
    """One self-contained HTML file: figures, change map, charts, regions, settlements, data quality, method."""
    from frontlines.reports import html
    t = time.perf_counter()
    st = service.open_reader(store)
    inputs = service.report_inputs(st, start=start, end=end, source=source, layer=layer, region=region, bbox=bbox,
                                  freq=freq, tz=tz)
    path = html.write_report(inputs, out, title=title)
    doc = inputs.change.as_dict()
    extra: dict = {k: doc[k] for k in ("gained_km2", "lost_km2", "net_km2")}
    if pdf:
        extra["pdf"] = str(html.to_pdf(path, path.with_suffix(".pdf")))
    _done(path, t, as_json, extra)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("chart")(chart_cmd)
    app.command("map")(map_cmd)
    app.command("animate")(animate_cmd)
    app.command("report")(report_cmd)
