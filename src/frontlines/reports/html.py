"""A self-contained HTML report: one file, inline styles and images, no external requests.

Works offline and as an e-mail attachment. Numbers are formatted exactly as the CLI
prints them (``9,203.0``, ``-9,157.8``) from the same :func:`frontlines.api.change`
result. :func:`to_pdf` prints the file with headless Chromium.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from frontlines._version import __version__
from frontlines.errors import FrontlinesError
from frontlines.reports import charts, maps
from frontlines.reports.disagreement import disagreement_map
from frontlines.reports.maps import as_settlements
from frontlines.reports.style import (
    BOUNDARIES_CREDIT,
    close,
    day_text,
    figure_png,
    fmt_km,
    fmt_km2,
    fmt_signed,
    source_label,
)
from frontlines.reports.words import (
    change_headline,
    change_phrases,
    day_long,
    layer_phrase,
    span_text,
)
from frontlines.results import ReportInputs

__all__ = ["find_chromium", "render_report", "to_pdf", "write_report"]

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#222;margin:0;background:#f6f6f4}
main{max-width:1020px;margin:0 auto;padding:24px 28px 40px;background:#fff}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 10px;border-bottom:1px solid #e3e3e3;padding-bottom:4px}
.sub{color:#666;font-size:14px;margin:0 0 18px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{flex:1 1 150px;border:1px solid #e3e3e3;border-radius:6px;padding:10px 12px;background:#fafafa}
.card .v{font-size:22px;font-weight:700;white-space:nowrap}.card .k{font-size:12px;color:#666;text-transform:uppercase;letter-spacing:.04em}
.card .n{font-size:12px;color:#666}
.gained{color:#d7301f}.lost{color:#2166ac}
figure{margin:12px 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:12.5px;color:#666}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:8px 0}
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left}th{background:#f3f3f3}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{font-size:13.5px;color:#444}.muted{color:#777}.stale{background:#fff4d6;border-left:3px solid #e6a800;padding:4px 8px}
ul{padding-left:20px}li{margin:3px 0}
footer{margin-top:36px;font-size:12px;color:#777;border-top:1px solid #e3e3e3;padding-top:8px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
figure picture img{display:block}
@media (max-width:700px){main{padding:12px 12px 28px}h1{font-size:20px}h2{font-size:17px}.card .v{font-size:19px}
table{font-size:12.5px}th,td{padding:3px 5px}}
@media print{body{background:#fff}main{padding:0}h2{break-after:avoid}figure,table{break-inside:avoid}}
"""


#: Figure sizes (inches) of the versions drawn for phones (shown under 700 px: type stays legible).
PHONE_MAP = (4.4, 7.0)
PHONE_CHART = (4.4, 4.0)


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _png(fig: Any, dpi: int = 100) -> str:
    data = base64.b64encode(figure_png(fig, dpi=dpi)).decode("ascii")
    close(fig)
    return f"data:image/png;base64,{data}"


def _img(fig: Any, alt: str, caption: str = "", dpi: int = 100, *, phone: Any | None = None) -> str:
    """A figure as an embedded PNG; ``phone`` is the same figure drawn for narrow screens (used under 700 px)."""
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    img = f'<img alt="{_e(alt)}" src="{_png(fig, dpi)}">'
    if phone is not None:
        img = f'<picture><source media="(max-width: 700px)" srcset="{_png(phone, 150)}">{img}</picture>'
    return f"<figure>{img}{cap}</figure>"


def _card(key: str, value: str, note: str = "", cls: str = "") -> str:
    return (f'<div class="card"><div class="k">{_e(key)}</div><div class="v {cls}">{_e(value)}</div>'
            f'<div class="n">{_e(note)}</div></div>')


def _table(headers: list[str], rows: list[list[Any]], num: set[int]) -> str:
    head = "".join(f'<th class="num">{_e(h)}</th>' if i in num else f"<th>{_e(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{_e(c)}</td>' if i in num else f"<td>{_e(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _lag(requested: str, published: str) -> str:
    r = dt.datetime.fromisoformat(requested.replace("Z", "+00:00"))
    p = dt.datetime.fromisoformat(published.replace("Z", "+00:00"))
    hours = (r - p).total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} h"


def render_report(inputs: ReportInputs, *, title: str | None = None) -> str:
    """The report as one HTML string."""
    c = inputs.change.as_dict()
    sides = dict(inputs.furniture.get("sides", {}))
    layer_name = layer_phrase(c["layer"], sides)
    gained_word, lost_word = change_phrases(c["layer"], sides)
    period = span_text(c["from"], c["to"])
    heading = title or change_headline(c["layer"], sides, c["gained_km2"], c["lost_km2"])
    if inputs.region is not None and inputs.region_change is not None and title is None:
        r = inputs.region_change
        heading = f"{inputs.region.name}: " + change_headline(c["layer"], sides, r["gained_km2"], r["lost_km2"])
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(heading)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(heading)}</h1>",
        f'<p class="sub">{_e(period)} · {_e(layer_name)} · {_e(source_label(c["source"]))} maps of '
        f'{_e(day_long(c["from_snapshot"]["map_time"]))} and {_e(day_long(c["to_snapshot"]["map_time"]))}</p>',
    ]

    parts.extend(_stale_notes(c))

    # ---------------------------------------------------------------- headline
    cards = [
        _card(gained_word, f"{fmt_km2(c['gained_km2'])} km²", f"ground newly {_lower(layer_name)}", "gained"),
        _card(lost_word, f"{fmt_km2(c['lost_km2'])} km²", f"ground no longer {_lower(layer_name)}", "lost"),
        _card("net", f"{fmt_signed(c['net_km2'])} km²",
              f"{fmt_signed(c['net_km2_per_day'])} km²/day over {c['days']:.1f} days" if c["net_km2_per_day"] is not None else ""),
        _card(layer_name, f"{fmt_km2(c['area_to_km2'])} km²", f"was {fmt_km2(c['area_from_km2'])} km²"),
    ]
    fb, fa = inputs.front_before, inputs.front_after
    if fb is not None and fa is not None:
        cards.append(_card("front line", f"{fmt_km(fa['length_km'])} km", f"was {fmt_km(fb['length_km'])} km"))
    if inputs.depth_gained is not None:
        d = inputs.depth_gained
        warn = " (includes redrawn ground far behind the front: see data quality)" if inputs.far_gained else ""
        cards.append(_card("depth of gains", f"{fmt_km(d['max_km'])} km", f"max; 90 % of gained ground within {fmt_km(d['p90_km'])} km{warn}"))
    if inputs.depth_lost is not None:
        d = inputs.depth_lost
        warn = " (includes redrawn ground far behind the front: see data quality)" if inputs.far_lost else ""
        cards.append(_card("depth of losses", f"{fmt_km(d['max_km'])} km", f"max; 90 % within {fmt_km(d['p90_km'])} km{warn}"))
    n_g = sum(1 for p in inputs.places if p["status"] == "gained")
    n_l = len(inputs.places) - n_g
    where = f" (within {inputs.region.name})" if inputs.region is not None else ""
    cards.append(_card("places changed hands", f"{len(inputs.places):,}",
                       f"{n_g:,} {_lower(gained_word)}, {n_l:,} {_lower(lost_word)}{where}"))
    parts.append('<h2>Headline figures</h2><div class="cards">' + "".join(cards) + "</div>")
    if c.get("redraw_km2"):
        how = "left out of the figures above" if c.get("redraws_excluded", True) else "included in the figures above"
        parts.append(f'<p class="note">Map redraws {how}: {fmt_km2(c["redraw_gained_km2"])} km² drawn in, '
                     f'{fmt_km2(c["redraw_lost_km2"])} km² drawn out (changes of the drawing, not of the ground).</p>')
    if inputs.region_change is not None:
        r = inputs.region_change
        parts.append(f'<p class="note">Within <b>{_e(r["name"])}</b> ({_e(r["kind"])}): {_e(_lower(gained_word))} '
                     f'<b class="gained">{fmt_km2(r["gained_km2"])} km²</b>, {_e(_lower(lost_word))} '
                     f'<b class="lost">{fmt_km2(r["lost_km2"])} km²</b>, net <b>{fmt_signed(r["net_km2"])} km²</b>.</p>')

    # ---------------------------------------------------------------- map
    def change_map(size: tuple[float, float]) -> Any:
        return maps.change_map(
            inputs.change, held_before=inputs.held_before, furniture=inputs.furniture, extent=inputs.extent,
            front_before=fb["geometry"] if fb else None, front_after=fa["geometry"] if fa else None,
            settlements=as_settlements(inputs.places), context_places=inputs.context, size=size,
        )

    parts.append("<h2>Change map</h2>" + _img(
        change_map((10.0, 8.0)), f"map: {_lower(gained_word)} and {_lower(lost_word)}, {period}",
        f"Red: {_lower(gained_word)}; blue: {_lower(lost_word)}; shaded: {_lower(layer_name)} at the start. "
        "Dashed and solid lines: the front line at the start and at the end.", phone=change_map(PHONE_MAP)))

    # ---------------------------------------------------------------- charts
    parts.append("<h2>Over time</h2>")
    try:
        parts.append(_img(charts.area_chart(inputs.area_series, snapshot_times=inputs.snapshot_times), "area over time",
                          "Grey bands: no snapshot for more than twice the usual interval.",
                          phone=charts.area_chart(inputs.area_series, snapshot_times=inputs.snapshot_times, size=PHONE_CHART)))
    except FrontlinesError as exc:
        parts.append(f'<p class="muted">No area chart: {_e(exc)}</p>')
    try:
        parts.append(_img(charts.change_bars(inputs.series, sides=sides), f"{_lower(gained_word)} and {_lower(lost_word)} per period",
                          phone=charts.change_bars(inputs.series, size=PHONE_CHART, sides=sides)))
    except FrontlinesError as exc:
        parts.append(f'<p class="muted">No change chart: {_e(exc)}</p>')

    # ---------------------------------------------------------------- regions
    lv = inputs.conflict.levels if inputs.conflict is not None else ()
    level1 = lv[0].display() if lv else "region"
    level2s = lv[1].display(plural=True).capitalize() if len(lv) > 1 else "Subregions"
    parts.append("<h2>By region</h2>")
    moved = [r for r in c.get("regions", []) if (r["gained_km2"] + r["lost_km2"]) >= 0.05]
    if moved:
        parts.append(_img(charts.region_bars(c, sides=sides), f"change by {level1}",
                          phone=charts.region_bars(c, width=PHONE_CHART[0], top=8, sides=sides)))
        moved.sort(key=lambda r: -(r["gained_km2"] + r["lost_km2"]))
        parts.append(_table([level1, f"{_lower(gained_word)} km²", f"{_lower(lost_word)} km²", "net km²"],
                            [[r["name"], fmt_km2(r["gained_km2"]), fmt_km2(r["lost_km2"]), fmt_signed(r["net_km2"])] for r in moved],
                            {1, 2, 3}))
    else:
        parts.append(f'<p class="muted">No {_e(level1)} changed in this period.</p>')
    sub = [r for r in inputs.subregion_rows if (r["gained_km2"] + r["lost_km2"]) >= 0.05]
    if sub:
        sub.sort(key=lambda r: -(r["gained_km2"] + r["lost_km2"]))
        parts.append(f"<h3>{_e(level2s)} of {_e(inputs.region.name if inputs.region else '')}</h3>")
        parts.append(_table([lv[1].display() if len(lv) > 1 else "subregion", f"{_lower(gained_word)} km²",
                             f"{_lower(lost_word)} km²", "net km²"],
                            [[r["name"], fmt_km2(r["gained_km2"]), fmt_km2(r["lost_km2"]), fmt_signed(r["net_km2"])] for r in sub],
                            {1, 2, 3}))

    # ---------------------------------------------------------------- places
    parts.append("<h2>Settlements that changed hands</h2>")
    if inputs.places:
        limit = 60
        rows = [[p["name"], p["region"], f"{p['population']:,}" if p["population"] else "–",
                 _lower(gained_word) if p["status"] == "gained" else _lower(lost_word)] for p in inputs.places[:limit]]
        parts.append(f'<p class="note">{len(inputs.places):,} gazetteer places lie in ground that changed hands, '
                     f"most populous first{'; the first ' + str(limit) + ' are listed' if len(inputs.places) > limit else ''}.</p>")
        parts.append(_table(["place", level1, "population", "what happened"], rows, {2}))
    else:
        parts.append('<p class="muted">No gazetteer place lies in the ground that changed hands.</p>')

    # ---------------------------------------------------------------- sources side by side
    if inputs.side_by_side:
        parts.append(_side_by_side(inputs))

    # ---------------------------------------------------------------- quality
    q: list[str] = []
    q.append(f"State at the start: the map of {_e(c['from_snapshot']['map_time'])} "
             f"({_lag(c['from'], c['from_snapshot']['map_time'])} before {_e(c['from'])}, file {_e(c['from_snapshot']['file_name'])}); "
             f"at the end: {_e(c['to_snapshot']['map_time'])} ({_lag(c['to'], c['to_snapshot']['map_time'])} before "
             f"{_e(c['to'])}, file {_e(c['to_snapshot']['file_name'])}).")
    if inputs.gaps:
        items = "".join(f"<li>{_e(day_text(a))} → {_e(day_text(b))}: {g:g} days without a snapshot</li>" for a, b, g in inputs.gaps)
        q.append(f"Gaps in the data (no snapshot for more than twice the median interval):<ul>{items}</ul>")
    else:
        q.append("No gap in the data in this period (no interval longer than twice the median).")
    incomplete = [p for p in (inputs.series or {}).get("periods", []) if p.get("complete") is False]
    if incomplete:
        items = "".join(
            f"<li>{_e(day_text(p['start']))} → {_e(day_text(p['end']))}: "
            + ", ".join(x for x in (
                f"boundary map {max(p.get('start_lag_days') or 0, p.get('end_lag_days') or 0):.1f} days old"
                if max(p.get('start_lag_days') or 0, p.get('end_lag_days') or 0) > 1 else "",
                f"no map on {len(p['gap_days'])} day(s)" if p.get("gap_days") else "") if x)
            + "</li>" for p in incomplete)
        q.append(f"{len(incomplete)} period(s) of the series are incomplete (hatched in the chart); their figures rest on an "
                 f"older map or skip days, and the change moves to a neighbouring period:<ul>{items}</ul>")
    repaired = [n for n in inputs.notes if n.get("repaired")]
    if repaired:
        total = sum(int(n["repaired"]) for n in repaired)
        q.append(f"{len(repaired)} snapshot(s) of the period had invalid geometries repaired on ingest "
                 f"({total} polygon part(s) in all), e.g. {_e(repaired[0]['file_name'])}.")
    else:
        q.append("No snapshot of the period needed geometry repairs on ingest.")
    unknown = [n for n in inputs.notes if n.get("unknown_classes")]
    if unknown:
        names = sorted({k for n in unknown for k in n["unknown_classes"]})
        q.append(f"{len(unknown)} snapshot(s) held feature classes no mapping knows (left out): "
                 f"{_e(', '.join(names[:8]))}{' …' if len(names) > 8 else ''}.")
    for what, far in (("gained", inputs.far_gained), ("lost", inputs.far_lost)):
        if far:
            where = ", ".join(f"{name} {fmt_km2(a)} km²" for name, a in far["regions"][:5])
            q.append(f"{fmt_km2(far['area_km2'])} km² of the {what} ground ({far['pieces']} piece(s): {_e(where)}) lies wholly more "
                     f"than {far['km']:g} km from the front line at the start: usually the map redrawing an edge (a coast, an "
                     f"old line of control) rather than fighting. It counts in the totals and in the depth figures.")
    if inputs.other_sources:
        rows = [[source_label(c["source"]) + " (this report)", fmt_km2(c["area_from_km2"]), fmt_km2(c["area_to_km2"]),
                 fmt_km2(c["gained_km2"]), fmt_km2(c["lost_km2"]), fmt_signed(c["net_km2"])]]
        rows += [[source_label(o["source"]), fmt_km2(o["area_from_km2"]), fmt_km2(o["area_to_km2"]), fmt_km2(o["gained_km2"]),
                  fmt_km2(o["lost_km2"]), fmt_signed(o["net_km2"])] for o in inputs.other_sources]
        diffs = "; ".join(f"{source_label(o['source'])}: net differs by {abs(o['net_km2'] - c['net_km2']):,.1f} km², "
                          f"area at the end by {abs(o['area_to_km2'] - c['area_to_km2']):,.1f} km²" for o in inputs.other_sources)
        q.append("Other sources cover this period; they measure different things (see their definitions), "
                 f"so differences are expected: {_e(diffs)}." + _table(
                     ["source", "area at start km²", "area at end km²", "gained", "lost", "net"], rows, {1, 2, 3, 4, 5}))
    else:
        q.append("No other source in the store covers this period with the same layer: no cross-check.")
    parts.append("<h2>Data quality</h2><ul class=\"note\">" + "".join(f"<li>{x}</li>" for x in q) + "</ul>")

    # ---------------------------------------------------------------- method
    method = [
        "The state of a layer at a time is the latest snapshot whose map time (the time of the map it shows, not when it "
        "was fetched) is at or before it; a bare date means the end of that day (UTC).",
        "Gained ground is in the layer at the end and not at the start; lost ground the reverse; net = gained − lost. "
        "Areas are km² on the WGS84 ellipsoid (Lambert azimuthal equal-area), never Web Mercator.",
        f"Per-region figures clip the gained and lost ground with the {level1} boundaries of the conflict definition.",
        "Per-period bars compare the states at the period's boundaries, so nets add up over consecutive periods.",
    ]
    if fb is not None:
        method.append(f"Front line: the boundary of the controlled area (with the contested zone's far edge, mode "
                      f"“{_e(fb.get('mode', 'outer'))}”) less international borders and coast within 1 km; length geodesic.")
    if inputs.depth_gained is not None or inputs.depth_lost is not None:
        method.append("Depth: geodesic distance of the gained (or lost) ground from the front line at the start, sampled on a "
                      "0.5 km grid; maximum and 90th percentile.")
    method.append("Settlements: gazetteer points (GeoNames, OpenStreetMap) inside the gained or lost ground.")
    method.append("Maps: longitude / latitude drawn with the aspect of the central latitude (equirectangular); the scale bar is geodesic.")
    parts.append("<h2>Method</h2><ul class=\"note\">" + "".join(f"<li>{m}</li>" for m in method) + "</ul>")

    sources = [c["source"], *[o["source"] for o in inputs.other_sources]]
    credits = "; ".join(dict.fromkeys(source_label(s) for s in sources))
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<footer>Data: {_e(credits)} — map content © its publishers. {_e(BOUNDARIES_CREDIT)}; settlements "
                 f"GeoNames (CC BY 4.0) and OpenStreetMap (ODbL). Made with frontlines {_e(__version__)} on {_e(generated)}.</footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _stale_notes(c: dict[str, Any]) -> list[str]:
    """A warning under the title when a map at either end of the window is older than the source's usual interval."""
    return [f'<p class="note stale"><b>Stale map:</b> {_e(w)}. The figures stop at that map.</p>'
            for w in c.get("warnings") or ()]


def _before(boundary: str) -> str:
    """The last second before a period boundary (ISO): the day a period-end state belongs to."""
    t = dt.datetime.fromisoformat(boundary.replace("Z", "+00:00")) - dt.timedelta(seconds=1)
    return t.isoformat().replace("+00:00", "Z")


def _side_by_side(inputs: ReportInputs) -> str:
    """"Sources side by side": per period the same layer's area in each source, the difference, the agreement
    summary (as ``frontlines compare --json``) and a map of where they disagree at the window's end."""
    sides = dict(inputs.furniture.get("sides", {}))
    out = ["<h2>Sources side by side</h2>",
           '<p class="note">The same layer in other sources of the store, at the end of every period (the latest '
           "map of each at or before it). Sources draw different things, so some difference is expected; what each "
           "includes is listed.</p>"]
    for item in inputs.side_by_side:
        cmp = item.compare
        doc = cmp.as_dict()
        a, b = source_label(cmp.source_a), source_label(cmp.source_b)
        sm = doc["summary"]
        out.append(f"<h3>{_e(a)} and {_e(b)}: {_e(layer_phrase(cmp.layer, sides))}</h3>")
        inc = "".join(f"<li><b>{_e(source_label(s))}</b> includes {_e(text)}.</li>"
                      for s, text in item.includes.items() if text)
        if inc:
            out.append(f'<ul class="note">{inc}</ul>')
        if sm.get("compared"):
            out.append(f'<p class="note">Agreement over {sm["compared"]} period end(s): {_e(b)} minus {_e(a)} is '
                       f'{fmt_signed(sm["mean_diff_km2"])} km² on average (mean absolute difference '
                       f'{fmt_km2(sm["mean_abs_diff_km2"])} km², largest {fmt_km2(sm["max_abs_diff_km2"])} km²).</p>')
        rows = []
        for r in doc["rows"]:
            both = r["area_a_km2"] is not None and r["area_b_km2"] is not None
            rows.append([day_text(_before(r["at"])),
                         fmt_km2(r["area_a_km2"]) if r["area_a_km2"] is not None else "–",
                         fmt_km2(r["area_b_km2"]) if r["area_b_km2"] is not None else "–",
                         fmt_signed(r["diff_km2"]) if both else "–",
                         fmt_km2(r["only_a_km2"]) if r["only_a_km2"] is not None else "",
                         fmt_km2(r["only_b_km2"]) if r["only_b_km2"] is not None else ""])
        out.append(_table(
            ["at the end of", f"{a} km²", f"{b} km²", f"difference ({b} − {a})", f"only {a} km²", f"only {b} km²"],
            rows, {1, 2, 3, 4, 5}))
        if cmp.only_a is not None and cmp.only_b is not None:
            out.append(_img(disagreement_map(item), f"map: where {a} and {b} disagree",
                            f"Orange: ground only {a} counts; green: ground only {b} counts (symmetric difference at "
                            "the last period end).", phone=disagreement_map(item, size=PHONE_MAP)))
    return "\n".join(out)


def write_report(inputs: ReportInputs, out: str | Path, *, title: str | None = None) -> Path:
    """Write the HTML report to ``out`` (a ``.html`` file)."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise FrontlinesError(f"{out}: the report is an HTML file; use a .html name")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(inputs, title=title), encoding="utf-8")
    return out


_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Flags for a quiet, sandbox-free headless Chromium that makes no network requests of its own.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")


def find_chromium() -> str | None:
    """Path of a Chromium / Chrome executable (``$FRONTLINES_CHROMIUM`` first), or None."""
    env = os.environ.get("FRONTLINES_CHROMIUM")
    if env:
        return env
    for name in _CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def to_pdf(html_path: str | Path, pdf_path: str | Path, *, chromium: str | None = None, timeout: float = 120.0) -> Path:
    """Print an HTML file to PDF with headless Chromium."""
    exe = chromium or find_chromium()
    if exe is None:
        raise FrontlinesError("--pdf needs Chromium: install it (Debian: apt-get install chromium) or set FRONTLINES_CHROMIUM")
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="frontlines-chromium-") as profile:
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={pdf_path}", html_path.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FrontlinesError(f"Chromium failed to print {html_path}: {exc}") from exc
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise FrontlinesError(f"Chromium could not print {html_path} to PDF (exit {proc.returncode}): {' / '.join(tail)}")
    return pdf_path
