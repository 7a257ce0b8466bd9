"""Charts from real DeepState (and ISW) results: size, not blank, the right colours."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from frontlines import service
from frontlines.errors import FrontlinesError
from frontlines.reports import charts
from frontlines.reports.style import COLOURS, attribution, close, save_figure
from tests.reports.conftest import (
    assert_not_blank,
    axes_pixels,
    count_near,
    figure_pixels,
)

pytestmark = pytest.mark.realdata


def test_find_gaps() -> None:
    d = [dt.datetime(2024, 1, i) for i in (1, 2, 3, 4, 9, 10, 11)]
    assert charts.find_gaps(d) == [(d[3], d[4])]
    assert charts.find_gaps(d[:2]) == []


def test_attribution_text() -> None:
    assert attribution("deepstate-daily") == "Data: DeepStateMap (GPL-3.0) · frontlines"


def test_area_chart_daily_with_gap(daily_store, tmp_path) -> None:
    # the daily data has no file for 2024-08-18/19: a shaded gap
    doc = service.series(daily_store, start="2024-07-20", end="2024-09-10", freq="day").as_dict()
    sel = service.select(daily_store)
    fig = charts.area_chart(doc, snapshot_times={sel.source: sel.times})
    img = figure_pixels(fig)
    assert img.shape == (520, 1000, 3)
    assert_not_blank(img)
    assert count_near(img, COLOURS["gained"], 25) > 300  # the line
    assert count_near(img, "#ececec", 6) > 200  # gap band (COLOURS["gap"] at alpha 0.7 on white)
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "DeepStateMap (GPL-3.0)" in texts and "20 Jul 2024 – 10 Sep 2024" in texts
    for name in ("area.png", "area.svg"):
        save_figure(fig, tmp_path / name)
        assert (tmp_path / name).stat().st_size > 10_000
    root = ET.parse(tmp_path / "area.svg").getroot()
    assert root.tag.endswith("svg")
    close(fig)


def test_area_chart_two_sources(history_store) -> None:
    docs = [service.series(history_store, start="2022-09-02", end="2022-09-15", freq="day", source=s).as_dict()
            for s in ("deepstate-history", "isw")]
    fig = charts.area_chart(docs)
    img = axes_pixels(fig, fig.axes[0])
    assert count_near(img, COLOURS["gained"], 25) > 200
    assert count_near(img, COLOURS["second"], 25) > 100
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("ISW" in t for t in labels) and any("DeepStateMap" in t for t in labels)
    close(fig)


def test_change_bars_gains_and_losses_visible(history_store) -> None:
    doc = service.series(history_store, start="2022-09-02", end="2022-09-15", freq="day").as_dict()
    fig = charts.change_bars(doc)
    img = axes_pixels(fig, fig.axes[0])
    assert_not_blank(img)
    assert count_near(img, COLOURS["lost"]) > 2000  # Kharkiv counter-offensive
    assert count_near(img, COLOURS["gained"]) > 20
    close(fig)
    with pytest.raises(FrontlinesError):
        charts.change_bars({**doc, "periods": []})


def test_region_bars(history_store) -> None:
    doc = service.change(history_store, start="2022-09-05", end="2022-09-15", by="oblast").as_dict()
    fig = charts.region_bars(doc)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks[-1] == "Kharkiv"  # biggest movement on top
    img = axes_pixels(fig, fig.axes[0])
    assert count_near(img, COLOURS["lost"]) > 5000
    close(fig)
    with pytest.raises(FrontlinesError, match="by='oblast'"):
        charts.region_bars({k: v for k, v in doc.items() if k != "regions"})


def test_save_rejects_unknown_suffix(tmp_path) -> None:
    from frontlines.reports.style import new_figure

    with pytest.raises(FrontlinesError, match=".png or .svg"):
        save_figure(new_figure(), tmp_path / "x.jpg")


def test_change_bars_hatch_incomplete_periods(daily_store) -> None:
    # weekly bars over August 2024: no maps of 2024-08-17/18, so the week holding them (gap days) and the
    # next one (its start state, at 08-19 00:00, is the map of 08-16: 2.1 days old) are incomplete
    doc = service.series(daily_store, start="2024-08-05", end="2024-09-01", freq="week").as_dict()
    assert [p["complete"] for p in doc["periods"]] == [True, False, False, True]
    assert doc["periods"][1]["gap_days"] == ["2024-08-17", "2024-08-18"]
    assert doc["periods"][2]["start_lag_days"] == pytest.approx(2 + 3 / 24, abs=0.01)
    fig = charts.change_bars(doc)
    hatched = [p for p in fig.axes[0].patches if p.get_hatch()]
    assert len(hatched) == 4  # the incomplete weeks' gained and lost bars
    assert "2 incomplete (hatched)" in " ".join(t.get_text() for t in fig.texts)
    close(fig)
