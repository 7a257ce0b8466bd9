"""The faces cleaned into a coverage (synthetic): what the window geometries are unions of."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from frontlines.service.change_faces import clean_coverage
from frontlines.service.face_geometry import FaceShapes, faces_union


def _t_junction() -> list:
    """A unit square cut in two at x = 0.5, the right half cut again at y = 0.5: the left face's edge
    lacks the vertex (0.5, 0.5) its two neighbours have (as the face builder leaves faces)."""
    return [shapely.box(0, 0, 0.5, 1), shapely.box(0.5, 0, 1, 0.5), shapely.box(0.5, 0.5, 1, 1)]


def test_builder_faces_are_not_a_coverage_until_cleaned() -> None:
    faces = np.array(_t_junction(), dtype=object)
    assert not shapely.coverage_is_valid(faces)
    with pytest.raises(shapely.errors.GEOSException):
        shapely.coverage_union_all(faces)
    clean = clean_coverage(faces)
    assert clean is not None and len(clean) == 3
    assert shapely.coverage_is_valid(clean)
    assert np.allclose(shapely.area(clean), shapely.area(faces))  # face for face, the same ground
    union = faces_union(clean, np.ones(3, dtype=bool))
    assert union.equals(shapely.box(0, 0, 1, 1))
    assert faces_union(clean, np.array([False, True, False])).equals(faces[1])
    assert faces_union(clean, np.zeros(3, dtype=bool)).is_empty


def test_face_shapes_decode_only_what_is_asked() -> None:
    clean = clean_coverage(_t_junction())
    wkb = shapely.to_wkb(clean)
    shapes = FaceShapes(b"".join(wkb), np.array([len(w) for w in wkb]))
    got = shapes.take(np.array([False, True, False]))
    assert len(got) == 1 and got[0].equals(clean[1])
    assert shapes._done.tolist() == [False, True, False]
    everything = shapes.take(np.ones(3, dtype=bool))
    assert all(a.equals(b) for a, b in zip(everything, clean))


def test_a_window_is_charged_its_geometries_in_the_cache() -> None:
    from frontlines.cache import size_of
    from frontlines.service.face_geometry import WindowShapes
    from frontlines.service.redraws import RedrawPiece, WindowRedraws

    big = shapely.Point(0, 0).buffer(1, quad_segs=2000)  # ~8,000 coordinates
    wr = WindowRedraws(gained=big, lost=big, redraw_gained=big, redraw_lost=big, redraw_gained_km2=1.0,
                       redraw_lost_km2=1.0, pieces=(RedrawPiece("gained", "sliver", 1.0, big),))
    assert size_of(WindowShapes(None, None, wr)) >= 5 * 16 * shapely.get_num_coordinates(big)


N = 12  # squares per side of the test grid


def _grid() -> list:
    """An N x N grid of unit squares (a coverage); square (i, j) is face i * N + j."""
    return [shapely.box(i, j, i + 1, j + 1) for i in range(N) for j in range(N)]


def test_the_coverage_is_cleaned_again_around_the_changed_faces_only() -> None:
    from frontlines.service.change_faces import clean_coverage_update

    faces = _grid()
    previous = clean_coverage(faces)
    at = lambda i, j: i * N + j  # noqa: E731
    # square (2, 2) split at x = 2.5 as the builder splits faces (its slot reused, the other half appended):
    # the new vertices (2.5, 2) and (2.5, 3) lie on the edges of the squares below and above
    after = list(faces)
    after[at(2, 2)] = shapely.box(2, 2, 2.5, 3)
    after.append(shapely.box(2.5, 2, 3, 3))
    assert not shapely.coverage_is_valid(np.array(after, dtype=object))  # T-junctions above and below
    got = clean_coverage_update(after, [at(2, 2), len(faces)], previous)
    assert got is not None and len(got) == len(after)
    assert shapely.coverage_is_valid(got) and shapely.is_valid(got).all()
    assert np.allclose(shapely.area(got), shapely.area(np.array(after, dtype=object)))  # face for face
    assert shapely.get_num_coordinates(got[at(2, 1)]) == 6 and shapely.get_num_coordinates(got[at(2, 3)]) == 6
    near = {at(i, j) for i in (1, 2, 3) for j in (1, 2, 3)}  # cleaned again (the split square's neighbours)
    assert all(got[k] is previous[k] for k in range(len(faces)) if k not in near)  # the rest kept as stored
    # nothing changed: the stored coverage as it is; a new face not among the changed ones: not shown, None;
    # most of the coverage changed: None (cleaning it all is cheaper)
    assert all(a is b for a, b in zip(clean_coverage_update(faces, [], previous), previous))
    assert clean_coverage_update(after, [at(2, 2)], previous) is None
    assert clean_coverage_update(after, list(range(len(after))), previous) is None
