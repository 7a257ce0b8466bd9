"""change(by="oblast") between distant maps equals plain overlays of the whole geometries (real data)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from frontlines import service
from frontlines.conflicts import default_registry
from frontlines.core.geodesy import EDGE_STEP_DEG

#: History snapshots (unix seconds of the file name) far apart: 2022 .. 2025.
PICKS = (1651363200, 1662940800, 1668297600, 1688169600, 1719792000, 1751328000)


@pytest.fixture(scope="module")
def spread_store(tmp_path_factory, deepstate_history_dir):
    files = sorted(deepstate_history_dir.glob("*.geojson"), key=lambda p: int(p.stem))
    chosen = {min(files, key=lambda p: abs(int(p.stem) - t)) for t in PICKS}
    folder = tmp_path_factory.mktemp("history-spread")
    for p in chosen:
        (folder / p.name).symlink_to(p)
    store = service.open_writer(tmp_path_factory.mktemp("stores") / "spread.db")
    service.ingest(store, "deepstate-history", [folder])
    yield store
    store.close()


def _laea_km2(geom, centre) -> float:
    """Area with pyproj directly: edges densified to EDGE_STEP_DEG (straight in lon/lat), LAEA at ``centre``."""
    fwd = Transformer.from_crs("EPSG:4326", f"+proj=laea +lat_0={round(centre[1])} +lon_0={round(centre[0])} "
                               "+ellps=WGS84", always_xy=True)
    dense = shapely.segmentize(geom, EDGE_STEP_DEG)
    return float(shapely.area(shapely.transform(dense, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1]))))
                 / 1e6)


def test_change_by_oblast_equals_whole_overlays(spread_store) -> None:
    store = spread_store
    sel = service.select(store)
    assert len(sel.timeline) == len(PICKS)
    layer = default_registry().region_layer("ukraine", "oblast")
    full = {sid: shapely.union_all(list(store.layer_parts(sid, sel.layer).values())) for sid, _, _ in sel.timeline}
    checked = 0
    for (a, ta, _), (b, tb, _) in itertools.combinations(sel.timeline, 2):
        # the overlay arithmetic itself: raw change (map redraws included, as the plain overlays)
        doc = service.change(store, start=ta.isoformat(), end=tb.isoformat(), by="oblast",
                             include_redraws=True).as_dict()
        assert (doc["from_snapshot"]["id"], doc["to_snapshot"]["id"]) == (a, b)
        gained, lost = shapely.difference(full[b], full[a]), shapely.difference(full[a], full[b])
        rows = {r["id"]: r for r in doc["regions"]}
        for rid, region in zip(layer.ids, layer.geometries):
            g = _laea_km2(shapely.intersection(region, gained), layer.centre)
            l = _laea_km2(shapely.intersection(region, lost), layer.centre)
            assert abs(rows[rid]["gained_km2"] - g) < 0.01, (a, b, rid, "gained")
            assert abs(rows[rid]["lost_km2"] - l) < 0.01, (a, b, rid, "lost")
            checked += g > 1 or l > 1
    assert checked > 20  # the pairs really moved ground in many oblasts
