"""The redraw-union hierarchy (schema 7) on every backend, and its opaque format."""

from __future__ import annotations

import random

import shapely

from frontlines.model import LayerKey
from frontlines.service.redraw_tree import (
    BRANCH,
    decode_tree,
    encode_tree,
    node_span,
    window_nodes,
)

LAYER = LayerKey("russia", "control")


def test_put_and_read_back(any_store):
    assert any_store.redraw_unions("src", LAYER) is None
    any_store.put_redraw_unions("src", LAYER, "digest", b"\x01\x02")
    assert any_store.redraw_unions("src", LAYER) == ("digest", b"\x01\x02")
    any_store.put_redraw_unions("src", LAYER, "other", b"\x03")  # replaces
    assert any_store.redraw_unions("src", LAYER) == ("other", b"\x03")
    assert any_store.redraw_unions("src", LayerKey("russia", "contested")) is None


def test_window_nodes_cover_each_step_once():
    rng = random.Random(7)
    n = 1400
    for lo, hi in [(0, n - 1), (0, 1), (3, 3), (1, 2 * BRANCH**3 + 5)] + [
            tuple(sorted(rng.sample(range(n), 2))) for _ in range(200)]:
        nodes = window_nodes(lo, hi)
        covered = sorted(p for level, block in nodes for p in node_span(level, block, n + BRANCH**6))
        assert covered == list(range(lo + 1, hi + 1))
        per_level: dict[int, int] = {}
        for level, _ in nodes:
            per_level[level] = per_level.get(level, 0) + 1
        assert all(k <= 2 * (BRANCH - 1) for k in per_level.values())  # a few dozen nodes for any window


def test_tree_blob_round_trip():
    a = shapely.to_wkb(shapely.box(0, 0, 1, 1))
    b = shapely.to_wkb(shapely.box(2, 2, 3, 4))
    nodes = {(1, 0): ("b0", {("gained", "sliver"): a, ("lost", "far-from-front"): b}), (2, 3): ("b1", {})}
    assert decode_tree(encode_tree(nodes)) == nodes
