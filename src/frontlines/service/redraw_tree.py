"""A hierarchy of redraw-piece unions, so that any window's redraw ground is a few unions away.

The steps of a timeline (position ``p`` = the step into ``sel.timeline[p]``) are grouped
into aligned *nodes*: node ``(level, block)`` covers positions
``block * BRANCH**level .. (block + 1) * BRANCH**level - 1``. A node holds, per stored
``(direction, reason)`` of the redraw pieces of its steps, their union (lon/lat).
Level 0 is one step (its pieces, read from the redraw rows); higher levels are the
union of their ``BRANCH`` children. A window ``(lo, hi]`` is covered exactly by at most
``2 * (BRANCH - 1)`` nodes per level (:func:`window_nodes`), so about two dozen unions
stand for the thousands of pieces of a long window.

The whole nodes of level >= 1 (the last, partial block of each level is never part of a
window) are written by ``frontlines derive --redraws`` (and the CLI's ingest) beside the
redraw rows (store table ``redraw_unions``, one opaque row per
source and layer, schema 7). Each stored node carries a *basis*: the digest of the
(snapshot, predecessor) pairs of its steps and of the rules. A node is used only while
its basis matches the timeline; otherwise (and for stores without the table's row) it is
built in memory from the steps' pieces and kept in ``store.cache``. The figures are the
same either way: a node is the union of exactly the pieces it covers.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import orjson
import shapely

from frontlines.core.measure import polygonal
from frontlines.service.selection import Selection
from frontlines.service.threads import DEFAULT_THREADS, thread_map
from frontlines.store import StoreReader, StoreWriter

__all__ = ["BRANCH", "Node", "TreeReader", "build_tree", "decode_tree", "encode_tree", "levels", "node_basis",
           "node_span", "union", "window_nodes"]

#: Children per node.
BRANCH = 4

#: Key of a node's geometries: (stored direction, reason).
Key = tuple[str, str]
#: One node's content: key -> WKB of the union of its pieces of that key.
Node = dict[Key, bytes]

#: Grid (degrees, ~0.1 mm) of the snap-rounded union when the plain one fails.
GRID = 1e-9


def union(geoms: Sequence[Any]) -> Any:
    """Polygonal union of geometries (snap-rounded to :data:`GRID` when the plain overlay fails)."""
    arr = np.asarray(list(geoms), dtype=object)
    if len(arr) == 1:
        return arr[0]
    try:
        out = shapely.union_all(arr)
    except shapely.errors.GEOSException:
        out = shapely.union_all(arr, grid_size=GRID)
    return polygonal(out)


def window_nodes(lo: int, hi: int) -> list[tuple[int, int]]:
    """The nodes ``(level, block)`` that cover positions ``lo + 1 .. hi`` exactly (none when hi <= lo).

    >>> window_nodes(0, 9)  # steps 1..9: 1, 2, 3 alone, 4..7 as one node, 8, 9 alone
    [(0, 1), (0, 2), (0, 3), (1, 1), (0, 8), (0, 9)]
    >>> window_nodes(3, 3)
    []
    """
    out: list[tuple[int, int]] = []
    a, b = lo + 1, hi + 1  # half-open [a, b)
    while a < b:
        level = 0
        while a % (BRANCH ** (level + 1)) == 0 and a + BRANCH ** (level + 1) <= b:
            level += 1
        out.append((level, a // BRANCH**level))
        a += BRANCH**level
    return sorted(out, key=lambda n: n[1] * BRANCH ** n[0])


def node_span(level: int, block: int, n: int) -> range:
    """Timeline positions of a node's steps (cut at ``n``, the timeline's length; position 0 has no step)."""
    size = BRANCH**level
    return range(max(block * size, 1), min((block + 1) * size, n))


def node_basis(sel: Selection, level: int, block: int, rules_digest: str) -> str:
    """Digest of the (snapshot, predecessor) pairs of a node's steps and of the rules."""
    ids = [sid for sid, _, _ in sel.timeline]
    span = node_span(level, block, len(ids))
    h = hashlib.sha256(rules_digest.encode())
    h.update(struct.pack(f"<{2 * len(span)}q", *[v for p in span for v in (ids[p], ids[p - 1])]))
    return h.hexdigest()[:16]


def levels(n: int) -> int:
    """Number of levels above 0 a timeline of ``n`` snapshots needs (its top node covers it all)."""
    top = 0
    while BRANCH**top < n:
        top += 1
    return top


# --------------------------------------------------------------------------- storage format
def encode_tree(nodes: dict[tuple[int, int], tuple[str, Node]]) -> bytes:
    """One blob: an 8-byte header length, a JSON header (per node: level, block, basis and the
    offsets of its WKBs) and the WKBs."""
    head, blobs, off = [], [], 0
    for (level, block), (basis, content) in sorted(nodes.items()):
        entries = []
        for (direction, reason), wkb in sorted(content.items()):
            entries.append([direction, reason, off, len(wkb)])
            blobs.append(wkb)
            off += len(wkb)
        head.append([level, block, basis, entries])
    header = orjson.dumps({"branch": BRANCH, "nodes": head})
    return struct.pack("<q", len(header)) + header + b"".join(blobs)


def decode_tree(data: bytes) -> dict[tuple[int, int], tuple[str, Node]]:
    """The nodes of :func:`encode_tree`'s blob (an empty dict for another branching)."""
    (size,) = struct.unpack_from("<q", data, 0)
    header = orjson.loads(data[8 : 8 + size])
    if header.get("branch") != BRANCH:
        return {}
    base = 8 + size
    view = memoryview(data)
    return {(level, block): (basis, {(d, r): bytes(view[base + o : base + o + k]) for d, r, o, k in entries})
            for level, block, basis, entries in header["nodes"]}


# --------------------------------------------------------------------------- reading
class TreeReader:
    """The nodes of one selection's timeline under one set of rules: stored ones whose basis
    matches, else built in memory (both kept in ``store.cache``).

    Parameters
    ----------
    step_pieces : callable
        ``step_pieces(positions) -> {position: {key: [geometry, ...]}}``: the redraw pieces
        of the steps into those timeline positions (level 0).
    """

    def __init__(self, store: StoreReader, sel: Selection, digest: str,
                 step_pieces: Callable[[Sequence[int]], dict[int, dict[Key, list[Any]]]]) -> None:
        self.store, self.sel, self.digest, self._step_pieces = store, sel, digest, step_pieces
        self.n = len(sel.timeline)
        self._tag = (store.data_version, sel.source, str(sel.layer), digest)

    def _stored(self) -> dict[tuple[int, int], tuple[str, Node]]:
        def load() -> dict[tuple[int, int], tuple[str, Node]]:
            row = self.store.redraw_unions(self.sel.source, self.sel.layer)
            if row is None or row[0] != self.digest:
                return {}
            return decode_tree(row[1])

        return self.store.cache.get_or_compute(("redraw-tree",) + self._tag, load)

    def nodes(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], dict[Key, Any]]:
        """Geometries (key -> union, lon/lat; shared: never prepare them) of the wanted nodes."""
        wanted = list(wanted)
        out: dict[tuple[int, int], dict[Key, Any]] = {}
        leaves = [block for level, block in wanted if level == 0]
        if leaves:
            found = self._step_pieces(leaves)
            for p in leaves:
                out[(0, p)] = {k: union(v) for k, v in found.get(p, {}).items()}
        for node in wanted:
            if node[0] > 0:
                out[node] = self.store.cache.get_or_compute(("redraw-node",) + self._tag + node,
                                                            lambda node=node: self._node(*node))
        return out

    def _node(self, level: int, block: int) -> dict[Key, Any]:
        stored = self._stored().get((level, block))
        if stored is not None and stored[0] == node_basis(self.sel, level, block, self.digest):
            return {k: shapely.from_wkb(w) for k, w in stored[1].items()}
        children = [(level - 1, block * BRANCH + c) for c in range(BRANCH)]
        children = [c for c in children if node_span(*c, self.n)]
        acc: dict[Key, list[Any]] = {}
        for content in self.nodes(children).values():
            for k, g in content.items():
                acc.setdefault(k, []).append(g)
        return {k: union(v) for k, v in acc.items()}


# --------------------------------------------------------------------------- writing
def build_tree(store: StoreWriter, sel: Selection, digest: str,
               step_pieces: Callable[[Sequence[int]], dict[int, dict[Key, list[Any]]]],
               changed: set[int] | None = None) -> dict[tuple[int, int], tuple[str, Node]]:
    """Every whole node of level >= 1 of a timeline (one that ends inside it: the last, partial
    block of each level is never part of a window): the stored ones still valid (same basis,
    none of their steps in ``changed``) kept, the others built from their children.

    ``changed``: timeline positions whose redraw rows were just rewritten (None: none).
    """
    n = len(sel.timeline)
    row = store.redraw_unions(sel.source, sel.layer)
    old = decode_tree(row[1]) if row is not None and row[0] == digest else {}
    changed = changed or set()
    out: dict[tuple[int, int], tuple[str, Node]] = {}
    geoms: dict[tuple[int, int], dict[Key, Any]] = {}

    def fresh(level: int, block: int) -> bool:
        prev = old.get((level, block))
        return (prev is not None and prev[0] == node_basis(sel, level, block, digest)
                and not any(p in changed for p in node_span(level, block, n)))

    # the pieces of every step under a level-1 node to rebuild, read at once
    todo = [p for b in range(n // BRANCH) if not fresh(1, b) for p in node_span(1, b, n)]
    leaves = step_pieces(todo) if todo else {}

    def content(level: int, block: int) -> dict[Key, Any]:
        if (level, block) not in geoms:
            if level == 0:
                geoms[(level, block)] = _unions_by_key(leaves.get(block, {}))
            else:
                geoms[(level, block)] = {k: shapely.from_wkb(w) for k, w in out[(level, block)][1].items()}
        return geoms[(level, block)]

    # the steps' own unions (level 0) under the level-1 nodes to rebuild, in threads
    steps = [p for p in dict.fromkeys(todo) if p in leaves]
    for p, merged in zip(steps, thread_map(_unions_by_key, [leaves[p] for p in steps], DEFAULT_THREADS)):
        geoms[(0, p)] = merged
    for level in range(1, levels(n) + 1):
        size = BRANCH**level
        build: list[int] = []
        gathered: list[dict[Key, list[Any]]] = []
        for block in range(n // size):  # whole blocks only: a window never uses one that runs past the end
            if fresh(level, block):
                out[(level, block)] = old[(level, block)]
                continue
            acc: dict[Key, list[Any]] = {}
            for c in range(BRANCH):
                child = (level - 1, block * BRANCH + c)
                if not node_span(*child, n):
                    continue
                for k, g in content(*child).items():
                    acc.setdefault(k, []).append(g)
            build.append(block)
            gathered.append(acc)
        # a level's nodes are independent of one another: their unions in threads (GEOS releases the GIL)
        for block, node in zip(build, thread_map(_node_wkb, gathered, DEFAULT_THREADS)):
            out[(level, block)] = (node_basis(sel, level, block, digest), node)
            geoms[(level, block)] = {k: shapely.from_wkb(w) for k, w in node.items()}
    return out


def _unions_by_key(pieces: dict[Key, list[Any]]) -> dict[Key, Any]:
    """A step's pieces united by key (a level-0 node's content)."""
    return {k: union(v) for k, v in pieces.items()}


def _node_wkb(acc: dict[Key, list[Any]]) -> dict[Key, bytes]:
    """A node: the union of its children's geometries by key, as WKB (empty unions left out)."""
    return {k: shapely.to_wkb(u, output_dimension=2) for k, v in acc.items() if not shapely.is_empty(u := union(v))}
