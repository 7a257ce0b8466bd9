"""The bulk polygon path answers only for clean geometries, and then exactly as the checked path."""

from __future__ import annotations

import json
import shutil

import orjson
import pytest
import shapely

from frontlines.core.geodesy import geodesic_area_km2
from frontlines.core.validate import Repairs
from frontlines.hashing import content_hash
from frontlines.sources._fastgeom import (
    coordinates_are_numbers,
    fast_polygon_parts,
    fast_polygon_parts_many,
    may_hold_booleans,
)
from frontlines.sources._geojson import PartCache

SQUARE = [[30.0, 48.0], [31.0, 48.0], [31.0, 49.0], [30.0, 49.0], [30.0, 48.0]]  # counter-clockwise
HOLE = [[30.2, 48.2], [30.2, 48.4], [30.4, 48.4], [30.4, 48.2], [30.2, 48.2]]


def _exact(geometry: dict) -> tuple:
    return PartCache().parts(geometry, where="t", repairs=Repairs())


CLEAN = [
    {"type": "Polygon", "coordinates": [SQUARE[::-1], HOLE]},
    {"type": "Polygon", "coordinates": [[[x, y, 0] for x, y in SQUARE]]},
    {"type": "MultiPolygon", "coordinates": [[SQUARE], [[[x + 2, y] for x, y in SQUARE]]]},
    {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "coordinates": [SQUARE]},
        {"type": "MultiPolygon", "coordinates": [[[[x, y + 2] for x, y in SQUARE]]]},
    ]},
]


@pytest.mark.parametrize("geometry", CLEAN)
def test_clean_geometries_give_exactly_the_checked_parts(geometry: dict) -> None:
    fast = fast_polygon_parts(geometry, max_positions=1000)
    exact = _exact(geometry)
    assert fast is not None and len(fast) == len(exact)
    assert all(a.equals_exact(b, 0) for a, b in zip(fast, exact))
    assert all(shapely.is_ccw(p.exterior) for p in fast)  # RFC 7946 orientation


def test_area_of_a_built_square_matches_the_geodesic_area() -> None:
    (square,) = fast_polygon_parts({"type": "Polygon", "coordinates": [SQUARE]}, max_positions=10)
    # 1 x 1 degree at 48-49 N: 8,217.7 km² (zone between two parallels / 360, closed form)
    assert geodesic_area_km2(square) == pytest.approx(8217.73, abs=0.5)


@pytest.mark.parametrize("geometry", [
    {"type": "Polygon", "coordinates": [SQUARE[:-1]]},  # not closed
    {"type": "Polygon", "coordinates": [[[30, 48], [31, 48], [32, 48], [30, 48]]]},  # zero area
    {"type": "Polygon", "coordinates": [[[30, 48], [31, 49], [31, 48], [30, 49], [30, 48]]]},  # bow-tie
    {"type": "Polygon", "coordinates": [[[x, y, 0] for x, y in SQUARE[:-1]] + [[30.0, 48.0, 5]]]},  # z differs
    {"type": "Polygon", "coordinates": [[[x * 1e5, y * 1e5] for x, y in SQUARE]]},  # projected metres
    {"type": "Polygon", "coordinates": [[["30", "48"]] + SQUARE[1:]]},  # strings
    {"type": "Polygon", "coordinates": [[[30.0, None]] + SQUARE[1:]]},  # null
    {"type": "Polygon", "coordinates": [[[30.0, 48.0, 0, 0]] + SQUARE[1:]]},  # 4-D
    {"type": "Polygon", "coordinates": []},  # empty
    {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [30, 48]}]},
])
def test_anything_unusual_goes_to_the_checked_path(geometry: dict) -> None:
    assert fast_polygon_parts(geometry, max_positions=1000) is None


UNUSUAL = [
    {"type": "Polygon", "coordinates": [SQUARE[:-1]]},
    {"type": "Polygon", "coordinates": [[[30, 48], [31, 48], [32, 48], [30, 48]]]},
    {"type": "Polygon", "coordinates": [[[30, 48], [31, 49], [31, 48], [30, 49], [30, 48]]]},
    {"type": "MultiPolygon", "coordinates": [[SQUARE], [[[30, 48], [31, 49], [31, 48], [30, 49], [30, 48]]]]},
    {"type": "Polygon", "coordinates": [[[x * 1e5, y * 1e5] for x, y in SQUARE]]},
    {"type": "MultiPolygon", "coordinates": [[SQUARE], [[[x + 200, y] for x, y in SQUARE]]]},
    {"type": "Polygon", "coordinates": [[["30", "48"]] + SQUARE[1:]]},
    {"type": "Polygon", "coordinates": []},
    {"type": "Polygon", "coordinates": [SQUARE] * 30},  # too many positions for max_positions=100
]


def test_bulk_build_gives_what_one_geometry_at_a_time_gives() -> None:
    """Clean and unusual geometries mixed: each answer is the single call's (``None`` for the
    unusual ones, which take the checked path); an unusual neighbour spoils nothing."""
    mixed = [g for pair in zip(CLEAN, UNUSUAL) for g in pair] + UNUSUAL[len(CLEAN):] + CLEAN[::-1]
    got = fast_polygon_parts_many(mixed, max_positions=100)
    for geometry, parts in zip(mixed, got):
        single = fast_polygon_parts(geometry, max_positions=100)
        if single is None:
            assert parts is None
        else:
            exact = _exact(geometry)
            assert parts is not None and len(parts) == len(single) == len(exact)
            assert all(a.equals_exact(b, 0) and a.wkb == b.wkb for a, b in zip(parts, exact))
    assert sum(p is None for p in got) == len(UNUSUAL)
    assert fast_polygon_parts_many([], max_positions=10) == []
    assert fast_polygon_parts_many(UNUSUAL, max_positions=100) == [None] * len(UNUSUAL)


def test_bulk_build_of_a_real_snapshot(deepstate_history_dir) -> None:
    """Every feature of a real DeepState history snapshot: the bulk build gives, part for
    part, the checked path's polygons (same WKB)."""
    path = sorted(deepstate_history_dir.iterdir())[1000]
    geometries = [f["geometry"] for f in orjson.loads(path.read_bytes())["features"]
                  if f.get("geometry") and f["geometry"]["type"] in ("Polygon", "MultiPolygon", "GeometryCollection")]
    assert len(geometries) > 50
    got = fast_polygon_parts_many(geometries, max_positions=200_000)
    assert sum(p is not None for p in got) > 50
    for geometry, parts in zip(geometries, got):
        if parts is not None:
            exact = _exact(geometry)
            assert [p.wkb for p in parts] == [p.wkb for p in exact]


def test_too_many_positions_go_to_the_checked_path() -> None:
    assert fast_polygon_parts({"type": "Polygon", "coordinates": [SQUARE]}, max_positions=4) is None


def test_booleans_are_seen_in_the_json() -> None:
    assert may_hold_booleans(orjson.dumps({"coordinates": [[True, 48.0]]}))
    assert not may_hold_booleans(orjson.dumps({"type": "Polygon", "coordinates": [SQUARE]}))


def test_reingest_with_a_stored_first_snapshot_keeps_every_part(deepstate_history_dir, tmp_path) -> None:
    """A duplicate snapshot brings the WKB of parts the next snapshots only name (sent once per parser)."""
    from frontlines import service

    files = sorted(deepstate_history_dir.glob("*.geojson"), key=lambda p: int(p.stem))[500:506]
    folder = tmp_path / "in"
    folder.mkdir()
    for p in files:
        shutil.copy(p, folder / p.name)
    fresh = service.open_writer(tmp_path / "fresh.db")
    service.ingest(fresh, "deepstate-history", [folder], workers=1)
    again = service.open_writer(tmp_path / "again.db")
    service.ingest(again, "deepstate-history", [files[0]], workers=1)
    report = service.ingest(again, "deepstate-history", [folder], workers=1)
    assert report.added == 5 and report.duplicates == 1
    for store in (fresh, again):
        (stored,) = store._db.execute("SELECT count(*) FROM parts WHERE length(wkb) = 0").fetchone()
        assert stored == 0
    a, b = service.select(fresh).timeline, service.select(again).timeline
    assert [round(x[2], 6) for x in a] == [round(x[2], 6) for x in b]
    for store in (fresh, again):
        sid = service.select(store).timeline[-1][0]
        layer = service.select(store).layer
        assert all(g is not None and not g.is_empty for g in store.layer_parts(sid, layer).values())
    # payloads come back byte for byte (compressed by the parser, or against the store's keyframe)
    for store in (fresh, again):
        assert all(store.get_payload(content_hash(p.read_bytes())) == p.read_bytes() for p in files)


BOWTIE = [[30, 48], [31, 49], [31, 48], [30, 49], [30, 48]]
UNCLEAN = [
    {"type": "Polygon", "coordinates": [BOWTIE]},
    {"type": "MultiPolygon", "coordinates": [[SQUARE], [[[x + 2, y] for x, y in BOWTIE]],
                                             [[[30, 52], [31, 52], [32, 52], [30, 52]]]]},  # valid, bow-tie, flat
    {"type": "Polygon", "coordinates": [[[x, y, 1] for x, y in BOWTIE]]},
]


def test_unclean_geometries_are_handed_over_built_and_repair_as_read() -> None:
    """Polygons rejected for their validity or area only come back built; repaired from them, the parts
    (and the repairs counted) are those of the GeoJSON read by GEOS and repaired polygon by polygon
    with plain shapely (make_valid, the zero-area ring dropped)."""
    anything_else = [{"type": "Polygon", "coordinates": [[[x * 1e5, y * 1e5] for x, y in BOWTIE]]},  # projected
                     {"type": "Polygon", "coordinates": [SQUARE[:-1]]},  # not closed
                     {"type": "GeometryCollection", "geometries": [UNCLEAN[0]]}]
    unclean: dict = {}
    built = fast_polygon_parts_many([*UNCLEAN, CLEAN[0], *anything_else], max_positions=1000, unclean=unclean)
    assert built[:3] == [None, None, None] and built[3] is not None and built[4:] == [None] * 3
    assert sorted(unclean) == [0, 1, 2]  # not the projected, unclosed or nested ones: the checked path reads those
    for k, geometry in enumerate(UNCLEAN):
        read = shapely.get_parts(shapely.force_2d(shapely.from_geojson(orjson.dumps(geometry))))
        assert len(unclean[k]) == len(read) and all(a.equals_exact(b, 0) for a, b in zip(unclean[k], read))
        reference = []
        for piece in read:
            if not piece.is_valid:
                fixed = shapely.make_valid(piece, method="structure", keep_collapsed=False)
                reference += [shapely.orient_polygons(p) for p in shapely.get_parts(fixed) if p.area > 0]
            elif piece.area > 0:
                reference.append(shapely.orient_polygons(piece))
        from_built, from_json = Repairs(), Repairs()
        got = PartCache().parts(geometry, where="t", repairs=from_built, polygons=unclean[k])
        assert got == tuple(PartCache().parts(geometry, where="t", repairs=from_json))
        assert len(got) == len(reference) and all(a.equals_exact(b, 0) for a, b in zip(got, reference))
        assert (from_built.repaired, from_built.dropped_empty) == (from_json.repaired, from_json.dropped_empty) > (0, -1)
    # the bow-tie repaired: two triangles of a quarter degree² each
    assert sorted(shapely.area(PartCache().parts(UNCLEAN[0], where="t", repairs=Repairs(), polygons=unclean[0]))) \
        == pytest.approx([0.25, 0.25])


def _no_strings(geometry: dict) -> bool:
    """No strings in the coordinates (of each member of a collection)."""
    members = geometry.get("geometries", [geometry])
    return '"' not in json.dumps([m.get("coordinates") for m in members])


def test_flat_read_gives_what_the_nested_read_gives() -> None:
    """Rings read flat (their JSON holds no strings in the coordinates) give the same answers,
    part for part, as rings read with ``numpy.array``: clean ones the same WKB, unusual ones None
    (ints, 3-D, mixed or wrong dimensions, nulls, deeper nesting, positions that are not lists)."""
    odd = [
        {"type": "Polygon", "coordinates": [[[30, 48], [31, 48], [31, 49], [30, 49], [30, 48]]]},  # ints
        {"type": "Polygon", "coordinates": [[[30, 48, 0]] + SQUARE[1:]]},  # 3-D and 2-D mixed
        {"type": "Polygon", "coordinates": [[[30.0]] + SQUARE[1:]]},  # 1-D position
        {"type": "Polygon", "coordinates": [[[[30.0, 48.0], [1, 2]]] + SQUARE[1:]]},  # a position of lists
        {"type": "Polygon", "coordinates": [[30.0, 48.0, 31.0, 49.0, 30.0]]},  # numbers, not positions
        {"type": "Polygon", "coordinates": [[[{}, {}]] + SQUARE[1:]]},  # objects
        {"type": "Polygon", "coordinates": [[[2**70, 48.0]] + SQUARE[1:]]},  # beyond int64
    ]
    geometries = [g for g in CLEAN + UNUSUAL + odd if _no_strings(g)]
    assert len(geometries) > 15
    nested = fast_polygon_parts_many(geometries, max_positions=100)
    flat = fast_polygon_parts_many(geometries, max_positions=100, flat=[True] * len(geometries))
    for a, b in zip(nested, flat):
        assert (a is None) == (b is None)
        if a is not None:
            assert [p.wkb for p in a] == [p.wkb for p in b]
    assert sum(p is not None for p in flat) == len(CLEAN) + 1  # the clean ones and the square of ints


@pytest.mark.parametrize(("text", "expected"), [
    (b'{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[30,48],[31,48],[30,48]]]},"properties":{"a":"b"}}', True),
    (b'{"type":"Feature","properties":{"a":"b"},"geometry":{"type":"Polygon","coordinates":[[[30,48],[31,48]]]}}', True),
    (b'{ "type": "Polygon", "coordinates": [ [ [ 30.5, 48 ], [ 31, 48 ] ] ] } } ] }', True),
    (b'{"geometry":{"type":"Polygon","coordinates":[[[30,48],["31",48]]]},"properties":{}}', False),  # a string
    (b'{"geometry":{"type":"Polygon","coordinates":[[[30,48],[31,"48"]]]},"properties":{}}', False),
    (b'{"geometry":{"type":"Polygon","coordinates":[[[30,48]],"x"]},"properties":{}}', False),
    (b'{"geometry":{"coordinates":[[[30,48],[31,48]]],"type":"Polygon"}}', False),  # another layout
    (b'{"geometry":{"coordinates":[[[30,48]]]}},{"geometry":{"coordinates":[[[30,48]]]}}', False),  # two
    (b'{"geometry":{"type":"Point"}}', False),
])
def test_coordinates_are_numbers(text: bytes, expected: bool) -> None:
    assert coordinates_are_numbers(text) is expected
