"""Map time on the real DeepState data: which map a snapshot shows, and monthly figures.

DeepState's published monthly figures (km², Russian net gain, months in Kyiv time):
Aug 2024 363, Nov 2024 730, Jan 2025 325, Mar 2025 133, Sep 2025 259.
"""

from __future__ import annotations

import datetime as dt

import pytest

from frontlines import service
from frontlines.core.geodesy import area_km2
from frontlines.core.measure import dissolve

PUBLISHED = {"2024-08": 363, "2024-11": 730, "2025-01": 325, "2025-03": 133, "2025-09": 259}


def _month_net(store, source: str, month: str, tz: str = "Europe/Kyiv") -> tuple[float, dict]:
    y, m = map(int, month.split("-"))
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).isoformat()
    # DeepState publishes the change of its own map, redraws and all: compare the raw figures
    r = service.series(store, source=source, start=f"{month}-01", end=last, freq="month", tz=tz, include_redraws=True)
    (p,) = r.as_dict()["periods"]
    return p["net_km2"], p


def _symdiff_km2(store, a: int, b: int, layer) -> float:
    ga = dissolve(list(store.layer_parts(a, layer).values()))
    gb = dissolve(list(store.layer_parts(b, layer).values()))
    return area_km2(ga.symmetric_difference(gb))


def test_daily_file_of_d_plus_1_shows_the_history_map_of_d(overlap_store) -> None:
    """A history snapshot published on the evening of D matches the daily file of D+1, not of D."""
    hist = service.select(overlap_store, "deepstate-history")
    daily = {info.file_name: info.id for info in overlap_store.snapshots("deepstate-daily")}
    tested = 0
    total_same = total_next = 0.0
    # days with an evening history snapshot (20-22 UTC); the two maps differ by ~4.4 km² at best
    for day in ("2024-09-10", "2024-11-20", "2025-02-12", "2025-04-09", "2025-05-14", "2025-07-16"):
        d = dt.date.fromisoformat(day)
        # the last history snapshot published on D (UTC), i.e. the evening's map
        pos = hist.index_at(dt.datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=dt.timezone.utc))
        hid = hist.timeline[pos][0]
        same = daily.get(f"deepstatemap_data_{d:%Y%m%d}.geojson")
        nxt = daily.get(f"deepstatemap_data_{d + dt.timedelta(days=1):%Y%m%d}.geojson")
        if same is None or nxt is None:
            continue
        tested += 1
        d_same = _symdiff_km2(overlap_store, hid, same, hist.layer)
        d_next = _symdiff_km2(overlap_store, hid, nxt, hist.layer)
        assert d_next <= d_same + 0.01, day
        total_same += d_same
        total_next += d_next
    assert tested >= 5
    assert total_next < 0.5 * total_same


@pytest.mark.parametrize("month", ["2024-08", "2024-11", "2025-09"])
def test_daily_monthly_nets_match_deepstate_published(overlap_store, month) -> None:
    net, period = _month_net(overlap_store, "deepstate-daily", month)
    assert net == pytest.approx(PUBLISHED[month], rel=0.02)


@pytest.mark.parametrize("month", ["2024-08", "2024-11", "2025-01", "2025-03"])
def test_history_monthly_nets_match_deepstate_published(overlap_store, month) -> None:
    net, _ = _month_net(overlap_store, "deepstate-history", month)
    assert net == pytest.approx(PUBLISHED[month], rel=0.02)


@pytest.mark.parametrize("month", ["2024-08", "2024-11", "2025-01"])
def test_daily_and_history_agree_on_the_same_months(overlap_store, month) -> None:
    daily, _ = _month_net(overlap_store, "deepstate-daily", month)
    hist, _ = _month_net(overlap_store, "deepstate-history", month)
    assert daily == pytest.approx(hist, rel=0.02)


def test_kyiv_and_utc_month_ends_pick_the_file_of_the_next_day(overlap_store) -> None:
    """End of 2024-11-30 in Kyiv (21:59:59Z) and in UTC both select the file dated 2024-12-01."""
    for tz in ("Europe/Kyiv", "UTC"):
        doc = service.area(overlap_store, at="2024-11-30", source="deepstate-daily", tz=tz).as_dict()
        assert doc["snapshot"]["file_name"] == "deepstatemap_data_20241201.geojson", tz
        assert doc["snapshot"]["map_time"] == "2024-11-30T21:59:59Z"
    # The history snapshot published at 2024-11-30T22:xx UTC is already 1 December in Kyiv:
    # with Kyiv boundaries it is not the state at the end of November.
    hist = service.area(overlap_store, at="2024-11-30", source="deepstate-history", tz="Europe/Kyiv").as_dict()
    assert hist["snapshot"]["map_time"] <= "2024-11-30T21:59:59Z"


# ----------------------------------------------------------------------- gaps and staleness
def test_month_with_a_missing_boundary_file_is_flagged_incomplete(overlap_store) -> None:
    """The daily files of 2025-03-31 and 04-01 are missing: the end-of-March state is two days old."""
    _, march = _month_net(overlap_store, "deepstate-daily", "2025-03")
    assert march["complete"] is False
    assert march["end_lag_days"] == pytest.approx(47 / 24, abs=0.01)  # 2 days less the DST hour of 03-30
    assert march["gap_days"] == ["2025-03-30", "2025-03-31"]  # no map of the end of those days (Kyiv)
    assert march["start_snapshot"] is not None and march["end_snapshot"] is not None
    _, nov = _month_net(overlap_store, "deepstate-daily", "2024-11")
    assert nov["complete"] is True and nov["gap_days"] == [] and nov["end_lag_days"] < 0.01
    # the history has maps on those days: its March is complete and matches DeepState's 133 km²
    net, hmarch = _month_net(overlap_store, "deepstate-history", "2025-03")
    assert hmarch["complete"] is True


def test_missing_days_inside_a_month_are_listed(overlap_store) -> None:
    _, aug = _month_net(overlap_store, "deepstate-daily", "2024-08")
    assert aug["gap_days"] == ["2024-08-17", "2024-08-18"]  # files of 08-18 and 08-19 are missing
    assert aug["complete"] is False


def test_area_after_the_last_map_says_it_is_stale(overlap_store) -> None:
    from frontlines.errors import StaleDataError

    doc = service.area(overlap_store, at="2026-10-01", source="deepstate-daily").as_dict()
    assert doc["snapshot"]["file_name"] == "deepstatemap_data_20260822.geojson"
    assert doc["stale"] is True
    assert doc["stale_days"] == pytest.approx(41.125, abs=0.01)  # 2026-10-01T23:59:59Z - 2026-08-21T20:59:59Z
    assert "last map of the source" in doc["warnings"][0]
    fresh = service.area(overlap_store, at="2026-08-21", source="deepstate-daily").as_dict()
    assert fresh["stale"] is False and fresh["warnings"] == []
    with pytest.raises(StaleDataError, match="--strict"):
        service.area(overlap_store, at="2026-10-01", source="deepstate-daily", strict=True)


# ----------------------------------------------------------------------- sources side by side
def test_compare_history_and_daily(overlap_store) -> None:
    r = service.compare(overlap_store, sources=["deepstate-history", "deepstate-daily"], start="2024-08-01",
                        end="2025-07-31", freq="month", tz="Europe/Kyiv").as_dict()
    assert r["summary"]["compared"] == 12
    for row in r["rows"]:
        # |A − B| − |B − A| = |A| − |B|: the symmetric difference is measured independently of the areas
        assert row["only_a_km2"] - row["only_b_km2"] == pytest.approx(-row["diff_km2"], abs=0.05)
    # the two forms of DeepState's map agree within ~0.1 % of the area at every month end
    assert r["summary"]["max_abs_diff_km2"] < 120
    (check,) = service.overlap(overlap_store, "deepstate", freq="month")
    assert check.summary["compared"] >= 12
    assert check.summary["mean_abs_diff_km2"] < 60  # < 0.05 % of ~113,000 km²


def test_compare_needs_two_sources(overlap_store) -> None:
    from frontlines.errors import UsageError

    with pytest.raises(UsageError, match="two different sources"):
        service.compare(overlap_store, sources=["deepstate-daily"], start="2024-08-01", end="2024-09-01")


# ----------------------------------------------------------------------- all five months, honestly
@pytest.mark.parametrize("month", sorted(PUBLISHED))
def test_composite_monthly_nets_match_deepstate_published(overlap_store, month) -> None:
    """The composite ``deepstate`` (history until 2025-08-01 Kyiv, daily files after) gives all five months."""
    net, period = _month_net(overlap_store, "deepstate", month)
    assert net == pytest.approx(PUBLISHED[month], rel=0.02)
    assert period["complete"] is True


def test_series_command_defaults_to_the_composite_and_gives_all_five(overlap_store, capsys) -> None:
    """``frontlines series --tz Europe/Kyiv`` on a store with history and daily files: no --source needed."""
    import json

    from frontlines.cli import main

    capsys.readouterr()
    # DeepState publishes the change of its own map, redraws and all: compare the raw figures
    assert main(["series", "--from", "2024-08-01", "--to", "2025-09-30", "--freq", "month", "--tz", "Europe/Kyiv",
                 "--include-redraws", "--store", str(overlap_store.path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"] == "deepstate"
    by_month = {p["end"][:7]: p for p in doc["periods"]}  # a Kyiv month ends at 21:00/22:00Z of its last day
    for month, published in PUBLISHED.items():
        p = by_month[month]
        assert p["net_km2"] == pytest.approx(published, rel=0.02), month
        assert p["complete"] is True, month
    # the history is used until the switch; the daily files after it
    infos = {i.id: i.source for i in overlap_store.snapshots()}
    assert infos[by_month["2025-03"]["end_snapshot"]] == "deepstate-history"
    assert infos[by_month["2025-09"]["end_snapshot"]] == "deepstate-daily"


def test_daily_files_alone_flag_january_and_march_2025_with_their_gap_days(overlap_store) -> None:
    """From the daily files alone, January and March 2025 cannot be measured to the day, and say so."""
    jan_net, jan = _month_net(overlap_store, "deepstate-daily", "2025-01")
    assert jan["complete"] is False
    assert jan["start_lag_days"] == pytest.approx(1.0, abs=0.01)  # the file of 2025-01-01 (map of 12-31) is missing
    assert jan["gap_days"] == ["2024-12-31"]
    # what the daily files measure is December 31 + January: the history's change over the same maps' days
    hist = service.change(overlap_store, start="2024-12-30", end="2025-01-31", source="deepstate-history",
                          tz="Europe/Kyiv", include_redraws=True).as_dict()
    assert jan_net == pytest.approx(hist["net_km2"], rel=0.02)
    mar_net, mar = _month_net(overlap_store, "deepstate-daily", "2025-03")
    assert mar["complete"] is False and mar["gap_days"] == ["2025-03-30", "2025-03-31"]
    assert mar_net < PUBLISHED["2025-03"] * 0.95  # the last two days of March are missing, not guessed


def test_kyiv_month_boundaries_pick_the_maps_deepstate_uses(overlap_store) -> None:
    """DeepState's months are in Kyiv time: the file dated the 1st of the next month ends a month, and a history
    map published at 22:19Z on 30 April 2025 (01:19 on 1 May in Kyiv) belongs to May."""
    infos = {i.id: i for i in overlap_store.snapshots()}
    for month in ("2024-08", "2024-11", "2025-09"):
        _, p = _month_net(overlap_store, "deepstate-daily", month)
        y, m = map(int, month.split("-"))
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        assert infos[p["start_snapshot"]].file_name == f"deepstatemap_data_{y:04d}{m:02d}01.geojson"
        assert infos[p["end_snapshot"]].file_name == f"deepstatemap_data_{nxt:%Y%m%d}.geojson"
    _, kyiv = _month_net(overlap_store, "deepstate-history", "2025-04", tz="Europe/Kyiv")
    _, utc = _month_net(overlap_store, "deepstate-history", "2025-04", tz="UTC")
    late = dt.datetime(2025, 4, 30, 22, 19, 5, tzinfo=dt.timezone.utc)
    assert infos[utc["end_snapshot"]].map_time == late
    assert infos[kyiv["end_snapshot"]].map_time < dt.datetime(2025, 4, 30, 21, 0, tzinfo=dt.timezone.utc)
    _, may = _month_net(overlap_store, "deepstate-history", "2025-05", tz="Europe/Kyiv")
    assert may["start_snapshot"] == kyiv["end_snapshot"]  # consecutive Kyiv months share their boundary map
