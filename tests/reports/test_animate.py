"""Animations: frames, fixed size, colours, and the 30-day oblast budget."""

from __future__ import annotations

import datetime as dt
import time

import imageio.v3 as iio
import numpy as np
import pytest

from frontlines.errors import FrontlinesError
from frontlines.reports import animate
from frontlines.reports.style import COLOURS
from frontlines.service import reporting as gather
from tests.reports.conftest import count_near

pytestmark = pytest.mark.realdata

UTC = dt.UTC


def test_parse_step_and_times() -> None:
    assert animate.parse_step("1d") == dt.timedelta(days=1)
    assert animate.parse_step("12h") == dt.timedelta(hours=12)
    assert animate.parse_step("2w") == dt.timedelta(days=14)
    with pytest.raises(FrontlinesError):
        animate.parse_step("soon")
    t = animate.frame_times(dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2024, 1, 10, 12, tzinfo=UTC), dt.timedelta(days=3))
    assert [x.day for x in t] == [1, 4, 7, 10, 10]


def _run(store, start, end, region, out, step="1d"):
    times = animate.frame_times(dt.datetime.fromisoformat(start).replace(tzinfo=UTC),
                                dt.datetime.fromisoformat(end).replace(tzinfo=UTC), animate.parse_step(step))
    ext = gather.view_extent(region=gather.resolve_region("ukraine", region))
    return animate.animate(gather.layer_states(store, times, source=None, layer=None), out,
                           source="deepstate-daily", layer="russia:control", extent=ext,
                           furniture=gather.furniture(ext, "ukraine"), context_places=gather.context_places(ext, "ukraine"))


def _px(res: dict, lon: float, lat: float) -> tuple[int, int]:
    """Frame pixel (row, column) of a point, from the view and the map's pixel box the animation reports."""
    w, s, e, n = res["view"]
    x0, y0, x1, y1 = res["map_px"]
    return round(y0 + (n - lat) / (n - s) * (y1 - y0)), round(x0 + (lon - w) / (e - w) * (x1 - x0))


def test_gif_frames_show_growing_gains(daily_store, tmp_path) -> None:
    out = tmp_path / "donetsk.gif"
    res = _run(daily_store, "2024-08-01T23:59:59", "2024-08-29T23:59:59", "Donetsk", out, step="7d")
    assert res["frames"] == 5 and res["gained_km2"] > 100
    frames = iio.imread(out, index=None)
    assert frames.shape[1:3] == (800, 960)
    # the three frames lingering on the end are one GIF frame three times as long
    assert frames.shape[0] == 5
    from PIL import Image

    with Image.open(out) as gif:
        durations = []
        for k in range(gif.n_frames):
            gif.seek(k)
            durations.append(gif.info["duration"])
    assert durations == [250] * 4 + [1000]
    first, last = frames[0], frames[-1]
    assert count_near(first, COLOURS["gained"], 30) < 200  # nothing gained yet (legend swatch only)
    assert count_near(last, COLOURS["gained"], 30) > 600
    assert float(np.abs(last.astype(int) - first.astype(int)).mean()) > 0.5


def test_mp4_thirty_days_of_one_oblast_under_a_minute(daily_store, tmp_path, monkeypatch) -> None:
    out = tmp_path / "donetsk.mp4"
    raw: list[np.ndarray] = []  # the frames as rendered, before encoding (for the GIF references)
    real_writer = animate._writer

    class Recording:
        def __init__(self, path, fps):
            self.inner = real_writer(path, fps)

        def append_data(self, frame):
            raw.append(frame)
            self.inner.append_data(frame)

        def close(self):
            self.inner.close()

    monkeypatch.setattr(animate, "_writer", Recording)
    t = time.perf_counter()
    res = _run(daily_store, "2024-08-01T23:59:59", "2024-08-30T23:59:59", "Donetsk", out)
    elapsed = time.perf_counter() - t
    assert res["frames"] == 30
    assert elapsed < 60, f"30-day animation took {elapsed:.1f} s"
    import imageio.v2 as iio2

    frames = np.stack([f for f in iio2.get_reader(out, format="FFMPEG")])
    assert frames.shape == (33, 800, 960, 3)  # 30 days + the last one held for 3 frames
    assert out.stat().st_size > 20_000
    # the Sea of Azov south of Mariupol is water (H.264 shifts colours slightly)
    row, col = _px(res, 37.9, 46.85)
    patch = frames[0, row - 3 : row + 4, col - 3 : col + 4]
    assert count_near(patch, COLOURS["water"], 14) == patch.shape[0] * patch.shape[1]
    # the large date (upper right of the map) changes from the first frame to the last
    x0, y0, x1, _ = res["map_px"]
    date_box = (slice(y0 + 5, y0 + 60), slice(x1 - 260, x1 - 5))
    first, last = frames[0][date_box].astype(int), frames[-1][date_box].astype(int)
    assert (np.abs(first - last).max(axis=-1) > 80).sum() > 150
    # the front line (black) runs through the frame: Donetsk has a front
    assert count_near(frames[-1][y0:, x0:x1], "#111111", 40) > 500
    # an MP4 is far lighter than the GIF the command used to write of the same frames (imageio's plain GIF),
    # and the optimised GIF (one palette, repeated frames merged) is lighter too
    assert len(raw) == 33
    plain, optimised = tmp_path / "plain.gif", tmp_path / "optimised.gif"
    iio.imwrite(plain, np.stack(raw), extension=".gif", duration=250, loop=0)
    gif = animate.GifFrames(250)
    for frame in raw:
        gif.add(frame)
    gif.save(optimised)
    assert len(gif.images) == 30  # the three frames held at the end are merged into the last
    ratio = plain.stat().st_size / out.stat().st_size
    assert ratio > 10, f"the MP4 is only {ratio:.1f}x lighter than the GIF"
    assert optimised.stat().st_size < 0.5 * plain.stat().st_size


def test_rejects_unknown_format(daily_store, tmp_path) -> None:
    with pytest.raises(FrontlinesError, match=".gif or .mp4"):
        _run(daily_store, "2024-08-01", "2024-08-03", "Donetsk", tmp_path / "x.avi")
