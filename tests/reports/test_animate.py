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


def test_gif_frames_show_growing_gains(daily_store, tmp_path) -> None:
    out = tmp_path / "donetsk.gif"
    res = _run(daily_store, "2024-08-01T23:59:59", "2024-08-29T23:59:59", "Donetsk", out, step="7d")
    assert res["frames"] == 5 and res["gained_km2"] > 100
    frames = iio.imread(out, index=None)
    assert frames.shape[1:3] == (800, 960)
    first, last = frames[0], frames[-1]
    assert count_near(first, COLOURS["gained"], 30) < 200  # nothing gained yet (legend swatch only)
    assert count_near(last, COLOURS["gained"], 30) > 600
    assert float(np.abs(last.astype(int) - first.astype(int)).mean()) > 0.5


def test_mp4_thirty_days_of_one_oblast_under_a_minute(daily_store, tmp_path) -> None:
    out = tmp_path / "donetsk.mp4"
    t = time.perf_counter()
    res = _run(daily_store, "2024-08-01T23:59:59", "2024-08-30T23:59:59", "Donetsk", out)
    elapsed = time.perf_counter() - t
    assert res["frames"] == 30
    assert elapsed < 60, f"30-day animation took {elapsed:.1f} s"
    import imageio.v2 as iio2

    reader = iio2.get_reader(out, format="FFMPEG")
    n = sum(1 for _ in reader)
    reader.close()
    assert n >= 30
    assert out.stat().st_size > 20_000


def test_rejects_unknown_format(daily_store, tmp_path) -> None:
    with pytest.raises(FrontlinesError, match=".gif or .mp4"):
        _run(daily_store, "2024-08-01", "2024-08-03", "Donetsk", tmp_path / "x.avi")
