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
    new_figure,
    parse_iso,
    round_km2,
    round_signed,
    source_label,
)
from frontlines.reports.words import (
    change_headline,
    change_phrases,
    layer_phrase,
    span_text,
)
from frontlines.times import find_gaps

__all__ = ["area_chart", "change_bars", "data_range", "find_gaps", "layer_title", "period_text", "region_bars"]

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


def data_range(doc: dict[str, Any]) -> str:
    """The span a series' periods cover, first period's start to last period's end (``2 June – 3 August 2025``).

    Whole periods are shown, so this can be wider than the ``from`` / ``to`` asked for; periods
    the data does not fully cover are marked on the chart (``complete`` false).
    """
    periods = doc.get("periods") or []
    if not periods:
        return span_text(doc["from"], doc["to"])
    return span_text(periods[0]["start"], periods[-1]["end"])


def _date_axis(ax: Any, start: dt.datetime, end: dt.datetime) -> None:
    """Date ticks in one format: ``Sep 2022`` for months, ``6 Sep`` for days (the year is in the subtitle).

    As many ticks as the axes' width holds (about one per 1.1 inch, at most 9): a phone's chart gets fewer.
    """
    days = max(1.0, (end - start).total_seconds() / 86400)
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    most = max(3, min(9, int(width_in / 1.1)))
    if days > 100:
        months = days / 30.4
        step = next((k for k in (1, 2, 3, 4, 6, 12, 24, 60) if months / k <= most - 1), 120)
        ax.xaxis.set_major_locator(mdates.MonthLocator(interval=step))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    else:
        step = next((k for k in (1, 2, 3, 5, 7, 14, 28) if days / k <= most), 56)
        loc = mdates.DayLocator(interval=step) if step < 7 else mdates.WeekdayLocator(byweekday=mdates.MO, interval=step // 7)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{mdates.num2date(v).day} {mdates.num2date(v):%b}"))
    ax.set_xlim(_naive(start), _naive(end))


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
    sides: Mapping[str, str] | None = None,
) -> Figure:
    """Area held over time, one line per ``api.series`` document (e.g. DeepState and ISW).

    Points of periods the data does not fully cover (``complete`` false) are drawn hollow.

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
        label = source_label(doc["source"]) if same_layer else f"{source_label(doc['source'])} · {layer_phrase(doc['layer'], sides or {})}"
        colour = colours[k % len(colours)]
        ax.plot(xs, ys, color=colour, linewidth=1.8, label=label,
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
    first = docs[0]
    periods = first["periods"]
    x0, x1 = xmin.replace(tzinfo=dt.UTC), xmax.replace(tzinfo=dt.UTC)
    margin = max((x1 - x0) * 0.015, dt.timedelta(hours=12))
    _date_axis(ax, x0 - margin, x1 + margin)
    ys_all = [y for line in ax.get_lines() for y in line.get_ydata()]
    lo, hi = float(min(ys_all)), float(max(ys_all))
    pad = (hi - lo) * 0.08 or max(1.0, abs(hi) * 0.001)
    ax.set_ylim(lo - pad, hi + pad)  # the data's own range (an area chart need not start at 0)
    ax.legend(loc="best", frameon=True, facecolor="white", edgecolor="none", framealpha=0.9, fontsize=9)
    fig.suptitle(title or f"{layer_phrase(first['layer'], sides or {})}: area over time", x=0.1, ha="left", y=0.965,
                 fontsize=14 if size[0] >= 6 else 11, fontweight="bold")
    points = [p for p in periods if p["area_km2"] is not None]
    day = lambda p: parse_iso(p["end"]) - dt.timedelta(seconds=1)  # noqa: E731  (a period ends at 00:00 of the next)
    sub = f"Area at the end of each {first['freq']}, {span_text(day(points[0]), day(points[-1]))}" if points else ""
    ends = [p["area_km2"] for p in periods if p["area_km2"] is not None]
    if len(docs) == 1 and len(ends) >= 2:
        sub += f" · {round_km2(ends[-1])} km² at the end, {round_signed(ends[-1] - ends[0])} km² since the first"
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
    if incomplete.any():  # a stale boundary map or days without a map: shaded and hatched, never hidden
        for a, b in zip(x0[incomplete], mdates.date2num(ends)[incomplete]):
            ax.axvspan(a, b, color=COLOURS["gap"], alpha=0.45, linewidth=0, zorder=0)
        ax.bar(centres[incomplete], g[incomplete], width=widths[incomplete], fill=False, hatch="////",
               edgecolor=COLOURS["muted"], linewidth=0, label="incomplete period")
        ax.bar(centres[incomplete], -lo[incomplete], width=widths[incomplete], fill=False, hatch="////",
               edgecolor=COLOURS["muted"], linewidth=0)
    ax.plot(centres, net, color=COLOURS["net"], marker="o", markersize=3 if len(rows) < 60 else 0,
            linewidth=1.2, label="net")
    ax.axhline(0, color="#999999", linewidth=0.8)
    _km2_axis(ax, f"km² per {doc['freq']}")
    ax.xaxis_date()
    _date_axis(ax, parse_iso(rows[0]["start"]), parse_iso(rows[-1]["end"]))
    top, bottom = float(np.nanmax(np.concatenate([g, net, [0.0]]))), float(np.nanmin(np.concatenate([-lo, net, [0.0]])))
    pad = (top - bottom) * 0.06 or 1.0
    ax.set_ylim(bottom - (pad if bottom < 0 else 0.0), top + pad * (3 if size[0] >= 6 else 1))  # 0 always shown
    ax.legend(loc="upper left" if size[0] >= 6 else "best", frameon=True, fontsize=9 if size[0] >= 6 else 8,
              ncols=4 if size[0] >= 6 else 1, framealpha=0.9, edgecolor="none")
    kind = "all steps within each period (gross)" if gross else "end of period vs start"
    # the totals are sums over periods (churn included), so the title names what is counted, not a sum that
    # would differ from the end-to-end change a report's headline gives
    head = title or f"{gained_word[:1].upper() + gained_word[1:]} and {lost_word[:1].lower() + lost_word[1:]}, by {doc['freq']}"
    fig.suptitle(head if size[0] >= 6 else "\n".join(textwrap.wrap(head, int(size[0] * 9))), x=0.085, ha="left", y=0.985,
                 va="top",
                 fontsize=14 if size[0] >= 6 else 11, fontweight="bold")
    total_g, total_l = float(np.nansum(g)), float(np.nansum(lo))
    note = f" · {int(incomplete.sum())} incomplete (hatched)" if incomplete.any() else ""
    sub = (f"{data_range({**doc, 'periods': rows})} · in all: {gained_word[:1].lower() + gained_word[1:]} "
           f"{round_km2(total_g)} km², {lost_word[:1].lower() + lost_word[1:]} {round_km2(total_l)} km²{note}"
           + (f" · {kind}" if gross else ""))
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
    sides: Mapping[str, str] | None = None,
) -> Figure:
    """Which regions moved: gained to the right, lost to the left, for one ``api.change``.

    The axis fits the data (each side as wide as its largest bar, plus room for the labels);
    labels are rounded for readers (``8,842``), the JSON keeps the decimals.

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
    gained_word, lost_word = change_phrases(doc["layer"], sides) if sides else ("gained", "lost")
    ax.barh(y, g, color=COLOURS["gained"], height=0.62, label=gained_word)
    ax.barh(y, -lo, color=COLOURS["lost"], height=0.62, label=lost_word)
    ax.scatter(g - lo, y, color=COLOURS["net"], marker="D", s=18, zorder=3, label="net")
    ax.axvline(0, color="#999999", linewidth=0.8)
    ax.set_yticks(y, names, fontsize=9.5)
    gmax = float(np.max(g)) if len(g) else 0.0
    lmax = float(np.max(lo)) if len(lo) else 0.0
    span = max(gmax, lmax, 1.0)
    room = span * (0.12 if width >= 6 else 0.3)  # for the value labels beside the bars
    ax.set_xlim(-(lmax + room), gmax + room)
    for yi, gv, lv in zip(y, g, lo):
        if gv > 0:
            ax.text(gv + span * 0.02, yi, round_km2(gv), va="center", ha="left", fontsize=8, color=COLOURS["gained"])
        if lv > 0:
            ax.text(-lv - span * 0.02, yi, round_km2(lv), va="center", ha="right", fontsize=8, color=COLOURS["lost"])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))
    ax.set_xlabel("km² (lost ← | → gained)")
    ax.grid(axis="x", color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not rows:
        ax.text(0.5, 0.5, "no region moved", transform=ax.transAxes, ha="center", va="center", color=COLOURS["muted"])
    ax.legend(loc="best", frameon=True, framealpha=0.9, edgecolor="none", fontsize=8.5, ncols=1)
    level = doc.get("region_layer", "region")
    head = title or change_headline(doc["layer"], sides or {}, doc["gained_km2"], doc["lost_km2"])
    fig.suptitle("\n".join(textwrap.wrap(head, max(30, int(width * 8)))), x=0.02, ha="left",
                 y=1 - 0.18 / height, va="top", fontsize=13.5 if width >= 6 else 11, fontweight="bold")
    sub = f"By {level} · {span_text(doc['from'], doc['to'])} · net {round_signed(doc['net_km2'])} km²"
    if hidden > 0:
        sub += f" · {hidden} more regions with smaller changes not shown"
    fig.text(0.02, 1 - 0.62 / height, sub, fontsize=9.5, color=COLOURS["muted"], va="top")
    corner_credit(fig, attribution(doc["source"]))
    return fig
