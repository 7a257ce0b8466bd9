"""Animations of a layer over time: GIF (Pillow) or MP4 (imageio-ffmpeg).

The static background — land, borders, names, scale bar, legend — is drawn once;
each frame only replaces the shapes of three patches (held, gained since the
start, lost since the start) and two texts (date stamp, running counter).
Frames are given as results (time, geometry) pairs — a generator is fine — and
never read from a store here.
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
from frontlines.reports.words import change_phrases, layer_phrase

__all__ = ["animate", "frame_times", "parse_step"]

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
    import imageio.v2 as iio

    if out.suffix.lower() == ".mp4":
        try:
            return iio.get_writer(out, format="FFMPEG", fps=fps, codec="libx264", quality=7,
                                  pixelformat="yuv420p", macro_block_size=16)
        except (ImportError, RuntimeError) as exc:  # pragma: no cover - ffmpeg missing
            raise FrontlinesError(f"{out}: cannot write MP4 ({exc}); install imageio-ffmpeg or write a .gif") from exc
    return None


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
    hold_last: int = 3,
    progress: Callable[[int, dt.datetime], None] | None = None,
) -> dict[str, Any]:
    """Render one frame per (time, geometry of the layer at that time) into a GIF or MP4.

    The first state is the reference: red is ground gained since then, blue ground lost,
    and the counter adds them up within the view (km², equal-area).

    Returns
    -------
    dict
        ``{"out", "frames", "width", "height", "gained_km2", "lost_km2", "net_km2"}`` (areas in view at the end).
    """
    out = Path(out)
    if out.suffix.lower() not in _FORMATS:
        raise FrontlinesError(f"{out}: unsupported animation type {out.suffix or '(none)'}; use .gif or .mp4")
    out.parent.mkdir(parents=True, exist_ok=True)
    sides = furniture.get("sides", {})
    gained_word, lost_word = change_phrases(layer, sides)
    canvas = MapCanvas(extent, width_in=size[0], height_in=size[1], dpi=dpi,
                       title=title or f"{layer_phrase(layer, sides)}: how the map changed",
                       subtitle="", credit=attribution(source, boundaries=True), legend_entries=5)
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
    stamp = canvas.date_stamp("00 Mmm 0000")
    canvas.label_basemap({**furniture, "water": [w for w in furniture.get("water", ()) if w[3] is None]})
    canvas.label_places(list(context_places), limit=14)
    counter = canvas.fig.text(0.15 / size[0], 1 - 0.52 / size[1], "", ha="left", va="top", fontsize=10, color=COLOURS["text"])
    writer = _writer(out, fps)
    frames: list[np.ndarray] = []
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
                    _patch(COLOURS["water"], "Sea, lake, reservoir", edgecolor=COLOURS["water_edge"]),
                    *([Line2D([], [], color=COLOURS["front_after"], linewidth=1.5, label="Front line")] if front else []),
                ])
            gained = shapely.difference(geom, first_geom)
            lost = shapely.difference(first_geom, geom)
            g_km2, l_km2 = area_km2(gained), area_km2(lost)
            canvas.update_polygon(held, shapely.intersection(geom, first_geom))
            canvas.update_polygon(gained_p, gained)
            canvas.update_polygon(lost_p, lost)
            stamp.set_text(day_text(when))
            canvas.water_for_day(when)
            counter.set_text(f"Since {day_text(first_time)}, in this view: {_lower(gained_word)} {fmt_km2(g_km2)} km² · "
                             f"{_lower(lost_word)} {fmt_km2(l_km2)} km² · net {g_km2 - l_km2:+,.1f} km²")
            canvas.fig.canvas.draw()
            frame = np.asarray(canvas.fig.canvas.buffer_rgba())[:, :, :3].copy()
            if writer is not None:
                writer.append_data(frame)
            else:
                frames.append(frame)
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
                frames.append(last)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        import imageio.v3 as iio3

        durations = [1000.0 / fps] * len(frames)
        iio3.imwrite(out, np.stack(frames), extension=".gif", duration=durations, loop=0)
    h, w = frames[0].shape[:2] if frames else last.shape[:2]
    canvas.fig.clear()
    return {"out": str(out), "frames": n, "width": int(w), "height": int(h),
            "gained_km2": round(g_km2, 3), "lost_km2": round(l_km2, 3), "net_km2": round(g_km2 - l_km2, 3)}
