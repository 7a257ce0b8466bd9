"""Region layers and clipping: hand-made squares, the shipped boundaries, a real DeepState day."""

from __future__ import annotations

import json
import tarfile

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon, box, shape

from frontlines.conflicts import default_registry
from frontlines.core.geodesy import area_km2, areas_km2, geodesic_area_km2
from frontlines.core.regions import (
    TILE_DEG,
    RegionLayer,
    _tile_regions,
    clip_areas,
    clip_pieces,
    region_shares,
    validate_region_layer,
)
from frontlines.errors import RegionError
from tests.conftest import require_data

REGISTRY = default_registry()


def squares() -> RegionLayer:
    """Four 1° squares tiling 30..32 E, 48..50 N, ids A..D (row-major from the south-west)."""
    cells = [box(30, 48, 31, 49), box(31, 48, 32, 49), box(30, 49, 31, 50), box(31, 49, 32, 50)]
    return RegionLayer("squares", ("A", "B", "C", "D"), ("South-west", "South-east", "North-west",
                       "North-east"), np.array(cells, dtype=object))  # fmt: skip


def reference(layer: RegionLayer, geom) -> np.ndarray:
    """Direct per-region intersection and area: what clip_areas must reproduce."""
    return np.array([area_km2(shapely.intersection(g, geom), layer.centre) for g in layer.geometries])


# ------------------------------------------------------------------ hand-made


def test_layer_areas_are_ellipsoidal():
    layer = squares()
    # against the independent geodesic-edge reference: a 1-degree edge along a parallel
    # is not a geodesic, which alone makes ~3e-5 of difference on cells this large
    for g, a in zip(layer.geometries, layer.areas, strict=True):
        assert a == pytest.approx(geodesic_area_km2(g), rel=1e-4)
        dense = shapely.segmentize(g, 0.01)
        assert area_km2(dense, layer.centre) == pytest.approx(geodesic_area_km2(dense), rel=1e-6)
    # a 1 x 1 degree cell at 48-49 N is ~8,217 km2; the northern row is smaller
    assert layer.areas[0] == pytest.approx(8217.4, abs=1.0)
    assert layer.areas[2] < layer.areas[0]


def test_clip_areas_matches_direct_intersection_on_squares():
    layer = squares()
    circle = Point(31.2, 48.9).buffer(0.6, quad_segs=32)  # crosses all four cells
    got = clip_areas(layer, circle)
    np.testing.assert_allclose(got, reference(layer, circle), rtol=1e-12)
    assert (got > 0).all()
    # the pieces add up to the clipped geometry (all of it lies inside the layer)
    # (to 1e-6: a circle edge cut at a cell border is two straight lon/lat segments, whose
    # projections differ from the projected uncut edge by a hair)
    assert got.sum() == pytest.approx(area_km2(circle, layer.centre), rel=1e-6)


def test_region_wholly_inside_takes_its_own_area_and_outside_is_zero():
    layer = squares()
    geom = box(29.5, 47.5, 31.0 + 1e-9, 49.5)  # covers A entirely, the south of C, a sliver of B/D
    got = clip_areas(layer, geom)
    assert got[0] == pytest.approx(layer.areas[0], rel=1e-12)
    assert got[2] == pytest.approx(area_km2(box(30, 49, 31, 49.5), layer.centre), rel=1e-9)
    assert 0 < got[1] < 0.01 and 0 < got[3] < 0.01
    np.testing.assert_allclose(got, reference(layer, geom), rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(clip_areas(layer, box(40, 40, 41, 41)), np.zeros(4))
    np.testing.assert_array_equal(clip_areas(layer, Polygon()), np.zeros(4))
    np.testing.assert_array_equal(clip_areas(layer, None), np.zeros(4))


def test_region_shares_and_pieces():
    layer = squares()
    west_half = box(29, 47, 30.5, 51)
    shares = region_shares(layer, west_half)
    np.testing.assert_allclose(shares, [0.5, 0.0, 0.5, 0.0], atol=1e-3)
    pieces = clip_pieces(layer, west_half)
    assert [i for i, _ in pieces] == [0, 2]
    for i, piece in pieces:
        assert piece.geom_type == "Polygon"
        assert area_km2(piece, layer.centre) == pytest.approx(clip_areas(layer, west_half)[i], rel=1e-12)
    # a region wholly inside is returned as itself; touching along an edge gives no piece
    inside = clip_pieces(layer, box(29, 47, 31, 51))
    assert [i for i, _ in inside] == [0, 2]
    assert inside[0][1].equals(layer.geometries[0])


def test_layer_rejects_mismatched_columns():
    with pytest.raises(RegionError, match="2 ids but"):
        RegionLayer("x", ("a", "b"), ("A",), np.array([box(0, 0, 1, 1)] * 2, dtype=object))


# ------------------------------------------------------------------ validation


def test_validate_accepts_squares_and_tiny_overlap():
    validate_region_layer(squares())
    # neighbours overlapping by 0.05 % of the smaller pass (digitising noise)
    nudged = RegionLayer("n", ("a", "b"), ("A", "B"),
                         np.array([box(30, 48, 31.0005, 49), box(31, 48, 32, 49)], dtype=object))  # fmt: skip
    validate_region_layer(nudged)


def test_validate_rejects_overlap_naming_regions():
    layer = RegionLayer("user", ("a", "b", "c"), ("Alpha", "Beta", "Gamma"),
                        np.array([box(30, 48, 31, 49), box(30.5, 48, 31.5, 49), box(35, 48, 36, 49)],
                                 dtype=object))  # fmt: skip
    with pytest.raises(RegionError, match=r"regions\.geojson: 1 pair\(s\) of regions overlap: 'Alpha' and 'Beta' "
                       r"share 4,1\d\d\.\d+ km² \(50\.0 % of the smaller\)"):  # fmt: skip
        validate_region_layer(layer, source="regions.geojson")
    # one region wholly inside another is an overlap too
    nested = RegionLayer("user", ("a", "b"), ("Outer", "Inner"),
                         np.array([box(30, 48, 32, 50), box(30.5, 48.5, 31, 49)], dtype=object))  # fmt: skip
    with pytest.raises(RegionError, match=r"'Outer' and 'Inner' share 2,0\d\d\.\d+ km² \(100\.0 % of the smaller\)"):
        validate_region_layer(nested)


@pytest.mark.parametrize(
    ("ids", "names", "geoms", "message"),
    [
        (("a", "b"), ("A", "  "), [box(0, 0, 1, 1), box(1, 0, 2, 1)], r"1 region\(s\) with an empty name \(feature\(s\) 1\)"),
        (("a", "a"), ("A", "B"), [box(0, 0, 1, 1), box(1, 0, 2, 1)], "duplicate region ids a"),
        (("a",), ("A",), [box(3.0e5, 5.3e6, 3.5e5, 5.4e6)], r"coordinates look projected \(x 300,000 \.\. 350,000"),
        (("a",), ("A",), [Point(30, 48)], "regions must be polygons, got Point for 'A'"),
        (("a",), ("A",), [Polygon()], "empty geometry for 'A'"),
        (("a",), ("A",), [Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])], r"invalid geometry for 'A' \(Self-intersection"),
    ],
)
def test_validate_rejects_bad_layers(ids, names, geoms, message):
    layer = RegionLayer("user", ids, names, np.array(geoms, dtype=object))
    with pytest.raises(RegionError, match=message):
        validate_region_layer(layer, source="my.gpkg")
    with pytest.raises(RegionError, match=r"^my\.gpkg: "):
        validate_region_layer(layer, source="my.gpkg")


# ------------------------------------------------------------- shipped layers

#: Official land areas (km²; State Statistics Service of Ukraine).
OFFICIAL = {"Donetsk": 26_517, "Kharkiv": 31_415, "Crimea": 26_081, "Kyiv City": 839, "Luhansk": 26_684,
            "Zaporizhzhia": 27_180, "Lviv": 21_833, "Chernihiv": 31_865}  # fmt: skip


def test_shipped_land_area_and_outline():
    oblasts = REGISTRY.region_layer("ukraine", "oblast")
    assert len(oblasts) == 27
    outline_area = area_km2(REGISTRY.outline("ukraine"), oblasts.centre)
    # Ukraine's official area is 603,628 km²; the land outline must be within 0.5 % of ~603,500
    assert outline_area == pytest.approx(603_500, rel=0.005)
    assert oblasts.total_area == pytest.approx(outline_area, rel=1e-3)
    raions = REGISTRY.region_layer("ukraine", "raion")
    assert raions.total_area == pytest.approx(outline_area, rel=1e-3)


@pytest.mark.parametrize(("name", "official"), sorted(OFFICIAL.items()))
def test_shipped_oblast_areas_near_official(name, official):
    oblasts = REGISTRY.region_layer("ukraine", "oblast")
    i = oblasts.names.index(name)
    assert oblasts.areas[i] == pytest.approx(official, rel=0.02)


@pytest.mark.parametrize("kind", ["oblast", "raion", "hromada"])
def test_shipped_layers_do_not_overlap(kind):
    layer = REGISTRY.region_layer("ukraine", kind)
    g = layer.geometries
    left, right = layer.tree.query(g, predicate="intersects")
    keep = left < right
    shared = areas_km2(shapely.intersection(g[left[keep]], g[right[keep]]), layer.centre)
    assert keep.sum() > len(layer)  # neighbours do touch ...
    assert shared.sum() < 0.01  # ... but share (almost) no area: < 0.01 km² in all
    validate_region_layer(layer)


def test_shipped_layers_nest():
    oblasts, raions, hromadas = (REGISTRY.region_layer("ukraine", k) for k in ("oblast", "raion", "hromada"))
    assert set(raions.parents) == set(oblasts.ids)
    assert set(hromadas.parents) <= set(raions.ids)
    donetsk = oblasts.index("UA-14")
    kids = raions.children_of("UA-14")
    assert len(kids) == 8
    assert raions.areas[kids].sum() == pytest.approx(oblasts.areas[donetsk], rel=1e-9)
    assert len(hromadas) == 1466
    assert 136 + 2 == len(raions)


# ------------------------------------------------------------ real DeepState day


@pytest.fixture(scope="module")
def deepstate_day():
    archive = require_data("deepstate-daily-2024-2026.tar.xz")
    with tarfile.open(archive) as tar:
        member = tar.extractfile("deepstate-daily/deepstatemap_data_20260101.geojson")
        data = json.load(member)
    geom = shapely.union_all([shape(f["geometry"]) for f in data["features"]])
    assert geom.is_valid and area_km2(geom) > 100_000
    return geom


@pytest.mark.realdata
@pytest.mark.parametrize("kind", ["oblast", "raion", "hromada"])
def test_clip_areas_on_real_deepstate_polygon(deepstate_day, kind):
    layer = REGISTRY.region_layer("ukraine", kind)
    got = clip_areas(layer, deepstate_day)
    # Oblasts are cut tile by tile: the cuts add vertices on straight lon/lat edges, which
    # moves the densified, projected areas by ~1e-8 relative; other layers are cut whole.
    tiled = layer.cells is not None
    assert tiled == (kind == "oblast")
    np.testing.assert_allclose(got, reference(layer, deepstate_day), rtol=1e-7 if tiled else 1e-9, atol=1e-6)
    assert np.array_equal(clip_areas(layer, [deepstate_day, None])[0], got)  # a batch: one row per geometry
    on_land = area_km2(shapely.intersection(deepstate_day, REGISTRY.outline("ukraine")), layer.centre)
    if kind != "hromada":  # hromadas leave Crimea and Sevastopol uncovered
        assert got.sum() == pytest.approx(on_land, rel=1e-3)
    assert got.sum() <= on_land * (1 + 1e-6)
    pieces = clip_pieces(layer, deepstate_day)
    assert sum(area_km2(p, layer.centre) for _, p in pieces) == pytest.approx(got.sum(), rel=1e-9)


@pytest.mark.realdata
def test_oblast_tiles_partition_each_oblast():
    layer = REGISTRY.region_layer("ukraine", "oblast")
    cells = layer.cells
    per_region = np.zeros(len(layer))
    np.add.at(per_region, cells.region, areas_km2(cells.tiles, layer.centre))
    np.testing.assert_allclose(cells.areas, areas_km2(cells.tiles, layer.centre), rtol=1e-12)
    np.testing.assert_allclose(per_region, layer.areas, rtol=1e-8)  # the cuts add vertices on straight edges only
    assert len(cells.tiles) > 5 * len(layer)  # really cut into cells
    assert shapely.get_num_coordinates(cells.tiles).max() < shapely.get_num_coordinates(layer.geometries).max()
    overlap = shapely.STRtree(cells.tiles).query(cells.tiles, predicate="overlaps")
    assert overlap.shape[1] == 0  # tiles do not overlap
    assert shapely.is_valid(cells.tiles).all()


@pytest.mark.realdata
def test_tiles_repair_the_cuts_that_leave_invalid_rings():
    # Two hromadas' cuts by the 0.5-degree grid come out of clip_by_rect with rings that touch
    # themselves: the tiles must still be valid and partition each region.
    layer = REGISTRY.region_layer("ukraine", "hromada")
    cells = _tile_regions(layer, TILE_DEG)
    assert shapely.is_valid(cells.tiles).all()
    per_region = np.zeros(len(layer))
    np.add.at(per_region, cells.region, cells.areas)
    # (areas densify each edge before projecting: a cut splits the edge it crosses, ~2e-7 here)
    np.testing.assert_allclose(per_region, layer.areas, rtol=1e-6)


@pytest.mark.realdata
def test_real_deepstate_oblast_figures(deepstate_day):
    oblasts = REGISTRY.region_layer("ukraine", "oblast")
    shares = dict(zip(oblasts.names, region_shares(oblasts, deepstate_day), strict=True))
    # 2026-01-01: Crimea and Sevastopol wholly held, Luhansk almost, Kyiv and Lviv not at all
    assert shares["Crimea"] == pytest.approx(1.0, abs=0.005)
    # Sevastopol's shipped coast is coarse (simplified OSM): ~30 km² of sea slivers
    # along the west coast lie outside DeepState's polygon
    assert 0.95 < shares["Sevastopol"] < 0.98
    assert 0.97 < shares["Luhansk"] <= 1.0
    assert 0.6 < shares["Donetsk"] < 0.95
    assert shares["Kyiv City"] == 0.0 and shares["Lviv"] == 0.0
    total = clip_areas(oblasts, deepstate_day).sum()
    assert 110_000 < total < 120_000
