"""Several short edits along one ring, each overlaid in a window of its own (issue 18).

:func:`frontlines.core.windows.edit_windows` splits a one-run edit (:func:`frontlines.core.measure.edit_window`)
into the runs of edges that are not shared; the change computed window by window must be the
plain overlay of the two whole polygons (``shapely.difference``), on synthetic redraws and on
real consecutive DeepState history snapshots.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from frontlines.core import measure
from frontlines.core.measure import change_parts, dissolve
from frontlines.core.windows import MAX_EDIT_WINDOWS, edit_windows


def _star(radii: np.ndarray) -> Polygon:
    t = 2 * np.pi * np.arange(len(radii)) / len(radii)
    return Polygon(np.column_stack([35 + radii * np.cos(t), 48 + 0.6 * radii * np.sin(t)]))


def _disjoint(boxes: np.ndarray) -> bool:
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                return False
    return True


def test_two_edits_give_two_windows_that_hold_the_change() -> None:
    radii = np.ones(400)
    later = radii.copy()
    later[20:25] = 1.2  # two edits far apart along the ring
    later[300:304] = 0.8
    a, b = _star(radii), _star(later)
    got = measure._edit_window_or_windows(a, b)
    assert isinstance(got, np.ndarray) and got.shape == (2, 4) and _disjoint(got)
    gained, lost = change_parts({"a": a}, {"b": b})
    assert abs(gained.area - shapely.difference(b, a).area) <= 1e-12
    assert abs(lost.area - shapely.difference(a, b).area) <= 1e-12
    assert shapely.symmetric_difference(gained, shapely.difference(b, a)).area <= 1e-12


def test_same_edges_give_no_window() -> None:
    run = np.array([(30.0, 48.0), (31.0, 48.5), (32.0, 48.0)])
    assert edit_windows(run, run[::-1].copy(), 0.0).shape == (0, 4)  # direction does not matter


def test_too_many_windows_give_none() -> None:
    xs = np.arange(0.0, 3 * (MAX_EDIT_WINDOWS + 4), 1.0)
    a = np.column_stack([30 + xs, np.full(len(xs), 48.0)])
    b = a.copy()
    b[2:-1:3, 1] += 0.5  # every third vertex moved: a shared edge between the runs, boxes apart
    assert edit_windows(a, b, 0.0) is None
    few = a.copy()
    few[2:3 * 4:3, 1] += 0.5
    assert edit_windows(a, few, 0.0).shape == (4, 4)


@settings(max_examples=60, deadline=None)
@given(st.integers(220, 600), st.integers(0, 2**31 - 1), st.lists(st.tuples(st.floats(0.02, 0.95), st.integers(1, 12)),
                                                                  min_size=2, max_size=6))
def test_several_edits_equal_the_plain_difference(n, seed, edits) -> None:
    rng = np.random.default_rng(seed)
    radii = 1.0 + 0.3 * rng.random(n)
    later = radii.copy()
    for where, length in edits:  # short runs along the ring; the first vertex is kept
        start = max(1, int(where * n))
        later[start:min(n - 1, start + length)] = 1.0 + 0.3 * rng.random(min(n - 1, start + length) - start)
    a, b = _star(radii), _star(later)
    if not (a.is_valid and b.is_valid) or a.equals_exact(b, 0.0):
        return
    window = measure._edit_window_or_windows(a, b)
    assert window is not None
    if isinstance(window, np.ndarray):
        assert _disjoint(window)
    gained, lost = measure._window_difference(b, a, window), measure._window_difference(a, b, window)
    want_gained, want_lost = shapely.difference(b, a), shapely.difference(a, b)
    scale = max(a.area, 1.0)
    assert shapely.symmetric_difference(gained, want_gained).area <= 1e-9 * scale
    assert shapely.symmetric_difference(lost, want_lost).area <= 1e-9 * scale


def _history_layers(folder: Path, names: list[str]) -> list[dict[str, object]]:
    import datetime as dt

    from frontlines.hashing import part_hash
    from frontlines.sources._geojson import PartCache
    from frontlines.sources._payloads import Payload
    from frontlines.sources.base import IngestOptions
    from frontlines.sources.registry import get_adapter

    adapter = get_adapter("deepstate-history")
    options = IngestOptions(now=dt.datetime.now(dt.timezone.utc))
    cache = PartCache()
    out = []
    for name in names:
        snap = adapter.parse(Payload(name, (folder / name).read_bytes()), cache=cache, options=options)
        cache.advance()
        parts = snap.layers[snap.primary]
        out.append({part_hash(shapely.to_wkb(g, output_dimension=2)): g for g in parts})
    return out


@pytest.mark.parametrize("start", [1030, 1300])
def test_real_history_steps_equal_the_plain_overlay(deepstate_history_dir: Path, start: int) -> None:
    """Consecutive real snapshots (2024-2025, where one edit often spans several short
    redraws of the front): every step equals the difference of the dissolved layers, and
    the split windows were used."""
    names = sorted(p.name for p in deepstate_history_dir.iterdir())[start:start + 12]
    layers = _history_layers(deepstate_history_dir, names)
    split = []
    real = measure._edit_window_or_windows

    def spy(a, b):
        got = real(a, b)
        split.append(isinstance(got, np.ndarray) and len(got) > 1)
        return got

    measure._edit_window_or_windows = spy
    try:
        steps = [change_parts(a, b) for a, b in zip(layers, layers[1:])]
    finally:
        measure._edit_window_or_windows = real
    assert any(split)
    for (a, b), (gained, lost) in zip(zip(layers, layers[1:]), steps):
        ua, ub = dissolve(list(a.values())), dissolve(list(b.values()))
        want_gained, want_lost = shapely.difference(ub, ua), shapely.difference(ua, ub)
        assert shapely.symmetric_difference(gained, want_gained).area <= 1e-9 * ub.area
        assert shapely.symmetric_difference(lost, want_lost).area <= 1e-9 * ub.area
