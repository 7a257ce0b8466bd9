"""The composite source ``deepstate``: history, then the daily files (real data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontlines import service
from frontlines.errors import SnapshotNotFoundError
from frontlines.sources.composite import COMPOSITES, DEEPSTATE_SWITCH


def _history_files(folder: Path, start: int, end: int) -> list[Path]:
    return [p for p in sorted(folder.glob("*.geojson")) if start <= int(p.stem) <= end]


@pytest.fixture(scope="module")
def composite_store(tmp_path_factory, deepstate_history_dir, deepstate_daily_dir):
    """History around 2023-01-01 and 2025-03/2025-07, and every daily file."""
    folder = tmp_path_factory.mktemp("hist-composite")
    for p in (_history_files(deepstate_history_dir, 1672185600, 1672790400)  # 2022-12-28 .. 2023-01-04
              + _history_files(deepstate_history_dir, 1740528000, 1743724800)  # 2025-02-26 .. 2025-04-04
              + _history_files(deepstate_history_dir, 1753401600, 1754265600)):  # 2025-07-25 .. 2025-08-04
        (folder / p.name).symlink_to(p)
    store = service.open_writer(tmp_path_factory.mktemp("stores") / "composite.db")
    service.ingest(store, "deepstate-history", [folder])
    service.ingest(store, "deepstate-daily", [deepstate_daily_dir])
    return store


def test_2023_to_2026_in_one_query_matches_deepstate(composite_store) -> None:
    """DeepState published +7,463 km² for 2023-01-01 -> 2026-01-01."""
    # DeepState's figure is the change of its own map, redraws and all: compare the raw change
    doc = service.change(composite_store, start="2023-01-01", end="2026-01-01", source="deepstate",
                         tz="Europe/Kyiv", include_redraws=True).as_dict()
    assert doc["source"] == "deepstate"
    assert doc["from_snapshot"]["source"] == "deepstate-history"
    assert doc["to_snapshot"]["source"] == "deepstate-daily"
    assert doc["net_km2"] == pytest.approx(7_463, rel=0.02)


def test_composite_uses_history_before_the_switch_and_daily_after(composite_store) -> None:
    sel = service.select(composite_store, "deepstate")
    assert sel.members == ("deepstate-history", "deepstate-daily")
    infos = {i.id: i for i in composite_store.snapshots()}
    for sid, t, _ in sel.timeline:
        assert infos[sid].source == ("deepstate-history" if t < DEEPSTATE_SWITCH else "deepstate-daily")
    # March 2025 has two missing daily files at its end; the composite reads the history there
    r = service.series(composite_store, source="deepstate", start="2025-03-01", end="2025-03-31", tz="Europe/Kyiv",
                       include_redraws=True)
    (p,) = r.as_dict()["periods"]
    assert p["net_km2"] == pytest.approx(133, rel=0.02) and p["complete"] is True


def test_composite_needs_its_members(tmp_path) -> None:
    from frontlines.store import MemoryStore

    store = MemoryStore()
    import datetime as dt
    import json

    square = [[30.0, 48.0], [31.0, 48.0], [31.0, 49.0], [30.0, 49.0], [30.0, 48.0]]
    path = tmp_path / "deepstatemap_data_20250102.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [square]}}]}))
    service.ingest(store, "deepstate-daily", [path], workers=1,
                   options=service.IngestOptions(now=dt.datetime.now(dt.timezone.utc)))
    with pytest.raises(SnapshotNotFoundError, match="deepstate-history"):
        service.select(store, "deepstate")
    assert COMPOSITES["deepstate"].switches()[0]["at"] == "2025-07-31T21:00:00Z"


# ----------------------------------------------------------------------- the shipped commands
def test_change_command_on_the_composite(composite_store, capsys) -> None:
    """``frontlines change --source deepstate --from 2023-01-01 --to 2026-01-01`` (UTC days, as typed)."""
    import json

    from frontlines.cli import main

    capsys.readouterr()
    assert main(["change", "--source", "deepstate", "--from", "2023-01-01", "--to", "2026-01-01",
                 "--store", str(composite_store.path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"] == "deepstate"
    assert doc["from_snapshot"]["source"] == "deepstate-history" and doc["to_snapshot"]["source"] == "deepstate-daily"
    assert doc["net_km2"] == pytest.approx(7_463, rel=0.02)


def test_claim_spanning_history_and_daily_is_read_from_the_composite(composite_store, capsys) -> None:
    import json

    from frontlines.cli import main

    capsys.readouterr()
    assert main(["check", "--text", "Russia captured about 7,463 km² between 1 January 2023 and 1 January 2026",
                 "--store", str(composite_store.path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["sources"] == ["deepstate"]  # the composite stands in for its two members
    (claim,) = doc["claims"]
    assert claim["verdict"] == "supported"
    assert claim["primary"]["source"] == "deepstate"
    assert claim["primary"]["start"] < "2023-01-01" and claim["primary"]["end"] >= "2026-01-01"
    assert "deepstate's maps" in claim["reason"]
    assert any("composite source" in n and "daily files" in n for n in claim["notes"])
    # gross gain ('captured') of the one continuous series; the net is DeepState's published +7,463 km²
    change = service.change(composite_store, start="2022-12-31T23:59:59Z", end=claim["primary"]["end"],
                            source="deepstate").as_dict()
    assert claim["primary"]["value"] == pytest.approx(change["gained_km2"], abs=0.01)


def test_a_member_named_on_its_own_is_still_checked_alone(composite_store) -> None:
    report = service.check(composite_store, "Russia captured about 7,463 km² between 1 January 2023 and "
                           "1 January 2026", sources=["deepstate-daily"])
    (r,) = report.results
    assert report.sources == ("deepstate-daily",)
    assert r.primary is not None and r.primary.source == "deepstate-daily"
    # the daily files start in July 2024: the reading starts at their first map, and says so
    assert r.primary.start.date().isoformat() == "2024-07-07"
    assert any("no map within 2 days before 2023-01-01" in n for n in r.notes)


def test_series_defaults_to_the_composite_when_both_members_are_stored(composite_store) -> None:
    doc = service.series(composite_store, start="2025-08-01", end="2025-09-30", tz="Europe/Kyiv").as_dict()
    assert doc["source"] == "deepstate"
    aug, sep = doc["periods"]
    assert aug["complete"] and sep["complete"]
    infos = {i.id: i.source for i in composite_store.snapshots()}
    assert infos[aug["start_snapshot"]] == "deepstate-history"  # the switch is 2025-08-01 00:00 Kyiv
    assert infos[aug["end_snapshot"]] == "deepstate-daily"
    assert sep["net_km2"] == pytest.approx(259, rel=0.02)  # DeepState's published September 2025


def test_report_on_the_composite_does_not_compare_it_with_its_own_members(composite_store) -> None:
    from frontlines.service import reporting

    inputs = reporting.report_inputs(composite_store, start="2025-07-28", end="2025-08-03", tz="Europe/Kyiv")
    assert inputs.change.source == "deepstate"  # the default when both members are stored
    assert inputs.other_sources == [] and inputs.side_by_side == []
    # a member's report compares it with the other member, side by side
    hist = reporting.report_inputs(composite_store, start="2025-07-28", end="2025-08-02", source="deepstate-history",
                                   tz="Europe/Kyiv")
    assert [i.compare.source_b for i in hist.side_by_side] == ["deepstate-daily"]
    assert hist.side_by_side[0].compare.summary["max_abs_diff_km2"] < 120  # the two forms of one map
