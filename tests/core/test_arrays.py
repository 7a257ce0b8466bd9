"""``core.arrays``: numpy.unique's answers without its import of numpy.ma."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from frontlines.core.arrays import unique, unique_rows


@pytest.mark.parametrize("seed", range(5))
def test_unique_equals_numpy_unique(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for values in (rng.integers(-5, 5, size=200), rng.integers(0, 3, size=(4, 7)), rng.normal(size=50).round(1),
                   np.array([], dtype=np.int64), np.array([7])):
        got, expected = unique(values), np.unique(values)
        assert got.dtype == expected.dtype
        assert np.array_equal(got, expected)


@pytest.mark.parametrize("seed", range(5))
def test_unique_rows_equals_numpy_unique_by_row(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, 4, size=(300, 2)).astype(float) / 2  # many repeats, ties in x
    assert np.array_equal(unique_rows(rows), np.unique(rows, axis=0))
    for few in (rows[:0], rows[:1]):
        assert np.array_equal(unique_rows(few), np.unique(few, axis=0))


def test_neither_imports_numpy_ma() -> None:
    code = ("import sys, numpy as np; from frontlines.core.arrays import unique, unique_rows; "
            "unique(np.array([2, 1, 2])); unique_rows(np.zeros((3, 2))); print('numpy.ma' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
