"""``core.arrays``: numpy.unique's and numpy.percentile's answers without importing numpy.ma."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from frontlines.core.arrays import percentile, unique, unique_rows


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


@pytest.mark.parametrize("seed", range(3))
def test_percentile_equals_numpy_percentile_bit_for_bit(seed: int) -> None:
    """Random arrays of 1-60 values over seven orders of magnitude, a third with infinities (the depth's
    percentile puts samples it need not measure at -inf / +inf), some with a NaN; seven percentiles."""
    rng = np.random.default_rng(seed)
    for trial in range(2000):
        n = int(rng.integers(1, 60))
        values = rng.normal(size=n) * 10.0 ** rng.integers(-3, 4)
        if trial % 3 == 0:
            at = rng.integers(0, n, size=rng.integers(0, n + 1))
            values[at] = np.where(rng.random(len(at)) < 0.5, -np.inf, np.inf)
        if trial % 97 == 0:
            values[rng.integers(0, n)] = np.nan
        for q in (90, 50, 10, 99, 0, 100, 33.3):
            with np.errstate(invalid="ignore"):
                expected = float(np.percentile(values, q))
            got = percentile(values.copy(), q)
            assert got == expected or (math.isnan(got) and math.isnan(expected)), (values.tolist(), q)


def test_none_imports_numpy_ma() -> None:
    code = ("import sys, numpy as np; from frontlines.core.arrays import percentile, unique, unique_rows; "
            "unique(np.array([2, 1, 2])); unique_rows(np.zeros((3, 2))); percentile(np.arange(5.0), 90); "
            "print('numpy.ma' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
