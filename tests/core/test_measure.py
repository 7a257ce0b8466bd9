"""Dissolve and change between part sets, against plain overlays."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import box

from frontlines.core.geodesy import area_km2
from frontlines.core.measure import change_geoms, change_parts, dissolve


def test_two_squares_change_on_paper() -> None:
    # A holds the western square; B holds the eastern one: B gained the east, lost the west.
    west, east = box(30.0, 48.0, 30.5, 48.5), box(30.5, 48.0, 31.0, 48.5)
    gained, lost = change_parts({"w": west}, {"e": east})
    assert gained.equals(east) and lost.equals(west)
    assert area_km2(gained) == pytest.approx(area_km2(east))


def test_shared_parts_are_not_counted() -> None:
    shared = box(30, 48, 31, 49)
    a = {"s": shared, "a": box(31, 48, 31.2, 48.5)}
    b = {"s": shared, "b": box(31, 48, 31.4, 48.5)}
    gained, lost = change_parts(a, b)
    assert lost.is_empty
    assert gained.equals(box(31.2, 48, 31.4, 48.5))


def test_overlapping_parts_union_first() -> None:
    # Ground covered by a shared part is not gained even when a new part overlaps it.
    a = {"s": box(0, 0, 2, 2)}
    b = {"s": box(0, 0, 2, 2), "n": box(1, 1, 3, 3)}
    gained, lost = change_parts(a, b)
    assert gained.area == pytest.approx(4.0 - 1.0)  # the new square minus its overlap
    assert shapely.difference(box(1, 1, 3, 3), box(0, 0, 2, 2)).equals(gained)


def test_change_parts_equals_overlay_of_dissolved(deepstate_history_dir) -> None:
    import datetime as dt

    from frontlines.sources._geojson import PartCache
    from frontlines.sources._payloads import Payload
    from frontlines.sources.base import IngestOptions
    from frontlines.sources.deepstate import DeepStateHistory

    files = sorted(deepstate_history_dir.glob("*.geojson"), key=lambda p: int(p.stem))
    # 2022-09-06 and 2022-09-11 evenings
    pick = [p for p in files if 1662490000 <= int(p.stem) <= 1662940000]
    a_path, b_path = pick[0], pick[-1]
    adapter, cache = DeepStateHistory(), PartCache()
    opts = IngestOptions(now=dt.datetime.now(dt.timezone.utc))
    import hashlib

    def parts(path):
        snap = adapter.parse(Payload(str(path), path.read_bytes()), cache=cache, options=opts)
        return {hashlib.sha1(shapely.to_wkb(g)).hexdigest(): g for g in snap.layers[adapter.primary]}

    a, b = parts(a_path), parts(b_path)
    g1, l1 = change_parts(a, b)
    g2, l2 = change_geoms(dissolve(list(a.values())), dissolve(list(b.values())))
    assert area_km2(g1) == pytest.approx(area_km2(g2), abs=0.1)
    assert area_km2(l1) == pytest.approx(area_km2(l2), abs=0.1)
    assert area_km2(l1) > 5_000  # Kharkiv counteroffensive: thousands of km² left Russian control


def test_edit_window_finds_the_redrawn_run() -> None:
    from shapely.geometry import Polygon

    from frontlines.core.measure import edit_window

    a = Polygon([(0, 0), (4, 0), (4, 2), (4, 4), (0, 4)])
    b = Polygon([(0, 0), (4, 0), (5, 1), (5, 3), (4, 4), (0, 4)])  # the east side pushed out
    assert edit_window(a, b) == (4.0, 0.0, 5.0, 4.0)
    gained, lost = change_parts({"a": a}, {"b": b})
    assert gained.area == pytest.approx(shapely.difference(b, a).area)
    assert lost.area == pytest.approx(shapely.difference(a, b).area)
    # an edit through the first vertex wraps around the ring: the rings are compared cyclically
    c = Polygon([(0, 4), (-1, 2), (0, 0.5), (0.5, 0), (4, 0), (4, 2), (4, 4)])  # started elsewhere, too
    assert edit_window(a, c) == (-1.0, 0.0, 4.0, 4.0)  # from (4, 4) round to (4, 0): a's run holds (0, 4) and (0, 0)
    assert edit_window(c, a) == (-1.0, 0.0, 4.0, 4.0)
    gained, lost = change_parts({"a": a}, {"c": c})
    assert gained.area == pytest.approx(shapely.difference(c, a).area) == pytest.approx(1.75)  # the triangle (0, 4), (-1, 2), (0, 0.5)
    assert lost.area == pytest.approx(shapely.difference(a, c).area) == pytest.approx(0.125)  # the corner cut at (0, 0)
    # rings that share no vertex: no window, same answer
    d = Polygon([(0.5, 0.5), (4.5, 0), (4.5, 4.5), (0, 4.5)])
    assert edit_window(a, d) is None
    gained, lost = change_parts({"a": a}, {"d": d})
    assert lost.area == pytest.approx(shapely.difference(a, d).area)


def test_gained_minus_lost_equals_area_difference_on_real_steps(deepstate_history_dir) -> None:
    import datetime as dt
    import hashlib

    from frontlines.sources._geojson import PartCache
    from frontlines.sources._payloads import Payload
    from frontlines.sources.base import IngestOptions
    from frontlines.sources.deepstate import DeepStateHistory

    files = sorted(deepstate_history_dir.glob("*.geojson"), key=lambda p: int(p.stem))[600:660]
    adapter, cache = DeepStateHistory(), PartCache()
    opts = IngestOptions(now=dt.datetime.now(dt.timezone.utc))
    states = []
    for p in files:
        snap = adapter.parse(Payload(str(p), p.read_bytes()), cache=cache, options=opts)
        states.append({hashlib.sha1(shapely.to_wkb(g)).hexdigest(): g for g in snap.layers[adapter.primary]})
    areas = [area_km2(dissolve(list(s.values()))) for s in states]
    for i in range(len(states) - 1):
        gained, lost = change_parts(states[i], states[i + 1])
        assert area_km2(gained) - area_km2(lost) == pytest.approx(areas[i + 1] - areas[i], abs=1e-3)
