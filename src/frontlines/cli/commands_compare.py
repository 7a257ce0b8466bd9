"""``frontlines compare --sources A,B``: one layer in two sources, and where they disagree."""

from __future__ import annotations

from typing import Annotated

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, km2, plain, print_json, signed, table
from frontlines.geojson_out import write_change_geojson
from frontlines.times import FREQS


def compare_cmd(
    sources: Annotated[str, typer.Option("--sources", help="Two sources A,B (stored or composite, e.g. deepstate,isw).")],
    start: o.From, end: o.To,
    freq: Annotated[str, typer.Option("--freq", callback=o.choice("--freq", FREQS, "frequency"), help=f"One of {', '.join(FREQS)}.")] = "month",
    store: o.Store = None, layer: o.Layer = None, tz: o.Tz = "UTC",
    geojson: o.GeoJsonOut = None,
    as_json: o.Json = False,
) -> None:
    """Areas of one layer in two sources at every period end, their difference and symmetric difference.

    ``--geojson`` writes the last boundary's disagreement: ground only A counts as 'gained',
    ground only B counts as 'lost'.
    """
    st = service.open_reader(store)
    result = service.compare(st, sources=sources.split(","), start=start, end=end, freq=freq, layer=layer, tz=tz,
                             geometry=geojson is not None)
    doc = result.as_dict()
    if geojson is not None:
        write_change_geojson(geojson, result.only_a, result.only_b, doc)
        doc["geojson"] = str(geojson)
    if as_json:
        print_json(doc)
        return
    a, b = doc["sources"]
    rows = [[r["at"][:10], km2(r["area_a_km2"]), km2(r["area_b_km2"]), signed(r["diff_km2"]), km2(r["only_a_km2"]),
             km2(r["only_b_km2"])] for r in doc["rows"]]
    console.print(table(f"{doc['layer']}: {plain(a)} (A) vs {plain(b)} (B)",
                        ["at", "A km²", "B km²", "B − A", "only A", "only B"], rows, right={1, 2, 3, 4, 5}))
    s = doc["summary"]
    if s["compared"]:
        console.print(f"mean difference {signed(s['mean_diff_km2'])} km², mean |difference| {km2(s['mean_abs_diff_km2'])} km², "
                      f"max |difference| {km2(s['max_abs_diff_km2'])} km² over {s['compared']} boundaries")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("compare")(compare_cmd)
