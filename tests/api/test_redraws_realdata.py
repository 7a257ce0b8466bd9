"""Redraws on the real history: flagged where the maps were redrawn, not where fighting moved the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontlines import service
from tests.conftest import require_data


def _history_files(folder: Path, start: int, end: int) -> list[Path]:
    return [p for p in sorted(folder.glob("*.geojson")) if start <= int(p.stem) <= end]


@pytest.fixture(scope="module")
def redraw_store(tmp_path_factory, deepstate_history_dir):
    """DeepState history 2022-04-08..18, 2022-09-05..19 and 2025-07-30..08-02; ISW 2022-09-10..13 (all layers)."""
    folder = tmp_path_factory.mktemp("hist-redraws")
    for p in (_history_files(deepstate_history_dir, 1649376000, 1650240000)  # 2022-04-08 .. 04-18
              + _history_files(deepstate_history_dir, 1753833600, 1754092800)  # 2025-07-30 .. 08-02
              + _history_files(deepstate_history_dir, 1662336000, 1663632000)):  # 2022-09-05 .. 09-20
        (folder / p.name).symlink_to(p)
    isw = tmp_path_factory.mktemp("isw-redraws")
    for day in ("20220910", "20220911", "20220912", "20220913"):
        for p in require_data("isw-2022/layers").glob(f"{day}_*.geojson.gz"):
            (isw / p.name).symlink_to(p)
    store = service.open_writer(tmp_path_factory.mktemp("stores") / "redraws.db")
    service.ingest(store, "deepstate-history", [folder])
    service.ingest(store, "isw", [isw])
    return store


def _flagged(doc: dict, day: str) -> float:
    return sum(s["redraw_gained_km2"] for s in doc["steps"] if s["to_time"].startswith(day))


def test_crimea_coast_2022_09_18_is_flagged_and_out_of_the_headline(redraw_store) -> None:
    q = service.quality(redraw_store, start="2022-09-18", end="2022-09-18", source="deepstate-history").as_dict()
    assert _flagged(q, "2022-09-18") > 700  # the coast redrawn: +734 km² "gained" per the issue
    reasons = {r for s in q["steps"] if s["flagged"] for r in s["reasons"]}
    assert "far-from-front" in reasons
    raw = service.change(redraw_store, start="2022-09-17", end="2022-09-19", source="deepstate-history").as_dict()
    net = service.change(redraw_store, start="2022-09-17", end="2022-09-19", source="deepstate-history",
                         exclude_redraws=True).as_dict()
    assert raw["gained_km2"] > 900 and net["gained_km2"] < 100
    assert net["redraw_gained_km2"] > 800
    # nothing dropped silently: fighting + redraws = the raw change
    assert net["gained_km2"] + net["redraw_gained_km2"] == pytest.approx(raw["gained_km2"], abs=0.5)
    assert net["lost_km2"] + net["redraw_lost_km2"] == pytest.approx(raw["lost_km2"], abs=0.5)


def test_kharkiv_counteroffensive_is_fighting(redraw_store) -> None:
    raw = service.change(redraw_store, start="2022-09-06", end="2022-09-13", source="deepstate-history").as_dict()
    net = service.change(redraw_store, start="2022-09-06", end="2022-09-13", source="deepstate-history",
                         exclude_redraws=True, depth=True).as_dict()
    assert net["lost_km2"] > 8_500  # the ~8,600 km² Ukraine took back stays in the headline
    assert net["redraw_lost_km2"] < 0.01 * raw["lost_km2"]
    assert 50 < net["depth"]["retreat"]["max_km"] < 75
    depth = net["depth"]
    assert depth["headline"] == "contested_as_lost"
    assert depth["variants"]["contested_as_lost"]["retreat_max_km"] == depth["retreat"]["max_km"]
    assert 0 < depth["variants"]["contested_held"]["retreat_max_km"] < 100


def test_april_2022_fill_in_is_flagged(redraw_store) -> None:
    q = service.quality(redraw_store, start="2022-04-14", end="2022-04-17", source="deepstate-history").as_dict()
    assert q["redraw_km2"] > 1_000
    reasons = {r for s in q["steps"] for r in s["reasons"]}
    assert "fills-hole" in reasons


def test_isw_2022_09_12_jump_is_flagged(redraw_store) -> None:
    q = service.quality(redraw_store, start="2022-09-11", end="2022-09-12", source="isw").as_dict()
    assert _flagged(q, "2022-09-12") > 700  # ISW's layer jumps by +709 km² per the issue
    assert q["steps"][-1]["flagged"]


def test_deepest_advance_of_2022_04_10_to_2025_08_01_is_not_in_crimea(redraw_store) -> None:
    raw = service.change(redraw_store, start="2022-04-10", end="2025-08-01", source="deepstate-history",
                         depth=True).as_dict()
    net = service.change(redraw_store, start="2022-04-10", end="2025-08-01", source="deepstate-history",
                         depth=True, exclude_redraws=True).as_dict()
    lon, lat = raw["depth"]["advance"]["deepest_point"]
    assert lat < 46.0 and raw["depth"]["advance"]["max_km"] > 250  # raw: a redrawn Crimean coast, ~278 km "deep"
    lon, lat = net["depth"]["advance"]["deepest_point"]
    assert lat > 46.2  # north of the Crimean isthmus (Perekop ~46.15 N)
    assert net["depth"]["advance"]["max_km"] < 120
    assert net["redraw_gained_km2"] > 1_000
