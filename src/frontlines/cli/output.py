"""Printing: JSON documents, rich tables, one-line errors."""

from __future__ import annotations

import math
import sys
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

# Tables stay readable when the output is piped or logged (no terminal width to detect).
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def print_json(doc: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")


def plain(value: Any) -> str:
    """Data (a file name, a source id, a sentence) to print as is: its square brackets are not rich markup."""
    return escape(str(value))


def km2(value: float | None) -> str:
    """Format km² with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.1f}"


def signed(value: float | None) -> str:
    """Format a signed km² value."""
    if value is None:
        return "–"
    return f"{value:+,.1f}"


def table(title: str, columns: list[str], rows: list[list[Any]], *, right: set[int] | None = None) -> Table:
    """A rich table with right-aligned numeric columns.

    Cells and the title are shown as is (no markup); pass a :class:`rich.text.Text` to style a cell.
    """
    t = Table(title=plain(title), title_justify="left")
    for i, c in enumerate(columns):
        t.add_column(c, justify="right" if right and i in right else "left")
    for r in rows:
        t.add_row(*[x if isinstance(x, Text) else plain(x) for x in r])
    return t
