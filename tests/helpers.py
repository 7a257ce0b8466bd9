"""Small helpers shared by several test modules."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import shapely
from pyproj import Geod

GEOD = Geod(ellps="WGS84")


def dump(store: Path) -> list[str]:
    """Every row of every table (and the schema) of a store, to compare before and after."""
    con = sqlite3.connect(store)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def skip_or_fail(msg: str) -> None:
    """Skip with ``msg`` outside CI; in CI (CI=true) a missing prerequisite is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg)
    pytest.skip(msg)


def geodesic_km2(geom: shapely.Geometry, densify_deg: float = 0.01) -> float:
    """Area (km²) of a (multi)polygon, holes subtracted: edges straight in lon/lat (densified to
    ``densify_deg``, as the program defines them), measured on the ellipsoid with ``pyproj.Geod``."""
    total = 0.0
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon" and not part.is_empty:
            dense = shapely.segmentize(shapely.geometry.polygon.orient(part), densify_deg)
            total += abs(GEOD.geometry_area_perimeter(dense)[0])
    return total / 1e6
