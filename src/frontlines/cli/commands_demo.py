"""``frontlines demo``: the bundled DeepState demo, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, km2, plain, print_json, signed, table


def demo_cmd(
    out: Annotated[Path, typer.Option("--out", callback=o.folder("--out"), help="Folder for the store and the chart.")] = Path("out"),
    store: Annotated[Optional[Path], typer.Option("--store", help="Store file (default OUT/demo.db).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Ingest the bundled DeepState daily files, print a summary and write a chart of area over time."""
    out.mkdir(parents=True, exist_ok=True)
    with service.open_writer(store or out / "demo.db") as st:
        _demo(st, out, as_json)


def _demo(st: Any, out: Path, as_json: bool) -> None:
    with console.status("ingesting the bundled DeepState daily files (769 days)…"):
        report = service.ingest_demo(st)
    summary = service.demo_summary(st)
    chart = out / "demo-area.png"
    from frontlines.reports.charts import area_chart
    from frontlines.reports.style import save_figure

    times = [t for _, t, _ in service.select(st, summary["daily"]["source"]).timeline]
    fig = area_chart(summary["daily"], snapshot_times={summary["daily"]["source"]: times})
    save_figure(fig, chart)
    if as_json:
        print_json({"ingest": report.as_dict(), **{k: v for k, v in summary.items() if k != "daily"}, "chart": str(chart)})
        return
    console.print(f"[green]store[/] {plain(st.path)}: {report.added} snapshots added, {report.duplicates} already there "
                  f"({report.seconds:.1f} s)")
    latest = summary["latest"]
    console.print(f"\n[bold]Russian-held area (DeepStateMap, occupied incl. Crimea) on "
                  f"{latest['snapshot']['published_at'][:10]}: {km2(latest['area_km2'])} km²[/]")
    rows = [[f"last {c['window_days']} days", c["from_snapshot"]["published_at"][:10], c["to_snapshot"]["published_at"][:10],
             km2(c["gained_km2"]), km2(c["lost_km2"]), signed(c["net_km2"]), signed(c["net_km2_per_day"])]
            for c in summary["changes"]]
    console.print(table("change", ["window", "from", "to", "gained km²", "lost km²", "net km²", "km²/day"], rows, right={3, 4, 5, 6}))
    rows = [[p["start"][:7], p["snapshots"], km2(p["area_km2"]), km2(p["gained_km2"]), km2(p["lost_km2"]), signed(p["net_km2"])]
            for p in summary["monthly"]["periods"]]
    console.print(table("monthly, last 12 months", ["month", "snaps", "area km²", "gained", "lost", "net"], rows, right={1, 2, 3, 4, 5}))
    console.print(f"[green]chart[/] {plain(chart)}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("demo")(demo_cmd)
