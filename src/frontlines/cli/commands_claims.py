"""``frontlines check``: territorial claims in text, verified against the maps."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.text import Text

from frontlines import service
from frontlines.cli import options as o
from frontlines.cli.output import console, plain, print_json, table
from frontlines.errors import ClaimParseError, UsageError
from frontlines.geojson_out import write_features
from frontlines.service.claims import check, evidence_features

_COLOURS = {"supported": "green", "supported-lower-bound": "green", "overstated": "yellow",
            "understated": "yellow", "depends-on-definition": "cyan", "which-one": "cyan", "contradicted": "red",
            "unverifiable": "dim"}


def _fmt(v: Any, unit: str) -> str:
    if v is None:
        return "–"
    unit = {"km2": "km²", "count": "", "pct": "%"}.get(unit, unit)
    return f"{v:,.0f} {unit}" if abs(v) >= 100 else f"{v:,.1f} {unit}"


def _check_dash(value: Optional[str]) -> Optional[str]:
    if value not in (None, "-"):
        raise UsageError(f"unexpected argument {value!r}: give --text, --file or '-' (stdin)", value=value)
    return value


def _read_stdin() -> str:
    try:
        return sys.stdin.read()
    except UnicodeDecodeError as exc:
        raise ClaimParseError(f"stdin: not {sys.stdin.encoding} text ({exc.reason} at byte {exc.start})", path="-") from exc


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ClaimParseError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", path=path) from exc
    except OSError as exc:
        raise ClaimParseError(f"{path}: cannot read ({exc.strerror})", path=path) from exc


def check_cmd(
    text: Annotated[Optional[str], typer.Option("--text", help="The statement or article.")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", callback=o.existing_file("--file"),
                                                 help="Read the text from a file ('-' for stdin).")] = None,
    stdin: Annotated[Optional[str], typer.Argument(callback=_check_dash, metavar="[-]", show_default=False,
                                                   help="Pass '-' to read stdin.")] = None,
    published: Annotated[Optional[str], typer.Option("--published", callback=o.day_option("--published"),
                                                     help="Publication date (default: dateline, else today).")] = None,
    sources: Annotated[Optional[list[str]], typer.Option("--source", help="Only these sources (repeatable).")] = None,
    evidence: Annotated[Optional[Path], typer.Option("--evidence", callback=o.folder("--evidence"),
                                                     help="Write each claim's change as GeoJSON into this folder.")] = None,
    store: o.Store = None,
    as_json: o.Json = False,
) -> None:
    """Find territorial claims in text and check each against every source in the store."""
    if file is not None:
        body = _read_stdin() if str(file) == "-" else _read_text(file)
    elif text is not None:
        body = text
    elif stdin:
        body = _read_stdin()
    else:
        raise UsageError("give --text, --file or '-' (stdin)")
    st = service.open_reader(store)
    pub = dt.date.fromisoformat(published.strip()) if published else None  # checked by --published's callback
    report = check(st, body, published=pub, sources=sources)
    doc = report.as_dict()
    if evidence is not None:
        try:
            evidence.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--evidence {evidence}: cannot create the folder ({exc.strerror})", path=evidence) from exc
        for i, claim in enumerate(doc["claims"], start=1):
            feats = evidence_features(st, claim)
            if feats:
                path = evidence / f"claim-{i:02d}.geojson"
                write_features(path, feats)
                claim["evidence"] = str(path)
    if as_json:
        print_json(doc)
        return
    console.print(f"published {doc['published']} ({doc['published_from']}): {plain(report.message)}")
    rows = []
    notes: list[str] = []
    for i, c in enumerate(doc["claims"], start=1):
        unit = c["unit"] if c["claim"]["kind"] != "comparison" else "km2"
        m = c["measured"]
        stated = c["claim"]["figure_text"]
        primary = _fmt(m["central"], unit) if m and m.get("central") is not None else "–"
        colour = _COLOURS.get(c["verdict"], "white")
        rows.append([str(i), c["claim"]["kind"], c["claim"]["sentence"][:60], stated, primary,
                     Text(c["verdict"], style=colour), c["reason"]])
        notes += [f"{i}: {n}" for n in c.get("notes", [])]
    if rows:
        console.print(table("claims", ["#", "kind", "sentence", "stated", "maps (primary)", "verdict", "reason"], rows))
    for n in notes:
        console.print(plain(n))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("check")(check_cmd)
