"""Distinct values of numpy arrays, without :func:`numpy.unique`'s import of ``numpy.ma``.

``numpy.unique`` (numpy 2.3+), asked for the values only, checks for a masked array with
``numpy.ma.is_masked``, which imports ``numpy.ma`` on first use: ~30 ms of a process's
first call, in the serial head of every ingest (the region tiles) and in cold queries.
"""

from __future__ import annotations

import numpy as np

__all__ = ["unique", "unique_rows"]


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
