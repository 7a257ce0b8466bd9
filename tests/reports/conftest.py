"""Stores with real data for the report tests (built once per session)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pytest

from frontlines import service
from tests.conftest import require_data
from tests.helpers import skip_or_fail

#: DeepState history files (file name = publication time, unix seconds) ingested for 2022 tests.
HISTORY_FROM = dt.datetime(2022, 9, 1, tzinfo=dt.UTC)
HISTORY_TO = dt.datetime(2022, 9, 16, tzinfo=dt.UTC)
#: A few ISW files of the same weeks: a second source for comparisons.
ISW_FILES = ("20220904", "20220910", "20220915")


#: DeepState daily files ingested (a quarter keeps the session fast; it holds the 2024-08-18/19 gap).
DAILY_MONTHS = ("202407", "202408", "202409")


@pytest.fixture(scope="session")
def daily_store(tmp_path_factory: pytest.TempPathFactory, deepstate_daily_dir: Path):
    """DeepState daily maps of July .. September 2024."""
    files = sorted(p for p in deepstate_daily_dir.glob("deepstatemap_data_*.geojson")
                   if p.stem.rsplit("_", 1)[1][:6] in DAILY_MONTHS)
    assert len(files) > 80
    store = service.open_writer(tmp_path_factory.mktemp("daily") / "daily.db")
    service.ingest(store, "deepstate-daily", files)
    return store


@pytest.fixture(scope="session")
def history_store(tmp_path_factory: pytest.TempPathFactory, deepstate_history_dir: Path):
    """DeepState history 2022-09-01 .. 09-15 (all layers) plus three ISW assessed-control maps."""
    lo, hi = HISTORY_FROM.timestamp(), HISTORY_TO.timestamp()
    files = sorted(p for p in deepstate_history_dir.glob("*.geojson") if lo <= int(p.stem) < hi)
    assert len(files) > 15
    store = service.open_writer(tmp_path_factory.mktemp("history") / "history.db")
    service.ingest(store, "deepstate-history", files)
    isw = require_data("isw-2022/layers")
    service.ingest(store, "isw", [isw / f"{d}_RussianAssessedCoTinUkraine.geojson.gz" for d in ISW_FILES])
    return store


def chromium_path() -> str:
    """/usr/bin/chromium, or skip (fail in CI) when missing."""
    path = os.environ.get("FRONTLINES_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        skip_or_fail(f"headless Chromium not found at {path} (Debian: apt-get install chromium)")
    return path


# ----------------------------------------------------------------------------- pixels
def rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=float)


def count_near(img: np.ndarray, hex_colour: str, tol: float = 18.0) -> int:
    """Pixels within ``tol`` (Euclidean RGB) of a colour."""
    d = np.linalg.norm(img[..., :3].astype(float) - rgb(hex_colour), axis=-1)
    return int((d < tol).sum())


def figure_pixels(fig) -> np.ndarray:
    """RGB array of a figure rendered with Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def axes_pixels(fig, ax) -> np.ndarray:
    """The pixels inside one axes (rows from the top)."""
    img = figure_pixels(fig)
    bb = ax.get_window_extent()
    h = img.shape[0]
    return img[int(h - bb.y1) + 2 : int(h - bb.y0) - 2, int(bb.x0) + 2 : int(bb.x1) - 2]


def assert_not_blank(img: np.ndarray, min_std: float = 10.0) -> None:
    assert img.size > 0
    assert float(img.std()) > min_std, f"image looks blank (pixel std {img.std():.1f})"
