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
    assert "DeepStateMap (GPL-3.0)" in texts and "20 July – 10 September 2024" in texts
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


# ------------------------------------------------------------------------ what a reader checks
SIDES = {"russia": "Russia", "ukraine": "Ukraine"}


def _subtitle(fig) -> str:
    return " ".join(t.get_text() for t in fig.texts)


def test_area_chart_states_the_datas_range_fits_its_axes_and_marks_partial_periods(daily_store) -> None:
    import matplotlib.dates as mdates

    # weeks from a Wednesday: the first and last weeks hold part of the data only
    doc = service.series(daily_store, start="2024-07-10", end="2024-09-25", freq="week").as_dict()
    periods = doc["periods"]
    partial = [p for p in periods if p["complete"] is False]
    assert partial, "the first week starts before the first map"
    fig = charts.area_chart(doc, sides=SIDES)
    ax = fig.axes[0]
    assert fig._suptitle.get_text() == "Held by Russia: area over time"
    # the stated range is that of the points drawn: the last day of the first and of the last period
    first_day = dt.datetime.fromisoformat(periods[0]["end"].replace("Z", "+00:00")) - dt.timedelta(days=1)
    last_day = dt.datetime.fromisoformat(periods[-1]["end"].replace("Z", "+00:00")) - dt.timedelta(days=1)
    assert f"{first_day.day} {first_day:%B} – {last_day.day} {last_day:%B %Y}" in _subtitle(fig), _subtitle(fig)
    # rounded for readers: whole km² (the JSON keeps its decimals)
    last = periods[-1]["area_km2"]
    assert f"{round(last):,} km² at the end" in _subtitle(fig) and last != round(last)
    # axes fit the data: x within 3 % of the first / last point, y within 10 % of the range each side
    x0, x1 = ax.get_xlim()
    ends = [mdates.date2num(dt.datetime.fromisoformat(p["end"][:19])) for p in periods]
    assert ends[0] - 0.03 * (ends[-1] - ends[0]) <= x0 <= ends[0] and ends[-1] <= x1 <= ends[-1] + 0.03 * (ends[-1] - ends[0])
    areas = [p["area_km2"] for p in periods]
    lo, hi = ax.get_ylim()
    rng = max(areas) - min(areas)
    assert min(areas) - 0.1 * rng <= lo <= min(areas) and max(areas) <= hi <= max(areas) + 0.1 * rng
    # partial periods are drawn hollow, one marker each, and named in the legend
    hollow = [ln for ln in ax.get_lines() if ln.get_markerfacecolor() == "white"]
    assert len(hollow) == 1 and len(hollow[0].get_xdata()) == len(partial)
    assert any(t.get_text().startswith("incomplete period") for t in ax.get_legend().get_texts())
    # one date format on the axis: "6 Sep"
    import re

    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}", t) for t in labels), labels
    close(fig)


def test_change_bars_zero_on_axis_rounded_totals_and_actor_named(history_store) -> None:
    doc = service.series(history_store, start="2022-09-02", end="2022-09-15", freq="day").as_dict()
    fig = charts.change_bars(doc, sides=SIDES)
    ax = fig.axes[0]
    lo, hi = ax.get_ylim()
    assert lo < 0 < hi
    nets = [p["net_km2"] for p in doc["periods"] if p["net_km2"] is not None]
    assert lo >= min(nets) * 1.2 and lo <= min(nets)  # fits the deepest bar, no huge margin below
    gained = sum(p["gained_km2"] for p in doc["periods"] if p["gained_km2"] is not None)
    lost = sum(p["lost_km2"] for p in doc["periods"] if p["lost_km2"] is not None)
    sub = _subtitle(fig)
    assert f"captured by Russia {round(gained):,} km², retaken by Ukraine {round(lost):,} km²" in sub, sub
    assert "2 – 15 September 2022" in sub
    assert fig._suptitle.get_text() == "Captured by Russia and retaken by Ukraine, by day"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Captured by Russia" in legend and "Retaken by Ukraine" in legend
    close(fig)


def test_region_bars_fit_the_data_and_round_for_readers(history_store) -> None:
    doc = service.change(history_store, start="2022-09-06", end="2022-09-13", by="oblast").as_dict()
    kharkiv = next(r for r in doc["regions"] if r["name"] == "Kharkiv")
    fig = charts.region_bars(doc, sides=SIDES)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert f"{round(kharkiv['lost_km2']):,}" in labels  # "8,842", not "8,841.6"
    assert not [t for t in labels if "." in t and float(t.replace(",", "")) >= 10]
    lmax = max(r["lost_km2"] for r in doc["regions"])
    gmax = max(r["gained_km2"] for r in doc["regions"])
    x0, x1 = ax.get_xlim()
    assert -1.2 * lmax <= x0 <= -lmax and gmax <= x1 <= gmax + 0.2 * lmax  # no huge empty side
    assert "6 – 13 September 2022" in _subtitle(fig)
    assert f"net −{round(-doc['net_km2']):,} km²" in _subtitle(fig)
    close(fig)


def test_long_ranges_label_months_as_sep_2022() -> None:
    import re

    periods = []
    for k in range(10):
        a, b = dt.date(2022, 3 + k, 1), dt.date(2022 + (3 + k) // 12, (3 + k) % 12 + 1, 1)
        periods.append({"start": f"{a}T00:00:00Z", "end": f"{b}T00:00:00Z", "snapshots": 30, "area_km2": 100000.0 + k,
                        "gained_km2": 10.0 + k, "lost_km2": 1.0, "net_km2": 9.0 + k, "complete": k != 9})
    doc = {"source": "deepstate", "layer": "russia:control", "freq": "month", "from": "2022-03-01T00:00:00Z",
           "to": "2022-12-31T23:59:59Z", "periods": periods}
    # bars cover whole months (1 March .. 31 December); the area line has a point at each month's last day
    for fig, span in ((charts.change_bars(doc, sides=SIDES), "1 March – 31 December 2022"),
                      (charts.area_chart(doc, sides=SIDES), "31 March – 31 December 2022")):
        fig.canvas.draw()
        labels = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
        assert len(labels) >= 4 and all(re.fullmatch(r"[A-Z][a-z]{2} 20\d\d", t) for t in labels), labels
        assert span in _subtitle(fig), _subtitle(fig)
        close(fig)
