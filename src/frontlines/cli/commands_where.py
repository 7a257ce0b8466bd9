"""Where: ``frontline`` and ``settlements``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, plain, print_json, table
from frontlines.geojson_out import feature, write_features


def frontline_cmd(
    at: o.At,
    store: o.Store = None,
    source: o.Source = None,
    layer: o.Layer = None,
    mode: Annotated[str, typer.Option("--contested", callback=o.choice("--contested", service.CONTESTED_MODES, "grey-zone mode"),
                                      help="Grey zone: outer, inner, both or centre.")] = "outer",
    tolerance: Annotated[float, typer.Option("--tolerance-km", callback=o.finite("--tolerance-km", 0, 50),
                                             help="Boundary within this distance of borders and coast is not front.")] = 1.0,
    geojson: o.GeoJsonOut = None,
    tz: o.Tz = "UTC",
    as_json: o.Json = False,
) -> None:
    """The line of contact on a date and its geodesic length."""
    st = service.open_reader(store)
    result = service.frontline(st, at=at, source=source, layer=layer, mode=mode, tolerance_km=tolerance, tz=tz,
                               geometry=geojson is not None)
    doc = result.as_dict()
    if geojson is not None:
        write_features(geojson, [feature(result.geometry, {k: doc[k] for k in ("source", "layer", "at", "length_km", "mode")})])
        doc["geojson"] = str(geojson)
    if as_json:
        print_json(doc)
        return
    console.print(f"front line of {doc['layer']} ({plain(doc['source'])}) at {doc['at']}: [bold]{doc['length_km']:,.1f} km[/] "
                  f"({doc['parts']} pieces; grey zone: {mode}; borders and coast within {tolerance} km removed)")


def settlements_cmd(
    store: o.Store = None,
    start: Annotated[Optional[str], typer.Option("--from", callback=o.time_option("--from"), help="Start date (with --to).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", callback=o.time_option("--to"), help="End date.")] = None,
    at: Annotated[Optional[str], typer.Option("--at", callback=o.time_option("--at"),
                                              help="List the places under the layer on this date.")] = None,
    source: o.Source = None,
    layer: o.Layer = None,
    min_population: Annotated[int, typer.Option("--min-population", callback=o.at_least("--min-population", 0),
                                                help="Only places with at least this population.")] = 0,
    region: Annotated[Optional[str], typer.Option("--region", help="Only places in this region (any level of the conflict; a name or KIND:ID).")] = None,
    limit: Annotated[int, typer.Option("--limit", callback=o.at_least("--limit", 0), help="Rows to print (0: all).")] = 40,
    tz: o.Tz = "UTC",
    include_redraws: o.IncludeRedraws = False,
    as_json: o.Json = False,
) -> None:
    """Settlements that changed status between two dates (or under a layer on a date), by population."""
    st = service.open_reader(store)
    doc = service.settlements(st, start=start, end=end, at=at, source=source, layer=layer,
                              min_population=min_population, region=region, tz=tz,
                              include_redraws=include_redraws).as_dict()
    if as_json:
        print_json(doc)
        return
    rows_in = doc["settlements"][: limit or None]
    if at is not None:
        console.print(f"{len(doc['settlements'])} places under {doc['layer']} or its grey zone at {doc['at']}: {doc['counts']}")
        rows = [[r["display_name"], f"{r['population']:,}", r["status"]] for r in rows_in]
        console.print(table("settlements", ["place", "population", "status"], rows, right={1}))
        return
    console.print(f"{doc['count']} places changed status {doc['from']} -> {doc['to']}: {doc['transitions']}")
    rows = [[r["display_name"], f"{r['population']:,}", f"{r['from_status']} -> {r['to_status']}", (r["date"] or "")[:16]]
            for r in rows_in]
    console.print(table("settlements", ["place", "population", "change", "date"], rows, right={1}))
    if doc["redraw_count"]:
        names = ", ".join(r["display_name"] for r in doc["redraw_settlements"][:10])
        console.print(f"  {doc['redraw_count']} more changed only on map redraws (not counted; --include-redraws): {names}"
                      + (" …" if doc["redraw_count"] > 10 else ""))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("frontline")(frontline_cmd)
    app.command("settlements")(settlements_cmd)
