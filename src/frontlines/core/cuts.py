"""Polygons cut by axis-aligned rectangles with :func:`shapely.clip_by_rect`, made valid.

``clip_by_rect`` is one pass over a geometry's vertices (an overlay with the rectangle costs
several times more), but where a boundary runs along the rectangle's edge it may leave rings
that touch themselves or collapse. Those cuts are repaired here, one rule for every caller.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["valid_cuts"]


def valid_cuts(cut: np.ndarray) -> np.ndarray:
    """``cut`` (an object array of :func:`shapely.clip_by_rect` results) with its invalid geometries
    repaired in place by :func:`shapely.make_valid` (``structure``, collapsed pieces dropped); returned.

    Examples
    --------
    >>> from shapely.geometry import Polygon, box
    >>> bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])  # invalid, as a cut may be
    >>> cut = valid_cuts(np.array([box(0, 0, 1, 1), bowtie], dtype=object))
    >>> [bool(v) for v in shapely.is_valid(cut)], float(shapely.area(cut[1]))
    ([True, True], 2.0)
    """
    bad = ~shapely.is_valid(cut)
    if bad.any():
        cut[bad] = shapely.make_valid(cut[bad], method="structure", keep_collapsed=False)
    return cut
