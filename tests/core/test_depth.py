"""Depth of an advance: hand-made cases, a brute-force geodesic reference, Kharkiv 2022."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from frontlines.conflicts import default_registry
from frontlines.core.depth import Depth, advance_depth
from frontlines.core.frontline import frontline
from frontlines.core.geodesy import WGS84, distance_km

REGISTRY = default_registry()

FRONT = LineString([(30, 47), (30, 49)])  # north-south along 30°E


def _east(km: float, lat: float = 48.0, lon: float = 30.0) -> float:
    return WGS84.fwd(lon, lat, 90.0, km * 1000.0)[0]


def _reference_km(lon: float, lat: float, front: LineString, step_m: float = 10.0) -> float:
    """Brute force: geodesic distance to the front densified along geodesics every ``step_m``."""
    pts = []
    coords = list(front.coords)
    for (x1, y1), (x2, y2) in zip(coords[:-1], coords[1:]):
        _, _, d = WGS84.inv(x1, y1, x2, y2)
        n = max(int(d / step_m), 1)
        pts.append([(x1, y1), *WGS84.npts(x1, y1, x2, y2, n - 1), (x2, y2)])
    xy = np.array([p for seg in pts for p in seg])
    return float(np.min(distance_km(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])))


def test_rectangle_east_of_a_meridian() -> None:
    # A 10 km-deep rectangle east of the front: max = 10 km (its east edge), and the depth
    # of a uniform sample of it is uniform on [0, 10]: p90 = 9 km.
    gained = box(30, 47.9, _east(10.0), 48.1)
    d = advance_depth(gained, FRONT)
    assert d.max_km == pytest.approx(10.0, rel=0.005)
    assert d.p90_km == pytest.approx(9.0, abs=0.3)
    assert d.deepest_point is not None and d.deepest_point[0] == pytest.approx(_east(10.0), abs=1e-6)
    assert d.samples > 20 * 44  # 0.5 km grid over 10 km x 22 km, plus vertices
    assert d.sample_km == 0.5


def test_square_at_an_offset() -> None:
    # A 5 km square 20 km east of the front: depth from 20 to 25 km.
    gained = box(_east(20.0), 48.0, _east(25.0), 48.045)
    d = advance_depth(gained, FRONT)
    assert d.max_km == pytest.approx(25.0, rel=0.005)
    assert 23.5 < d.p90_km < 25.0


def test_against_brute_force_geodesic_reference() -> None:
    front = LineString([(35.0, 47.0), (35.3, 47.4), (35.1, 47.8), (35.6, 48.3), (35.4, 48.9)])
    gained = Polygon([(35.3, 47.45), (35.9, 47.5), (36.1, 48.2), (35.7, 48.35), (35.25, 47.8)])
    d = advance_depth(gained, front)
    assert d.deepest_point is not None
    ref = _reference_km(*d.deepest_point, front)
    assert d.max_km == pytest.approx(ref, rel=0.005)
    # The maximum itself: no probe (vertices and a 2.4 km x 2.9 km grid) is deeper, and
    # the best probe is within about a probe spacing of it.
    xs, ys = np.meshgrid(np.linspace(35.25, 36.1, 35), np.linspace(47.45, 48.35, 35))
    inside = shapely.intersects_xy(gained, xs.ravel(), ys.ravel())
    probes = np.vstack([np.column_stack([xs.ravel()[inside], ys.ravel()[inside]]),
                        shapely.get_coordinates(gained)])  # fmt: skip
    deepest_ref = max(_reference_km(x, y, front, step_m=50.0) for x, y in probes)
    assert deepest_ref <= d.max_km * 1.005
    assert d.max_km - deepest_ref < 2.0


def test_multipolygon_and_frontline_input() -> None:
    country = box(28, 46, 32, 50)
    held = box(30, 46, 32, 50)  # Russia's side east of 30°E
    front = frontline(held, outline=country)
    gained = MultiPolygon([box(29.9, 48, 30, 48.1), box(_east(-30.0, 47.0), 47.0, _east(-25.0, 47.0), 47.05)])
    d = advance_depth(gained, front)
    assert d.max_km == pytest.approx(30.0, rel=0.005)
    assert d.deepest_point is not None and d.deepest_point[1] < 47.1


def test_polygon_as_front_uses_its_boundary() -> None:
    held = box(30, 47, 31, 49)
    d = advance_depth(box(_east(-10.0), 47.9, 30, 48.1), held)
    assert d.max_km == pytest.approx(10.0, rel=0.005)


@pytest.mark.parametrize("gained", [None, Polygon(), MultiPolygon(), LineString([(30, 48), (31, 48)])])
def test_nothing_gained(gained) -> None:
    d = advance_depth(gained, FRONT)
    assert (d.max_km, d.p90_km, d.deepest_point, d.samples) == (0.0, 0.0, None, 0)


def test_no_front() -> None:
    assert advance_depth(box(30, 48, 30.1, 48.1), LineString()).deepest_point is None


def test_thin_gain_uses_vertices() -> None:
    # 50 m thin: no grid point falls inside, the vertices still measure it.
    gained = box(_east(3.0), 48.0, _east(3.05), 48.001)
    d = advance_depth(gained, FRONT, sample_km=1.0)
    assert d.samples >= 4 and d.max_km == pytest.approx(3.05, rel=0.005)


def test_sample_cap_coarsens_the_grid() -> None:
    gained = box(30, 47.5, _east(40.0, 47.5), 48.5)  # deepest at the south-east corner
    d = advance_depth(gained, FRONT, max_samples=1000)
    assert d.sample_km > 0.5 and d.samples <= 1000 + 5 + 50
    assert d.max_km == pytest.approx(40.0, rel=0.005)


def test_bad_options() -> None:
    with pytest.raises(ValueError):
        advance_depth(box(30, 48, 31, 49), FRONT, sample_km=0)
    with pytest.raises(ValueError):
        advance_depth(box(30, 48, 31, 49), FRONT, max_samples=0)


def test_as_dict_and_frozen() -> None:
    d = advance_depth(box(30, 47.9, _east(10.0), 48.1), FRONT)
    out = d.as_dict()
    assert set(out) == {"max_km", "p90_km", "deepest_point", "samples", "sample_km"}
    assert isinstance(out["deepest_point"], list) and len(out["deepest_point"]) == 2
    assert isinstance(d, Depth)
    with pytest.raises(AttributeError):
        d.max_km = 1.0  # type: ignore[misc]


# ----------------------------------------------------------------- real data


def history_layers(folder, name: str) -> dict:
    """Dissolved layers of one raw DeepState history snapshot."""
    from frontlines.core.measure import dissolve
    from frontlines.sources._geojson import PartCache
    from frontlines.sources._payloads import Payload
    from frontlines.sources.base import IngestOptions
    from frontlines.sources.deepstate import DeepStateHistory

    path = folder / name
    snap = DeepStateHistory().parse(
        Payload(path.name, path.read_bytes()),
        cache=PartCache(),
        options=IngestOptions(now=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)),
    )
    return {k: dissolve(v) for k, v in snap.layers.items()}


SEPT_06 = "1662501910.geojson"  # 2022-09-06 22:05 UTC
SEPT_11 = "1662901759.geojson"  # 2022-09-11 13:09 UTC


@pytest.mark.realdata
def test_kharkiv_counteroffensive_depth(deepstate_history_dir) -> None:
    from frontlines.core.geodesy import area_km2
    from frontlines.core.measure import change_geoms
    from frontlines.sources import deepstate_classes as dc

    before = history_layers(deepstate_history_dir, SEPT_06)
    after = history_layers(deepstate_history_dir, SEPT_11)
    front = frontline(before[dc.CONTROL], outline=REGISTRY.outline("ukraine"), contested=before[dc.CONTESTED])
    _, lost = change_geoms(before[dc.CONTROL], after[dc.CONTROL])  # Ukraine's gain
    assert 4_000 < area_km2(lost) < 9_000  # measured 5,860 km²
    d = advance_depth(lost, front)
    # Measured: max 87.0 km at (38.22E, 49.99N), near the Oskil east of Kupiansk; p90 37.4 km.
    assert 30 < d.max_km < 120
    assert 10 < d.p90_km < d.max_km
    lon, lat = d.deepest_point
    assert 35.5 < lon < 38.6 and 49.0 < lat < 50.5  # Kharkiv oblast
    # measuring only the samples that can decide the figures: the same numbers as measuring all
    assert (d.max_km, d.p90_km, d.deepest_point) == _exhaustive(lost, front)


def test_a_shared_projected_front_gives_the_same_depths() -> None:
    from frontlines.core.depth import ProjectedFront, region_depths
    from frontlines.core.geodesy import (
        from_equal_area,
        from_equal_area_xy,
        to_equal_area,
    )

    front = LineString([(30, 47), (30.3, 48), (29.8, 49), (31, 50)])
    gains = [box(30.4, 47.5, 30.9, 48.2), box(30.2, 49.1, 31.5, 49.9), box(36.0, 47.0, 36.5, 47.4)]  # far: other plane
    shared = ProjectedFront(front)
    for g in gains:
        assert advance_depth(g, shared) == advance_depth(g, front)
    whole = shapely.union_all(gains)
    pieces = [(k, g) for k, g in enumerate(gains)]
    assert region_depths(whole, shared, pieces) == region_depths(whole, front, pieces)
    assert region_depths(whole, shared, pieces)[1][2] == advance_depth(gains[2], front).max_km > 300
    # plane -> lon/lat without making points: the same numbers
    xy = shapely.get_coordinates(to_equal_area(shapely.points([(30.1, 48.2), (36.4, 47.3)]), (33, 48)))
    back = shapely.get_coordinates(from_equal_area(shapely.points(xy), (33, 48)))
    assert np.array_equal(from_equal_area_xy(xy, (33, 48)), back)
    assert np.allclose(back, [(30.1, 48.2), (36.4, 47.3)], atol=1e-9)


def _exhaustive(gained, front, sample_km: float = 0.5, max_samples: int = 200_000) -> tuple[float, float, tuple]:
    """Every sample measured (the plain definition): max, p90 over the grid, deepest point."""
    from frontlines.core.depth import ProjectedFront, _grid, _plan, _polygons

    polys = _polygons(gained)
    centre, polys_p, step = _plan(polys, sample_km, max_samples)
    grid = _grid(polys_p, step)
    pts = np.vstack([grid, shapely.get_coordinates(polys_p)])
    d, ll = ProjectedFront(front).distances(pts, centre)
    i = int(np.argmax(d))
    return float(d[i]), float(np.percentile(d[: len(grid)] if len(grid) else d, 90)), (float(ll[i, 0]), float(ll[i, 1]))


_WIGGLY_FRONT = LineString([(35.0, 47.0), (35.3, 47.4), (35.1, 47.8), (35.6, 48.3), (35.4, 48.9), (35.9, 49.5)])


@pytest.mark.parametrize("gained", [
    Polygon([(35.3, 47.45), (35.9, 47.5), (36.1, 48.2), (35.7, 48.35), (35.25, 47.8)]),  # grid and vertices
    box(35.2, 47.0, 37.5, 49.6),  # large: most samples left out
    shapely.buffer(LineString([(35.5, 47.5), (35.51, 47.51)]), 0.0002, quad_segs=64),  # thin: no grid point,
    # the percentile over its 259 vertices
    shapely.buffer(LineString([(35.5, 47.2), (36.5, 48.0), (36.0, 49.0)]), 0.05, quad_segs=64),  # many vertices
    box(20.0, 40.0, 34.0, 60.0),  # 1,500 km across and far from the front: the plane's scale bound matters
])
def test_measuring_only_the_samples_that_can_decide_equals_measuring_all(gained) -> None:
    from frontlines.core.depth import max_depth_km

    d = advance_depth(gained, _WIGGLY_FRONT)
    top, p90, deepest = _exhaustive(gained, _WIGGLY_FRONT)
    assert (d.max_km, d.p90_km, d.deepest_point) == (top, p90, deepest)  # the same numbers, not close ones
    assert max_depth_km(gained, _WIGGLY_FRONT) == top


def test_pieces_left_partly_unmeasured_keep_their_maxima() -> None:
    from frontlines.core.depth import region_depths

    whole = box(35.2, 47.0, 37.5, 49.6)
    cuts = [box(35.2, 47.0 + 0.2 * k, 37.5, 47.2 + 0.2 * k) for k in range(13)]  # strips: same plane as the whole
    cuts += [box(35.2 + 0.25 * k, 47.0, 35.45 + 0.25 * k, 49.6) for k in range(9)]
    pieces = [(k, shapely.intersection(whole, c)) for k, c in enumerate(cuts)]
    _, by = region_depths(whole, _WIGGLY_FRONT, pieces)
    assert by == {k: _exhaustive(p, _WIGGLY_FRONT)[0] for k, p in pieces}
