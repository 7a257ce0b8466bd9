"""Stale and gap flags reach every output: JSON, CLI tables and warnings, charts, the HTML report.

The store holds DeepState's daily files of July .. September 2024 (no file for 2024-08-18/19;
the last file is dated 2024-09-30 and shows the map of 29 September).
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import matplotlib.dates as mdates
import pytest

from frontlines import service
from frontlines.cli import main
from frontlines.errors import StaleDataError
from frontlines.reports import charts, html
from frontlines.reports.style import close
from frontlines.service import reporting as gather

pytestmark = pytest.mark.realdata

#: The map of the last file (deepstatemap_data_20240930: the end of 29 September in Kyiv).
LAST_MAP = dt.datetime(2024, 9, 29, 23, 59, 59, tzinfo=ZoneInfo("Europe/Kyiv"))


def test_change_after_the_last_map_is_stale_in_json_and_cli(daily_store, capsys) -> None:
    doc = service.change(daily_store, start="2024-09-20", end="2024-10-15", source="deepstate-daily").as_dict()
    end = dt.datetime(2024, 10, 15, 23, 59, 59, tzinfo=dt.timezone.utc)
    assert doc["stale"] is True
    assert doc["stale_days"] == pytest.approx((end - LAST_MAP).total_seconds() / 86400, abs=0.01)
    assert doc["start_stale_days"] < 0.2  # the start has its map
    assert len(doc["warnings"]) == 1 and "last map of the source" in doc["warnings"][0]
    fresh = service.change(daily_store, start="2024-09-01", end="2024-09-20", source="deepstate-daily").as_dict()
    assert fresh["stale"] is False and fresh["warnings"] == []
    with pytest.raises(StaleDataError, match="--strict"):
        service.change(daily_store, start="2024-09-20", end="2024-10-15", source="deepstate-daily", strict=True)
    capsys.readouterr()
    assert main(["change", "--from", "2024-09-20", "--to", "2024-10-15", "--store", str(daily_store.path)]) == 0
    captured = capsys.readouterr()
    assert "warning:" in captured.err and "last map of the source" in captured.err
    assert main(["change", "--from", "2024-09-20", "--to", "2024-10-15", "--store", str(daily_store.path),
                 "--strict"]) == 1
    assert "--strict" in capsys.readouterr().err
    assert main(["change", "--from", "2024-09-20", "--to", "2024-10-15", "--store", str(daily_store.path),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stale"] is True


def test_series_table_flags_the_gap_week_and_the_stale_tail(daily_store, capsys) -> None:
    capsys.readouterr()
    assert main(["series", "--from", "2024-08-12", "--to", "2024-10-13", "--freq", "week", "--store",
                 str(daily_store.path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    flags = {p["start"][:10]: (p["complete"], p["gap_days"]) for p in doc["periods"]}
    assert flags["2024-08-12"] == (False, ["2024-08-17", "2024-08-18"])
    assert flags["2024-09-02"][0] is True
    assert flags["2024-09-30"][0] is False and flags["2024-10-07"][0] is False  # after the last map
    assert main(["series", "--from", "2024-08-12", "--to", "2024-10-13", "--freq", "week", "--store",
                 str(daily_store.path)]) == 0
    out = capsys.readouterr().out
    assert out.count("no*") == sum(1 for c, _ in flags.values() if c is False)
    assert "incomplete" in out


def _x_range(p: dict) -> tuple[float, float]:
    f = lambda s: mdates.date2num(dt.datetime.fromisoformat(s.replace("Z", "")))  # noqa: E731
    return f(p["start"]), f(p["end"])


def test_charts_mark_incomplete_periods(daily_store) -> None:
    doc = service.series(daily_store, start="2024-08-12", end="2024-10-13", freq="week").as_dict()
    incomplete = [p for p in doc["periods"] if p["complete"] is False]
    assert len(incomplete) >= 4
    # change bars: hatched bars exactly over the incomplete periods
    fig = charts.change_bars(doc)
    hatched = [p for p in fig.axes[0].patches if p.get_hatch()]
    assert len(hatched) == 2 * len(incomplete)
    for patch in hatched:
        centre = patch.get_x() + patch.get_width() / 2
        assert any(a < centre < b for a, b in map(_x_range, incomplete)), centre
    assert f"{len(incomplete)} incomplete (hatched)" in " ".join(t.get_text() for t in fig.texts)
    close(fig)
    # area chart: hollow markers at the incomplete period ends and a shaded band after the last map
    sel = service.select(daily_store)
    fig = charts.area_chart(doc, snapshot_times={doc["source"]: sel.times})
    ax = fig.axes[0]
    marks = [ln for ln in ax.get_lines() if ln.get_label().startswith("incomplete period")]
    assert len(marks) == 1 and len(marks[0].get_xdata()) == len(incomplete)
    ends = {mdates.date2num(dt.datetime.fromisoformat(p["end"].replace("Z", ""))) for p in incomplete}
    assert {float(mdates.date2num(x)) if not isinstance(x, float) else x for x in marks[0].get_xdata()} == ends
    last = mdates.date2num(LAST_MAP.astimezone(dt.timezone.utc).replace(tzinfo=None))
    bands = [p for p in ax.patches if p.get_x() >= last - 1e-6]  # axvspan rectangles starting at the last map
    assert bands, "no shaded band after the last map"
    close(fig)


def test_report_says_stale_and_lists_incomplete_periods(daily_store) -> None:
    inputs = gather.report_inputs(daily_store, start="2024-09-16", end="2024-10-13", source="deepstate-daily",
                                  freq="week")
    text = html.render_report(inputs)
    head = text[:text.index("<h2>Headline figures</h2>")]
    assert "Stale map:" in head and "last map of the source" in head  # said before the headline cards
    quality = text[text.index("<h2>Data quality</h2>"):]
    assert "period(s) of the series are incomplete" in quality
    n = sum(1 for p in inputs.series["periods"] if p["complete"] is False)
    assert f"{n} period(s) of the series are incomplete" in quality
