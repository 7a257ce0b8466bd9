"""Animations of a layer over time: MP4 (H.264, imageio-ffmpeg; the default) or an optimised GIF (Pillow).

The static background — land, water, rivers, borders, names, key towns, scale bar,
legend — is drawn once; each frame only replaces the shapes of three patches (held,
gained since the start, lost since the start), the front line (where the sides meet,
not along borders or coasts) and two texts (the date, large, and a running counter).
Frames are given as results (time, geometry) pairs — a generator is fine — and
never read from a store here.

An MP4 is a small fraction of a GIF of the same frames. A GIF is written with one
palette shared by every frame (no flicker, exact legend colours), consecutive equal
frames merged into one longer frame, and only the changed rectangle of each frame
stored (Pillow's GIF encoder).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from matplotlib.lines import Line2D

from frontlines.core.geodesy import area_km2
from frontlines.errors import FrontlinesError, UsageError
from frontlines.reports.maps import (
    Extent,
    MapCanvas,
    Settlement,
    _line_segments,
    _patch,
    clip,
)
from frontlines.reports.style import COLOURS, attribution, day_text, fmt_km2
from frontlines.reports.words import change_phrases, day_long, layer_phrase, span_text

__all__ = ["GifFrames", "animate", "frame_times", "parse_step"]

_STEP = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|d|w)\s*$", re.I)
_FORMATS = (".gif", ".mp4")


def parse_step(text: str) -> dt.timedelta:
    """``"1d"``, ``"12h"``, ``"2w"`` -> timedelta."""
    m = _STEP.match(text)
    if not m:
        raise UsageError(f"--step {text!r}: expected a number and h, d or w (e.g. 1d, 12h, 1w)", field="--step", value=text)
    n = float(m.group(1))
    if n <= 0:
        raise UsageError(f"--step {text!r} must be positive", field="--step", value=text)
    unit = m.group(2).lower()
    return dt.timedelta(hours=n) if unit == "h" else dt.timedelta(days=n) if unit == "d" else dt.timedelta(weeks=n)


def frame_times(start: dt.datetime, end: dt.datetime, step: dt.timedelta, *, max_frames: int = 2000) -> list[dt.datetime]:
    """``start, start + step, ...`` up to and including ``end``."""
    if end < start:
        raise UsageError("--to is before --from")
    n = int((end - start) / step) + 1
    if n > max_frames:
        raise UsageError(f"{n} frames: too many (at most {max_frames}); use a longer --step", field="--step")
    out = [start + k * step for k in range(n)]
    if out[-1] < end - dt.timedelta(seconds=1):
        out.append(end)
    return out


def _front_line(geom: Any, outline: Any, view: Extent) -> Any:
    """The line of contact of a control layer's area within (a margin around) the view.

    Both the area and the outline are cut to the same box, so the cut edges lie on the
    outline's boundary and are left out like a border; only the view is computed, which
    keeps an animation of one oblast fast.
    """
    from frontlines.core.frontline import frontline

    if geom is None or shapely.is_empty(geom):
        return shapely.MultiLineString()
    area = clip(geom, view, 0.25)
    if shapely.is_empty(area):
        return shapely.MultiLineString()
    land = clip(outline, view, 0.25) if outline is not None else None
    return frontline(area, outline=land).geometry


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _writer(out: Path, fps: float) -> Any:
    """An H.264 MP4 writer for ``.mp4`` (web-playable: yuv420p, moov atom first), else None (GIF)."""
    import imageio.v2 as iio

    if out.suffix.lower() == ".mp4":
        try:
            return iio.get_writer(out, format="FFMPEG", fps=fps, codec="libx264", quality=None,
                                  pixelformat="yuv420p", macro_block_size=16,
                                  ffmpeg_params=["-crf", "23", "-preset", "medium", "-movflags", "+faststart"])
        except (ImportError, RuntimeError) as exc:  # pragma: no cover - ffmpeg missing
            raise FrontlinesError(f"{out}: cannot write MP4 ({exc}); install imageio-ffmpeg or write a .gif") from exc
    return None


class GifFrames:
    """Frames of an optimised GIF: one shared palette, equal consecutive frames merged.

    The palette is made from the first frame (which already shows every colour of the
    legend) and every later frame is mapped to it without dithering, so flat areas stay
    flat and Pillow's encoder stores only the rectangle that changed between frames.
    """

    def __init__(self, frame_ms: float) -> None:
        self.frame_ms = frame_ms
        self.images: list[Any] = []
        self.durations: list[float] = []
        self._palette: Any = None
        self._last: bytes | None = None

    def add(self, frame: np.ndarray) -> None:
        """Append one RGB frame (merged into the previous one when identical)."""
        from PIL import Image

        img = Image.fromarray(frame, "RGB")
        if self._palette is None:
            self._palette = img.quantize(colors=255, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        pimg = img.quantize(palette=self._palette, dither=Image.Dither.NONE)
        raw = pimg.tobytes()
        if raw == self._last:
            self.durations[-1] += self.frame_ms
            return
        self._last = raw
        self.images.append(pimg)
        self.durations.append(self.frame_ms)

    def save(self, out: Path) -> None:
        """Write the GIF (looping forever)."""
        first, *rest = self.images
        first.save(out, format="GIF", save_all=True, append_images=rest, duration=[round(d) for d in self.durations],
                   loop=0, optimize=True, disposal=1)


def animate(
    states: Iterable[tuple[dt.datetime, Any]],
    out: str | Path,
    *,
    source: str,
    layer: str,
    extent: Extent,
    furniture: dict[str, Any],
    context_places: Sequence[Settlement] = (),
    fps: float = 4.0,
    size: tuple[float, float] = (9.6, 8.0),
    dpi: int = 100,
    title: str | None = None,
    period: tuple[Any, Any] | None = None,
    hold_last: int = 3,
    progress: Callable[[int, dt.datetime], None] | None = None,
) -> dict[str, Any]:
    """Render one frame per (time, geometry of the layer at that time) into a GIF or MP4.

    The first state is the reference: red is ground gained since then, blue ground lost,
    and the counter adds them up within the view (km², equal-area). ``period`` (start,
    end) puts the span in the title ("Donetsk: held by Russia, 1 June – 30 July 2025").

    Returns
    -------
    dict
        ``{"out", "frames", "width", "height", "gained_km2", "lost_km2", "net_km2", "view", "map_px"}``
        (areas in view at the end; ``view`` the map's west, south, east, north in degrees and ``map_px``
        its left, top, right, bottom in frame pixels).
    """
    out = Path(out)
    if out.suffix.lower() not in _FORMATS:
        raise FrontlinesError(f"{out}: unsupported animation type {out.suffix or '(none)'}; use .gif or .mp4")
    out.parent.mkdir(parents=True, exist_ok=True)
    sides = furniture.get("sides", {})
    gained_word, lost_word = change_phrases(layer, sides)
    focus = furniture.get("focus")
    if title is None:
        title = layer_phrase(layer, sides) + (f", {span_text(*period)}" if period else ": how the map changed")
        if focus is not None:
            title = f"{focus['name']}: {_lower(title)}"
    canvas = MapCanvas(extent, width_in=size[0], height_in=size[1], dpi=dpi, title=title,
                       subtitle="", credit=attribution(source, boundaries=True), legend_entries=8)
    canvas.basemap(furniture)
    canvas.background(outline=furniture["outline"], regions=furniture.get("regions"),
                      region_names=furniture.get("region_names", ()), subregions=furniture.get("subregions"))
    view = canvas.extent
    held = canvas.polygon(shapely.Polygon(), facecolor=COLOURS["held"], edgecolor=COLOURS["held_edge"], linewidth=0.3, zorder=2)
    gained_p = canvas.polygon(shapely.Polygon(), facecolor=COLOURS["gained"], alpha=1.0, zorder=2.5)
    lost_p = canvas.polygon(shapely.Polygon(), facecolor=COLOURS["lost"], alpha=1.0, zorder=2.5)
    # the front line of each frame, for control layers (border and coast left out, as `frontlines frontline` does)
    front = canvas.lines(shapely.MultiLineString(), color=COLOURS["front_after"], linewidth=1.5, zorder=4.1) \
        if layer.endswith(":control") else None
    front_of: dict[int, Any] = {}
    canvas.scale_bar()
    canvas.fig.canvas.draw()
    stamp = canvas.date_stamp("00 Mmm 0000", fontsize=min(24.0, 10.0 + size[0] * 1.4))
    canvas.label_basemap({**furniture, "water": [w for w in furniture.get("water", ()) if w[3] is None]})
    canvas.label_places(list(context_places), limit=16)
    counter = canvas.fig.text(0.15 / size[0], 1 - 0.52 / size[1], "", ha="left", va="top", fontsize=10, color=COLOURS["text"])
    writer = _writer(out, fps)
    gif = GifFrames(1000.0 / fps) if writer is None else None
    n = 0
    first_geom = None
    first_time = None
    g_km2 = l_km2 = 0.0
    try:
        for when, geom in states:
            if front is not None:
                key = id(geom)  # consecutive equal states share one geometry object
                if key not in front_of:
                    front_of.clear()
                    front_of[key] = _front_line(geom, furniture.get("outline"), view)
                front.set_segments(_line_segments(clip(front_of[key], view, 0.1)))
            geom = clip(geom, view, 0.02)
            if first_geom is None:
                first_geom, first_time = geom, when
                canvas.legend([
                    _patch(COLOURS["held"], layer_phrase(layer, sides), edgecolor=COLOURS["held_edge"]),
                    _patch(COLOURS["gained"], f"{gained_word} since {day_text(when)}"),
                    _patch(COLOURS["lost"], f"{lost_word} since {day_text(when)}"),
                    *([Line2D([], [], color=COLOURS["front_after"], linewidth=1.5, label="Front line")] if front else []),
                    _patch(COLOURS["water"], "Sea, lake, reservoir", edgecolor=COLOURS["water_edge"]),
                    Line2D([], [], color=COLOURS["river"], linewidth=1.4, label="River"),
                    *([_patch(COLOURS["neighbour"], "Neighbouring country", edgecolor=COLOURS["neighbour_edge"])]
                      if furniture.get("neighbours") else []),
                    *([Line2D([], [], color=COLOURS["borders"], linewidth=0.9,
                              label=f"{str(furniture.get('region_level') or 'region').capitalize()} border")]
                      if furniture.get("regions") else []),
                ])
            gained = shapely.difference(geom, first_geom)
            lost = shapely.difference(first_geom, geom)
            g_km2, l_km2 = area_km2(gained), area_km2(lost)
            canvas.update_polygon(held, shapely.intersection(geom, first_geom))
            canvas.update_polygon(gained_p, gained)
            canvas.update_polygon(lost_p, lost)
            stamp.set_text(day_text(when))
            canvas.water_for_day(when)
            counter.set_text(f"Since {day_long(first_time)}, in this view: {_lower(gained_word)} {fmt_km2(g_km2)} km² · "
                             f"{_lower(lost_word)} {fmt_km2(l_km2)} km² · net {g_km2 - l_km2:+,.1f} km²")
            canvas.fig.canvas.draw()
            frame = np.asarray(canvas.fig.canvas.buffer_rgba())[:, :, :3].copy()
            if writer is not None:
                writer.append_data(frame)
            else:
                gif.add(frame)  # type: ignore[union-attr]
            n += 1
            if progress is not None:
                progress(n, when)
        if n == 0:
            raise FrontlinesError("no frames: the period holds no snapshot of the layer")
        last = frame  # noqa: F821 - set in the loop
        for _ in range(hold_last):  # linger on the final state
            if writer is not None:
                writer.append_data(last)
            else:
                gif.add(last)  # type: ignore[union-attr]
    finally:
        if writer is not None:
            writer.close()
    if gif is not None:
        gif.save(out)
    h, w = last.shape[:2]
    box = canvas.ax.get_window_extent()
    canvas.fig.clear()
    return {"out": str(out), "frames": n, "width": int(w), "height": int(h),
            "gained_km2": round(g_km2, 3), "lost_km2": round(l_km2, 3), "net_km2": round(g_km2 - l_km2, 3),
            "view": [view.west, view.south, view.east, view.north],
            "map_px": [round(box.x0), round(h - box.y1), round(box.x1), round(h - box.y0)]}
