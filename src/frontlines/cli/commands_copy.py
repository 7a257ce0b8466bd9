"""``frontlines copy``: move every snapshot of one store into another (any two backends), verified."""

from __future__ import annotations

from typing import Annotated

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, print_json
from frontlines.errors import UsageError


def copy_cmd(
    src: Annotated[str, typer.Option("--from", help="The store to copy: a file or a postgresql:// URL (read only).")],
    dst: Annotated[str, typer.Option("--to", help="The store to copy into: a file (created when missing) or a postgresql:// URL.")],
    as_json: o.Json = False,
) -> None:
    """Copy snapshots, payloads, parts, steps and region tables between stores; verified by counts and hashes."""
    a, b = service.resolve_store(src), service.resolve_store(dst)
    if str(a) == str(b):
        raise UsageError("--from and --to name the same store", field="--to", value=service.redact_store_url(dst)
                         if service.is_postgres_url(dst) else dst)
    reader = service.open_reader(a)
    try:
        with service.open_writer(b) as writer, console.status("copying…"):
            report = service.copy_store(reader, writer)
    finally:
        reader.close()
    if as_json:
        print_json(report.as_dict())
        return
    shown = service.redact_store_url(b) if isinstance(b, str) else str(b)
    console.print(f"[green]copied[/] {report.copied} snapshots into {shown} ({report.skipped} already there); "
                  f"verified {report.verified} snapshots: "
                  + ", ".join(f"{s} {n}" for s, n in sorted(report.sources.items())))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("copy")(copy_cmd)
