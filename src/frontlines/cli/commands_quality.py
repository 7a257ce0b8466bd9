"""``frontlines quality``: every step of a layer, its pieces classified as fighting or redraw."""

from __future__ import annotations

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, km2, plain, print_json, table


def quality_cmd(start: o.From, end: o.To, store: o.Store = None, source: o.Source = None, layer: o.Layer = None,
                tz: o.Tz = "UTC", as_json: o.Json = False) -> None:
    """The audit trail: steps with redraws (and why), gap days; rules in the JSON's ``rules``."""
    st = service.open_reader(store)
    doc = service.quality(st, start=start, end=end, source=source, layer=layer, tz=tz).as_dict()
    if as_json:
        print_json(doc)
        return
    rows = [[s["from_time"][:16], s["to_time"][:16], km2(s["gained_km2"]), km2(s["lost_km2"]), km2(s["redraw_km2"]),
             ", ".join(s["reasons"])] for s in doc["steps"] if s["flagged"]]
    console.print(table(f"{plain(doc['source'])} {doc['layer']}: {doc['flagged_steps']} of {len(doc['steps'])} steps "
                        f"with redraws ({km2(doc['redraw_km2'])} km²)",
                        ["from", "to", "gained", "lost", "redraw", "reasons"], rows, right={2, 3, 4}))
    if doc["gap_days"]:
        console.print(f"days without a map: {', '.join(doc['gap_days'])}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("quality")(quality_cmd)
