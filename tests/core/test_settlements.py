"""Settlement status and changes: hand-made squares and the Kharkiv counteroffensive."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Polygon, box

from frontlines.conflicts import default_registry
from frontlines.core.settlements import StatusChanges, settlement_status, status_changes

REGISTRY = default_registry()

# A 3 x 3 grid of places at half-integer coordinates, plus one on an edge and one on a corner.
LON = np.array([0.5, 1.5, 2.5, 0.5, 1.5, 2.5, 0.5, 1.5, 2.5, 1.0, 2.0])
LAT = np.array([0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 2.5, 2.5, 2.5, 0.5, 1.0])


def test_first_layer_wins() -> None:
    layers = {"control": box(0, 0, 1, 3), "contested": box(0, 0, 2, 3)}
    s = settlement_status(LON, LAT, layers)
    assert s.dtype == object
    assert s.tolist() == ["control", "contested", "none"] * 3 + ["control", "contested"]


def test_order_is_the_priority() -> None:
    layers = {"contested": box(0, 0, 2, 3), "control": box(0, 0, 1, 3)}
    assert set(settlement_status(LON, LAT, layers).tolist()) == {"contested", "none"}


def test_boundary_points_are_inside() -> None:
    s = settlement_status([1.0, 2.0, 1.0, 1.0000001], [0.5, 1.0, 1.0, 0.5], {"a": box(0, 0, 1, 1)})
    assert s.tolist() == ["a", "none", "a", "none"]


def test_any_number_of_sides_and_default() -> None:
    layers = {"russia": box(0, 0, 1, 3), "grey": box(1, 0, 2, 1), "ukraine": box(1, 0, 3, 3)}
    s = settlement_status(LON, LAT, layers, default="unknown")
    assert s[:3].tolist() == ["russia", "grey", "ukraine"]
    assert settlement_status([9.0], [9.0], layers, default="unknown").tolist() == ["unknown"]


def test_empty_and_missing_layers() -> None:
    s = settlement_status(LON, LAT, {"control": None, "contested": Polygon(), "x": box(0, 0, 3, 3)})
    assert set(s.tolist()) == {"x"}
    assert settlement_status([], [], {"a": box(0, 0, 1, 1)}).shape == (0,)


def test_shape_mismatch() -> None:
    with pytest.raises(ValueError):
        settlement_status([1.0, 2.0], [1.0], {})


def test_hole_is_outside() -> None:
    ring = box(0, 0, 3, 3).difference(box(1, 1, 2, 2))
    assert settlement_status([1.5, 0.5, 1.0], [1.5, 0.5, 1.5], {"c": ring}).tolist() == ["none", "c", "c"]


def test_status_changes() -> None:
    before = {"control": box(0, 0, 2, 3)}
    after = {"control": box(0, 0, 1, 3), "contested": box(1, 0, 2, 1)}
    ch = status_changes(LON, LAT, before, after)
    assert isinstance(ch, StatusChanges)
    idx, was, now = ch
    assert idx.tolist() == [1, 4, 7, 10]
    assert was.tolist() == ["control"] * 4
    assert now.tolist() == ["contested", "none", "none", "contested"]
    assert ch.counts() == {("control", "contested"): 2, ("control", "none"): 2}


def test_no_change() -> None:
    layers = {"control": box(0, 0, 2, 3)}
    ch = status_changes(LON, LAT, layers, layers)
    assert ch.indices.size == 0 and ch.counts() == {}


# ----------------------------------------------------------------- real data


@pytest.mark.realdata
def test_kharkiv_settlements_change_hands(deepstate_history_dir) -> None:
    from frontlines.sources import deepstate_classes as dc
    from tests.core.test_depth import SEPT_06, SEPT_11, history_layers

    def sides(layers: dict) -> dict:
        return {"control": layers[dc.CONTROL], "contested": layers[dc.CONTESTED]}

    g = REGISTRY.gazetteer("ukraine")
    big = np.flatnonzero(g.population >= 500)
    before = sides(history_layers(deepstate_history_dir, SEPT_06))
    mid = sides(history_layers(deepstate_history_dir, SEPT_11))
    late_11 = sides(history_layers(deepstate_history_dir, "1662934073.geojson"))  # 2022-09-11 22:07 UTC
    after = sides(history_layers(deepstate_history_dir, "1663074084.geojson"))  # 2022-09-13 13:01 UTC

    ch = status_changes(g.lon[big], g.lat[big], before, after)
    lost = big[ch.indices[ch.from_status == "control"]]
    # Measured with the full KATOTTH gazetteer: 124 places (population >= 500) no longer
    # held (43 with the old GeoNames/OSM one).
    assert 60 <= len(lost) <= 200
    # Kharkiv's counteroffensive, and villages of the Kherson one going on the same week
    assert {g.oblasts[i] for i in lost} <= {"Kharkiv", "Donetsk", "Luhansk", "Kherson"}
    assert sum(g.oblasts[i] == "Kharkiv" for i in lost) > 0.7 * len(lost)
    names = {g.names[i] for i in lost}
    assert {"Balakliia", "Kupiansk", "Izium"} <= names
    # Nothing went the other way.
    assert not np.isin(ch.to_status[ch.from_status == "none"], ["control"]).any()

    izyum = g.lookup("Izium", oblast="Kharkiv")[0]
    states = [settlement_status([g.lon[izyum]], [g.lat[izyum]], s)[0] for s in (before, mid, late_11)]
    # Held on the 6th, grey zone on the 11th at 13:09 UTC, free by that evening.
    assert states == ["control", "contested", "none"]
