"""Analytic commands: area, change, series."""

from __future__ import annotations

from typing import Annotated

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import (
    console,
    err_console,
    km2,
    plain,
    print_json,
    signed,
    table,
)
from frontlines.geojson_out import write_change_geojson
from frontlines.times import FREQS


def _region_table(doc: dict, keys: list[str], title: str) -> None:
    rows = []
    for r in doc["regions"]:
        if not any(r.get(k) for k in keys):
            continue
        rows.append([r["name"], *[km2(r.get(k)) if k != "share" else f"{100 * (r.get(k) or 0):.1f} %" for k in keys]])
    if rows:
        console.print(table(title, ["region", *keys], rows, right=set(range(1, len(keys) + 1))))


Strict = Annotated[bool, typer.Option("--strict", help="Fail (exit 1) instead of answering with a stale map.")]


def _warn(doc: dict) -> None:
    for line in doc.get("warnings") or ():
        err_console.print(f"[bold yellow]warning:[/] {plain(line)}", highlight=False, soft_wrap=True)


def area_cmd(at: o.At, store: o.Store = None, source: o.Source = None, layer: o.Layer = None, by: o.By = None,
             regions: o.Regions = None, region_field: o.RegionField = None, tz: o.Tz = "UTC", as_json: o.Json = False,
             strict: Strict = False) -> None:
    """Area of a layer on a date (km², WGS84 ellipsoid)."""
    st = service.open_reader(store)
    doc = service.area(st, at=at, source=source, layer=layer, by=by, regions=regions, region_field=region_field, tz=tz,
                       strict=strict).as_dict()
    _warn(doc)
    if as_json:
        print_json(doc)
        return
    snap = doc["snapshot"]
    console.print(f"{plain(doc['source'])} {doc['layer']} at {doc['at']}: [bold]{km2(doc['area_km2'])} km²[/] "
                  f"(snapshot {snap['id']}, map of {snap['map_time']}, {plain(snap['file_name'])})")
    if "regions" in doc:
        _region_table(doc, ["area_km2", "share"], f"by {doc['region_layer']}")


def change_cmd(start: o.From, end: o.To, store: o.Store = None, source: o.Source = None, layer: o.Layer = None,
               by: o.By = None, regions: o.Regions = None, region_field: o.RegionField = None, tz: o.Tz = "UTC",
               geojson: o.GeoJsonOut = None,
               depth: Annotated[bool, typer.Option("--depth", help="Front-line lengths and depth of the ground gained / lost.")] = False,
               include_redraws: o.IncludeRedraws = False,
               as_json: o.Json = False, strict: Strict = False) -> None:
    """Gained, lost and net area of a layer between two dates (map redraws left out: see --include-redraws)."""
    st = service.open_reader(store)
    result = service.change(st, start=start, end=end, source=source, layer=layer, by=by, regions=regions,
                            region_field=region_field, tz=tz, geometry=geojson is not None, depth=depth,
                            include_redraws=include_redraws, strict=strict)
    doc = result.as_dict()
    _warn(doc)
    if geojson is not None:
        write_change_geojson(geojson, result.gained, result.lost, doc,
                             redraws=[(p.geometry, p.as_dict()) for p in result.redraw_pieces])
        doc["geojson"] = str(geojson)
    if as_json:
        print_json(doc)
        return
    console.print(
        f"{plain(doc['source'])} {doc['layer']} {doc['from']} -> {doc['to']} "
        f"(snapshots {doc['from_snapshot']['published_at']} -> {doc['to_snapshot']['published_at']}):\n"
        f"  area {km2(doc['area_from_km2'])} -> {km2(doc['area_to_km2'])} km²\n"
        f"  gained [green]{km2(doc['gained_km2'])}[/] km², lost [red]{km2(doc['lost_km2'])}[/] km², "
        f"net [bold]{signed(doc['net_km2'])}[/] km² ({signed(doc['net_km2_per_day'])} km²/day)"
    )
    if doc["redraw_km2"]:
        how = "left out" if doc["redraws_excluded"] else "included above (--include-redraws)"
        console.print(f"  map redraws {how}: gained {km2(doc['redraw_gained_km2'])} km², lost {km2(doc['redraw_lost_km2'])} km² "
                      f"({len(doc['redraw_pieces'])} pieces; see `frontlines quality`)")
    if "depth" in doc:
        d = doc["depth"]
        fl = d["frontline_km"]
        console.print(f"  front line {fl['from']:,.1f} -> {fl['to']:,.1f} km ({fl['change']:+,.1f} km)")
        for key, label in (("advance", "gained ground"), ("retreat", "lost ground")):
            x = d[key]
            if x.get("max_km"):
                near = x.get("nearest_settlement") or {}
                console.print(f"  depth of {label}: max {x['max_km']:.1f} km, 90th percentile {x['p90_km']:.1f} km, "
                              f"deepest at {x['deepest_point'][1]:.4f}N {x['deepest_point'][0]:.4f}E"
                              + (f" (near {near['name']}, {near['distance_km']:.1f} km)" if near else ""))
    if "regions" in doc:
        _region_table(doc, ["gained_km2", "lost_km2", "net_km2"], f"by {doc['region_layer']}")


def series_cmd(start: o.From, end: o.To,
               freq: Annotated[str, typer.Option("--freq", callback=o.choice("--freq", FREQS, "frequency"), help=f"One of {', '.join(FREQS)}.")] = "month",
               store: o.Store = None, source: o.Source = None, layer: o.Layer = None, by: o.By = None,
               regions: o.Regions = None, region_field: o.RegionField = None, tz: o.Tz = "UTC",
               include_redraws: o.IncludeRedraws = False, as_json: o.Json = False) -> None:
    """Per-period area, gained, lost and net (periods are closed-open; map redraws left out: see --include-redraws)."""
    st = service.open_reader(store)
    doc = service.series(st, start=start, end=end, freq=freq, source=source, layer=layer, by=by, regions=regions,
                         region_field=region_field, tz=tz, include_redraws=include_redraws).as_dict()
    if as_json:
        print_json(doc)
        return
    rows = [[p["start"][:10], p["end"][:10], p["snapshots"], km2(p["area_km2"]), km2(p["gained_km2"]),
             km2(p["lost_km2"]), signed(p["net_km2"]), signed(p["km2_per_day"]), km2(p["redraw_km2"]), _flag(p)]
            for p in doc["periods"]]
    redraw_head = "redraw (in)" if not doc["redraws_excluded"] else "redraw (out)"
    console.print(table(f"{doc['source']} {doc['layer']} per {freq}",
                        ["start", "end", "snaps", "area km²", "gained", "lost", "net", "km²/day", redraw_head, "complete"],
                        rows, right={2, 3, 4, 5, 6, 7, 8}))
    if any(p.get("complete") is False for p in doc["periods"]):
        console.print("[yellow]* incomplete: a boundary map is older than the usual interval (lag in days) "
                      "or days have no map (gap days); the net of such a period moves to its neighbour[/]")


def _flag(p: dict) -> str:
    if p.get("complete") is not False:
        return "yes" if p.get("complete") else ""
    bits = []
    lags = [x for x in (p.get("start_lag_days"), p.get("end_lag_days")) if x is not None]
    if lags and max(lags) > 1:
        bits.append(f"lag {max(lags):.1f} d")
    if p.get("gap_days"):
        bits.append(f"{len(p['gap_days'])} gap days")
    return "no* " + ", ".join(bits)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("area")(area_cmd)
    app.command("change")(change_cmd)
    app.command("series")(series_cmd)
