"""The load test's cheap endpoints on real DeepState maps: what was made cheaper answers the same.

- ``/api/layer.geojson``: the served ground is that of GEOS's "structure" repair of the whole
  rounded simplification (the reference, computed here with shapely), although most layers
  now only get their broken holes repaired; its area is the stored layer's (pyproj.Geod)
  within the simplification.
- ``service.select`` on a read-only store keeps one selection per store state: its cadence is
  the median interval computed here from the stored map times, and a commit by another
  connection is seen by the next query.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics

import numpy as np
import pyproj
import pytest
import shapely

from frontlines import service
from frontlines.core import display
from frontlines.web import geo

from .conftest import BASE_URL

GEOD = pyproj.Geod(ellps="WGS84")
TOLERANCE_KM = 0.3


def _km2(geom) -> float:
    area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(area) / 1e6


@pytest.fixture(scope="module")
def history_store(tmp_path_factory, deepstate_history_dir):
    """Six DeepState history maps spread over 2022-2025 (rounding breaks holes of their layers)."""
    files = sorted(deepstate_history_dir.glob("*.geojson"))
    folder = tmp_path_factory.mktemp("history-six")
    for p in files[100 :: (len(files) - 100) // 6][:6]:
        os.symlink(p, folder / p.name)
    path = tmp_path_factory.mktemp("history-six-store") / "six.db"
    writer = service.open_writer(path)
    service.ingest(writer, "deepstate-history", [folder])
    writer.close()
    return path


def test_served_layers_have_the_ground_of_the_whole_repair(history_store):
    from fastapi.testclient import TestClient

    from frontlines.web import create_app

    reader = service.open_reader(history_store)
    sel = service.select(reader)
    tol = TOLERANCE_KM / geo.KM_PER_DEGREE
    holes_path = 0
    with TestClient(create_app(history_store), base_url=BASE_URL) as client:
        for _, when, _ in sel.timeline:
            at = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            r = client.get("/api/layer.geojson", params={"at": at, "tolerance": str(TOLERANCE_KM)})
            assert r.status_code == 200, r.text
            feature = r.json()["features"][0]
            served = shapely.from_geojson(json.dumps(feature["geometry"]))
            _, union = service.layer_geometry(reader, at=at)
            rounded = shapely.transform(shapely.simplify(union, tol, preserve_topology=True),
                                        lambda xy: np.round(xy, display.DECIMALS))
            reference = shapely.make_valid(rounded, method="structure", keep_collapsed=False)
            parts = shapely.get_parts(rounded)
            broken = parts[~shapely.is_valid(parts)]
            holes_path += sum(display._holes_repaired(p) is not None for p in broken
                              if shapely.get_num_coordinates(p) >= display.HOLES_FIRST)
            assert served.is_valid
            assert shapely.symmetric_difference(served, reference).area < 1e-12
            stored_km2 = feature["properties"]["area_km2"]
            assert abs(_km2(served) - stored_km2) < 0.005 * stored_km2  # the simplification's own change
    assert holes_path > 0  # the cheap repair was exercised


def test_a_read_only_store_keeps_one_selection_per_state(store_copy, daily_split):
    reader = service.open_reader(store_copy)
    with reader.read_view():
        first = service.select(reader)
        assert service.select(reader) is first  # kept: positions, areas and cadence are made once
    times = [t for _, t, _ in first.timeline]
    gaps = [(b - a).total_seconds() / 86400 for a, b in zip(times, times[1:]) if b > a]
    assert first.cadence_days == statistics.median(gaps)
    assert first.position[first.timeline[7][0]] == 7
    assert first.area_of[first.timeline[-1][0]] == first.timeline[-1][2]

    writer = service.open_writer(store_copy)
    assert service.select(writer) is not service.select(writer)  # a writer's selections are never kept
    folder = store_copy.parent / "later"
    folder.mkdir()
    for p in daily_split[1][:3]:
        os.symlink(p, folder / p.name)
    service.ingest(writer, "deepstate-daily", [folder])
    writer.close()

    with reader.read_view():
        later = service.select(reader)
    assert later is not first and len(later.timeline) == len(first.timeline) + 3
    area = service.area(reader, at=later.timeline[-1][1].strftime("%Y-%m-%d"))
    assert area.snapshot.id == later.timeline[-1][0]


@pytest.mark.parametrize("strict", [False, True])
def test_staleness_from_the_kept_cadence(client, base_store, strict):
    # a date 20 days after the last map: stale by 20 days less the map's time of day, as the timeline says
    reader = service.open_reader(base_store)
    last = service.select(reader).timeline[-1][1]
    day = (last + dt.timedelta(days=20)).strftime("%Y-%m-%d")
    r = client.get("/api/area", params={"at": day, "strict": str(strict).lower()})
    if strict:
        assert r.status_code == 404 and "older" in r.json()["error"]  # StaleDataError: no current map
        return
    doc = r.json()
    end = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc) + dt.timedelta(days=1) - dt.timedelta(seconds=1)
    assert doc["stale"] is True
    assert abs(doc["stale_days"] - (end - last).total_seconds() / 86400) <= 0.005 + 1e-9  # given to 2 decimals
