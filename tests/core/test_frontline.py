"""Front line: hand-made cases derived on paper, and the real DeepState daily maps."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from frontlines.conflicts import default_registry
from frontlines.core.frontline import CONTESTED_MODES, FrontLine, frontline
from frontlines.core.geodesy import WGS84, length_km

REGISTRY = default_registry()

COUNTRY = box(30, 48, 32, 49)
EAST = box(31, 48, 32, 49)  # the eastern half, touching the border on three sides
MERIDIAN_KM = length_km(LineString([(31, 48), (31, 49)]))  # 111.2 km


def _xs(front: FrontLine) -> np.ndarray:
    return shapely.get_coordinates(front.geometry)[:, 0]


def test_only_the_inner_edge_is_front() -> None:
    f = frontline(EAST, outline=COUNTRY)
    assert isinstance(f, FrontLine) and f.geometry.geom_type == "MultiLineString"
    assert np.allclose(_xs(f), 31.0)
    # 1 km of tolerance is removed at each end, where the edge meets the border.
    assert f.length_km == pytest.approx(MERIDIAN_KM - 2.0, abs=0.05)
    assert f.tolerance_km == 1.0 and f.mode == "outer"


def test_tolerance_is_in_km() -> None:
    f = frontline(EAST, outline=COUNTRY, tolerance_km=5.0)
    assert f.length_km == pytest.approx(MERIDIAN_KM - 10.0, abs=0.05)
    # An edge 3 km inside the border is border within a 5 km tolerance.
    _, lat3, _ = WGS84.fwd(31.5, 48.0, 0.0, 3000.0)
    g = frontline(box(31, lat3, 32, 49), outline=COUNTRY, tolerance_km=5.0)
    assert np.allclose(_xs(g), 31.0)
    assert frontline(box(31, lat3, 32, 49), outline=COUNTRY, tolerance_km=1.0).length_km > g.length_km + 70


def test_without_outline_the_whole_boundary_counts() -> None:
    f = frontline(EAST, outline=None)
    assert f.length_km == pytest.approx(length_km(EAST.boundary), rel=1e-9)


def test_a_front_line_counts_its_vertices_in_a_byte_bounded_cache() -> None:
    from frontlines.cache import size_of

    short = frontline(EAST, outline=COUNTRY)
    long = frontline(shapely.segmentize(EAST, 0.001), outline=COUNTRY)
    n_short = int(shapely.get_num_coordinates(short.geometry))
    n_long = int(shapely.get_num_coordinates(long.geometry))
    assert n_long > 100 * n_short
    assert size_of(short) >= 16 * n_short  # two doubles a vertex
    assert size_of(long) >= 16 * n_long


def test_nothing_outside_the_outline() -> None:
    # Control spilling 0.5 degrees into the sea: the sea shore is not front.
    f = frontline(box(31, 48, 32.5, 49), outline=COUNTRY)
    assert np.allclose(_xs(f), 31.0)


def test_a_stray_polygon_far_outside_the_outline_changes_nothing() -> None:
    # A map that draws one small piece 3,000 km away (W1's map of 2023-07-30 has a contested
    # polygon in the Arabian Sea): the front is measured in the outline's own plane, as without it.
    stray = box(64.2, 14.4, 64.3, 14.5)
    alone = frontline(EAST, outline=COUNTRY)
    for kw in ({"control": shapely.union(EAST, stray)}, {"control": EAST, "contested": stray}):
        with_stray = frontline(outline=COUNTRY, **kw)
        assert np.allclose(_xs(with_stray), 31.0)
        # the 1 km tolerance at each end is drawn about the same centre: the same length to float noise
        assert with_stray.length_km == pytest.approx(alone.length_km, rel=1e-9)
        assert with_stray.length_km == pytest.approx(MERIDIAN_KM - 2.0, abs=0.05)


def test_empty_control() -> None:
    f = frontline(Polygon(), outline=COUNTRY)
    assert f.is_empty and f.length_km == 0.0
    assert f.as_dict()["parts"] == 0


def test_held_everything_has_no_front() -> None:
    assert frontline(COUNTRY, outline=COUNTRY).is_empty


def test_small_fragments_are_dropped() -> None:
    # A 300 m tooth poking out of the border zone leaves two ~0.3 km stubs only.
    _, lat, _ = WGS84.fwd(31.5, 48.0, 0.0, 1300.0)
    tooth = box(31.5, 48.0, 31.502, lat)
    control = shapely.union(box(30, 48, 32, 48.005), tooth)
    assert frontline(control, outline=COUNTRY, min_fragment_km=0.5).is_empty
    assert not frontline(control, outline=COUNTRY, min_fragment_km=0.0, tolerance_km=0.4).is_empty


def test_enclaves_are_not_front_unless_asked() -> None:
    lake = box(31.4, 48.4, 31.6, 48.6)  # ~330 km² hole in held ground
    control = EAST.difference(lake)
    assert frontline(control, outline=COUNTRY).length_km == pytest.approx(MERIDIAN_KM - 2.0, abs=0.05)
    kept = frontline(control, outline=COUNTRY, enclave_km2=0)
    assert kept.length_km == pytest.approx(MERIDIAN_KM - 2.0 + length_km(lake.boundary), abs=0.1)
    assert frontline(control, outline=COUNTRY, enclave_km2=100).length_km == pytest.approx(kept.length_km)


def test_hairline_gaps_between_polygons_are_closed() -> None:
    # Two held polygons 20 m apart (a drawing gap): no front along the gap.
    gap = 20 / 111_200 / np.cos(np.radians(48.5))
    control = shapely.union(box(31, 48, 31.5, 49), box(31.5 + gap, 48, 32, 49))
    f = frontline(control, outline=COUNTRY)
    assert np.allclose(_xs(f), 31.0)
    assert frontline(control, outline=COUNTRY, close_gaps_km=0).length_km > 2 * MERIDIAN_KM


@pytest.mark.parametrize(
    ("mode", "xs", "factor"),
    [("outer", [30.9], 1), ("inner", [31.0], 1), ("both", [30.9, 31.0], 2), ("centre", [30.95], 1)],
)
def test_contested_modes(mode: str, xs: list[float], factor: int) -> None:
    grey = box(30.9, 48, 31, 49)  # a 7.4 km grey strip west of the held ground
    f = frontline(EAST, outline=COUNTRY, contested=grey, contested_mode=mode)
    assert f.mode == mode
    got = np.unique(np.round(_xs(f), 3))
    assert all(np.isclose(got, x, atol=0.004).any() for x in xs)  # 0.004° = 0.3 km
    assert all(np.isclose(xs, g, atol=0.004).any() for g in got)
    assert f.length_km == pytest.approx(factor * (MERIDIAN_KM - 2.0), rel=0.01)


def test_centre_line_of_a_wedge() -> None:
    # A grey wedge 0 km wide in the south, 0.2° wide in the north: the centre line is the
    # bisector, at x = 31 - 0.1 * (y - 48) (up to the sampling spacing).
    grey = Polygon([(31, 48), (31, 49), (30.8, 49)])
    f = frontline(EAST, outline=COUNTRY, contested=grey, contested_mode="centre")
    xy = shapely.get_coordinates(f.geometry)
    xy = xy[(xy[:, 1] > 48.1) & (xy[:, 1] < 48.9)]
    assert len(xy) > 5
    assert np.allclose(xy[:, 0], 31 - 0.1 * (xy[:, 1] - 48), atol=0.006)


def test_contested_only() -> None:
    grey = box(31.5, 48.2, 31.6, 48.4)
    assert frontline(Polygon(), outline=COUNTRY, contested=grey, contested_mode="inner").is_empty
    assert frontline(Polygon(), outline=COUNTRY, contested=grey).length_km == pytest.approx(
        length_km(grey.boundary), rel=1e-6
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"contested_mode": "middle"}, {"tolerance_km": -1}, {"min_fragment_km": float("nan")},
     {"centre_spacing_km": 0}, {"enclave_km2": -1}],  # fmt: skip
)
def test_bad_options(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        frontline(EAST, outline=COUNTRY, **kwargs)


def test_modes_are_listed() -> None:
    assert set(CONTESTED_MODES) == {"outer", "inner", "both", "centre"}


def test_as_dict_is_json() -> None:
    d = frontline(EAST, outline=COUNTRY).as_dict()
    text = json.dumps(d)
    assert d["geometry"]["type"] == "MultiLineString"
    assert json.loads(text)["length_km"] == pytest.approx(MERIDIAN_KM - 2.0, abs=0.05)
    assert "geometry" not in frontline(EAST, outline=COUNTRY).as_dict(geometry=False)


def test_frozen() -> None:
    f = frontline(EAST, outline=COUNTRY)
    with pytest.raises(AttributeError):
        f.length_km = 0.0  # type: ignore[misc]


# ----------------------------------------------------------------- real data


def _daily(folder, day: str):
    from frontlines.core.measure import dissolve
    from frontlines.sources import deepstate_classes
    from frontlines.sources._geojson import PartCache
    from frontlines.sources._payloads import Payload
    from frontlines.sources.base import IngestOptions
    from frontlines.sources.deepstate import DeepStateDaily

    path = folder / f"deepstatemap_data_{day}.geojson"
    snap = DeepStateDaily().parse(
        Payload(path.name, path.read_bytes()),
        cache=PartCache(),
        options=IngestOptions(now=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)),
    )
    return dissolve(snap.layers[deepstate_classes.CONTROL])


@pytest.mark.realdata
@pytest.mark.parametrize(("day", "next_day"), [("20240708", "20240709"), ("20250601", "20250602"),
                                               ("20260821", "20260822")])  # fmt: skip
def test_deepstate_daily_front_length(deepstate_daily_dir, day: str, next_day: str) -> None:

    outline = REGISTRY.outline("ukraine")
    f1 = frontline(_daily(deepstate_daily_dir, day), outline=outline)
    f2 = frontline(_daily(deepstate_daily_dir, next_day), outline=outline)
    # Measured: 1,225.6 km (2024-07-08), 1,367.9 km (2025-06-01), 1,418.9 km (2026-08-22);
    # about 1,000-1,300 km is the usual quote, DeepState's line is drawn in fine detail.
    for f in (f1, f2):
        assert 1_000 < f.length_km < 1_700
    assert abs(f2.length_km - f1.length_km) / f1.length_km < 0.05
    # The whole boundary (Russian border and coasts included) is about three times longer.
    assert length_km(_daily(deepstate_daily_dir, day).boundary) > 2.5 * f1.length_km
    # The front lies within Ukraine's east and south.
    xmin, ymin, xmax, ymax = f1.geometry.bounds
    assert 31 < xmin and xmax < 40.3 and 46 < ymin < 47 and ymax < 52.4


def test_enclave_zone_without_uniting_the_pieces_first() -> None:
    """The 1 m zone around the enclaves (the parts of one polygonal geometry, disjoint) is one buffer of
    them as a MultiPolygon: the same ground as buffering their union, vertex for vertex once normalised."""
    from frontlines.core import frontline as fl

    land = shapely.box(0, 0, 10_000, 10_000)
    held = shapely.union_all([shapely.box(1_000, 1_000, 9_000, 9_000).difference(shapely.box(2_000, 2_000, 3_000, 3_000)),
                              shapely.box(4_000, 4_000, 4_001.5, 6_000)])
    pieces = shapely.get_parts(shapely.difference(land, held))
    assert len(pieces) >= 2
    got = fl._near(pieces)
    want = shapely.buffer(shapely.union_all(pieces), fl._EPS_M)
    assert got.is_valid and shapely.equals_exact(shapely.normalize(got), shapely.normalize(want), 0)
    assert np.isclose(got.area, sum(shapely.area(pieces)), rtol=0.01)  # the pieces, grown by 1 m
