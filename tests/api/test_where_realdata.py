"""Front line, depth and settlements on the real DeepState history (Sept / Nov 2022)."""

from __future__ import annotations

import re

import pytest

from frontlines import service
from frontlines.core.geodesy import length_km


def test_frontline_length_and_geometry(kharkiv_store) -> None:
    result = service.frontline(kharkiv_store, at="2022-09-06", geometry=True)
    doc = result.as_dict()
    assert "geometry" not in doc  # geometry is a typed field, never part of the JSON
    assert result.geometry.geom_type in ("MultiLineString", "LineString")
    assert doc["length_km"] == pytest.approx(length_km(result.geometry), abs=0.001)  # rounded to metres
    assert 1_300 < doc["length_km"] < 2_300
    inner = service.frontline(kharkiv_store, at="2022-09-06", mode="inner").as_dict()
    both = service.frontline(kharkiv_store, at="2022-09-06", mode="both").as_dict()
    assert both["length_km"] >= max(doc["length_km"], inner["length_km"]) - 1


def test_change_depth_of_the_kharkiv_advance(kharkiv_store) -> None:
    doc = service.change(kharkiv_store, start="2022-09-06", end="2022-09-11", depth=True, by="oblast").as_dict()
    depth = doc["depth"]
    # Ukraine's advance = ground Russia lost, measured from the 09-06 front line
    assert 40 < depth["retreat"]["max_km"] < 100
    assert depth["retreat"]["p90_km"] <= depth["retreat"]["max_km"]
    lon, lat = depth["retreat"]["deepest_point"]
    assert 36.5 < lon < 38.6 and 49.0 < lat < 50.5  # in Kharkiv oblast
    assert depth["retreat"]["nearest_settlement"]["distance_km"] < 15
    assert abs(depth["frontline_km"]["change"]) < 400
    kharkiv = next(r for r in depth["regions"] if r["name"] == "Kharkiv")
    assert kharkiv["retreat_max_km"] == pytest.approx(depth["retreat"]["max_km"], rel=0.05)


def test_settlements_that_changed_hands_in_kharkiv(kharkiv_store) -> None:
    doc = service.settlements(kharkiv_store, start="2022-09-06", end="2022-09-13", min_population=500).as_dict()
    names = {s["name"] for s in doc["settlements"]}
    assert {"Izium", "Kupiansk", "Balakliia"} <= names
    assert 60 <= doc["count"] <= 200  # every KATOTTH settlement of 500+ people: 127 measured
    assert sum(doc["transitions"].values()) == doc["count"]
    pops = [s["population"] for s in doc["settlements"]]
    assert pops == sorted(pops, reverse=True)
    izyum = next(s for s in doc["settlements"] if s["name"] == "Izium")
    assert izyum["from_status"] == "control" and izyum["lost_by"] == "russia"
    assert "2022-09-11" <= izyum["date"] <= "2022-09-12"
    only_kharkiv = service.settlements(kharkiv_store, start="2022-09-06", end="2022-09-13", min_population=500,
                                     region="Kharkiv").as_dict()
    assert only_kharkiv["count"] <= doc["count"] and only_kharkiv["count"] >= 0.8 * doc["count"]


def test_settlements_at_a_date(kharkiv_store) -> None:
    doc = service.settlements(kharkiv_store, at="2022-09-10", min_population=100_000).as_dict()
    held = {s["name"] for s in doc["settlements"] if s["status"] == "control"}
    assert {"Donetsk", "Luhansk", "Mariupol", "Sevastopol"} <= held
    assert "Kharkiv" not in held and "Zaporizhzhia" not in held


def test_bad_where_parameters_are_clear_errors(kharkiv_store) -> None:
    from frontlines.errors import FrontlinesError, LayerError

    with pytest.raises(LayerError, match="unknown grey-zone mode 'middle'"):
        service.frontline(kharkiv_store, at="2022-09-06", mode="middle").as_dict()
    with pytest.raises(FrontlinesError, match="is before --from"):
        service.settlements(kharkiv_store, start="2022-09-13", end="2022-09-06").as_dict()
    doc = service.settlements(kharkiv_store, start="2022-09-06", end="2022-09-13", min_population=20_000).as_dict()
    assert all(re.fullmatch(r"UA\d{17}", s["id"]) for s in doc["settlements"])  # KATOTTH codes
