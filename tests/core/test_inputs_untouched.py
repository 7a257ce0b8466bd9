"""The cores never change what they are given: no geometry comes back prepared or altered.

Inputs are often shared between threads (decoded parts cached by a store, region layers,
the outline), and a prepared GEOS geometry used by two threads at once crashes. Every core
function that wants a prepared geometry must prepare a copy of its own; this checks that
none prepares (``shapely.is_prepared``) or otherwise alters (WKB) its inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from frontlines.conflicts import default_registry
from frontlines.core.depth import advance_depth
from frontlines.core.frontline import CONTESTED_MODES, frontline
from frontlines.core.measure import change_geoms, change_parts, dissolve
from frontlines.core.prepared import prepared_copy
from frontlines.core.regions import RegionLayer, clip_areas, clip_pieces, region_shares
from frontlines.core.settlements import settlement_status, status_changes


def _grid() -> RegionLayer:
    """A 4 x 4 grid of 0.5° cells over 30..32 E, 48..50 N."""
    cells = [box(30 + 0.5 * i, 48 + 0.5 * j, 30.5 + 0.5 * i, 48.5 + 0.5 * j) for j in range(4) for i in range(4)]
    ids = tuple(f"c{k}" for k in range(len(cells)))
    return RegionLayer("grid", ids, ids, np.array(cells, dtype=object))


#: Held ground: a wedge with a hole, crossing several cells and wholly covering others.
HELD = Polygon([(30.1, 48.1), (31.9, 48.2), (31.2, 49.9), (30.2, 49.6)], [[(30.6, 48.6), (30.9, 48.6), (30.9, 48.9)]])
#: A later map: the wedge grown, plus pieces that make gained ground many-part.
LATER = shapely.union_all([HELD.buffer(0.05), box(31.95, 48.05, 31.99, 48.09), box(30.01, 49.9, 30.04, 49.95)])
OUTLINE = box(29.5, 47.5, 32.5, 50.5)
CONTESTED = box(31.0, 49.0, 32.2, 50.2)


def _snapshot(*geoms: object) -> list[tuple[bool, bytes]]:
    flat = [g for geom in geoms for g in (geom if isinstance(geom, np.ndarray) else [geom])]
    return [(bool(shapely.is_prepared(g)), shapely.to_wkb(g)) for g in flat]


def _untouched(before: list[tuple[bool, bytes]], *geoms: object) -> None:
    after = _snapshot(*geoms)
    assert [p for p, _ in after] == [False] * len(after), "an input came back prepared"
    assert after == before, "an input was altered"


def test_region_clipping_leaves_the_geometry_and_the_layer_alone() -> None:
    layer = _grid()
    gained, _ = change_geoms(HELD, LATER)
    assert len(shapely.get_parts(gained)) > 1
    before = _snapshot(HELD, gained, layer.geometries)
    assert clip_areas(layer, HELD).sum() > 0
    assert clip_areas(layer, gained).sum() > 0
    assert clip_pieces(layer, HELD)
    assert region_shares(layer, HELD).max() == 1.0
    assert len(layer.tree.query(HELD, predicate="intersects")) > 0
    _untouched(before, HELD, gained, layer.geometries)


@pytest.mark.parametrize("mode", CONTESTED_MODES)
def test_frontline_leaves_control_contested_and_outline_alone(mode: str) -> None:
    before = _snapshot(HELD, CONTESTED, OUTLINE)
    assert frontline(HELD, outline=OUTLINE, contested=CONTESTED, contested_mode=mode).length_km > 0
    _untouched(before, HELD, CONTESTED, OUTLINE)


def test_change_and_depth_leave_their_inputs_alone() -> None:
    a = {"x": HELD, "y": box(33, 48, 33.5, 48.5)}
    b = {"x2": LATER, "z": box(33, 48, 33.4, 48.5)}
    before = _snapshot(HELD, LATER, *a.values(), *b.values())
    gained, lost = change_geoms(HELD, LATER)
    assert not gained.is_empty and lost.is_empty
    g2, l2 = change_parts(a, b)
    assert not g2.is_empty and not l2.is_empty
    assert not dissolve(list(b.values())).is_empty
    front = LineString([(30.0, 48.0), (30.0, 50.0)])
    before_front = _snapshot(front, gained)
    assert advance_depth(gained, front).max_km > 0
    _untouched(before, HELD, LATER, *a.values(), *b.values())
    _untouched(before_front, front, gained)


def test_settlement_status_leaves_the_layers_alone() -> None:
    lon, lat = np.array([30.5, 31.0, 31.5, 33.0]), np.array([49.0, 49.5, 48.3, 48.0])
    before = _snapshot(HELD, CONTESTED)
    status = settlement_status(lon, lat, {"control": HELD, "contested": CONTESTED})
    assert status.tolist() == ["control", "control", "control", "none"]
    assert status_changes(lon, lat, {"control": HELD}, {"control": CONTESTED}).indices.tolist() == [0, 2]
    _untouched(before, HELD, CONTESTED)


def test_gazetteer_within_leaves_the_geometry_alone() -> None:
    gaz = default_registry().gazetteer("ukraine")
    kharkiv_area = box(36.0, 49.8, 36.5, 50.2)
    before = _snapshot(kharkiv_area)
    inside = gaz.within(kharkiv_area)
    assert "Kharkiv" in {gaz.names[i] for i in inside}
    _untouched(before, kharkiv_area)


def test_prepared_copy_is_a_prepared_equal_copy() -> None:
    before = _snapshot(HELD)
    copy = prepared_copy(HELD)
    assert shapely.is_prepared(copy) and copy is not HELD
    assert shapely.to_wkb(copy) == shapely.to_wkb(HELD)
    _untouched(before, HELD)
