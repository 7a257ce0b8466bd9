"""Clipping by region tiles gives the figures of clipping by whole regions."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Transformer

from frontlines.conflicts import default_registry
from frontlines.core.geodesy import EDGE_STEP_DEG
from frontlines.core.region_tiles import clip_areas_tiled, tile_regions
from frontlines.core.regions import clip_areas


def _oblasts():
    return default_registry().region_layer("ukraine", "oblast")


def _reference_km2(layer, geom) -> np.ndarray:
    """Whole-region overlays, densified and projected with pyproj directly (independent of both clips)."""
    lon0, lat0 = layer.centre
    fwd = Transformer.from_crs("EPSG:4326", f"+proj=laea +lat_0={round(lat0)} +lon_0={round(lon0)} +ellps=WGS84",
                               always_xy=True)
    out = []
    for region in layer.geometries:
        piece = shapely.segmentize(shapely.intersection(region, geom), EDGE_STEP_DEG)
        out.append(shapely.area(shapely.transform(piece, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1]))))
                   / 1e6)
    return np.array(out)


def test_tiles_partition_each_region() -> None:
    layer = _oblasts()
    tiles = tile_regions(layer)
    per_region = np.zeros(len(layer))
    from frontlines.core.geodesy import areas_km2

    np.add.at(per_region, tiles.region, areas_km2(tiles.tiles, layer.centre))
    assert np.allclose(per_region, layer.areas, rtol=0, atol=1e-3)  # cuts add vertices on straight edges: ~1e-9 relative
    assert len(tiles.tiles) > 5 * len(layer)  # really cut into cells


def test_clip_by_tiles_equals_whole_region_overlay() -> None:
    layer = _oblasts()
    tiles = tile_regions(layer)
    rng = np.random.default_rng(7)
    # Pieces of "gained ground": many small polygons, some across oblast borders, some
    # along the state border (partly outside every oblast), and one large one.
    pieces = [shapely.buffer(shapely.Point(x, y), r, quad_segs=6)
              for x, y, r in zip(rng.uniform(30, 40, 150), rng.uniform(45, 51, 150), rng.uniform(0.005, 0.2, 150))]
    pieces.append(shapely.box(35.0, 47.0, 38.5, 50.5))
    geom = shapely.union_all(pieces)
    expected = _reference_km2(layer, geom)
    got = clip_areas_tiled(tiles, geom)
    assert expected.sum() > 1e5  # a real test: most oblasts get something
    assert np.abs(got - expected).max() < 0.01
    assert np.abs(got - clip_areas(layer, geom)).max() < 0.01


def test_empty_and_outside() -> None:
    layer = _oblasts()
    tiles = tile_regions(layer)
    assert not clip_areas_tiled(tiles, None).any()
    assert not clip_areas_tiled(tiles, shapely.Polygon()).any()
    assert not clip_areas_tiled(tiles, shapely.box(0, 0, 1, 1)).any()
