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
