"""``frontlines derive``: compute the derived figures a store lacks (queries never write them)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, print_json


def derive_cmd(
    store: o.Store = None,
    regions: Annotated[Optional[str], typer.Option(
        "--regions", help="Also store per-region area tables of these region levels of the store's conflict (Ukraine: oblast,raion,hromada).")] = None,
    all_layers: Annotated[bool, typer.Option(
        "--all-layers", help="Region tables and dissolved layers for every layer, not only each source's primary one.")] = False,
    redraws: Annotated[bool, typer.Option(
        "--redraws", help="Also store the redraw classification of every step of each source's primary layer.")] = False,
    as_json: o.Json = False,
) -> None:
    """Compute missing steps and areas of every layer, the dissolved layer of each snapshot (and, with --regions, per-region tables; with --redraws,
    the redraw classification of every step) in one transaction."""
    names = [n.strip() for n in (regions or "").split(",") if n.strip()]
    with service.open_writer(store, create=False) as st:
        conflict = service.conflict_of(st) if names else None
        layers = [service.regions_for(n, conflict=conflict) for n in names]
        with console.status("deriving…"):
            with st.transaction():
                summary = service.derive_store(
                    st, regions=[r for r in layers if r is not None], region_layers="all" if all_layers else "primary"
                )
                summary["redraw_steps"] = service.derive_store_redraws(st) if redraws else 0
    if as_json:
        print_json(summary)
        return
    console.print(
        f"[green]derived[/] {summary['steps_computed']} steps over {summary['layers']} layers; "
        f"{summary['layer_unions']} dissolved layers stored; "
        f"{summary['region_tables']} region tables ({summary['region_snapshots']} snapshot rows added); "
        f"{summary['redraw_steps']} steps classified for redraws"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("derive")(derive_cmd)
