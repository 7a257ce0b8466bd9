"""``frontlines quality``, ``compare``, ``area --strict`` and the series table's complete column."""

from __future__ import annotations

import json

import pytest

from frontlines.cli import main


@pytest.fixture(scope="module")
def small_store(tmp_path_factory, deepstate_daily_dir):
    folder = tmp_path_factory.mktemp("daily-aug")
    for p in sorted(deepstate_daily_dir.glob("deepstatemap_data_202408*.geojson"))[10:20]:  # 08-11 .. 08-22, 2 missing
        (folder / p.name).symlink_to(p)
    path = tmp_path_factory.mktemp("s") / "s.db"
    assert main(["ingest", "deepstate-daily", str(folder), "--store", str(path), "--json"]) == 0
    return path


def test_quality_json_and_table(small_store, capsys) -> None:
    capsys.readouterr()
    assert main(["quality", "--from", "2024-08-12", "--to", "2024-08-20", "--store", str(small_store), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["gap_days"] == ["2024-08-17", "2024-08-18"]
    assert all(set(s) >= {"pieces", "reasons", "redraw_km2"} for s in doc["steps"])
    assert main(["quality", "--from", "2024-08-12", "--to", "2024-08-20", "--store", str(small_store)]) == 0
    assert "days without a map: 2024-08-17, 2024-08-18" in capsys.readouterr().out


def test_compare_same_source_twice_is_a_usage_error(small_store, capsys) -> None:
    rc = main(["compare", "--sources", "deepstate-daily,deepstate-daily", "--from", "2024-08-12", "--to", "2024-08-20",
               "--store", str(small_store)])
    assert rc == 2 and "two different sources" in capsys.readouterr().err


def test_area_strict_and_warning(small_store, capsys) -> None:
    capsys.readouterr()
    assert main(["area", "--at", "2024-09-30", "--store", str(small_store)]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "last map of the source" in err
    assert main(["area", "--at", "2024-09-30", "--store", str(small_store), "--strict"]) == 1
    assert "--strict" in capsys.readouterr().err


def test_series_table_marks_incomplete_periods(small_store, capsys) -> None:
    capsys.readouterr()
    assert main(["series", "--from", "2024-08-12", "--to", "2024-08-20", "--freq", "day", "--store", str(small_store)]) == 0
    out = capsys.readouterr().out
    assert "no*" in out and "incomplete" in out
