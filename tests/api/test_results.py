"""Typed results: as_dict() is the JSON, and the notebook views agree with independent computations."""

from __future__ import annotations

import dataclasses
import sys

import orjson
import pyproj
import pytest
import shapely

from frontlines import OptionalDependencyError, service
from frontlines.results import (
    AreaResult,
    ChangeResult,
    FrontlineResult,
    SeriesResult,
    SettlementsResult,
)

GEOD = pyproj.Geod(ellps="WGS84")


def _geodesic_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(shapely.make_valid(geom))[0]) / 1e6


def test_results_are_frozen_and_json_ready(kharkiv_store) -> None:
    area = service.area(kharkiv_store, at="2022-09-10", by="oblast")
    assert isinstance(area, AreaResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        area.area_km2 = 0.0  # type: ignore[misc]
    doc = area.as_dict()
    assert orjson.loads(orjson.dumps(doc)) == doc  # plain JSON: no geometry, no numpy
    assert doc["area_km2"] == pytest.approx(sum(r["area_km2"] for r in doc["regions"]) + doc["outside_regions_km2"], abs=0.01)
    for kind, result in (("series", service.series(kharkiv_store, start="2022-09-01", end="2022-09-16", freq="week")),
                         ("frontline", service.frontline(kharkiv_store, at="2022-09-10")),
                         ("settlements", service.settlements(kharkiv_store, start="2022-09-05", end="2022-09-15"))):
        d = result.as_dict()
        assert orjson.loads(orjson.dumps(d)) == d, kind
    assert isinstance(service.series(kharkiv_store, start="2022-09-01", end="2022-09-16"), SeriesResult)


def test_change_geometry_is_a_field_and_measures_independently(kharkiv_store) -> None:
    change = service.change(kharkiv_store, start="2022-09-05", end="2022-09-15", geometry=True)
    assert isinstance(change, ChangeResult)
    doc = change.as_dict()
    assert "gained" not in doc and "lost" not in doc
    assert doc["net_km2"] == pytest.approx(doc["gained_km2"] - doc["lost_km2"], abs=0.002)
    # Independent reference: pyproj's geodesic area of the same geometries.
    assert doc["lost_km2"] == pytest.approx(_geodesic_km2(change.lost), rel=1e-3)
    gdf = change.to_geodataframe()
    kinds = list(gdf["kind"])
    assert kinds[:2] == ["gained", "lost"] and set(kinds[2:]) <= {"redraw"}  # then the redraw pieces
    assert gdf.crs.to_epsg() == 4326
    lost_row = gdf[gdf["kind"] == "lost"].iloc[0]
    assert _geodesic_km2(lost_row.geometry) == pytest.approx(doc["lost_km2"], rel=1e-3)
    # Without geometry there is nothing to map, and the error says how to get it.
    with pytest.raises(OptionalDependencyError, match="geometry=True"):
        service.change(kharkiv_store, start="2022-09-05", end="2022-09-15").to_geodataframe()


def test_dataframes_hold_the_json_rows(kharkiv_store) -> None:
    change = service.change(kharkiv_store, start="2022-09-05", end="2022-09-15", by="oblast")
    df = change.to_dataframe()
    doc = change.as_dict()
    assert len(df) == len(doc["regions"])
    kharkiv = df[df["name"].str.contains("Kharkiv")].iloc[0]
    row = next(r for r in doc["regions"] if r["name"] == kharkiv["name"])
    assert kharkiv["lost_km2"] == row["lost_km2"]
    series = service.series(kharkiv_store, start="2022-09-01", end="2022-09-16", freq="week").to_dataframe()
    assert "net_km2" in series.columns and len(series) == 3
    places = service.settlements(kharkiv_store, start="2022-09-05", end="2022-09-15")
    gdf = places.to_geodataframe()
    assert len(gdf) == places.as_dict()["count"]
    assert (gdf.geometry.x.round(5) == gdf["lon"]).all()


def test_frontline_geodataframe_length(kharkiv_store) -> None:
    line = service.frontline(kharkiv_store, at="2022-09-10", geometry=True)
    assert isinstance(line, FrontlineResult)
    gdf = line.to_geodataframe()
    geodesic = GEOD.geometry_length(gdf.geometry.iloc[0]) / 1000
    assert geodesic == pytest.approx(line.as_dict()["length_km"], rel=1e-3)


def test_repr_html_summarises(kharkiv_store) -> None:
    html = service.change(kharkiv_store, start="2022-09-05", end="2022-09-15", by="oblast")._repr_html_()
    assert html.startswith("<div>") and "gained_km2" in html and "Kharkiv" in html
    assert isinstance(service.settlements(kharkiv_store, at="2022-09-10"), SettlementsResult)


def test_missing_pandas_is_named(kharkiv_store, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(OptionalDependencyError, match="pandas"):
        service.area(kharkiv_store, at="2022-09-10").to_dataframe()
