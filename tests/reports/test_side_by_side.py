"""The report's "Sources side by side": DeepState history and ISW, September 2022 (real data)."""

from __future__ import annotations

import datetime as dt
import json

import pyproj
import pytest
import shapely

from frontlines import service
from frontlines.cli import main
from frontlines.reports import html
from frontlines.reports.disagreement import disagreement_map
from frontlines.reports.style import day_text, fmt_km2, fmt_signed
from frontlines.service import reporting as gather

pytestmark = pytest.mark.realdata

START, END = "2022-09-05", "2022-09-15"
_GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def report(history_store):
    inputs = gather.report_inputs(history_store, start=START, end=END, source="deepstate-history")
    return inputs, html.render_report(inputs)


def test_section_figures_equal_compare_json(history_store, report, capsys) -> None:
    inputs, text = report
    (item,) = inputs.side_by_side  # the store holds one other source: ISW
    assert (item.compare.source_a, item.compare.source_b) == ("deepstate-history", "isw")
    capsys.readouterr()
    assert main(["compare", "--sources", "deepstate-history,isw", "--from", START, "--to", END, "--freq",
                 inputs.series["freq"], "--store", str(history_store.path), "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    doc = item.compare.as_dict()
    assert [(r["at"], r["area_a_km2"], r["area_b_km2"], r["diff_km2"]) for r in doc["rows"]] == \
        [(r["at"], r["area_a_km2"], r["area_b_km2"], r["diff_km2"]) for r in cli["rows"]]
    assert doc["summary"] == cli["summary"]
    assert len(doc["rows"]) == 11  # one per day of the window
    # the HTML shows the same figures
    assert "<h2>Sources side by side</h2>" in text
    section = text[text.index("<h2>Sources side by side</h2>"):text.index("<h2>Data quality</h2>")]
    for r in cli["rows"]:
        day = day_text((dt.datetime.fromisoformat(r["at"].replace("Z", "+00:00"))
                        - dt.timedelta(seconds=1)).isoformat())
        assert (f"<td>{day}</td><td class=\"num\">{fmt_km2(r['area_a_km2'])}</td>"
                f"<td class=\"num\">{fmt_km2(r['area_b_km2'])}</td>"
                f"<td class=\"num\">{fmt_signed(r['diff_km2'])}</td>") in section, day
    s = cli["summary"]
    assert f"mean absolute difference {fmt_km2(s['mean_abs_diff_km2'])} km²" in section
    assert f"largest {fmt_km2(s['max_abs_diff_km2'])} km²" in section
    # what each source includes is said beside the figures
    assert "Crimea" in section and "grey zone" in section
    assert section.count("data:image/png;base64,") >= 2  # the disagreement map (desktop and phone)


def test_symmetric_difference_at_the_window_end_is_independent_of_frontlines(history_store, report) -> None:
    inputs, text = report
    (item,) = inputs.side_by_side
    last = item.compare.as_dict()["rows"][-1]
    sel_a = service.select(history_store, "deepstate-history")
    sel_b = service.select(history_store, "isw", sel_a.layer)
    ga = shapely.union_all(list(history_store.layer_parts(last["snapshot_a"], sel_a.layer).values()))
    gb = shapely.union_all(list(history_store.layer_parts(last["snapshot_b"], sel_b.layer).values()))
    ref = abs(_GEOD.geometry_area_perimeter(shapely.symmetric_difference(ga, gb))[0]) / 1e6
    measured = last["only_a_km2"] + last["only_b_km2"]
    assert measured == pytest.approx(ref, rel=1e-3)
    assert ref > 1_000  # they do disagree (ISW's assessed control is not DeepState's occupied)
    section = text[text.index("<h2>Sources side by side</h2>"):]
    assert f"<td class=\"num\">{fmt_km2(last['only_a_km2'])}</td><td class=\"num\">{fmt_km2(last['only_b_km2'])}</td>" \
        in section


def test_disagreement_map_draws_both_sides(report) -> None:
    inputs, _ = report
    (item,) = inputs.side_by_side
    fig = disagreement_map(item, size=(6.0, 5.0))
    labels = [t.get_text() for t in fig.legends[0].get_texts()] if fig.legends else \
        [t.get_text() for ax in fig.axes for lg in [ax.get_legend()] if lg for t in lg.get_texts()]
    last = item.compare.as_dict()["rows"][-1]
    assert any(f"only DeepStateMap ({fmt_km2(last['only_a_km2'])} km²)" == x for x in labels), labels
    assert any(x.startswith("only ISW") and fmt_km2(last["only_b_km2"]) in x for x in labels), labels


def test_no_section_with_one_source(daily_store) -> None:
    inputs = gather.report_inputs(daily_store, start="2024-08-01", end="2024-08-20", source="deepstate-daily")
    assert inputs.side_by_side == []
    assert "Sources side by side" not in html.render_report(inputs)
