"""Distinct values and percentiles of numpy arrays, without importing ``numpy.ma``.

``numpy.unique`` (numpy 2.3+), asked for the values only, checks for a masked array with
``numpy.ma.is_masked``, which imports ``numpy.ma`` on first use: ~30 ms of a process's
first call, in the serial head of every ingest (the region tiles) and in cold queries.
``numpy.percentile`` calls ``numpy.unique`` (the depth of an advance: its 90th percentile).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["percentile", "unique", "unique_rows"]


def unique(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an array (flattened), as ``numpy.unique(values)``.

    Examples
    --------
    >>> unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    >>> unique(np.array([], dtype=int)).tolist()
    []
    """
    ordered = np.sort(np.ravel(values))
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def unique_rows(rows: np.ndarray) -> np.ndarray:
    """The distinct rows of a 2-D array in lexicographic order, as ``numpy.unique(rows, axis=0)``.

    Examples
    --------
    >>> unique_rows(np.array([[1.0, 2.0], [0.0, 5.0], [1.0, 2.0], [1.0, 0.0]])).tolist()
    [[0.0, 5.0], [1.0, 0.0], [1.0, 2.0]]
    """
    if len(rows) < 2:
        return rows.copy()
    ordered = rows[np.lexsort(rows.T[::-1])]
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.any(ordered[1:] != ordered[:-1], axis=1, out=keep[1:])
    return ordered[keep]


def percentile(values: np.ndarray, q: float) -> float:
    """``numpy.percentile(values, q)`` of a 1-D float array (its default, linear method), bit for bit.

    The same arithmetic as numpy's: the ``(n - 1) * q / 100``-th value interpolated between its two
    neighbours in order, from the nearer one (``b - (b - a) * (1 - t)`` when ``t >= 0.5``); NaN
    when a value is NaN.

    Examples
    --------
    >>> percentile(np.array([1.0, 2.0, 3.0, 4.0]), 90)
    3.7
    >>> percentile(np.array([5.0]), 90)
    5.0
    """
    n = len(values)
    virtual = (n - 1) * (q / 100)
    if virtual >= n - 1:
        lo = hi = n - 1
    else:
        lo = math.floor(virtual)
        hi = lo + 1
    ordered = np.partition(values, [lo, hi, n - 1])
    if np.isnan(ordered[-1]):  # NaN sorts last
        return math.nan
    a, b = float(ordered[lo]), float(ordered[hi])
    t = virtual - lo
    step = b - a
    return b - step * (1 - t) if t >= 0.5 else a + step * t
