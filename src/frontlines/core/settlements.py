"""Status of settlements on a map, and the settlements whose status changed.

Pure: shapely and numpy only. Points are longitude / latitude arrays (a
gazetteer's columns); layers are named lon/lat geometries. Nothing here knows
the names of sides or statuses: the keys of the layer mapping are the labels.

A point's status is the key of the *first* layer, in the mapping's order, that
covers it (boundary points count as inside: ``shapely.intersects_xy``, exact
point-in-polygon on a prepared private copy), or ``default`` when none does. Put the
strongest layer first, e.g. ``{"control": ..., "contested": ...}``. The layers
themselves are never prepared, so several threads may use them at once.

Counts are exact: a settlement is one point, so "30 settlements liberated" is
the number of points whose status went from ``"control"`` to anything else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import shapely

from frontlines.core.prepared import prepared_copy

__all__ = ["StatusChanges", "settlement_status", "status_changes"]


class StatusChanges(NamedTuple):
    """The points whose status differs between two maps (unpacks as a 3-tuple).

    Attributes
    ----------
    indices : numpy.ndarray
        Indices (into the input arrays) of the points that changed, ascending.
    from_status, to_status : numpy.ndarray
        Their status before and after (object arrays of str).
    """

    indices: np.ndarray
    from_status: np.ndarray
    to_status: np.ndarray

    def counts(self) -> dict[tuple[str, str], int]:
        """Number of points per ``(from, to)`` transition, most frequent first.

        Examples
        --------
        >>> from shapely.geometry import box
        >>> ch = status_changes([0.5, 1.5], [0.5, 0.5], {"control": box(0, 0, 2, 1)}, {"control": box(1, 0, 2, 1)})
        >>> ch.counts()
        {('control', 'none'): 1}
        """
        c = Counter(zip(self.from_status.tolist(), self.to_status.tolist()))
        return dict(c.most_common())


def settlement_status(
    lon: Any,
    lat: Any,
    layers: Mapping[str, Any],
    *,
    default: str = "none",
) -> np.ndarray:
    """Status label of each point: the first layer (in ``layers``' order) that covers it.

    Parameters
    ----------
    lon, lat : array-like of float
        Point coordinates in degrees, same shape.
    layers : mapping of str -> shapely geometry
        Layer name -> lon/lat geometry, strongest first. ``None`` or empty
        geometries cover nothing.
    default : str
        Status of points no layer covers.

    Returns
    -------
    numpy.ndarray
        Object array of str, the shape of ``lon``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> layers = {"control": box(0, 0, 1, 1), "contested": box(0, 0, 2, 1)}
    >>> settlement_status([0.5, 1.0, 1.5, 3.0], [0.5, 0.5, 0.5, 0.5], layers).tolist()
    ['control', 'control', 'contested', 'none']
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"lon and lat differ in shape: {x.shape} != {y.shape}")
    status = np.full(x.shape, default, dtype=object)
    todo = np.ones(x.shape, dtype=bool)
    for name, geom in layers.items():
        if geom is None or shapely.is_empty(geom) or not todo.any():
            continue
        xmin, ymin, xmax, ymax = shapely.bounds(geom)
        cand = todo & (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
        if not cand.any():
            continue
        hit = np.zeros(x.shape, dtype=bool)
        hit[cand] = shapely.intersects_xy(prepared_copy(geom), x[cand], y[cand])
        status[hit] = name
        todo &= ~hit
    return status


def status_changes(
    lon: Any,
    lat: Any,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    default: str = "none",
) -> StatusChanges:
    """The points whose status differs between two maps.

    Parameters
    ----------
    lon, lat : array-like of float
        Point coordinates in degrees.
    before, after : mapping of str -> shapely geometry
        Layers of the earlier and the later map, strongest first (see
        :func:`settlement_status`); they may name different layers.
    default : str
        Status of points no layer covers.

    Returns
    -------
    StatusChanges
        ``(indices, from_status, to_status)``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> idx, was, now = status_changes(
    ...     [0.5, 1.5, 2.5], [0.5, 0.5, 0.5],
    ...     {"control": box(0, 0, 2, 1)},
    ...     {"control": box(0, 0, 1, 1), "contested": box(1, 0, 3, 1)},
    ... )
    >>> idx.tolist(), was.tolist(), now.tolist()
    ([1, 2], ['control', 'none'], ['contested', 'contested'])
    """
    s0 = settlement_status(lon, lat, before, default=default).ravel()
    s1 = settlement_status(lon, lat, after, default=default).ravel()
    idx = np.flatnonzero(s0 != s1)
    return StatusChanges(idx, s0[idx], s1[idx])
