"""Charts of API results: area over time, gained / lost per period, per-region bars.

Every function takes the dictionaries :mod:`frontlines.api` returns (``series`` and
``change``) — never the store — and returns a matplotlib :class:`~matplotlib.figure.Figure`
(Agg backend); :func:`frontlines.reports.style.save_figure` writes it as PNG or SVG.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from frontlines.errors import FrontlinesError
from frontlines.reports.style import (
    COLOURS,
    attribution,
    corner_credit,
    day_text,
    fmt_km2,
    new_figure,
    parse_iso,
    source_label,
)
from frontlines.reports.words import change_phrases
from frontlines.times import find_gaps

__all__ = ["area_chart", "change_bars", "find_gaps", "layer_title", "period_text", "region_bars"]

_SIDES = {"russia": "Russian", "ukraine": "Ukrainian"}
_STATUS = {
    "control": "controlled area",
    "contested": "contested area",
    "claimed": "claimed area",
    "advance": "assessed advances",
    "regained": "regained area",
    "other": "other area",
}


def layer_title(layer: str) -> str:
    """``russia:control`` -> ``Russian-controlled area``."""
    side, _, status = layer.partition(":")
    adj = _SIDES.get(side, side.title())
    if status == "control":
        return f"{adj}-controlled area"
    return f"{adj} {_STATUS.get(status, status)}"


def period_text(start: str, end: str) -> str:
    """``1 Aug 2022 – 31 Oct 2022`` from two API times (an end at midnight is the day before)."""
    e = parse_iso(end)
    if e.hour == 0 and e.minute == 0 and e.second == 0:
        e = e - dt.timedelta(seconds=1)
    return f"{day_text(start)} – {day_text(e)}"


def _km2_axis(ax: Any, label: str = "km²") -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel(label)
    ax.grid(axis="y", color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _date_axis(ax: Any) -> None:
    loc = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def _naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None)


def _zero_runs(doc: dict[str, Any]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Runs of periods holding no snapshot (after the first one that holds any)."""
    runs: list[tuple[dt.datetime, dt.datetime]] = []
    seen = False
    start = None
    for p in doc["periods"]:
        if p["snapshots"]:
            seen = True
            if start is not None:
                runs.append((start, parse_iso(p["start"])))
                start = None
        elif seen and start is None:
            start = parse_iso(p["start"])
    return runs


def area_chart(
    docs: dict[str, Any] | Sequence[dict[str, Any]],
    *,
    snapshot_times: dict[str, Sequence[dt.datetime]] | None = None,
    title: str | None = None,
    size: tuple[float, float] = (10.0, 5.2),
) -> Figure:
    """Area held over time, one line per ``api.series`` document (e.g. DeepState and ISW).

    Parameters
    ----------
    docs : dict or sequence of dict
        ``api.series`` results; each line plots ``area_km2`` at each period's end.
    snapshot_times : dict, optional
        ``source -> publication times`` (``api.select(...).times``): shaded gaps are
        intervals without a snapshot for more than twice the median interval. Without
        it, periods holding no snapshot are shaded.
    """
    docs = [docs] if isinstance(docs, dict) else list(docs)
    if not docs:
        raise FrontlinesError("area chart: no series given")
    fig = new_figure(*size)
    ax = fig.add_axes((0.1 if size[0] >= 6 else 0.17, 0.13, 0.865 if size[0] >= 6 else 0.8, 0.72 if size[0] >= 6 else 0.6))
    colours = [COLOURS["gained"], COLOURS["second"], "#1b9e77", "#e7298a"]
    gap_drawn = incomplete_drawn = False
    xmin = xmax = None
    for k, doc in enumerate(docs):
        xs, ys = [], []
        for p in doc["periods"]:
            if p["area_km2"] is None:
                continue
            xs.append(_naive(parse_iso(p["end"])))
            ys.append(p["area_km2"])
        if not xs:
            continue
        xmin = min(xs[0], xmin) if xmin else xs[0]
        xmax = max(xs[-1], xmax) if xmax else xs[-1]
        same_layer = all(d["layer"] == doc["layer"] for d in docs)
        label = source_label(doc["source"]) if same_layer else f"{source_label(doc['source'])} · {layer_title(doc['layer'])}"
        ax.plot(xs, ys, color=colours[k % len(colours)], linewidth=1.8, label=label,
                marker="o" if len(xs) <= 40 else None, markersize=3)
        times = (snapshot_times or {}).get(doc["source"])
        t0, t1 = parse_iso(doc["from"]), parse_iso(doc["to"])
        if times is not None:
            gaps = [(a, b) for a, b in find_gaps(times) if b > t0 and a < t1]
        else:
            gaps = _zero_runs(doc)
        if times is not None and len(times) and t1 > max(times):  # after the last map: stale, shaded as a gap
            gaps = [*gaps, (max(max(times), t0), t1)]
        for a, b in gaps:
            ax.axvspan(_naive(max(a, t0)), _naive(min(b, t1)), color=COLOURS["gap"], alpha=0.7, linewidth=0,
                       label=None if gap_drawn else "no data (gap)", zorder=0)
            gap_drawn = True
        incomplete_drawn = _mark_incomplete(ax, doc, colours[k % len(colours)], incomplete_drawn)
    if xmin is None:
        raise FrontlinesError("area chart: the series hold no area in this period (before the first snapshot?)")
    _km2_axis(ax, "area held (km²)")
    _date_axis(ax)
    ax.margins(x=0.01)
    lo, hi = ax.get_ylim()
    pad = (hi - lo) * 0.08 or 1.0
    ax.set_ylim(lo - pad, hi + pad)
    ax.legend(loc="best", frameon=True, facecolor="white", edgecolor="none", framealpha=0.9, fontsize=9)
    first = docs[0]
    what = layer_title(first["layer"])
    fig.suptitle(title or f"{what} over time", x=0.1, ha="left", y=0.965, fontsize=14 if size[0] >= 6 else 11,
                 fontweight="bold")
    sub = f"{period_text(first['from'], first['to'])} · area at the end of each {first['freq']}"
    fig.text(0.1, 0.885, "\n".join(textwrap.wrap(sub, max(30, int(size[0] * 12)))), fontsize=9.5, color=COLOURS["muted"],
             va="top" if size[0] < 6 else "baseline")
    corner_credit(fig, attribution(*[d["source"] for d in docs]))
    return fig


def _mark_incomplete(ax: Any, doc: dict[str, Any], colour: str, drawn: bool) -> bool:
    """Hollow markers on the period ends whose figures rest on a stale map or skip days (``complete: false``)."""
    pts = [(_naive(parse_iso(p["end"])), p["area_km2"]) for p in doc["periods"]
           if p.get("complete") is False and p["area_km2"] is not None]
    if not pts:
        return drawn
    ax.plot([x for x, _ in pts], [y for _, y in pts], linestyle="none", marker="o", markersize=7,
            markerfacecolor="white", markeredgecolor=colour, markeredgewidth=1.5, zorder=3,
            label=None if drawn else "incomplete period (stale map or days without a map)")
    return True


def change_bars(
    doc: dict[str, Any],
    *,
    gross: bool = False,
    title: str | None = None,
    size: tuple[float, float] = (10.0, 5.2),
    sides: Mapping[str, str] | None = None,
) -> Figure:
    """Gained (up) and lost (down) area per period as bars, net as a line.

    With ``sides`` (side id -> name, from the conflict definition) the legend names the
    actor ("Captured by Russia", "Retaken by Ukraine").

    Parameters
    ----------
    doc : dict
        An ``api.series`` result.
    gross : bool
        Plot the sums of snapshot-to-snapshot steps (``gained_steps_km2`` /
        ``lost_steps_km2``: all churn inside the period) instead of the comparison of
        the period's end states.
    """
    gk, lk = ("gained_steps_km2", "lost_steps_km2") if gross else ("gained_km2", "lost_km2")
    rows = [p for p in doc["periods"] if p.get(gk) is not None]
    if not rows:
        raise FrontlinesError("change chart: no period in the series has data on both ends")
    fig = new_figure(*size)
    ax = fig.add_axes((0.085 if size[0] >= 6 else 0.17, 0.13, 0.88 if size[0] >= 6 else 0.8, 0.72 if size[0] >= 6 else 0.6))
    starts = [_naive(parse_iso(p["start"])) for p in rows]
    ends = [_naive(parse_iso(p["end"])) for p in rows]
    x0 = mdates.date2num(starts)
    widths = (mdates.date2num(ends) - x0) * 0.82
    centres = x0 + (mdates.date2num(ends) - x0) / 2
    g = np.array([p[gk] for p in rows], dtype=float)
    lo = np.array([p[lk] for p in rows], dtype=float)
    gained_word, lost_word = change_phrases(doc["layer"], sides) if sides else ("gained", "lost")
    ax.bar(centres, g, width=widths, color=COLOURS["gained"], label=gained_word)
    ax.bar(centres, -lo, width=widths, color=COLOURS["lost"], label=lost_word)
    net = g - lo
    incomplete = np.array([p.get("complete") is False for p in rows])
    if incomplete.any():  # a stale boundary map or days without a map: hatched, never hidden
        ax.bar(centres[incomplete], g[incomplete], width=widths[incomplete], fill=False, hatch="////",
               edgecolor=COLOURS["muted"], linewidth=0, label="incomplete period")
        ax.bar(centres[incomplete], -lo[incomplete], width=widths[incomplete], fill=False, hatch="////",
               edgecolor=COLOURS["muted"], linewidth=0)
    ax.plot(centres, net, color=COLOURS["net"], marker="o", markersize=3 if len(rows) < 60 else 0,
            linewidth=1.2, label="net")
    ax.axhline(0, color="#999999", linewidth=0.8)
    _km2_axis(ax, f"km² per {doc['freq']}")
    ax.xaxis_date()
    _date_axis(ax)
    ax.margins(x=0.01)
    ax.legend(loc="upper left" if size[0] >= 6 else "best", frameon=size[0] < 6, fontsize=9 if size[0] >= 6 else 8,
              ncols=3 if size[0] >= 6 else 1, framealpha=0.9, edgecolor="none")
    what = layer_title(doc["layer"])
    kind = "all steps within each period (gross)" if gross else "end of period vs start"
    head = title or f"{what}: ground gained and lost per {doc['freq']}"
    fig.suptitle(head if size[0] >= 6 else "\n".join(textwrap.wrap(head, int(size[0] * 9))), x=0.085, ha="left", y=0.985,
                 va="top",
                 fontsize=14 if size[0] >= 6 else 11, fontweight="bold")
    total_g, total_l = float(np.nansum(g)), float(np.nansum(lo))
    note = f" · {int(incomplete.sum())} incomplete (hatched)" if incomplete.any() else ""
    sub = (f"{period_text(doc['from'], doc['to'])} · {kind} · total {gained_word[:1].lower() + gained_word[1:]} {fmt_km2(total_g)} km², "
           f"{lost_word[:1].lower() + lost_word[1:]} {fmt_km2(total_l)} km²{note}")
    fig.text(0.085, 0.885, "\n".join(textwrap.wrap(sub, max(30, int(size[0] * 12)))), fontsize=9.5,
             color=COLOURS["muted"], va="top" if size[0] < 6 else "baseline")
    corner_credit(fig, attribution(doc["source"]))
    return fig


def region_bars(
    doc: dict[str, Any],
    *,
    top: int = 12,
    title: str | None = None,
    width: float = 10.0,
) -> Figure:
    """Which regions moved: gained to the right, lost to the left, for one ``api.change``.

    ``doc`` must hold ``regions`` (``api.change(..., by="oblast")``). Regions where
    nothing moved are left out; the ``top`` with the largest gross movement are shown.
    """
    if "regions" not in doc:
        raise FrontlinesError("region chart: the change result has no regions; pass by='oblast' (or raion)")
    rows = [r for r in doc["regions"] if (r.get("gained_km2") or 0) + (r.get("lost_km2") or 0) >= 0.05]
    rows.sort(key=lambda r: -(r["gained_km2"] + r["lost_km2"]))
    hidden = len(rows) - top
    rows = rows[:top]
    n = max(len(rows), 1)
    height = 1.6 + 0.42 * n
    fig = new_figure(width, height)
    top_in, bottom_in = 0.95, 0.55
    ax = fig.add_axes((0.24, bottom_in / height, 0.70, 1 - (top_in + bottom_in) / height))
    names = [r["name"] for r in rows][::-1]
    g = np.array([r["gained_km2"] for r in rows][::-1], dtype=float)
    lo = np.array([r["lost_km2"] for r in rows][::-1], dtype=float)
    y = np.arange(len(rows))
    ax.barh(y, g, color=COLOURS["gained"], height=0.62, label="gained")
    ax.barh(y, -lo, color=COLOURS["lost"], height=0.62, label="lost")
    ax.scatter(g - lo, y, color=COLOURS["net"], marker="D", s=18, zorder=3, label="net")
    ax.axvline(0, color="#999999", linewidth=0.8)
    ax.set_yticks(y, names, fontsize=9.5)
    span = max(float(np.max(g)) if len(g) else 0, float(np.max(lo)) if len(lo) else 0, 1.0)
    ax.set_xlim(-span * 1.35 if lo.any() else -span * 0.08, span * 1.35 if g.any() else span * 0.08)
    for yi, gv, lv in zip(y, g, lo):
        if gv > 0:
            ax.text(gv + span * 0.05, yi, fmt_km2(gv), va="center", ha="left", fontsize=8, color=COLOURS["gained"])
        if lv > 0:
            ax.text(-lv - span * 0.05, yi, fmt_km2(lv), va="center", ha="right", fontsize=8, color=COLOURS["lost"])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))
    ax.set_xlabel("km² (lost ← | → gained)")
    ax.grid(axis="x", color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not rows:
        ax.text(0.5, 0.5, "no region moved", transform=ax.transAxes, ha="center", va="center", color=COLOURS["muted"])
    ax.legend(loc="lower right", frameon=False, fontsize=8.5, ncols=3)
    what = layer_title(doc["layer"])
    fig.suptitle(title or f"{what}: change by {doc.get('region_layer', 'region')}", x=0.02, ha="left",
                 y=1 - 0.18 / height, va="top", fontsize=13.5, fontweight="bold")
    sub = f"{period_text(doc['from'], doc['to'])} · net {doc['net_km2']:+,.1f} km²"
    if hidden > 0:
        sub += f" · {hidden} more regions with smaller changes not shown"
    fig.text(0.02, 1 - 0.62 / height, sub, fontsize=9.5, color=COLOURS["muted"], va="top")
    corner_credit(fig, attribution(doc["source"]))
    return fig
