"""Windowed change (core.windows) against the plain overlay of the whole layers.

The reference is ``shapely.difference`` of the two dissolved layers (what the
geopandas baseline computes); areas must agree within 0.01 km² on real ISW pairs,
and within the module's own error bound on synthetic layers.
"""

from __future__ import annotations

import gzip
import math

import numpy as np
import orjson
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from frontlines.core.geodesy import to_equal_area
from frontlines.core.measure import change_parts
from frontlines.core.validate import polygon_parts
from frontlines.core.windows import MAX_ERROR_KM2, change_windows, windowed_change
from frontlines.hashing import part_hash
from tests.conftest import require_data

LAYER = "RussianAssessedCoTinUkraine"


def area_km2(geom) -> float:
    """km² with edges straight in lon/lat (densified to 0.01°), ring by ring, in one LAEA plane.

    Not :func:`frontlines.core.geodesy.area_km2`: with GEOS 3.14.1 ``shapely.segmentize``
    returns an empty geometry for some valid polygons (e.g. a box minus a spiky star),
    which would make the reference 0; densifying each ring alone does not.
    """
    total = 0.0
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings = shapely.segmentize(np.array([poly.exterior, *poly.interiors], dtype=object), 0.01)
        areas = shapely.area(shapely.polygons(to_equal_area(rings, (34.0, 48.0))))
        total += float(areas[0] - areas[1:].sum())
    return total / 1e6


def _plain(a: list, b: list) -> tuple[float, float]:
    """(gained, lost) km² by overlaying the two whole dissolved layers."""
    ua, ub = shapely.union_all(a), shapely.union_all(b)
    return area_km2(shapely.difference(ub, ua)), area_km2(shapely.difference(ua, ub))


def _isw_parts(day: str) -> list:
    path = require_data(f"isw-2022/layers/{day}_{LAYER}.geojson.gz")
    doc = orjson.loads(gzip.decompress(path.read_bytes()))
    parts: list = []
    for i, feat in enumerate(doc["features"]):
        parts += polygon_parts(shapely.from_geojson(orjson.dumps(feat["geometry"])), where=f"{day} feature {i}")
    return parts


# (earlier, later, what happens): every vertex moved by ~1e-8° and rings restarted
# (09-11 -> 09-12, with ISW's Crimea redraw; 09-20 -> 09-21), Crimea missing on 09-29
# and back on 09-30, parts of the earlier layer overlapping (08-29 -> 08-30), a
# plain edit (09-09 -> 09-10, the Kharkiv counteroffensive).
PAIRS = [
    ("20220911", "20220912"),
    ("20220920", "20220921"),
    ("20220928", "20220929"),
    ("20220929", "20220930"),
    ("20220829", "20220830"),
    ("20220909", "20220910"),
]


@pytest.mark.parametrize(("day_a", "day_b"), PAIRS)
def test_windowed_change_of_real_isw_pairs_equals_the_whole_layer_difference(day_a: str, day_b: str) -> None:
    a, b = _isw_parts(day_a), _isw_parts(day_b)
    want_gained, want_lost = _plain(a, b)
    windows = change_windows(a, b)
    assert windows is not None and windows.error_km2 <= MAX_ERROR_KM2
    # The windows are a small part of the map: that is the point.
    covered = float(np.sum((windows.boxes[:, 2] - windows.boxes[:, 0]) * (windows.boxes[:, 3] - windows.boxes[:, 1])))
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(a + b, dtype=object))
    assert covered < 0.5 * (xmax - xmin) * (ymax - ymin)
    found = windowed_change(a, b)
    assert found is not None
    assert area_km2(found[0]) == pytest.approx(want_gained, abs=0.01)
    assert area_km2(found[1]) == pytest.approx(want_lost, abs=0.01)
    # and through the pipeline's entry point (part hashes, shared parts subtracted)
    ka = {part_hash(shapely.to_wkb(p)): p for p in a}
    kb = {part_hash(shapely.to_wkb(p)): p for p in b}
    gained, lost = change_parts(ka, kb)
    assert area_km2(gained) == pytest.approx(want_gained, abs=0.01)
    assert area_km2(lost) == pytest.approx(want_lost, abs=0.01)
    only_gained, none = change_parts(ka, kb, only="gained")
    assert none is None and area_km2(only_gained) == pytest.approx(want_gained, abs=0.01)


def test_crimea_missing_is_lost_and_regained_whole() -> None:
    """ISW's layer of 2022-09-29 has no Crimea: ~26,900 km² lost that day and regained the next."""
    a, b, c = _isw_parts("20220928"), _isw_parts("20220929"), _isw_parts("20220930")
    _, lost = windowed_change(a, b)  # type: ignore[misc]
    gained, _ = windowed_change(b, c)  # type: ignore[misc]
    assert 26_800 < area_km2(lost) < 27_000
    assert 26_800 < area_km2(gained) < 27_000
    assert shapely.bounds(lost)[3] < 46.3  # south of the isthmus


# --------------------------------------------------------------------------- synthetic layers
def _star(n: int, radii: np.ndarray, *, cx: float = 35.0, cy: float = 48.0, start: int = 0,
          shift: np.ndarray | None = None) -> Polygon:
    """A star-shaped polygon of ``n`` vertices (radii in degrees), its ring starting at vertex ``start``.

    ``shift`` (n, 2) moves each vertex (a redraw through another projection).
    """
    t = 2 * math.pi * np.arange(n) / n
    xy = np.column_stack([cx + radii * np.cos(t), cy + 0.6 * radii * np.sin(t)])
    if shift is not None:
        xy = xy + shift
    return Polygon(np.roll(xy, -start, axis=0))


def _redrawn(n: int, seed: int, edits: int, start: int, jitter: float, kind: str) -> tuple[list, list]:
    """An earlier layer and a later one: ``edits`` runs of vertices redrawn, the ring restarted
    at ``start``, every vertex moved by up to ``jitter`` degrees, and an extra part."""
    rng = np.random.default_rng(seed)
    radii = 1.0 + 0.2 * rng.random(n)
    later = radii.copy()
    for _ in range(edits):
        i = int(rng.integers(0, n))
        k = int(rng.integers(1, max(2, n // 20)))
        later[np.arange(i, i + k) % n] = 1.0 + 0.2 * rng.random(k)
    a = [_star(n, radii)]
    b = [_star(n, later, start=start % n, shift=rng.uniform(-jitter, jitter, (n, 2)))]
    island = box(37.5, 48.5, 37.6, 48.6)
    if kind == "island in a":
        a.append(island)
    elif kind == "island in b":
        b.append(island)
    elif kind == "overlap in a":
        a.append(box(35.9, 47.9, 36.4, 48.1))  # straddles the edge of the star
    return a, b


redrawn_layers = st.builds(
    _redrawn,
    n=st.integers(min_value=200, max_value=3000),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    edits=st.integers(min_value=0, max_value=4),
    start=st.integers(min_value=0, max_value=10_000),
    jitter=st.sampled_from([0.0, 1e-9, 2e-8]),
    kind=st.sampled_from(["none", "island in a", "island in b", "overlap in a"]),
)


@settings(max_examples=200, deadline=None)
@given(redrawn_layers)
def test_windowed_change_of_synthetic_layers_within_its_error_bound(layers) -> None:
    a, b = layers
    want_gained, want_lost = _plain(a, b)
    windows = change_windows(a, b)
    assert windows is not None
    found = windowed_change(a, b, max_error_km2=math.inf)
    assert found is not None
    slack = windows.error_km2 + 1e-4  # + where densified vertices fall on edges cut by a window (100 m²)
    assert abs(area_km2(found[0]) - want_gained) <= slack
    assert abs(area_km2(found[1]) - want_lost) <= slack


def test_exact_when_vertices_coincide() -> None:
    rng = np.random.default_rng(7)
    radii = 1.0 + 0.2 * rng.random(2000)
    later = radii.copy()
    later[500:540] += 0.3
    a, b = [_star(2000, radii)], [_star(2000, later, start=1234)]
    windows = change_windows(a, b)
    assert windows is not None and windows.error_km2 == 0.0
    assert len(windows.boxes) == 1
    xmin, ymin, xmax, ymax = windows.boxes[0]
    assert xmax - xmin < 0.5 and ymax - ymin < 0.5  # only around the edited run
    gained, lost = windowed_change(a, b)  # type: ignore[misc]
    want_gained, want_lost = _plain(a, b)
    assert area_km2(gained) == pytest.approx(want_gained, abs=1e-6)
    assert lost.is_empty and want_lost == 0.0


def test_unrelated_layers_get_no_windows() -> None:
    a = [_star(500, np.full(500, 1.0))]
    b = [_star(500, np.full(500, 1.0), cx=36.0)]
    assert change_windows(a, b) is None
    assert windowed_change(a, b) is None


def test_refuses_when_the_shifts_could_hide_more_than_the_limit() -> None:
    rng = np.random.default_rng(3)
    radii = 1.0 + 0.2 * rng.random(1000)
    a = [_star(1000, radii)]
    b = [_star(1000, radii, shift=np.full((1000, 2), 5e-7))]  # every vertex moved ~7 cm
    windows = change_windows(a, b)
    assert windows is not None and windows.error_km2 > 0.0
    assert windowed_change(a, b, max_error_km2=windows.error_km2 / 2) is None


def test_inputs_untouched() -> None:
    a = [_star(300, np.full(300, 1.0))]
    b = [_star(300, np.r_[np.full(150, 1.0), np.full(150, 1.1)], start=17)]
    wa, wb = shapely.to_wkb(a[0]), shapely.to_wkb(b[0])
    windowed_change(a, b)
    assert shapely.to_wkb(a[0]) == wa and shapely.to_wkb(b[0]) == wb
