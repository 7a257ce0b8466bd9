"""Shared look of every chart, map, animation and report: colours, text, attribution.

Figures are plain :class:`matplotlib.figure.Figure` objects, never pyplot's global state, and
are rendered by saving (Agg for PNG), so nothing in :mod:`frontlines.reports` opens a window,
needs a display or changes matplotlib's backend for the program that imports it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path

from matplotlib.figure import Figure

from frontlines.errors import FrontlinesError
from frontlines.times import parse_iso  # noqa: F401  (re-exported for the renderers)

__all__ = [
    "COLOURS",
    "attribution",
    "fmt_km",
    "fmt_km2",
    "fmt_signed",
    "new_figure",
    "round_km2",
    "round_signed",
    "save_figure",
    "source_label",
]

#: Colours: gains of the measured layer red, losses blue (colour-blind-safe pair),
#: the layer held at the start a light warm grey-pink.
COLOURS: dict[str, str] = {
    "gained": "#d7301f",
    "lost": "#2166ac",
    "held": "#f2c4b8",
    "held_edge": "#c98a7c",
    "contested": "#bdbdbd",
    "claimed": "#fdd49e",
    "advance": "#fc8d59",
    "regained": "#b2abd2",  # purple: never to be read as water
    "other": "#d9d9d9",
    "front_before": "#6a3d9a",
    "front_after": "#111111",
    "borders": "#8c8c8c",
    "land": "#fbfaf6",
    "water": "#c6dbe8",  # seas, lakes, reservoirs
    "water_edge": "#9fbdd0",
    "river": "#7ea7c2",
    "water_text": "#4d7896",
    "neighbour": "#e4e2dd",  # neighbouring countries: greyed
    "neighbour_edge": "#b9b6ae",
    "neighbour_text": "#8d8a83",
    "text": "#222222",
    "muted": "#666666",
    "gap": "#e0e0e0",
    "net": "#333333",
    "second": "#7b3294",
}

#: Human names of source ids, with the licence where one applies.
_SOURCE_NAMES = {
    "deepstate": "DeepStateMap",
    "deepstate-daily": "DeepStateMap (GPL-3.0)",
    "deepstate-history": "DeepStateMap",
    "isw": "ISW / Critical Threats",
    "nzz": "NZZ / liveuamap",
}

BOUNDARIES_CREDIT = "Boundaries © OpenStreetMap contributors (ODbL)"
BASEMAP_CREDIT = "Made with Natural Earth"


def source_label(source: str) -> str:
    """Display name of a source id (``deepstate-daily`` -> ``DeepStateMap (GPL-3.0)``)."""
    return _SOURCE_NAMES.get(source, source)


def attribution(*sources: str, boundaries: bool = False) -> str:
    """The corner credit line: ``Data: DeepStateMap (GPL-3.0) · frontlines``."""
    names: list[str] = []
    for s in sources:
        label = source_label(s)
        if label not in names:
            names.append(label)
    text = "Data: " + ", ".join(names) + " · frontlines" if names else "frontlines"
    if boundaries:
        text += " · " + BOUNDARIES_CREDIT + " · " + BASEMAP_CREDIT
    return text


def fmt_km2(value: float | None) -> str:
    """km² with thousands separators and one decimal, as the CLI prints them (``9,202.9``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.1f}"


def fmt_signed(value: float | None) -> str:
    """Signed km², as the CLI prints them (``+45.2``, ``-9,157.8``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+,.1f}"


def round_km2(value: float | None) -> str:
    """km² rounded for readers (charts): whole km² from 10 up (``1,409``), one decimal below (``4.2``).

    JSON and the CLI keep their decimals; this is only for what a chart's reader sees.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if abs(value) < 0.05:
        return "0"
    return f"{value:,.0f}" if abs(value) >= 9.95 else f"{value:,.1f}"


def round_signed(value: float | None) -> str:
    """Signed km² rounded for readers, with a true minus sign (``+1,409``, ``−9,063``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = round_km2(abs(value))
    return text if text == "0" else ("−" if value < 0 else "+") + text


def fmt_km(value: float | None) -> str:
    """Kilometres with one decimal."""
    if value is None:
        return "–"
    return f"{value:,.1f}"


def day_text(iso: str | dt.datetime | None) -> str:
    """``2022-09-05T23:59:59Z`` -> ``5 Sep 2022``."""
    if iso is None:
        return "–"
    when = iso if isinstance(iso, dt.datetime) else dt.datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    return f"{when.day} {when:%b %Y}"


def new_figure(width_in: float = 10.0, height_in: float = 5.6, dpi: int = 100) -> Figure:
    """A figure with the project's defaults (not registered with pyplot)."""
    fig = Figure(figsize=(width_in, height_in), dpi=dpi, facecolor="white")
    return fig


def corner_credit(fig: Figure, text: str) -> None:
    """Write the attribution line in the bottom-right corner of a figure."""
    fig.text(0.995, 0.008, text, ha="right", va="bottom", fontsize=7.5, color=COLOURS["muted"])


_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def save_figure(fig: Figure, out: str | Path | io.BytesIO, *, fmt: str | None = None, dpi: int | None = None) -> None:
    """Write a figure as PNG or SVG (chosen by the file suffix, or ``fmt`` for a buffer)."""
    if isinstance(out, (str, Path)):
        suffix = Path(out).suffix.lower()
        if suffix not in _FORMATS:
            raise FrontlinesError(f"{out}: unsupported image type {suffix or '(none)'}; use .png or .svg")
        fmt = _FORMATS[suffix]
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format=fmt or "png", dpi=dpi or fig.dpi, facecolor=fig.get_facecolor(),
                metadata={"Software": "frontlines"} if (fmt or "png") == "png" else None)


def figure_png(fig: Figure, dpi: int | None = None) -> bytes:
    """PNG bytes of a figure."""
    buf = io.BytesIO()
    save_figure(fig, buf, fmt="png", dpi=dpi)
    return buf.getvalue()


def close(fig: Figure) -> None:
    """Release a figure's artists (figures made by :func:`new_figure` are not in pyplot's registry)."""
    fig.clear()

