"""Properties that must hold for any states (hypothesis)."""

from __future__ import annotations

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from frontlines.core.geodesy import area_km2, from_equal_area, to_equal_area
from frontlines.core.measure import change_parts, dissolve

coord = st.floats(min_value=30.0, max_value=32.0, allow_nan=False)
size = st.floats(min_value=0.01, max_value=0.8, allow_nan=False)


@st.composite
def boxes(draw):
    x, y, w, h = draw(coord), draw(st.floats(min_value=47.0, max_value=49.0)), draw(size), draw(size)
    return box(x, y, x + w, y + h)


part_sets = st.dictionaries(st.sampled_from("abcdefgh"), boxes(), min_size=0, max_size=6)


@settings(max_examples=60, deadline=None)
@given(part_sets)
def test_change_of_a_state_with_itself_is_empty(a) -> None:
    gained, lost = change_parts(a, dict(a))
    assert gained.is_empty and lost.is_empty


@settings(max_examples=60, deadline=None)
@given(part_sets, part_sets)
def test_gained_minus_lost_is_the_area_difference(a, b) -> None:
    # Same key -> same geometry, as content addressing guarantees.
    b = {k: (a[k] if k in a else g) for k, g in b.items()}
    gained, lost = change_parts(a, b)
    area_a, area_b = area_km2(dissolve(list(a.values()))), area_km2(dissolve(list(b.values())))
    tolerance = 1e-7 * max(area_a, area_b, 1.0)
    assert area_km2(gained) - area_km2(lost) == pytest.approx(area_b - area_a, abs=tolerance)


@settings(max_examples=40, deadline=None)
@given(boxes(), boxes())
def test_area_is_additive_over_disjoint_parts(p, q) -> None:
    q_only = shapely.difference(q, p)
    assert area_km2(shapely.union(p, q)) == pytest.approx(area_km2(p) + area_km2(q_only), rel=1e-7, abs=1e-6)  # overlays add vertices: 1e-7 of the area


@settings(max_examples=40, deadline=None)
@given(boxes())
def test_projection_round_trip(p) -> None:
    centre = (31.0, 48.0)
    back = from_equal_area(to_equal_area(p, centre), centre)
    assert shapely.hausdorff_distance(back, p) < 1e-7  # about 1 cm
