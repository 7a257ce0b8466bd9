"""Features read against the previous document (``LayerCollector.add_redrawn``, ``sources._redrawn``):
each document gives exactly the polygons GEOS reads from it on its own, whatever changed since the
previous one, and a text that is not that clean is left to the full parse."""

from __future__ import annotations

import datetime as dt

import numpy as np
import orjson
import pytest
import shapely

from frontlines.errors import SourceFormatError
from frontlines.model import LayerKey
from frontlines.sources import _fastgeom, _redrawn, deepstate
from frontlines.sources._geojson import LayerCollector, PartCache, features_of
from frontlines.sources._payloads import Payload
from frontlines.sources.base import IngestOptions

CONTROL = LayerKey("russia", "control")


def _classify(props: dict) -> tuple[str, object]:
    return ("layer", CONTROL) if props.get("name") != "skip" else ("excluded", "skip")


def _ring(x: float, y: float, n: int, size: float = 1.0, *, reverse: bool = False) -> list[list[float]]:
    """A closed ring of ``n`` distinct vertices along the sides of a square."""
    side = max(1, n // 4)
    pts = [[x + size * i / side, y] for i in range(side)] + [[x + size, y + size * i / side] for i in range(side)]
    pts += [[x + size - size * i / side, y + size] for i in range(side)] + [[x, y + size - size * i / side] for i in range(side)]
    pts = [[round(a, 7), round(b, 7)] for a, b in pts]
    if reverse:
        pts = pts[::-1]
    return [*pts, pts[0]]


def _gdal(doc: object) -> bytes:
    """JSON laid out as GDAL writes it (DeepState's daily files): a space inside brackets and after commas."""
    text = orjson.dumps(doc).decode()
    return text.replace("[", "[ ").replace("]", " ]").replace(",", ", ").replace(":", ": ").encode()


def _document(polygons: list[list[list[list[float]]]], *, name: str = "control", layout=_gdal) -> bytes:
    geometry = {"type": "MultiPolygon", "coordinates": polygons}
    return layout({"type": "FeatureCollection", "name": "day",
                   "features": [{"type": "Feature", "properties": {"name": name}, "geometry": geometry}]})


BIG = [_ring(30, 48, 40, 2.0), _ring(30.5, 48.5, 12, 0.5, reverse=True)]  # an exterior and a hole
SMALL, OTHER = [_ring(33, 48, 8, 0.3)], [_ring(34, 48, 8, 0.3)]


def _edited(polygon: list, ring: int, at: int, new: list[list[float]], drop: int = 1) -> list:
    """``polygon`` with ``drop`` positions of one ring replaced by ``new`` from position ``at``."""
    rings = [list(r) for r in polygon]
    rings[ring][at : at + drop] = new
    return rings


def _reference(data: bytes) -> list[bytes]:
    """The parts GEOS reads from the document on its own, oriented: the independent reference."""
    out = []
    for feat in features_of(orjson.loads(data), name="ref"):
        geom = shapely.from_geojson(orjson.dumps(feat["geometry"]))
        out += [shapely.to_wkb(p, output_dimension=2) for p in shapely.orient_polygons(shapely.get_parts(geom))]
    return out


def _wkbs(collector: LayerCollector) -> list[bytes]:
    return [shapely.to_wkb(p, output_dimension=2) for p in collector.layers.get(CONTROL, [])]


MID = [[30.9, 47.9], [31.1, 47.8], [31.3, 47.9]]
DAYS = [
    [BIG, SMALL, OTHER],
    [BIG, SMALL, OTHER],  # unchanged: every polygon kept
    [_edited(BIG, 0, 5, MID), SMALL, OTHER],  # one run of the exterior redrawn
    [_edited(_edited(BIG, 0, 38, [[30.2, 49.9]]), 1, 2, [[30.55, 48.95], [30.6, 48.98]]), SMALL, OTHER],  # both rings
    [[[[30.0, 47.95], *BIG[0][1:-1], [30.0, 47.95]], BIG[1]], SMALL, OTHER],  # the ring's start (first and last positions)
    [SMALL, BIG, OTHER],  # reordered
    [[_ring(35, 48, 8, 0.2)], BIG, SMALL, OTHER],  # one inserted before
    [BIG, OTHER],  # one removed
    [_edited(BIG, 0, 5, MID, drop=4), _edited(OTHER, 0, 3, [[34.35, 48.15]]), SMALL],  # two polygons changed
    [[BIG[0]], SMALL, OTHER],  # the hole gone
    [BIG, SMALL, OTHER],
]


@pytest.mark.parametrize("layout", [_gdal, orjson.dumps], ids=["gdal", "minified"])
def test_each_document_gives_what_geos_reads_from_it(layout) -> None:
    cache = PartCache()
    previous: tuple = ()
    for k, polygons in enumerate(DAYS):
        data = _document(polygons, layout=layout)
        collector = LayerCollector(f"day{k}", cache)
        assert collector.add_redrawn(data, _classify), k
        assert _wkbs(collector) == _reference(data), k
        parts = tuple(collector.layers[CONTROL])
        if k == 1:  # unchanged polygons are the previous day's objects: not built, checked nor hashed again
            assert all(a is b for a, b in zip(parts, previous))
        if k == 2:
            assert parts[1] is previous[1] and parts[2] is previous[2] and parts[0] is not previous[0]
        previous = parts


def test_whitespace_and_other_features_do_not_matter() -> None:
    cache = PartCache()
    first = _document([BIG, SMALL])
    assert LayerCollector("a", cache).add_redrawn(first, _classify)
    # new line breaks inside the coordinates, an excluded feature and a point before the polygons
    doc = orjson.loads(_document([_edited(BIG, 0, 7, MID), SMALL]))
    doc["features"][:0] = [{"type": "Feature", "properties": {"name": "skip"}, "geometry": {"type": "Polygon", "coordinates": SMALL}},
                           {"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Point", "coordinates": [30, 48]}}]
    data = orjson.dumps(doc, option=orjson.OPT_INDENT_2)
    collector = LayerCollector("b", cache)
    assert collector.add_redrawn(data, _classify)
    assert _wkbs(collector) == _reference(data)[2:]  # the excluded square and the point add nothing
    assert collector.excluded["skip"] == 1 and collector.ignored_points == 1


def _after(first: bytes, second: bytes) -> bool:
    cache = PartCache()
    assert LayerCollector("a", cache).add_redrawn(first, _classify)
    return LayerCollector("b", cache).add_redrawn(second, _classify)


BOWTIE = [[[30, 48], [31, 49], [31, 48], [30, 49], [30, 48]]]


@pytest.mark.parametrize("second, why", [
    (_document([[BIG[0][:10] + [[30.9, 48.5]] + BIG[0][10:]], SMALL]).replace(b"30.9, 48.5", b"30.9 48.5"), "a comma missing"),
    (_document([_edited(BIG, 0, 5, MID), SMALL]).replace(b"30.9", b"true", 1), "a boolean among the numbers"),
    (_document([_edited(BIG, 0, 5, MID), SMALL]).replace(b"31.1, 47.8", b'"31.1", 47.8', 1), "a string among the numbers"),
    (_document([_edited(BIG, 0, 5, MID), SMALL]).replace(b"31.1, 47.8", b"null, 47.8", 1), "a null among the numbers"),
    (_document([_edited(BIG, 0, 5, [[30.9, 47.9, 0.0]]), SMALL]), "a position of 3 numbers in a ring of 2"),
    (_document([BIG, SMALL]).replace(b" ] ], [ [ 30.5,", b" ] ], 7, [ [ 30.5,", 1), "a number between two rings"),
    (_document([BOWTIE, SMALL]), "a polygon to repair"),
    (_document([BIG, SMALL]).replace(b'"MultiPolygon"', b'"GeometryCollection"'), "a geometry collection"),
    (_document([BIG, SMALL])[:-3], "the document cut short"),
])
def test_what_is_not_that_clean_is_left_to_the_full_parse(second: bytes, why: str) -> None:
    assert not _after(_document([BIG, SMALL]), second), why


def _u(inner: list[list[float]]) -> list[list[list[float]]]:
    """A U open to the north; ``inner``: its right arm's inner edge, from (30.7, 49) down to (30.7, 48.5)."""
    return [[[30, 48], [31, 48], [31, 49], [30.7, 49], *inner, [30.7, 48.5], [30.3, 48.5], [30.3, 49], [30, 49], [30, 48]]]


U_EDGE = [[30.7, round(48.95 - 0.05 * i, 2)] for i in range(9)]  # 48.95 .. 48.55


@pytest.mark.parametrize("first, second, why", [
    # a spike of the right arm touches the left arm at one point: inside its window the cut is two pieces
    # touching there, a valid MultiPolygon, but the ring meets itself (invalid)
    ([_u(U_EDGE)], [_u([*U_EDGE[:4], [30.3, 48.75], *U_EDGE[5:]])], "the ring meets itself where the cut falls apart"),
    ([_u(U_EDGE)], [_u([*U_EDGE[:4], [30.2, 48.75], *U_EDGE[5:]])], "the ring crosses itself"),
    # the exterior redrawn around the hole: the hole is now outside it, touching nothing
    ([BIG, SMALL], [_edited(BIG, 0, 3, [[30.4, 49.2], [31.2, 49.2]], drop=3), SMALL], "a hole left outside its exterior"),
])
def test_a_redrawn_polygon_made_invalid_is_left_to_the_full_parse(first: list, second: list, why: str) -> None:
    """The validity of a spliced polygon is looked at inside the box of its edit first: what is invalid
    there, or not shown valid, is checked whole, and an invalid polygon goes to the full parse (which repairs it)."""
    assert not shapely.is_valid(shapely.from_geojson(orjson.dumps({"type": "MultiPolygon", "coordinates": second})))
    assert not _after(_document(first), _document(second)), why


def test_a_hole_across_the_edits_box_is_checked_whole() -> None:
    """Inside the box of an edit, a hole cut by the box's edge could touch the exterior outside it unseen:
    such a polygon is not shown valid there (the whole check decides), one whose hole lies apart is."""
    polygon = shapely.Polygon(BIG[0], [BIG[1]])  # the hole spans 30.5 .. 31 E
    assert shapely.is_valid(polygon)
    assert not _fastgeom._valid_within(polygon, (30.4, 47.9, 30.8, 48.6))  # the box cuts the hole
    assert _fastgeom._valid_within(polygon, (31.4, 47.9, 31.8, 48.6))  # the hole lies apart


@pytest.mark.parametrize("layout", [_gdal, orjson.dumps], ids=["gdal", "minified"])
def test_each_polygons_brackets_are_those_of_its_own_text(layout) -> None:
    """A MultiPolygon's brackets, found once, give each polygon's as a scan of the polygon's text alone does."""
    data = _document([BIG, SMALL, OTHER], layout=layout)
    (start, end), = _redrawn.coordinate_spans(data)
    texts, found = _redrawn._polygon_texts(data[start:end])
    assert len(texts) == 3
    for text, (whole, first, last) in zip(texts, found):
        brackets, alone = whole.inner(first, last), _redrawn._Brackets(text)
        for name in ("at", "opens", "depth"):
            assert np.array_equal(getattr(brackets, name), getattr(alone, name)), name
            assert getattr(brackets, name).dtype == getattr(alone, name).dtype, name


def test_the_daily_adapter_still_repairs_and_refuses() -> None:
    """A day the redrawn path leaves to the full parse is repaired (or refused) as before."""
    cache, options = PartCache(), IngestOptions(now=dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc))
    adapter = deepstate.DeepStateDaily()
    ok = adapter.parse(Payload("deepstatemap_data_20250101.geojson", _document([BIG, SMALL])), cache=cache, options=options)
    repaired = adapter.parse(Payload("deepstatemap_data_20250102.geojson", _document([BOWTIE, SMALL])), cache=cache,
                             options=options)
    assert len(ok.layers[CONTROL]) == 2 and repaired.notes["repaired"] == 1
    with pytest.raises(SourceFormatError, match="malformed JSON"):
        adapter.parse(Payload("deepstatemap_data_20250103.geojson", _document([BIG, SMALL])[:-3]), cache=cache,
                      options=options)


def test_every_real_daily_map_reads_as_geos_reads_it(deepstate_daily_dir, monkeypatch) -> None:
    """The 769 DeepState daily maps in order, each read against the day before: all answered by the
    redrawn path, each exactly the polygons GEOS reads from the file on its own, most polygons kept."""
    cache, kept, total = PartCache(), 0, 0
    previous: set[int] = set()
    shown: list[bool] = []  # a spliced polygon shown valid inside its edit's box (else checked whole)
    within = _fastgeom._valid_within
    monkeypatch.setattr(_fastgeom, "_valid_within", lambda *a: shown.append(within(*a)) or shown[-1])
    files = sorted(deepstate_daily_dir.glob("deepstatemap_data_*.geojson"))
    assert len(files) == 769
    for path in files:
        data = path.read_bytes()
        collector = LayerCollector(path.name, cache)
        assert collector.add_redrawn(data, deepstate._classify_daily), path.name
        assert _wkbs(collector) == _reference(data), path.name
        parts = collector.layers[CONTROL]
        kept += sum(id(p) in previous for p in parts)
        total += len(parts)
        previous = {id(p) for p in parts}
    assert kept > 0.8 * total  # ~11 polygons a day, one or two redrawn
    assert len(shown) > 600 and sum(shown) > 0.95 * len(shown)
