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
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import shapely

from frontlines.core.prepared import prepared_copy

__all__ = ["StatusChanges", "StatusEvents", "covered_points", "settlement_status", "merge_events", "status_changes", "status_events"]


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


def covered_points(x: np.ndarray, y: np.ndarray, geom: Any) -> np.ndarray:
    """Indices (ascending) of the points ``geom`` covers (boundary included), as :func:`settlement_status` tests them."""
    if geom is None or shapely.is_empty(geom):
        return np.zeros(0, dtype=np.int32)
    xmin, ymin, xmax, ymax = shapely.bounds(geom)
    cand = np.flatnonzero((x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax))
    if cand.size == 0:
        return cand.astype(np.int32)
    hit = shapely.intersects_xy(prepared_copy(geom), x[cand], y[cand])
    return cand[hit].astype(np.int32)


class StatusEvents(NamedTuple):
    """Every change of status of every point along a timeline (the settlement index).

    Attributes
    ----------
    position, point, code : numpy.ndarray
        int32 arrays, one entry per change, sorted by position: at timeline position
        ``position[k]`` point ``point[k]`` took status ``labels[code[k]]``. Position 0
        lists every point whose status is not the default (code 0).
    labels : tuple of str
        Status labels; ``labels[0]`` is the default.
    """

    position: np.ndarray
    point: np.ndarray
    code: np.ndarray
    labels: tuple[str, ...]

    def status_at(self, pos: int, n: int) -> np.ndarray:
        """Codes (int array of ``n`` points) at timeline position ``pos``."""
        return self.code_at(pos, n)[0]

    def code_at(self, pos: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(codes, index of each point's latest event at or before ``pos``, -1 for none)."""
        upto = int(np.searchsorted(self.position, pos, side="right"))
        last = np.full(n, -1, dtype=np.int64)
        np.maximum.at(last, self.point[:upto], np.arange(upto))
        codes = np.where(last >= 0, self.code[np.maximum(last, 0)], 0)
        return codes, last


def status_events(
    lon: Any,
    lat: Any,
    states: Iterable[Sequence[Mapping[str, Any]]],
    *,
    labels: tuple[str, ...] = ("none", "control", "contested"),
    start: np.ndarray | None = None,
    first_position: int = 0,
) -> StatusEvents:
    """The changes of status of points along a timeline of maps given as parts.

    Parameters
    ----------
    lon, lat : array-like of float
        The points.
    states : iterable of sequences of mappings
        One entry per timeline position: for each status of ``labels[1:]`` (strongest
        first), a mapping part key -> part geometry (lon/lat). A point has the first
        status one of whose parts covers it: covering the union of parts is covering one
        of them, so the result is :func:`settlement_status` of the dissolved layers
        without dissolving. Parts are tested once per key (keys are content hashes).
    labels : tuple of str
        Default label first, then the labels of the entries of each state.
    start : numpy.ndarray, optional
        Codes of the points just before the first state (default: all ``labels[0]``).
    first_position : int
        Position of the first state (to extend an index).

    Returns
    -------
    StatusEvents

    Examples
    --------
    >>> from shapely.geometry import box
    >>> ev = status_events([0.5, 1.5], [0.5, 0.5], [
    ...     [{"a": box(0, 0, 1, 1)}, {}],
    ...     [{"a": box(0, 0, 1, 1)}, {"b": box(1, 0, 2, 1)}],
    ...     [{}, {"b": box(1, 0, 2, 1)}]])
    >>> ev.position.tolist(), ev.point.tolist(), [ev.labels[c] for c in ev.code]
    ([0, 1, 2], [0, 1, 0], ['control', 'contested', 'none'])
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    n = len(x)
    cover: dict[Any, np.ndarray] = {}
    prev = np.zeros(n, dtype=np.int8) if start is None else np.asarray(start, dtype=np.int8).copy()
    out_pos: list[np.ndarray] = []
    out_pt: list[np.ndarray] = []
    out_code: list[np.ndarray] = []
    for k, state in enumerate(states):
        cur = np.zeros(n, dtype=np.int8)
        # weakest first, so that the strongest status is written last
        for code in range(len(state), 0, -1):
            parts = state[code - 1]
            hits = []
            for key, geom in parts.items():
                idx = cover.get(key)
                if idx is None:
                    idx = cover[key] = covered_points(x, y, geom)
                hits.append(idx)
            if hits:
                cur[np.concatenate(hits)] = code
        changed = np.flatnonzero(cur != prev).astype(np.int32)
        if changed.size:
            out_pos.append(np.full(changed.size, first_position + k, dtype=np.int32))
            out_pt.append(changed)
            out_code.append(cur[changed].astype(np.int32))
        prev = cur
    empty = np.zeros(0, dtype=np.int32)
    return StatusEvents(
        np.concatenate(out_pos) if out_pos else empty,
        np.concatenate(out_pt) if out_pt else empty,
        np.concatenate(out_code) if out_code else empty,
        tuple(labels),
    )


def merge_events(head: StatusEvents, tail: StatusEvents) -> StatusEvents:
    """``head`` followed by ``tail`` (whose positions all come after ``head``'s)."""
    return StatusEvents(np.concatenate([head.position, tail.position]), np.concatenate([head.point, tail.point]),
                        np.concatenate([head.code, tail.code]), head.labels)
