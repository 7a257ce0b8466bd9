"""The redraw rules on hand-made geometry (1° ≈ 111 km of latitude; distances by hand)."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from frontlines.core.redraws import RedrawRules, classify_step, mark_reverts, totals

# Earlier control: lon 30..32, lat 48..49; its front is the eastern edge (lon 32).
FRONT = LineString([(32.0, 48.0), (32.0, 49.0)])
BEFORE = box(30.0, 48.0, 32.0, 49.0)


def test_piece_at_the_front_is_an_advance() -> None:
    gained = box(32.0, 48.4, 32.1, 48.6)  # 0.1° east of the front (~7.4 km deep), ~163 km²
    (p,) = classify_step(gained, None, FRONT, days=1.0)
    assert p.kind == "advance" and p.reason is None
    assert p.front_distance_km == pytest.approx(0.0, abs=1e-6)
    assert p.depth_km == pytest.approx(7.4, rel=0.02)  # 0.1° of longitude at 48.5° N = 7.38 km


def test_piece_far_from_the_front_is_a_redraw() -> None:
    gained = box(33.0, 48.4, 33.1, 48.6)  # 1° east of the front: ~74 km away
    (p,) = classify_step(gained, None, FRONT, days=1.0)
    assert (p.kind, p.reason) == ("redraw", "far-from-front")
    assert p.front_distance_km == pytest.approx(73.8, rel=0.02)


def test_thin_sliver_is_a_redraw() -> None:
    gained = box(32.0, 48.0, 32.001, 48.9)  # 74 m wide
    (p,) = classify_step(gained, None, FRONT, days=1.0)
    assert (p.kind, p.reason) == ("redraw", "sliver")
    assert p.width_km < 0.15


def test_too_deep_for_the_time_is_a_redraw_and_rules_are_tunable() -> None:
    gained = box(32.0, 48.4, 33.0, 48.6)  # 74 km deep in one day
    (p,) = classify_step(gained, None, FRONT, days=1.0)
    assert (p.kind, p.reason) == ("redraw", "implausible-speed")
    (q,) = classify_step(gained, None, FRONT, days=1.0, rules=RedrawRules(max_speed_km_per_day=100))
    assert q.kind == "advance"
    (r,) = classify_step(gained, None, FRONT, days=2.0)  # 37 km a day over two days
    assert r.kind == "advance"


def test_filling_a_hole_of_the_earlier_map_is_a_redraw() -> None:
    hole = box(30.5, 48.3, 30.8, 48.6)
    before = Polygon(BEFORE.exterior, [hole.exterior])
    (p,) = classify_step(hole, None, LineString([(30.5, 48.3), (30.8, 48.3)]), days=1.0, before=before)
    assert (p.kind, p.reason) == ("redraw", "fills-hole")


def test_reclassified_from_another_layer() -> None:
    gained = box(32.0, 48.4, 32.1, 48.6)
    (p,) = classify_step(gained, None, FRONT, days=1.0, other_layers=[box(31.9, 48.3, 32.2, 48.7)])
    assert (p.kind, p.reason) == ("redraw", "reclassified")


def test_spike_and_revert_marks_both_steps() -> None:
    spike = box(32.0, 48.4, 32.1, 48.6)
    s1 = classify_step(spike, None, FRONT, days=1.0)
    s2 = classify_step(None, spike, LineString([(32.1, 48.0), (32.1, 49.0)]), days=1.0)
    assert s1[0].kind == "advance" and s2[0].kind == "retreat"
    (m1,), (m2,) = mark_reverts([(0.0, s1), (2.0, s2)])
    assert m1.reason == m2.reason == "spike-and-revert"
    (k1,), (k2,) = mark_reverts([(0.0, s1), (9.0, s2)])  # undone after 9 days: fighting both ways
    assert k1.kind == "advance" and k2.kind == "retreat"


def test_totals_split_fighting_and_redraws_and_inputs_are_untouched() -> None:
    gained = shapely.union_all([box(32.0, 48.4, 32.1, 48.6), box(33.0, 48.4, 33.1, 48.6)])
    before_wkb = shapely.to_wkb(gained)
    pieces = classify_step(gained, None, FRONT, days=1.0)
    t = totals(pieces)
    assert t["gained_km2"] == pytest.approx(t["redraw_gained_km2"], rel=0.01)  # two equal boxes, one each
    assert t["gained_km2"] + t["redraw_gained_km2"] == pytest.approx(sum(p.area_km2 for p in pieces))
    assert shapely.to_wkb(gained) == before_wkb


def test_a_large_retreat_over_an_earlier_spike_stays_fighting() -> None:
    spike = box(32.0, 48.4, 32.1, 48.6)  # ~163 km² gained...
    sweep = box(31.5, 48.0, 32.1, 49.0)  # ...then ~4,900 km² lost, the spike with it
    s1 = classify_step(spike, None, FRONT, days=1.0)
    s2 = classify_step(None, sweep, LineString([(32.1, 48.0), (32.1, 49.0)]), days=1.0,
                       rules=RedrawRules(max_speed_km_per_day=100))
    (m1,), (m2,) = mark_reverts([(0.0, s1), (2.0, s2)])
    assert m1.reason == "spike-and-revert"  # the spike itself was undone
    assert m2.kind == "retreat"  # only ~3 % of the sweep lies in the spike: fighting
