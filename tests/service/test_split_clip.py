"""Region clips shared with a forked process give the figures of one process, bit for bit, and Geod's."""

from __future__ import annotations

import os

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from frontlines.core.geodesy import geodesic_area_km2
from frontlines.core.regions import RegionLayer, clip_areas
from frontlines.service import split_clip as sc


def _layer(large: bool) -> RegionLayer:
    """Four regions around (36, 48); ``large``: many vertices each (clipped tile by tile)."""
    step = 0.002 if large else 1.0
    regions = [box(35, 47, 36, 48), box(36, 47, 37, 48), box(35, 48, 36, 49), box(36, 48, 37, 49)]
    dense = [shapely.segmentize(r, step) for r in regions]
    return RegionLayer("squares", ("A", "B", "C", "D"), ("a", "b", "c", "d"), np.array(dense, dtype=object))


def _geoms(n: int) -> list:
    rng = np.random.default_rng(7)
    out = []
    for k in range(n):
        x, y = 35.2 + 1.6 * rng.random(), 47.2 + 1.6 * rng.random()
        g = shapely.Point(x, y).buffer(0.02 + 0.3 * rng.random() ** 3, 8)
        if k % 5 == 0:  # multi-part, across borders
            g = shapely.union(g, shapely.Point(x + 0.35, y - 0.3).buffer(0.05, 8))
        out.append(g)
    out[3] = shapely.Polygon()  # empty: zeros
    out[10] = box(35.1, 47.1, 36.9, 48.9)  # nearly everything: meets every tile
    return out


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
@pytest.mark.parametrize("large", [False, True])
def test_shared_batches_are_those_of_one_process(monkeypatch: pytest.MonkeyPatch, large: bool) -> None:
    monkeypatch.setattr(sc, "MIN_SPLIT", 16)
    layer = _layer(large)
    geoms = _geoms(60)
    alone = clip_areas(layer, geoms)
    with sc.split_clip(layer, workers=2) as clip_many:
        shared = clip_many(geoms)
        again = clip_many(geoms[:40])  # the helper is reused
        small = clip_many(geoms[:8])  # under MIN_SPLIT: here
    assert shared.shape == (60, 4) and np.array_equal(shared, alone)  # bit for bit
    assert np.array_equal(again, alone[:40]) and np.array_equal(small, alone[:8])
    assert sc._LAYER is None  # the context is closed
    for g, row in zip(geoms, shared):
        for region, got in zip(layer.geometries, row):
            piece = shapely.intersection(g, region)
            assert got == pytest.approx(geodesic_area_km2(shapely.segmentize(piece, 0.002)), rel=2e-5, abs=1e-9)
    assert not shared[3].any() and shared[10].sum() == pytest.approx(geodesic_area_km2(
        shapely.segmentize(geoms[10], 0.002)), rel=2e-5)


def test_the_helper_process_is_forked_and_ends_with_the_context(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(sc, "MIN_SPLIT", 16)
    real = sc.clip_areas
    log = tmp_path / "pids"

    def spy(layer: RegionLayer, geoms) -> np.ndarray:  # inherited by the forked helper
        with log.open("a") as f:
            f.write(f"{os.getpid()} {len(geoms)}\n")
        return real(layer, geoms)

    monkeypatch.setattr(sc, "clip_areas", spy)
    layer = _layer(False)
    geoms = _geoms(30)
    with sc.split_clip(layer, workers=2) as clip_many:
        got = clip_many(geoms)
    assert np.array_equal(got, real(layer, geoms))
    calls = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
    assert len(calls) == 2 and sum(n for _, n in calls) == 30  # each half clipped once
    pids = {pid for pid, _ in calls}
    helper = (pids - {os.getpid()}).pop()
    assert os.getpid() in pids
    with pytest.raises(ProcessLookupError):
        os.kill(helper, 0)  # the helper has exited
    log.unlink()
    with sc.split_clip(layer, workers=1) as clip_many:  # one worker: no process, plain clip_areas
        assert np.array_equal(clip_many(geoms), real(layer, geoms))
    assert {int(line.split()[0]) for line in log.read_text().splitlines()} == {os.getpid()}


def test_a_small_batch_of_many_vertices_is_shared(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Fewer than MIN_SPLIT geometries but MIN_SPLIT_VERTICES vertices (large ISW steps): two processes clip."""
    real = sc.clip_areas
    log = tmp_path / "pids"

    def spy(layer: RegionLayer, geoms) -> np.ndarray:
        with log.open("a") as f:
            f.write(f"{os.getpid()} {len(geoms)}\n")
        return real(layer, geoms)

    monkeypatch.setattr(sc, "clip_areas", spy)
    layer = _layer(True)
    geoms = [shapely.segmentize(g, 0.001) for g in _geoms(12)]
    vertices = int(shapely.get_num_coordinates(np.array(geoms, dtype=object)).sum())
    monkeypatch.setattr(sc, "MIN_SPLIT_VERTICES", vertices)  # exactly enough
    with sc.split_clip(layer, workers=2) as clip_many:
        got = clip_many(geoms)
        few = clip_many(geoms[:6])  # fewer vertices: clipped here alone
        one = clip_many(geoms[:1])
    assert np.array_equal(got, real(layer, geoms)) and np.array_equal(few, got[:6]) and np.array_equal(one, got[:1])
    calls = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
    assert len({pid for pid, _ in calls[:2]}) == 2 and sum(n for _, n in calls[:2]) == 12  # shared
    assert calls[2:] == [(os.getpid(), 6), (os.getpid(), 1)]
