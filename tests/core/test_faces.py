"""The face splitter: faces partition the domain, and each face's status is its ground's status."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from frontlines.core.faces import FaceBuilder
from frontlines.service.change_faces import _finish

REGIONS = np.array([shapely.box(0, 0, 1, 2), shapely.box(1, 0, 2, 1.5)], dtype=object)
BOUNDS = (-0.5, -0.5, 2.5, 2.5)

_coord = st.one_of(st.integers(-25, 96).map(lambda k: k / 64),  # shared edges, as redrawn maps have
                   st.floats(-0.4, 1.5).map(lambda x: round(x, 7)))  # map coordinates: 7 decimals (~1 cm)
_size = st.one_of(st.integers(1, 57).map(lambda k: k / 64), st.floats(0.001, 0.9).map(lambda x: round(x, 7)))
boxes = st.lists(st.tuples(_coord, _coord, _size, _size), min_size=1, max_size=4)


def _layer(spec: list[tuple[float, float, float, float]]) -> shapely.Geometry:
    return shapely.union_all([shapely.box(x, y, x + w, y + h) for x, y, w, h in spec])


@settings(max_examples=40, deadline=None)
@given(st.lists(boxes, min_size=2, max_size=5), st.lists(st.booleans(), min_size=5, max_size=5))
def test_faces_partition_the_domain_and_carry_the_status(specs, redraw) -> None:
    layers = [_layer(s) for s in specs]
    fb = FaceBuilder.start(REGIONS, BOUNDS, layers[0], cell_deg=0.5)
    for p in range(1, len(layers)):
        gained, lost = shapely.difference(layers[p], layers[p - 1]), shapely.difference(layers[p - 1], layers[p])
        pieces = [(0, 0, gained)] if redraw[p] and not gained.is_empty else []
        fb.cut(p, gained, lost, pieces)
    geoms = np.array(fb.geoms, dtype=object)
    area = shapely.area(geoms)
    domain = (BOUNDS[2] - BOUNDS[0]) * (BOUNDS[3] - BOUNDS[1])
    assert area.sum() == np.float64(domain) or abs(area.sum() - domain) < 1e-9  # areas sum to the domain's
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    pairs = a < b
    overlap = shapely.area(shapely.intersection(geoms[a[pairs]], geoms[b[pairs]])) if pairs.any() else np.zeros(1)
    assert overlap.max() < 1e-12, (specs, redraw)  # no two faces overlap
    # the bounds the splitter filters candidates by are every face's own, after all the splits
    assert np.array_equal(fb._bounds_of(np.arange(len(geoms))), shapely.bounds(geoms), equal_nan=True)
    index = _finish(fb, area, ["far-from-front"], len(REGIONS), len(layers))
    inside = [shapely.intersects(g, REGIONS[r]) if r >= 0 else True for g, r in zip(geoms, fb.region)]
    assert all(inside)  # each face lies in its region
    points = shapely.point_on_surface(geoms)
    for p, layer in enumerate(layers):
        wrong = index.status(p) != shapely.contains(layer, points)
        assert area[wrong].sum() < 1e-9, (specs, geoms[wrong], area[wrong])  # status = the ground's status at p
        assert abs(area[index.status(p)].sum() - shapely.area(layer)) < 1e-9
    for i in range(len(layers)):
        for j in range(len(layers)):
            w = index.window(i, j)
            assert abs(w.gained.sum() - shapely.area(shapely.difference(layers[j], layers[i]))) < 1e-9
            assert abs(w.lost.sum() - shapely.area(shapely.difference(layers[i], layers[j]))) < 1e-9
            for r, region in enumerate(REGIONS):
                want = shapely.area(shapely.intersection(shapely.difference(layers[j], layers[i]), region))
                assert abs(w.gained[r] - want) < 1e-9
            if i < j:  # redraw gained = raw gained ∩ the redraw-gained pieces of the window's steps
                ground = shapely.union_all([shapely.difference(layers[p], layers[p - 1]) for p in range(i + 1, j + 1)
                                            if redraw[p]] or [shapely.Polygon()])
                want = shapely.area(shapely.intersection(shapely.difference(layers[j], layers[i]), ground))
                got = sum(v.sum() for (d, _), v in w.redraw.items() if d == "gained")
                assert abs(got - want) < 1e-9


@settings(max_examples=15, deadline=None)
@given(st.lists(boxes, min_size=2, max_size=5))
def test_overlays_shared_between_threads_give_the_same_faces(specs) -> None:
    """A builder handing its overlays to two threads (every split's, here) makes the same faces, bit for bit,
    with the same events."""
    from concurrent.futures import ThreadPoolExecutor

    import frontlines.core.faces as faces_module

    layers = [_layer(s) for s in specs]

    def build(pool) -> tuple[list[bytes], list]:
        fb = FaceBuilder.start(REGIONS, BOUNDS, layers[0], cell_deg=0.5)
        for p in range(1, len(layers)):
            gained, lost = shapely.difference(layers[p], layers[p - 1]), shapely.difference(layers[p - 1], layers[p])
            fb.cut(p, gained, lost, [(0, 0, gained)] if not gained.is_empty else [], pool)
        return [shapely.to_wkb(g) for g in fb.geoms], fb.events

    alone = build(None)
    saved = faces_module.MIN_SHARED_OVERLAYS
    faces_module.MIN_SHARED_OVERLAYS = 2
    try:
        with ThreadPoolExecutor(2) as pool:
            shared = build(pool)
    finally:
        faces_module.MIN_SHARED_OVERLAYS = saved
    assert shared == alone
