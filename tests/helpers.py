"""Small helpers shared by several test modules."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
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


def apply_migrations(db: sqlite3.Connection, first: int, last: int) -> None:
    """Run the store's schema migrations ``first`` .. ``last`` on ``db`` (a store as that version wrote it;
    the caller records the version in ``meta``)."""
    from frontlines.store.sqlite import _MIGRATIONS

    for v in range(first, last + 1):
        for stmt in _MIGRATIONS[v].split(";"):
            if stmt.strip():
                db.execute(stmt)


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


def oblast_tables(store: Any) -> tuple[list[float | None], dict[int, dict[str, float]], list[int]]:
    """(area of each snapshot, oblast table by snapshot id, snapshot ids) of a store's default timeline."""
    from frontlines import service

    sel = service.select(store)
    ids = [sid for sid, _, _ in sel.timeline]
    return [area for _, _, area in sel.timeline], store.region_areas(ids, sel.layer, "oblast"), ids


def assert_oblast_rows_plain(store: Any, snapshot_ids: list[int]) -> None:
    """The stored oblast rows of ``snapshot_ids`` equal a plain shapely overlay of the snapshot's dissolved
    layer with each oblast, measured with :func:`geodesic_km2` (within 1e-4 relative, 0.05 km²)."""
    from frontlines import service
    from frontlines.conflicts import default_registry

    sel = service.select(store)
    oblasts = default_registry().region_layer("ukraine", "oblast")
    _, table, _ = oblast_tables(store)
    for sid in snapshot_ids:
        union = shapely.union_all(list(store.layer_parts(sid, sel.layer).values()))
        got = np.array([table[sid].get(rid, 0.0) for rid in oblasts.ids])
        want = np.array([geodesic_km2(shapely.intersection(union, region)) for region in oblasts.geometries])
        assert got == pytest.approx(want, rel=1e-4, abs=0.05)


def assert_same_tables(store: Any, other: Any, snapshots: int) -> None:
    """Two stores of the same ``snapshots`` maps hold the same areas and oblast rows, bit for bit."""
    areas, table, ids = oblast_tables(store)
    areas_o, table_o, ids_o = oblast_tables(other)
    assert len(ids_o) == snapshots and areas_o == areas
    for sid, sid_o in zip(ids, ids_o):
        assert table_o[sid_o] == table[sid]
