"""Offline maps of control and change, drawn with matplotlib only (no tile servers).

Longitude / latitude are drawn directly with the axes' aspect set to
``1 / cos(latitude of the centre)``: an equirectangular map true to scale along the
central parallel, which keeps shapes right at the scale of an oblast or of Ukraine
(the distortion at ±3° of latitude is under 10 %). The scale bar is computed
geodesically (WGS84) at the centre of the view.

Functions take results — geometries and the dictionaries of :mod:`frontlines.api` —
never the store; :mod:`frontlines.reports.gather` builds them from a store.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.patheffects as pe
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from frontlines.core.extent import Extent, Settlement, auto_extent
from frontlines.core.geodesy import WGS84, area_km2
from frontlines.errors import FrontlinesError
from frontlines.reports.style import (
    COLOURS,
    attribution,
    day_text,
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
from frontlines.results import ChangeResult

__all__ = [
    "Extent",
    "MapCanvas",
    "auto_extent",
    "as_settlements",
    "change_map",
    "geometry_path",
    "state_map",
]

_HALO = [pe.withStroke(linewidth=2.6, foreground="white")]


def geometry_path(geom: Any) -> MplPath:
    """A matplotlib compound path of a (Multi)Polygon, holes included (non-zero winding)."""
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty] \
        if geom is not None and not shapely.is_empty(geom) else []
    if geom is not None and geom.geom_type == "GeometryCollection":
        polys = [q for p in polys for q in shapely.get_parts(p)]
    if not polys:
        return MplPath(np.zeros((1, 2)), [MplPath.MOVETO])
    polys = shapely.orient_polygons(np.array(polys, dtype=object), exterior_cw=False)
    rings = shapely.get_rings(polys)
    verts, codes = [], []
    for ring in rings:
        xy = shapely.get_coordinates(ring)
        if len(xy) < 4:
            continue
        c = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
        c[0] = MplPath.MOVETO
        c[-1] = MplPath.CLOSEPOLY
        verts.append(xy)
        codes.append(c)
    if not verts:
        return MplPath(np.zeros((1, 2)), [MplPath.MOVETO])
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _line_segments(geom: Any) -> list[np.ndarray]:
    if geom is None or shapely.is_empty(geom):
        return []
    parts = shapely.get_parts(geom)
    out = []
    for p in parts:
        if p.geom_type in ("Polygon", "MultiPolygon"):
            out.extend(shapely.get_coordinates(r) for r in shapely.get_rings(shapely.get_parts(p)))
        elif p.geom_type in ("LineString", "LinearRing"):
            out.append(shapely.get_coordinates(p))
        elif p.geom_type in ("MultiLineString", "GeometryCollection"):
            out.extend(_line_segments(p))
    return [o for o in out if len(o) >= 2]


def clip(geom: Any, ext: Extent, margin: float = 0.05) -> Any:
    """A geometry cut to the view (plus a margin), for fast drawing."""
    if geom is None or shapely.is_empty(geom):
        return shapely.Polygon()
    dx = (ext.east - ext.west) * margin
    dy = (ext.north - ext.south) * margin
    return shapely.clip_by_rect(geom, ext.west - dx, ext.south - dy, ext.east + dx, ext.north + dy)


def _nice_length(km: float) -> float:
    """The largest of 1, 2, 5 × 10^n not above ``km``."""
    if km <= 0:
        return 1.0
    exp = math.floor(math.log10(km))
    for m in (5, 2, 1):
        if m * 10**exp <= km:
            return float(m * 10**exp)
    return float(10**exp)


def km_per_degree_lon(lat: float) -> float:
    """Geodesic length of one degree of longitude at ``lat`` (WGS84), in km."""
    _, _, d = WGS84.inv(0.0, lat, 1.0, lat)
    return float(d) / 1000.0


# --------------------------------------------------------------------------- canvas
@dataclass
class MapCanvas:
    """A figure with a map axes and the static furniture (land, borders, names, scale bar).

    The layer artists are added afterwards and may be updated in place (animations).
    """

    extent: Extent
    width_in: float = 10.0
    height_in: float = 8.0
    dpi: int = 100
    title: str = ""
    subtitle: str = ""
    credit: str = ""
    fig: Figure = field(init=False)
    ax: Axes = field(init=False)
    _region_labels: list[Any] = field(init=False, default_factory=list)
    #: Window boxes of every label drawn so far (no later label may overlap one).
    label_boxes: list[Any] = field(init=False, default_factory=list)
    #: Text artists of the labels drawn (places, water, neighbours, rivers).
    label_texts: list[Any] = field(init=False, default_factory=list)

    #: Inches reserved above (title) and below (legend, credit) the map.
    top_in: float = 0.95
    bottom_in: float = 0.75
    #: Legend entries the strip below the map must hold (narrow figures stack them in more rows).
    legend_entries: int = 8

    def __post_init__(self) -> None:
        self.fig = Figure(figsize=(self.width_in, self.height_in), dpi=self.dpi, facecolor="white")
        FigureCanvasAgg(self.fig)
        left = right = 0.15
        title = textwrap.wrap(self.title, max(20, int(self.width_in * 8.2))) if self.title else []
        subtitle = textwrap.wrap(self.subtitle, max(30, int(self.width_in * 12.5))) if self.subtitle else []
        self.title, self.subtitle = "\n".join(title), "\n".join(subtitle)
        self.top_in = max(self.top_in, 0.2 + 0.27 * len(title) + 0.19 * len(subtitle) + 0.12)
        rows = math.ceil(self.legend_entries / self.legend_columns)
        credit_lines = textwrap.wrap(self.credit, max(40, int(self.width_in * 16))) if self.credit else []
        self.bottom_in = max(self.bottom_in, 0.3 + 0.2 * rows + 0.12 * max(0, len(credit_lines) - 1))
        sub_y = 0.12 + 0.27 * len(title) + 0.1
        map_w = self.width_in - left - right
        map_h = self.height_in - self.top_in - self.bottom_in
        self.extent = self.extent.fitted(map_w / map_h)
        self.ax = self.fig.add_axes((left / self.width_in, self.bottom_in / self.height_in,
                                     map_w / self.width_in, map_h / self.height_in))
        ax = self.ax
        ax.set_xlim(self.extent.west, self.extent.east)
        ax.set_ylim(self.extent.south, self.extent.north)
        ax.set_aspect(1.0 / self.extent.kx, adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(COLOURS["water"])  # the sea; land is drawn over it (basemap, outline)
        for s in ax.spines.values():
            s.set_edgecolor("#999999")
            s.set_linewidth(0.8)
        if self.title:
            self.fig.text(0.15 / self.width_in, 1 - 0.12 / self.height_in, self.title, ha="left", va="top",
                          fontsize=14, fontweight="bold", color=COLOURS["text"])
        if self.subtitle:
            self.fig.text(0.15 / self.width_in, 1 - sub_y / self.height_in, self.subtitle, ha="left", va="top",
                          fontsize=9.5, color=COLOURS["muted"])
        if self.credit:
            credit = "\n".join(credit_lines)
            self.fig.text(1 - 0.15 / self.width_in, 0.06 / self.height_in, credit, ha="right", va="bottom",
                          fontsize=7.5, color=COLOURS["muted"])

    # ------------------------------------------------------------------ layers
    def polygon(self, geom: Any, *, facecolor: str, edgecolor: str = "none", linewidth: float = 0.0,
                alpha: float = 1.0, zorder: float = 2, hatch: str | None = None) -> PathPatch:
        """Fill a (Multi)Polygon; returns the patch (``set_path`` to update it)."""
        patch = PathPatch(geometry_path(clip(geom, self.extent)), facecolor=facecolor, edgecolor=edgecolor,
                          linewidth=linewidth, alpha=alpha, zorder=zorder, hatch=hatch)
        self.ax.add_patch(patch)
        return patch

    def update_polygon(self, patch: PathPatch, geom: Any) -> None:
        """Replace the shape of a patch made by :meth:`polygon`."""
        patch.set_path(geometry_path(clip(geom, self.extent)))

    def lines(self, geom: Any, *, color: str, linewidth: float = 1.0, linestyle: str = "-",
              zorder: float = 4, alpha: float = 1.0) -> LineCollection:
        """Draw the lines (or polygon rings) of a geometry."""
        coll = LineCollection(_line_segments(clip(geom, self.extent, 0.1)), colors=color, linewidths=linewidth,
                              linestyles=linestyle, zorder=zorder, alpha=alpha, capstyle="round", joinstyle="round")
        self.ax.add_collection(coll)
        return coll

    def basemap(self, furniture: dict[str, Any], day: Any = None) -> list[Any]:
        """Neighbouring countries (greyed), the conflict's own country, lakes, reservoirs and rivers.

        Water with an ``until`` date (the Kakhovka reservoir) is drawn only on maps dated
        on or before it; the patches of such water are returned so an animation can
        switch them per frame (:meth:`water_for_day`).
        """
        seas = [g for g, _name, kind, _until in furniture.get("water", ()) if kind == "sea"]
        if seas:  # the basemap's seas are drawn; beyond what it covers (a view past its edge) is foreign land
            self.ax.set_facecolor(COLOURS["neighbour"])
            for geom in seas:
                self.polygon(geom, facecolor=COLOURS["water"], zorder=0.2)
        for geom, _name, _xy in furniture.get("neighbours", ()):
            self.polygon(geom, facecolor=COLOURS["neighbour"], edgecolor=COLOURS["neighbour_edge"], linewidth=0.6,
                         zorder=0.3)
        for geom in furniture.get("home", ()):
            self.polygon(geom, facecolor=COLOURS["land"], zorder=0.4)
        dated = []
        for geom, _name, kind, until in furniture.get("water", ()):
            if kind == "sea":
                continue  # drawn first, under the land
            patch = self.polygon(geom, facecolor=COLOURS["water"], edgecolor=COLOURS["water_edge"], linewidth=0.4,
                                 zorder=2.8)
            if until is not None:
                dated.append((patch, until))
        self._dated_water = dated
        for geom, _name, rank in furniture.get("rivers", ()):
            width = 1.4 if rank <= 4 else 1.0 if rank <= 7 else 0.7
            self.lines(geom, color=COLOURS["river"], linewidth=width, zorder=2.85)
        self.water_for_day(day)
        return [p for p, _ in dated]

    def water_for_day(self, day: Any) -> None:
        """Show dated water (a drained reservoir) only on or before its last day."""
        d = _as_date(day)
        for patch, until in getattr(self, "_dated_water", ()):
            patch.set_visible(d is None or d <= until)

    def label_basemap(self, furniture: dict[str, Any], day: Any = None) -> None:
        """Names of seas, neighbouring countries, reservoirs and major rivers, where there is room.

        Call after ``fig.canvas.draw()`` and before :meth:`label_places`: later labels avoid these.
        """
        renderer = self.fig.canvas.get_renderer()
        ax_box = self.ax.get_window_extent(renderer)
        view = self.extent.box()
        view_area = view.area
        d = _as_date(day)

        def place(txt: Any) -> bool:
            bb = txt.get_window_extent(renderer).expanded(1.04, 1.15)
            inside = ax_box.contains(bb.x0, bb.y0) and ax_box.contains(bb.x1, bb.y1)
            if not inside or any(bb.overlaps(o) for o in self.label_boxes):
                txt.remove()
                return False
            self.label_boxes.append(bb)
            self.label_texts.append(txt)
            return True

        for geom, name, kind, until in furniture.get("water", ()):
            if not name or (until is not None and d is not None and d > until):
                continue
            part = shapely.intersection(geom, view)
            if shapely.is_empty(part):
                continue
            big = kind == "sea"
            if part.area < (0.01 if big else 0.002) * view_area:
                continue
            p = _label_point(part)
            txt = self.ax.text(p.x, p.y, name, ha="center", va="center", fontsize=10 if big else 7.5,
                               fontstyle="italic", color=COLOURS["water_text"], zorder=6,
                               path_effects=[pe.withStroke(linewidth=2.2, foreground=COLOURS["water"])], clip_on=True)
            place(txt)
        for geom, name, (lx, ly) in furniture.get("neighbours", ()):
            part = shapely.intersection(geom, view)
            if not name or shapely.is_empty(part) or part.area < 0.02 * view_area:
                continue
            for x, y in _label_candidates(part, lx, ly):
                txt = self.ax.text(x, y, name.upper(), ha="center", va="center", fontsize=10.5, fontweight="bold",
                                   color=COLOURS["neighbour_text"], zorder=6, clip_on=True,
                                   path_effects=[pe.withStroke(linewidth=2.2, foreground=COLOURS["neighbour"])])
                if place(txt):
                    break
        seen: set[str] = set()
        for geom, name, rank in sorted(furniture.get("rivers", ()), key=lambda r: r[2]):
            if not name or name in seen or rank > 11:
                continue
            part = shapely.intersection(geom, view)
            if shapely.is_empty(part):
                continue
            lines = [g for g in shapely.get_parts(shapely.line_merge(part) if part.geom_type == "MultiLineString" else part)
                     if g.geom_type == "LineString"]
            if not lines:
                continue
            longest = max(lines, key=lambda g: g.length)
            if longest.length < 0.12 * (self.extent.east - self.extent.west):
                continue
            p0, p1 = longest.interpolate(0.45, normalized=True), longest.interpolate(0.55, normalized=True)
            mid = longest.interpolate(0.5, normalized=True)
            (x0, y0), (x1, y1) = self.ax.transData.transform([(p0.x, p0.y), (p1.x, p1.y)])
            angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
            if angle > 90:
                angle -= 180
            elif angle < -90:
                angle += 180
            txt = self.ax.text(mid.x, mid.y, name, ha="center", va="center", fontsize=7.5, fontstyle="italic",
                               rotation=angle, rotation_mode="anchor", color=COLOURS["water_text"], zorder=6,
                               clip_on=True, path_effects=[pe.withStroke(linewidth=2.0, foreground="white")])
            if place(txt):
                seen.add(name)

    def date_stamp(self, text: str, fontsize: float | None = None) -> Any:
        """The map's date, large, in the upper right corner of the map."""
        box = {"boxstyle": "round,pad=0.35", "facecolor": "white", "edgecolor": "#bbbbbb", "alpha": 0.92}
        stamp = self.ax.text(0.985, 0.975, text, transform=self.ax.transAxes, ha="right", va="top",
                             fontsize=fontsize or min(17.0, 8.0 + self.width_in * 1.0),
                             fontweight="bold", zorder=12, bbox=box, color=COLOURS["text"])
        self.fig.canvas.draw()
        self.label_boxes.append(stamp.get_window_extent(self.fig.canvas.get_renderer()).expanded(1.1, 1.3))
        return stamp

    def background(self, *, outline: Any, regions: Any | None = None, region_names: Sequence[str] = (),
                   subregions: Any | None = None) -> None:
        """Land, region borders and region names (drawn once)."""
        self.polygon(outline, facecolor=COLOURS["land"], zorder=0.5)
        if subregions is not None:
            segs = [s for g in subregions for s in _line_segments(clip(g, self.extent, 0.1))]
            self.ax.add_collection(LineCollection(segs, colors=COLOURS["borders"], linewidths=0.35,
                                                  linestyles=(0, (3, 2)), zorder=3, alpha=0.7))
        if regions is not None:
            segs = [s for g in regions for s in _line_segments(clip(g, self.extent, 0.1))]
            self.ax.add_collection(LineCollection(segs, colors=COLOURS["borders"], linewidths=0.9, zorder=3.1))
            view = self.extent.box()
            view_area = view.area
            for geom, name in zip(regions, region_names):
                part = shapely.intersection(geom, view)
                if shapely.is_empty(part) or part.area < 0.04 * view_area:
                    continue
                p = shapely.point_on_surface(part) if part.area > 0.6 * geom.area else _label_point(part)
                self._region_labels.append(
                    self.ax.text(p.x, p.y, name.upper(), ha="center", va="center", fontsize=8.5, color="#9a9a9a",
                                 fontweight="bold", zorder=3.2, path_effects=_HALO, clip_on=True))
        self.ax.add_patch(Rectangle((0, 0), 1, 1, transform=self.ax.transAxes, fill=False,
                                    edgecolor="#999999", linewidth=0.8, zorder=10))

    def scale_bar(self) -> None:
        """A geodesic scale bar in km, lower left, on a white box."""
        ext = self.extent
        lat = ext.south + (ext.north - ext.south) * 0.06
        kmdeg = km_per_degree_lon(lat)
        width_km = (ext.east - ext.west) * kmdeg
        length = _nice_length(width_km * 0.22)
        x0 = ext.west + (ext.east - ext.west) * 0.04
        y0 = lat
        dlon = length / kmdeg
        h = (ext.north - ext.south) * 0.009
        pad_x = (ext.east - ext.west) * 0.012
        self.ax.add_patch(Rectangle((x0 - pad_x, y0 - h * 1.8), dlon + pad_x * 3.6, h * 5.6, facecolor="white",
                                    edgecolor="none", alpha=0.85, zorder=8))
        for k in range(4):
            self.ax.add_patch(Rectangle((x0 + k * dlon / 4, y0), dlon / 4, h, facecolor="black" if k % 2 == 0 else "white",
                                        edgecolor="black", linewidth=0.6, zorder=9))
        num = f"{length:g}"
        self.ax.text(x0, y0 + h * 1.5, "0", ha="center", va="bottom", fontsize=7.5, zorder=9)
        self.ax.text(x0 + dlon / 2, y0 + h * 1.5, f"{length / 2:g}", ha="center", va="bottom", fontsize=7.5, zorder=9)
        self.ax.text(x0 + dlon, y0 + h * 1.5, f"{num} km", ha="left", va="bottom", fontsize=7.5, zorder=9)

    @property
    def legend_columns(self) -> int:
        """Legend columns that fit the figure's width (4 on a 10-inch figure, 1 or 2 on a phone's)."""
        return max(1, min(4, int(self.width_in / 2.45)))

    def legend(self, handles: list[Any]) -> Any:
        """The legend in the strip below the map (never over the data), in as many columns as fit the width."""
        renderer = self.fig.canvas.get_renderer()
        width = self.fig.bbox.width - 0.3 * self.dpi
        most = min(len(handles), self.legend_columns)
        # long labels: smaller type first (the strip below the map has room for this many rows), then fewer columns
        tries = [(most, 8.5), (most, 7.5)] + [(n, 7.5) for n in range(most - 1, 0, -1)]
        for ncols, size in tries:
            leg = self.fig.legend(handles=handles, loc="lower left",
                                  bbox_to_anchor=(0.15 / self.width_in, 0.2 / self.height_in), ncols=ncols,
                                  frameon=False, fontsize=size, handlelength=1.8, columnspacing=1.2)
            if ncols == 1 or leg.get_window_extent(renderer).width <= width:
                return leg
            leg.remove()
        return None  # pragma: no cover - the loop always returns

    def label_places(self, places: Sequence[Settlement], *, limit: int = 12) -> list[Settlement]:
        """Label places in order, skipping any whose label would overlap one already drawn."""
        renderer = self.fig.canvas.get_renderer()
        taken = self.label_boxes
        ax_box = self.ax.get_window_extent(renderer)
        drawn: list[Settlement] = []
        ext = self.extent
        for s in places:
            if len(drawn) >= limit:
                break
            if not (ext.west < s.lon < ext.east and ext.south < s.lat < ext.north):
                continue
            colour = {"gained": COLOURS["gained"], "lost": COLOURS["lost"]}.get(s.status, "#444444")
            pop = s.population or 0
            weight = "bold" if s.status or pop >= 500_000 else "normal"
            size = 9 if s.status else 10 if pop >= 1_000_000 else 8.5 if pop >= 200_000 else 7.5
            txt = self.ax.text(s.lon, s.lat, f"  {s.name}", ha="left", va="center", fontsize=size,
                               fontweight=weight, color=COLOURS["text"] if s.status else "#444444",
                               zorder=7, path_effects=_HALO, clip_on=True)
            def blocked(bb: Any) -> bool:
                if any(bb.overlaps(o) for o in taken):
                    return True
                if not (ax_box.contains(bb.x0, bb.y0) and ax_box.contains(bb.x1, bb.y1)):
                    return True
                hits = [r for r in self._region_labels if r.get_visible() and bb.overlaps(r.get_window_extent(renderer))]
                if hits and not s.status:
                    return True
                return False

            bb = txt.get_window_extent(renderer).expanded(1.05, 1.2)
            if blocked(bb):
                txt.set_ha("right")
                txt.set_text(f"{s.name}  ")
                bb = txt.get_window_extent(renderer).expanded(1.05, 1.2)
                if blocked(bb):
                    txt.remove()
                    continue
            for r in self._region_labels:  # a place outranks a region name
                if r.get_visible() and bb.overlaps(r.get_window_extent(renderer)):
                    r.set_visible(False)
            taken.append(bb)
            self.label_texts.append(txt)
            self.ax.plot([s.lon], [s.lat], marker="o", markersize=5 if s.status else 4.5 if pop >= 500_000 else 3.5,
                         markerfacecolor=colour, markeredgecolor="white", markeredgewidth=0.8, zorder=7.5)
            drawn.append(s)
        return drawn


def _as_date(day: Any) -> dt.date | None:
    """A date from a date, a datetime or an ISO text (None stays None)."""
    if day is None or isinstance(day, dt.date) and not isinstance(day, dt.datetime):
        return day
    if isinstance(day, dt.datetime):
        return day.date()
    return dt.datetime.fromisoformat(str(day).replace("Z", "+00:00")).date()


def _label_candidates(part: Any, lx: Any, ly: Any) -> list[tuple[float, float]]:
    """Where a country's name may go in the view: its own label point, then deep inside its largest piece."""
    from shapely.ops import polylabel

    out: list[tuple[float, float]] = []
    if lx is not None and ly is not None and shapely.contains_xy(part, float(lx), float(ly)):
        out.append((float(lx), float(ly)))
    big = max(shapely.get_parts(part), key=lambda g: g.area)
    if big.geom_type == "Polygon":
        p = polylabel(big, tolerance=0.02)
        out.append((p.x, p.y))
        w, s, e, n = big.bounds
        for fx, fy in ((0.5, 0.5), (0.5, 0.25), (0.5, 0.75), (0.25, 0.5), (0.75, 0.5)):
            q = (w + (e - w) * fx, s + (n - s) * fy)
            if shapely.contains_xy(big, *q):
                out.append(q)
    pt = shapely.point_on_surface(big)
    out.append((pt.x, pt.y))
    return out


def _label_point(geom: Any) -> Any:
    """A point well inside a polygon (its largest part's surface point)."""
    parts = list(shapely.get_parts(geom))
    big = max(parts, key=lambda p: p.area)
    return shapely.point_on_surface(big)


# ------------------------------------------------------------------------- handles
def _patch(colour: str, label: str, **kw: Any) -> Patch:
    return Patch(facecolor=colour, edgecolor=kw.pop("edgecolor", "none"), label=label, **kw)


def _front_handle(style: str, colour: str, label: str) -> Line2D:
    return Line2D([], [], color=colour, linewidth=1.6, linestyle=style, label=label)


# ------------------------------------------------------------------------- maps
def _background(canvas: MapCanvas, furniture: dict[str, Any], day: Any = None) -> None:
    canvas.basemap(furniture, day)
    canvas.background(
        outline=furniture["outline"],
        regions=furniture.get("regions"),
        region_names=furniture.get("region_names", ()),
        subregions=furniture.get("subregions"),
    )


def change_map(
    change: ChangeResult,
    *,
    held_before: Any,
    furniture: dict[str, Any],
    extent: Extent,
    front_before: Any | None = None,
    front_after: Any | None = None,
    settlements: Sequence[Settlement] = (),
    context_places: Sequence[Settlement] = (),
    size: tuple[float, float] = (10.0, 8.0),
    dpi: int = 100,
    title: str | None = None,
) -> Figure:
    """Ground gained and lost between two dates over the layer held at the start.

    Parameters
    ----------
    change_doc : dict
        ``api.change(..., geometry=True)``: ``gained`` and ``lost`` geometries and figures.
    held_before : geometry
        The layer at the start (``api.layer_geometry(at=start)``).
    furniture : dict
        ``outline`` (land), ``regions`` and ``region_names`` (borders and names),
        optionally ``subregions`` (thin borders): see :func:`frontlines.reports.gather.furniture`.
    extent : Extent
        The view (it is widened to the figure's proportions).
    front_before, front_after : geometry, optional
        Lines of contact at the start and end.
    settlements : sequence of Settlement
        Places that changed hands, most important first (labelled first).
    context_places : sequence of Settlement
        Other large places for orientation, labelled where room is left.
    """
    gained, lost = change.gained, change.lost
    if gained is None or lost is None:
        raise FrontlinesError("change map: the change result has no geometries; call change(..., geometry=True)")
    change_doc = change.as_dict()
    layer = change_doc["layer"]
    sides = furniture.get("sides", {})
    # the maps' own dates (map time), not when their files were published
    t0, t1 = day_text(change_doc["from_snapshot"]["map_time"]), day_text(change_doc["to_snapshot"]["map_time"])
    gained_word, lost_word = change_phrases(layer, sides)
    focus = furniture.get("focus")
    g_km2, l_km2, scope = change_doc["gained_km2"], change_doc["lost_km2"], "on the whole map"
    headline = change_headline(layer, sides, g_km2, l_km2)
    if focus is not None:  # a region map: the region's own figures, and its name in the title
        g_km2 = area_km2(shapely.intersection(gained, focus["geometry"]))
        l_km2 = area_km2(shapely.intersection(lost, focus["geometry"]))
        scope = f"in {focus['name']}"
        headline = f"{focus['name']}: {change_headline(layer, sides, g_km2, l_km2)}"
    canvas = MapCanvas(
        extent, width_in=size[0], height_in=size[1], dpi=dpi,
        title=title or headline,
        subtitle=(f"{span_text(change_doc['from'], change_doc['to'])} · {_lower_first(layer_phrase(layer, sides))}: "
                  f"net {fmt_signed(g_km2 - l_km2)} km² {scope} · "
                  f"{source_label(change_doc['source'])} maps of {_both_days(change_doc)}"),
        credit=attribution(change_doc["source"], boundaries=True), legend_entries=11,
    )
    _background(canvas, furniture, change_doc["to"])
    canvas.polygon(held_before, facecolor=COLOURS["held"], edgecolor=COLOURS["held_edge"], linewidth=0.3, zorder=2)
    canvas.polygon(gained, facecolor=COLOURS["gained"], alpha=1.0, zorder=2.5)
    canvas.polygon(lost, facecolor=COLOURS["lost"], alpha=1.0, zorder=2.5)
    handles: list[Any] = [
        _patch(COLOURS["held"], f"{layer_phrase(layer, sides)} on {t0}", edgecolor=COLOURS["held_edge"]),
        _patch(COLOURS["gained"], f"{gained_word} ({fmt_km2(g_km2)} km² {scope})"),
        _patch(COLOURS["lost"], f"{lost_word} ({fmt_km2(l_km2)} km² {scope})"),
    ]
    if focus is not None:
        canvas.lines(focus["geometry"], color="#6b6b6b", linewidth=2.2, linestyle=(0, (5, 1.5, 1, 1.5)), zorder=3.3,
                     alpha=0.9)
        handles.append(Line2D([], [], color="#6b6b6b", linewidth=2.0, linestyle=(0, (5, 1.5, 1, 1.5)),
                              label=f"{focus['name']} ({focus['kind']})"))
    if front_before is not None and not shapely.is_empty(front_before):
        canvas.lines(front_before, color=COLOURS["front_before"], linewidth=1.5, linestyle=(0, (3, 1.5)), zorder=4.2)
        handles.append(_front_handle("--", COLOURS["front_before"], f"Front line, {t0}"))
    if front_after is not None and not shapely.is_empty(front_after):
        canvas.lines(front_after, color=COLOURS["front_after"], linewidth=1.6, zorder=4.1)
        handles.append(_front_handle("-", COLOURS["front_after"], f"Front line, {t1}"))
    _water_handles(handles, furniture)
    canvas.scale_bar()
    canvas.fig.canvas.draw()
    canvas.date_stamp(day_text(change_doc["to_snapshot"]["map_time"]))
    canvas.label_basemap(furniture, change_doc["to"])
    drawn = canvas.label_places(list(settlements), limit=12)
    canvas.label_places(list(context_places), limit=max(0, 22 - len(drawn)))
    if drawn:
        handles.append(Line2D([], [], marker="o", linestyle="none", markerfacecolor="#777777", markeredgecolor="white",
                              markersize=6, label="Places that changed hands"))
    canvas.legend(handles)
    return canvas.fig


def _both_days(change_doc: dict[str, Any]) -> str:
    """``6 and 13 September 2022``: the days of the two maps compared (their map time)."""
    a, b = change_doc["from_snapshot"]["map_time"], change_doc["to_snapshot"]["map_time"]
    if _as_date(a) == _as_date(b):
        return day_long(a)
    return span_text(_as_date(a), _as_date(b)).replace(" – ", " and ")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _water_handles(handles: list[Any], furniture: dict[str, Any]) -> None:
    """Legend entries for the basemap: water, rivers, neighbouring countries."""
    if furniture.get("water") is not None:
        handles.append(_patch(COLOURS["water"], "Sea, lake, reservoir", edgecolor=COLOURS["water_edge"]))
    if furniture.get("rivers"):
        handles.append(Line2D([], [], color=COLOURS["river"], linewidth=1.4, label="River"))
    if furniture.get("neighbours"):
        handles.append(_patch(COLOURS["neighbour"], "Neighbouring country", edgecolor=COLOURS["neighbour_edge"]))
    if furniture.get("regions"):
        level = str(furniture.get("region_level") or "region")
        handles.append(Line2D([], [], color=COLOURS["borders"], linewidth=0.9, label=f"{level[:1].upper()}{level[1:]} border"))


_LAYER_STYLE = {
    "control": (COLOURS["held"], 1.0, None),
    "contested": (COLOURS["contested"], 0.85, "////"),
    "claimed": (COLOURS["claimed"], 0.75, "///"),
    "advance": (COLOURS["advance"], 0.8, None),
    "regained": (COLOURS["regained"], 0.8, None),
    "other": (COLOURS["other"], 0.7, "..."),
}
_LAYER_ORDER = ("claimed", "regained", "other", "control", "advance", "contested")


def state_map(
    source: str,
    at: str,
    layers: dict[str, Any],
    *,
    furniture: dict[str, Any],
    extent: Extent,
    areas: dict[str, float] | None = None,
    front: Any | None = None,
    context_places: Sequence[Settlement] = (),
    size: tuple[float, float] = (10.0, 8.0),
    dpi: int = 100,
    title: str | None = None,
    published_at: str | None = None,
) -> Figure:
    """Every layer of a source at one time (control, contested, claimed ...) with the same furniture."""
    if not layers:
        raise FrontlinesError(f"state map: no layer of {source} at {at}")
    focus = furniture.get("focus")
    sides = furniture.get("sides", {})
    subtitle = f"{source_label(source)} map of {day_long(published_at or at)} · areas in km²"
    if focus is not None:  # a region map: the region's own areas, in the subtitle and the legend
        areas = {k: area_km2(shapely.intersection(g, focus["geometry"])) for k, g in layers.items()}
        region_km2 = area_km2(focus["geometry"])
        control = [k for k in areas if k.endswith(":control")]
        if control and region_km2 > 0:
            key = max(control, key=lambda k: areas[k])  # type: ignore[index]
            subtitle = (f"{layer_phrase(key, sides)}: {fmt_km2(areas[key])} km² of {focus['name']}'s "
                        f"{round(region_km2):,} km² ({100 * areas[key] / region_km2:.1f} %) · " + subtitle)
    canvas = MapCanvas(
        extent, width_in=size[0], height_in=size[1], dpi=dpi,
        title=title or _state_title(layers, areas, sides, at, focus),
        subtitle=subtitle,
        credit=attribution(source, boundaries=True), legend_entries=len(layers) + 6,
    )
    _background(canvas, furniture, at)
    handles: list[Any] = []
    order = sorted(layers, key=lambda k: (_LAYER_ORDER.index(k.partition(":")[2]) if k.partition(":")[2] in _LAYER_ORDER else 9, k))
    for z, key in enumerate(order):
        status = key.partition(":")[2]
        colour, alpha, hatch = _LAYER_STYLE.get(status, (COLOURS["other"], 0.7, None))
        if key.startswith("ukraine:") and status == "claimed":
            colour = COLOURS["regained"]
        canvas.polygon(layers[key], facecolor=colour if not hatch else "none", edgecolor=COLOURS["held_edge"] if not hatch else colour,
                       linewidth=0.3 if not hatch else 0.0, alpha=alpha, zorder=2 + z * 0.1, hatch=hatch)
        if hatch:
            canvas.polygon(layers[key], facecolor=colour, alpha=0.25, zorder=2 + z * 0.1)
        phrase = layer_phrase(key, sides)
        scope = f" in {focus['name']}" if focus is not None else ""
        label = f"{phrase} ({fmt_km2(areas[key])} km²{scope})" if areas and key in areas else phrase
        handles.append(_patch(colour, label, alpha=alpha, hatch=hatch, edgecolor=COLOURS["held_edge"] if not hatch else colour))
    if focus is not None:
        canvas.lines(focus["geometry"], color="#6b6b6b", linewidth=2.2, linestyle=(0, (5, 1.5, 1, 1.5)), zorder=3.3,
                     alpha=0.9)
        handles.append(Line2D([], [], color="#6b6b6b", linewidth=2.0, linestyle=(0, (5, 1.5, 1, 1.5)),
                              label=f"{focus['name']} ({focus['kind']})"))
    if front is not None and not shapely.is_empty(front):
        canvas.lines(front, color=COLOURS["front_after"], linewidth=1.4, zorder=4)
        handles.append(_front_handle("-", COLOURS["front_after"], "Front line"))
    _water_handles(handles, furniture)
    canvas.scale_bar()
    canvas.fig.canvas.draw()
    canvas.date_stamp(day_text(at))
    canvas.label_basemap(furniture, at)
    canvas.label_places(list(context_places), limit=22)
    canvas.legend(handles)
    return canvas.fig


def _state_title(layers: dict[str, Any], areas: dict[str, float] | None, sides: dict[str, str], at: str,
                 focus: dict[str, Any] | None = None) -> str:
    """``Russia holds 108,950 km² on 1 June 2023`` (the largest control layer), else a plain title.

    A region map names the region and gives the area held inside it (``Kharkiv: Russia holds 2,010 km² ...``).
    """
    control = [k for k in layers if k.endswith(":control") and areas and k in areas]
    if control:
        key = max(control, key=lambda k: areas[k])  # type: ignore[index]
        side = layer_phrase(key, sides).removeprefix("Held by ")
        if focus is not None:  # ``areas`` are then the region's own
            return f"{focus['name']}: {side} holds {round(areas[key]):,} km² on {day_long(at)}"  # type: ignore[index]
        return f"{side} holds {round(areas[key]):,} km² on {day_long(at)}"  # type: ignore[index]
    return f"{focus['name']}: who holds what on {day_long(at)}" if focus else f"Who holds what on {day_long(at)}"


def as_settlements(rows: Sequence[dict[str, Any]]) -> list[Settlement]:
    """Labels of changed places (rows of :func:`frontlines.service.reporting.changed_places`)."""
    return [Settlement(r["short_name"], r["lon"], r["lat"], r["population"], r["status"]) for r in rows]
