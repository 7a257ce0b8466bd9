"""``frontlines quality``: every step of a layer, its pieces classified as fighting or redraw."""

from __future__ import annotations

from typing import Annotated

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, km2, plain, print_json, table

HealthOnly = Annotated[bool, typer.Option("--health-only", help="Only gaps, spikes and reversions per source "
                                          "(no step-by-step classification; fast for long windows).")]


def quality_cmd(start: o.From, end: o.To, store: o.Store = None, source: o.Source = None, layer: o.Layer = None,
                tz: o.Tz = "UTC", health_only: HealthOnly = False, as_json: o.Json = False) -> None:
    """The audit trail: steps with redraws (and why), gap days; per source its gaps, spikes and reversions."""
    st = service.open_reader(store)
    doc = service.quality(st, start=start, end=end, source=source, layer=layer, tz=tz,
                          health_only=health_only).as_dict()
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
    _print_health(doc.get("health", []))


def _print_health(health: list[dict]) -> None:
    """One table per source: its gaps, spikes and reversions (dates, sizes, files)."""
    for h in health:
        rows = []
        for g in h["gaps"]:
            days = g["missing_days"]
            what = f"{len(days)} day{'s' if len(days) != 1 else ''} missing: {', '.join(days)}" if days else \
                f"{g['interval_days']:.1f} days between maps"
            rows.append(["gap", g["before"]["map_time"][:16], g["after"]["map_time"][:16], "",
                         f"{what} ({g['before']['file_name']} -> {g['after']['file_name']})"])
        for x in h["spikes"]:
            rows.append(["spike", x["before"]["map_time"][:16], x["after"]["map_time"][:16], f"{x['net_km2']:+,.1f}",
                         f"{x['score']:.0f} x the usual spread ({x['before']['file_name']} -> "
                         f"{x['after']['file_name']})"])
        for x in h["reversions"]:
            rows.append(["reversion", x["changed"]["map_time"][:16], x["restored"]["map_time"][:16],
                         f"{x['change_km2']:+,.1f}",
                         f"undone by {x['undone_km2']:+,.1f} within {x['days']:.1f} days ({x['before']['file_name']} -> "
                         f"{x['changed']['file_name']} -> {x['restored']['file_name']})"])
        title = (f"{plain(h['source'])} {h['layer']}: {len(h['gaps'])} gaps ({len(h['missing_days'])} days), "
                 f"{len(h['spikes'])} spikes, {len(h['reversions'])} reversions "
                 f"(usual change {h['typical_per_day_km2']:+,.1f} ± {h['spread_per_day_km2']:,.1f} km²/day)")
        console.print(table(title, ["event", "from", "to", "net km²", "what"], rows, right={3}))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("quality")(quality_cmd)
