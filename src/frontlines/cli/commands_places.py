"""Places: ``places NAME`` finds the settlements a name may mean, in any language or form."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, print_json, table


def places_cmd(
    name: Annotated[str, typer.Argument(help="A place name: English, Ukrainian, Russian, former or declined forms.")],
    store: o.Store = None,
    at: Annotated[Optional[str], typer.Option("--at", callback=o.time_option("--at"),
                                              help="Give each candidate's status on this date, rank by distance to the front.")] = None,
    source: o.Source = None,
    layer: o.Layer = None,
    oblast: Annotated[Optional[str], typer.Option("--oblast", help="Region named nearby (first level): name or id.")] = None,
    raion: Annotated[Optional[str], typer.Option("--raion", help="Region named nearby (second level): name or id.")] = None,
    hromada: Annotated[Optional[str], typer.Option("--hromada", help="Region named nearby (third level): name or id.")] = None,
    limit: Annotated[int, typer.Option("--limit", callback=o.at_least("--limit", 1), help="Candidates to list.")] = 10,
    tz: o.Tz = "UTC",
    as_json: o.Json = False,
) -> None:
    """The settlements a name may mean (namesakes ranked by context), and which one when that decides."""
    st = service.open_reader(store)
    doc = service.places(st, name, at=at, source=source, layer=layer, oblast=oblast, raion=raion, hromada=hromada,
                         limit=limit, tz=tz).as_dict()
    if as_json:
        print_json(doc)
        return
    console.print(doc["reason"] if doc["decided"] else f"[yellow]{doc['reason']}[/]")
    head = ["place", "category", "population", "id", "uk"] + (["status", "km to front"] if at is not None else [])
    rows = []
    for r in doc["candidates"]:
        row = [r["display_name"], r["category"], f"{r['population']:,}", r["id"], r["name_uk"]]
        if at is not None:
            row += [r["status"] or "", "" if r["distance_km"] is None else f"{r['distance_km']:,.1f}"]
        rows.append(row)
    console.print(table("places", head, rows, right={2}))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("places")(places_cmd)
