"""What interactive queries keep between calls (issue 18, warm < 100 ms) gives the figures of a fresh computation.

Real DeepState history (the Kharkiv / Kherson store of ``conftest.py``). Every reference here is
computed on a store opened afresh (an empty cache) or by the plain operation the fast path replaces.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import shapely

from frontlines import service
from frontlines.service import where
from frontlines.service.freshness import cadence_days, gap_days

pytestmark = pytest.mark.realdata

WEEK = {"start": "2022-09-06", "end": "2022-09-13"}


def _fresh(store):
    return service.open_reader(store.path)  # its own, empty cache


def test_change_by_region_repeats_and_shares_its_clip_with_depth(kharkiv_store) -> None:
    cold = service.change(_fresh(kharkiv_store), by="hromada", **WEEK).as_dict()
    store = _fresh(kharkiv_store)
    with_depth = service.change(store, by="hromada", depth=True, **WEEK).as_dict()
    warm = [service.change(store, by="hromada", **WEEK).as_dict() for _ in range(2)]
    assert warm[0] == warm[1] == cold
    assert with_depth["regions"] == cold["regions"]  # the kept clip serves both
    assert any(r["lost_km2"] > 100 for r in cold["regions"])  # the Kharkiv counteroffensive: not a trivial case


def test_kept_region_arrays_and_geometries_are_read_only_or_unprepared(kharkiv_store) -> None:
    store = _fresh(kharkiv_store)
    service.change(store, by="raion", start="2022-09-01", end="2022-11-16")
    arrays = [v for k, v in store.cache._lru.items() if k[0] == "change-regions"]
    assert arrays and all(not a.flags.writeable for entry in arrays for a in entry[:2])  # (gained, lost, rows)
    geoms = [g for k, v in store.cache._lru.items() if k[0] == "change-geometries" for g in v if g is not None]
    assert geoms and not any(shapely.is_prepared(g) for g in geoms)


def test_series_periods_kept_in_any_order_give_the_fresh_figures(kharkiv_store) -> None:
    kw = {"start": "2022-09-01", "end": "2022-09-17", "freq": "day", "by": "raion"}
    fresh = service.series(_fresh(kharkiv_store), **kw).as_dict()
    store = _fresh(kharkiv_store)
    service.series(store, **{**kw, "start": "2022-09-05", "end": "2022-09-09"})  # some periods kept first
    assert service.series(store, **kw).as_dict() == fresh
    assert service.series(store, **kw).as_dict() == fresh
    measured = [p for p in fresh["periods"] if "regions" in p]
    assert len(measured) >= 10 and any(p["lost_km2"] > 100 for p in measured)


def _plain_gap_days(sel, start, end, tz):
    """gap_days as it was: a scan of every map time."""
    if cadence_days(sel) > 1.5:
        return []
    zone = ZoneInfo(tz)
    have = {t.astimezone(zone).date() for t in sel.times if start <= t < end}
    day, last = start.astimezone(zone).date(), (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    out = []
    while day <= last:
        if day not in have:
            out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out


@pytest.mark.parametrize("tz", ["UTC", "Europe/Kyiv", "America/New_York"])
def test_gap_days_by_bisection_equal_the_scan(kharkiv_store, tz) -> None:
    sel = service.select(kharkiv_store)
    t0 = sel.times[0] - dt.timedelta(days=2)
    found_gaps = 0
    for k in range(0, 90, 3):
        start = t0 + dt.timedelta(days=k, hours=k % 7)
        for days in (1, 7, 30):
            end = start + dt.timedelta(days=days)
            got = gap_days(sel, start, end, tz, cadence=cadence_days(sel))
            assert got == gap_days(sel, start, end, tz) == _plain_gap_days(sel, start, end, tz)
            found_gaps += len(got)
    assert found_gaps > 0  # the store has a hole (2022-09-17 .. 2022-11-04): windows across it have gap days


def test_redraw_ground_taken_off_by_pairs_equals_one_overlay(kharkiv_store) -> None:
    ch = service.change(kharkiv_store, start="2022-09-01", end="2022-11-16", geometry=True)
    geom = shapely.union(ch.gained, ch.lost)
    # a stand-in for a window's redraw ground: hundreds of small squares along the moved ground
    x0, y0, x1, y1 = geom.bounds
    xs, ys = np.meshgrid(np.linspace(x0, x1, 30), np.linspace(y0, y1, 20))
    other = shapely.union_all(shapely.buffer(shapely.points(xs.ravel(), ys.ravel()), 0.03, cap_style="square"))
    fast, plain = where._without(geom, other), shapely.difference(geom, other)
    assert shapely.area(shapely.symmetric_difference(fast, plain)) < 1e-9 * shapely.area(plain)
    assert 0.02 * shapely.area(geom) < shapely.area(shapely.intersection(geom, other))  # it did take ground off
