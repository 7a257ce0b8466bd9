"""Source health on the real data: gaps, spikes and reversions per source (``quality``'s ``health``)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pyproj
import pytest
import shapely
from shapely.geometry import shape

from frontlines import service
from frontlines.cli import main
from tests.conftest import require_data

ISW_DAYS = ("20220926", "20220927", "20220928", "20220929", "20220930", "20221001", "20221002")
_GEOD = pyproj.Geod(ellps="WGS84")


def _isw_file(day: str) -> Path:
    return require_data("isw-2022/layers") / f"{day}_RussianAssessedCoTinUkraine.geojson.gz"


def _geodesic_km2(path: Path) -> float:
    """Area of the union of a file's polygons on the WGS84 ellipsoid (independent of frontlines)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        doc = json.load(fh)
    polys = [shapely.make_valid(shape(f["geometry"])) for f in doc["features"]
             if f.get("geometry") and f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
    union = shapely.union_all(polys)
    return abs(_GEOD.geometry_area_perimeter(union)[0]) / 1e6


@pytest.fixture(scope="module")
def isw_store(tmp_path_factory):
    store = service.open_writer(tmp_path_factory.mktemp("isw") / "isw.db")
    service.ingest(store, "isw", [_isw_file(d) for d in ISW_DAYS])
    return store


@pytest.fixture(scope="module")
def april_store(tmp_path_factory, deepstate_history_dir):
    """DeepState history of April 2022 (the month its map was still being drawn)."""
    files = [p for p in sorted(deepstate_history_dir.glob("*.geojson")) if int(p.stem) < 1651363200]  # < 2022-05-01
    assert len(files) > 70
    store = service.open_writer(tmp_path_factory.mktemp("april") / "april.db")
    service.ingest(store, "deepstate-history", files)
    return store


def test_isw_crimea_missing_for_a_day_is_a_spike_and_a_reversion(isw_store) -> None:
    """ISW's map of 2022-09-29 lacks the Crimea polygon: −26,9xx km², back the next day."""
    doc = service.quality(isw_store, start="2022-09-26", end="2022-10-02", source="isw", health_only=True).as_dict()
    (h,) = doc["health"]
    assert h["source"] == "isw" and h["gaps"] == [] and h["missing_days"] == []
    (rev,) = h["reversions"]
    assert rev["changed"]["file_name"] == "20220929_RussianAssessedCoTinUkraine.geojson.gz"
    assert rev["before"]["file_name"] == "20220928_RussianAssessedCoTinUkraine.geojson.gz"
    assert rev["restored"]["file_name"] == "20220930_RussianAssessedCoTinUkraine.geojson.gz"
    # sizes against an independent geodesic computation of the three files
    a28, a29, a30 = (_geodesic_km2(_isw_file(d)) for d in ("20220928", "20220929", "20220930"))
    assert rev["change_km2"] == pytest.approx(a29 - a28, rel=1e-3)
    assert rev["undone_km2"] == pytest.approx(a30 - a29, rel=1e-3)
    assert rev["change_km2"] == pytest.approx(-26_931, rel=0.01)  # Crimea with Sevastopol
    assert rev["days"] == pytest.approx(1.0)
    spikes = {s["after"]["file_name"][:8]: s["net_km2"] for s in h["spikes"]}
    assert set(spikes) == {"20220929", "20220930"}  # the two jumps; the daily −100..−900 km² of the advance are not
    assert steps_none(doc)


def steps_none(doc: dict) -> bool:
    """``health_only`` skips the step-by-step classification."""
    return doc["steps"] == [] and doc["flagged_steps"] == 0


def test_quality_cli_prints_the_health_table(isw_store, capsys) -> None:
    capsys.readouterr()
    assert main(["quality", "--from", "2022-09-26", "--to", "2022-10-02", "--source", "isw", "--health-only",
                 "--store", str(isw_store.path)]) == 0
    out = capsys.readouterr().out
    assert "0 gaps (0 days), 2 spikes, 1 reversions" in out
    assert "reversion" in out and "-26,925" in out and "20220929_RussianAssessedCoTinUkraine" in out


def test_daily_files_gaps_are_exactly_the_missing_files(overlap_store, deepstate_daily_dir) -> None:
    """The missing files, found from the 769 names, are the gaps; each daily file shows the day before its date."""
    dates = sorted(dt.date.fromisoformat(f"{p.stem[-8:-4]}-{p.stem[-4:-2]}-{p.stem[-2:]}")
                   for p in deepstate_daily_dir.glob("deepstatemap_data_*.geojson"))
    assert len(dates) == 769
    have = set(dates)
    missing_files = [dates[0] + dt.timedelta(days=i) for i in range((dates[-1] - dates[0]).days)
                     if dates[0] + dt.timedelta(days=i) not in have]
    assert len(missing_files) == 7
    expected = [(d - dt.timedelta(days=1)).isoformat() for d in missing_files]  # map days
    first, last = dates[0] - dt.timedelta(days=1), dates[-1] - dt.timedelta(days=1)  # map days of the first/last file
    doc = service.quality(overlap_store, start=first.isoformat(), end=last.isoformat(), source="deepstate-daily",
                          health_only=True).as_dict()
    (h,) = doc["health"]
    assert h["missing_days"] == expected
    assert doc["gap_days"] == expected  # the period's own gap list says the same
    # every gap is named by the files either side of it
    for g in h["gaps"]:
        before = dt.date.fromisoformat(g["before"]["map_time"][:10])
        after = dt.date.fromisoformat(g["after"]["map_time"][:10])
        assert g["before"]["file_name"] == f"deepstatemap_data_{before + dt.timedelta(days=1):%Y%m%d}.geojson"
        assert g["after"]["file_name"] == f"deepstatemap_data_{after + dt.timedelta(days=1):%Y%m%d}.geojson"
        assert g["missing_days"][0] == (before + dt.timedelta(days=1)).isoformat()
        assert g["interval_days"] == pytest.approx(len(g["missing_days"]) + 1, abs=0.05)
    # no reversion in the daily files (DeepState does not undo its map)
    assert h["reversions"] == []
    # all sources of the store when none is named
    both = service.quality(overlap_store, start="2025-03-01", end="2025-04-30", health_only=True).as_dict()
    by = {x["source"]: x for x in both["health"]}
    assert set(by) == {"deepstate-daily", "deepstate-history"}
    assert by["deepstate-daily"]["missing_days"] == ["2025-03-30", "2025-03-31"]
    assert "2025-03-30" not in by["deepstate-history"]["missing_days"]


def test_deepstate_april_2022_steps_are_spikes_not_reversions(april_store) -> None:
    """DeepState filled its map in during April 2022: +14,000 km² in a few big steps, none undone."""
    doc = service.quality(april_store, start="2022-04-01", end="2022-04-30", health_only=True).as_dict()
    (h,) = doc["health"]
    sel = service.select(april_store, "deepstate-history")
    big = [(t1, a1 - a0) for (_, t0, a0), (_, t1, a1) in zip(sel.timeline, sel.timeline[1:]) if a1 - a0 > 1_000]
    assert len(big) >= 5
    spikes = {s["after"]["map_time"]: s["net_km2"] for s in h["spikes"]}
    for t, net in big:  # every step of more than 1,000 km² is a spike, with its size
        assert spikes[t.isoformat().replace("+00:00", "Z")] == pytest.approx(net, abs=0.01)
    assert sum(v for v in spikes.values() if v > 0) > 10_000
    assert h["reversions"] == []
    assert h["missing_days"] == ["2022-04-13"]  # no map published that day
