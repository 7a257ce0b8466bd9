"""``frontlines check``: territorial claims in text, verified against the maps."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, print_json, table
from frontlines.errors import ClaimParseError
from frontlines.geojson_out import write_features
from frontlines.service.claims import check, evidence_features

_COLOURS = {"supported": "green", "supported-lower-bound": "green", "overstated": "yellow",
            "understated": "yellow", "contradicted": "red", "unverifiable": "dim"}


def _fmt(v: Any, unit: str) -> str:
    if v is None:
        return "–"
    unit = {"km2": "km²", "count": "", "pct": "%"}.get(unit, unit)
    return f"{v:,.0f} {unit}" if abs(v) >= 100 else f"{v:,.1f} {unit}"


def check_cmd(
    text: Annotated[Optional[str], typer.Option("--text", help="The statement or article.")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help="Read the text from a file ('-' for stdin).")] = None,
    stdin: Annotated[bool, typer.Argument(help="Pass '-' to read stdin.", show_default=False)] = False,
    published: Annotated[Optional[str], typer.Option("--published", help="Publication date (default: dateline, else today).")] = None,
    sources: Annotated[Optional[list[str]], typer.Option("--source", help="Only these sources (repeatable).")] = None,
    evidence: Annotated[Optional[Path], typer.Option("--evidence", help="Write each claim's change as GeoJSON into this folder.")] = None,
    store: o.Store = None,
    as_json: o.Json = False,
) -> None:
    """Find territorial claims in text and check each against every source in the store."""
    if file is not None:
        body = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    elif text is not None:
        body = text
    elif stdin:
        body = sys.stdin.read()
    else:
        raise ClaimParseError("give --text, --file or '-' (stdin)")
    st = service.open_reader(store)
    pub = dt.date.fromisoformat(published) if published else None
    report = check(st, body, published=pub, sources=sources)
    doc = report.as_dict()
    if evidence is not None:
        evidence.mkdir(parents=True, exist_ok=True)
        for i, claim in enumerate(doc["claims"], start=1):
            feats = evidence_features(st, claim)
            if feats:
                path = evidence / f"claim-{i:02d}.geojson"
                write_features(path, feats)
                claim["evidence"] = str(path)
    if as_json:
        print_json(doc)
        return
    console.print(f"published {doc['published']} ({doc['published_from']}): {report.message}")
    rows = []
    for c in doc["claims"]:
        unit = c["unit"]
        m = c["measured"]
        stated = c["claim"]["figure_text"]
        computed = f"{_fmt(m['low'], unit)} .. {_fmt(m['high'], unit)}" if m and m.get("low") is not None else "–"
        colour = _COLOURS.get(c["verdict"], "white")
        rows.append([c["claim"]["sentence"][:70], stated, computed, f"[{colour}]{c['verdict']}[/]", c["reason"]])
    if rows:
        console.print(table("claims", ["claim", "stated", "maps (range)", "verdict", "reason"], rows))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("check")(check_cmd)
