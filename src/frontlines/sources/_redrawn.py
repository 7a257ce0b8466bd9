"""A feature's polygons read again only where the text of its coordinates changed.

Some sources publish each map as a few large features (DeepState's daily files: one
MultiPolygon of ~11 polygons and ~2,900 vertices), and from one day to the next one or two
of those polygons change, along one run of vertices. Parsing the whole document and building
every polygon again cost most of such an ingest. This module reads a document's structure
without its coordinates (:func:`coordinate_spans`, :func:`skeleton`) and the polygons of a
feature against the same feature of the previous document (:func:`redraw`):

- a polygon whose text is byte for byte one of the previous feature's keeps that polygon
  (the same object: it is neither built, checked nor hashed again);
- a changed polygon is compared with the previous polygon it redraws (the one no longer drawn
  whose text starts or ends the same way, else the one at its place): only the positions
  between their longest common prefix and suffix of text (and one more on each side) are
  parsed, the others are taken from the previous polygon's arrays as read;
- any other polygon is parsed whole.

Why the result is the one a full parse gives. Positions hold no brackets, so the positions
and rings of a polygon's text are found from its brackets alone (:func:`_Brackets`). Inside the
common prefix the two texts are the same bytes at the same depth of nesting, so every position
that ends there is the same numbers in the same ring; inside the common suffix the same holds
counting from the end (a valid text closes every bracket it opens). What lies between, from
the last position of the prefix to the first of the suffix, is parsed by orjson, which checks
its syntax: separators and ring boundaries included. The text before and after that slice is
the previous text's, which was valid. The polygons built are checked as
:func:`~frontlines.sources._fastgeom.fast_polygon_parts_many` checks its own (closed rings of at
least four positions, finite longitude / latitude in range, valid, of positive area) and
oriented the same way; anything else returns ``None`` and the caller parses the document whole.
A spliced polygon differs from the valid one it redraws only inside the box of the positions
replaced (:func:`_window`), so its validity is looked at there first
(:func:`~frontlines.sources._fastgeom.checked_polygons`): on the 769 daily maps a cut of ~240
vertices instead of a polygon of ~1,900.

Pure functions and one frozen record; nothing is cached here (the caller keeps the previous :class:`Drawn`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import shapely

from frontlines.sources._fastgeom import checked_polygons, closed_ring, flat_positions, may_hold_booleans, polygon_rings

__all__ = ["SENTINEL", "Drawn", "coordinate_spans", "redraw", "skeleton"]

_KEY = b'"coordinates"'
_OPEN, _CLOSE = ord("["), ord("]")
_SPACE = b" \t\r\n"  # JSON's whitespace (bytes.strip() would also take \x0b and \x0c)
#: what replaces each coordinates value in :func:`skeleton` (a value the caller checks for)
SENTINEL = 0
#: a MultiPolygon's brackets and the first and last byte of one of its polygons (see :meth:`_Brackets.inner`)
_Within = tuple["_Brackets", int, int]
#: a box (xmin, ymin, xmax, ymax) outside which a polygon is the valid one it redraws, or None (see :func:`_window`)
Window = tuple[float, float, float, float] | None


@dataclass(frozen=True)
class Drawn:
    """The polygons of one clean Polygon or MultiPolygon feature, as read from its text.

    Attributes
    ----------
    kind : str
        ``"Polygon"`` or ``"MultiPolygon"``.
    texts : tuple of bytes
        Each polygon's text (a Polygon's: its whole coordinates value).
    rings : tuple of tuple of numpy.ndarray
        Each polygon's rings as read (every position's 2 or 3 numbers), not oriented.
    parts : tuple of shapely.Polygon
        Each polygon, oriented: the feature's parts.
    layouts : tuple
        The brackets of each polygon's text where they were found (a changed polygon), else None.
    """

    kind: str
    texts: tuple[bytes, ...]
    rings: tuple[tuple[np.ndarray, ...], ...]
    parts: tuple[Any, ...]
    layouts: tuple[_Brackets | None, ...]


class _Brackets:
    """The brackets of a JSON text of nested arrays of numbers, with their depth.

    ``at``: where each bracket is, in order; ``opens``: whether it is a ``[``; ``depth``: the
    depth after it (1 inside the outermost array, 0 once it closed).
    """

    __slots__ = ("at", "opens", "depth", "_spans")

    def __init__(self, text: bytes) -> None:
        b = np.frombuffer(text, np.uint8)
        self.at = np.flatnonzero((b == _OPEN) | (b == _CLOSE))
        self.opens = b[self.at] == _OPEN
        self.depth = np.cumsum(np.where(self.opens, 1, -1), dtype=np.int32)
        self._spans: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def inner(self, first: int, last: int) -> _Brackets:
        """The brackets of the array that opens at byte ``first`` and closes at byte ``last`` of the text, as
        ``_Brackets(text[first:last + 1])`` finds them (without reading those bytes again)."""
        i, j = (int(k) for k in np.searchsorted(self.at, [first, last + 1]))
        out = _Brackets.__new__(_Brackets)
        out.at, out.opens = self.at[i:j] - first, self.opens[i:j]
        out.depth = self.depth[i:j] - (self.depth[i] - 1)
        out._spans = {}
        return out

    def balanced(self, depth: int) -> bool:
        """One array whose deepest arrays are at ``depth``: the first byte opens it, only the last bracket closes it."""
        return (len(self.at) > 1 and self.at[0] == 0 and int(self.depth.min()) == 0 and self.depth[-1] == 0
                and int(np.count_nonzero(self.depth == 0)) == 1 and int(self.depth.max()) == depth)

    def spans(self, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """First and last byte of each array opened at ``depth`` (kept: a polygon's layout serves the next day too)."""
        found = self._spans.get(depth)
        if found is None:
            found = self._spans[depth] = (self.at[self.opens & (self.depth == depth)],
                                          self.at[~self.opens & (self.depth == depth - 1)])
        return found

    def closes_inside(self, depth: int, lo: int, hi: int) -> bool:
        """Whether an array of ``depth`` closes strictly between bytes ``lo`` and ``hi``."""
        i, j = np.searchsorted(self.at, [lo + 1, hi])
        return bool((~self.opens[i:j] & (self.depth[i:j] == depth - 1)).any())


def coordinate_spans(data: bytes) -> list[tuple[int, int]] | None:
    """Where each ``"coordinates"`` member's value lies in a JSON text: ``[start, end)`` byte ranges.

    ``None`` unless every such member's value is an array holding no string or object (it
    then ends at the last ``]`` before the next ``"``, ``{`` or ``}``, followed only by
    whitespace and at most one comma). The values' own syntax is not checked here.
    """
    spans: list[tuple[int, int]] = []
    at = data.find(_KEY)
    while at >= 0:
        colon = _after_space(data, at + len(_KEY))
        if data[colon : colon + 1] != b":":
            return None
        start = _after_space(data, colon + 1)
        if data[start : start + 1] != b"[":
            return None
        stop = min((k for k in (data.find(b'"', start), data.find(b"{", start), data.find(b"}", start)) if k >= 0),
                   default=len(data))
        end = data.rfind(b"]", start, stop) + 1
        if end <= start or data[end:stop].strip(_SPACE) not in (b"", b","):
            return None
        spans.append((start, end))
        at = data.find(_KEY, end)
    return spans


def _after_space(data: bytes, i: int) -> int:
    while data[i : i + 1] in (b" ", b"\t", b"\r", b"\n"):
        i += 1
    return i


def skeleton(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    """``data`` with each of ``spans`` (:func:`coordinate_spans`) replaced by ``0`` (:data:`SENTINEL`)."""
    pieces, at = [], 0
    for start, end in spans:
        pieces += (data[at:start], b"0")
        at = end
    pieces.append(data[at:])
    return b"".join(pieces)


def redraw(kind: str, text: bytes, before: Drawn | None, *, max_positions: int) -> Drawn | None:
    """The polygons of a Polygon / MultiPolygon feature from its coordinates ``text``, reusing ``before``.

    Parameters
    ----------
    kind : {"Polygon", "MultiPolygon"}
        The geometry's type.
    text : bytes
        Its coordinates value (one of :func:`coordinate_spans`).
    before : Drawn, optional
        The same feature in the previous document, or None.
    max_positions : int
        A feature with more positions is left to the full parse (which refuses it).

    Returns
    -------
    Drawn or None
        None when the feature is not that clean (the full parse then checks, repairs and names the problem).
    """
    if kind == "Polygon":
        texts, found = [text], [None]
    elif kind == "MultiPolygon":
        split = _polygon_texts(text)
        if split is None:
            return None
        texts, found = split
    else:
        return None
    if before is not None and before.kind != kind:
        before = None
    known: dict[bytes, int] = {}
    gone: list[int] = []  # the previous polygons not drawn again as they were
    if before is not None:
        now = set(texts)
        known = {t: k for k, t in enumerate(before.texts)}
        gone = [k for k, t in enumerate(before.texts) if t not in now]
    rings: list[tuple[np.ndarray, ...]] = []
    parts: list[Any] = []
    layouts: list[_Brackets | None] = []
    fresh: list[int] = []  # the polygons to build
    windows: list[Window] = []  # theirs (see _window)
    for k, t in enumerate(texts):
        j = known.get(t)
        if before is not None and j is not None:
            rings.append(before.rings[j])
            parts.append(before.parts[j])
            layouts.append(before.layouts[j])
            continue
        read = _read(before, gone, k, t, found[k])
        if read is None:
            return None
        rings.append(read[0])
        layouts.append(read[1])
        parts.append(None)
        fresh.append(k)
        windows.append(read[2])
    if sum(len(r) for poly in rings for r in poly) > max_positions:
        return None
    if fresh:
        built = _built([rings[k] for k in fresh], windows)
        if built is None:
            return None
        for k, polygon in zip(fresh, built):
            parts[k] = polygon
    return Drawn(kind, tuple(texts), tuple(rings), tuple(parts), tuple(layouts))


def _read(before: Drawn | None, gone: list[int], k: int, text: bytes,
          within: _Within | None) -> tuple[tuple[np.ndarray, ...], _Brackets | None, Window] | None:
    """The rings of changed polygon ``k``, its text's brackets and its window when found: spliced into those
    of the previous polygon it redraws when there is one, else parsed whole. ``within``: where the text's
    brackets were found already (those of the MultiPolygon holding it), else None. None: not that clean."""
    if before is not None:
        j = _counterpart(before, gone, k, text)
        if j is not None:
            layout = None if within is None else within[0].inner(within[1], within[2])
            spliced = _spliced(before.texts[j], before.rings[j], before.layouts[j], text, layout)
            if spliced is not None:
                return spliced
    whole = _parsed(text)
    return None if whole is None else (whole, None, None)


#: Bytes compared at either end of two polygons' texts to pair a changed polygon with its previous drawing.
_ENDS = 48


def _counterpart(before: Drawn, gone: list[int], k: int, text: bytes) -> int | None:
    """The previous polygon that ``text`` (polygon ``k``) most likely redraws, among those no longer drawn
    (``gone``): the one whose text starts, else ends, the same way, else the one at the same place."""
    for j in gone:
        if before.texts[j][:_ENDS] == text[:_ENDS]:
            return j
    for j in gone:
        if before.texts[j][-_ENDS:] == text[-_ENDS:]:
            return j
    return k if k in gone else None


def _polygon_texts(text: bytes) -> tuple[list[bytes], list[_Within]] | None:
    """Each polygon's text in a MultiPolygon's coordinates value, and where its brackets are (None: not
    one array of arrays of positions)."""
    br = _Brackets(text)
    if not br.balanced(4):
        return None
    starts, ends = br.spans(2)
    if len(starts) == 0 or len(starts) != len(ends):
        return None
    # the text between the polygons: "[" before the first, one comma between two, "]" after the last
    glue = [text[1 : starts[0]], *(text[e + 1 : s] for e, s in zip(ends[:-1].tolist(), starts[1:].tolist())),
            text[ends[-1] + 1 : -1]]
    if glue[0].strip(_SPACE) or glue[-1].strip(_SPACE) or any(g.strip(_SPACE) != b"," for g in glue[1:-1]):
        return None
    bounds = list(zip(starts.tolist(), ends.tolist()))
    return [text[s : e + 1] for s, e in bounds], [(br, s, e) for s, e in bounds]


def _parsed(text: bytes) -> tuple[np.ndarray, ...] | None:
    """A polygon's rings from its whole text."""
    if may_hold_booleans(text):  # orjson would read them as numbers' stand-ins (True == 1)
        return None
    try:
        coords = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return polygon_rings(coords)


def _common_ends(a: bytes, b: bytes) -> tuple[int, int]:
    """Lengths of the longest common prefix and suffix of ``a`` and ``b`` (not overlapping in the shorter)."""
    n = min(len(a), len(b))
    prefix = _first_true(np.frombuffer(a, np.uint8, n) != np.frombuffer(b, np.uint8, n))
    tail_a, tail_b = np.frombuffer(a, np.uint8, n, len(a) - n), np.frombuffer(b, np.uint8, n, len(b) - n)
    return prefix, min(_first_true(tail_a[::-1] != tail_b[::-1]), n - prefix)


def _first_true(flags: np.ndarray) -> int:
    """Index of the first True in ``flags``, or its length (``argmax`` stops at the first: ~6x ``flatnonzero``)."""
    i = int(flags.argmax()) if len(flags) else 0
    return i if len(flags) and flags[i] else len(flags)


def _spliced(old_text: bytes, old_rings: tuple[np.ndarray, ...], old: _Brackets | None,
             text: bytes, new: _Brackets | None = None) -> tuple[tuple[np.ndarray, ...], _Brackets, Window] | None:
    """A changed polygon's rings, its text's brackets and its :func:`_window`: the positions of its text
    that differ from ``old_text`` parsed, the others taken from ``old_rings`` (see the module's
    docstring); ``old`` / ``new``: the texts' brackets when known. None: parse it whole."""
    if len({r.shape[1] for r in old_rings}) != 1:
        return None
    prefix, suffix = _common_ends(old_text, text)
    old = _Brackets(old_text) if old is None else old
    new = _Brackets(text) if new is None else new
    if not new.balanced(3):
        return None
    old_starts, old_ends = old.spans(3)
    starts, ends = new.spans(3)
    flat_old = np.concatenate(old_rings)
    if len(old_starts) != len(flat_old) or len(starts) != len(ends) or len(starts) == 0:
        return None
    # positions that end inside the common prefix, and that start inside the common suffix: the same in both
    head = int(np.searchsorted(ends, prefix))
    tail = len(starts) - int(np.searchsorted(starts, len(text) - suffix))
    if head != int(np.searchsorted(old_ends, prefix)) \
            or tail != len(old_starts) - int(np.searchsorted(old_starts, len(old_text) - suffix)):
        return None
    # the slice parsed: from the last position of the prefix to the first of the suffix; at an end of
    # the text, from its first or to its last position when what lies beyond is common to both texts
    if (head == 0 and starts[0] > prefix) or (tail == 0 and len(text) - ends[-1] - 1 > suffix):
        return None
    first, last = max(head - 1, 0), min(len(starts) - tail, len(starts) - 1)
    lo, hi = int(starts[first]), int(ends[last]) + 1
    crosses = new.closes_inside(2, lo, hi)  # a ring ends inside the slice: it reads as arrays of positions
    wrap = 2 if crosses else 1
    if may_hold_booleans(text[lo:hi]):
        return None
    try:
        parsed = orjson.loads(b"[" * wrap + text[lo:hi] + b"]" * wrap)
    except orjson.JSONDecodeError:
        return None
    if crosses and not all(isinstance(fragment, list) for fragment in parsed):
        return None  # something else than a ring between two rings
    positions = list(itertools.chain.from_iterable(parsed)) if crosses else parsed
    if len(positions) != last - first + 1:
        return None
    middle = flat_positions(positions)
    if middle is None or middle.shape[1] != flat_old.shape[1]:
        return None
    keep = len(starts) - last - 1  # positions after the slice, the previous text's last ones
    flat = np.concatenate([flat_old[:first], middle, flat_old[len(flat_old) - keep:]])
    ring_ends = new.spans(2)[1]
    sizes = np.diff(np.searchsorted(starts, ring_ends), prepend=0)
    rings = tuple(np.split(flat, np.cumsum(sizes)[:-1]))
    return rings, new, _window(old_rings, flat_old, rings, flat, first, last, keep)


def _window(old_rings: tuple[np.ndarray, ...], flat_old: np.ndarray, rings: tuple[np.ndarray, ...],
            flat: np.ndarray, first: int, last: int, keep: int) -> tuple[float, float, float, float] | None:
    """A box outside which a spliced polygon's segments are the previous polygon's (None: not shown).

    The positions ``first`` .. ``last`` of ``flat`` replaced ``first`` .. ``len(flat_old) - keep - 1``
    of ``flat_old``, all in one ring (the rings are otherwise the same, position for position). Every
    segment drawn or removed has an end among those positions or their neighbours: their bounds,
    padded so that those segments lie strictly inside (see :func:`~frontlines.sources._fastgeom.checked_polygons`).
    """
    if len(rings) != len(old_rings):
        return None
    changed = [k for k, (a, b) in enumerate(zip(old_rings, rings)) if len(a) != len(b) or not np.array_equal(a, b)]
    if len(changed) != 1:
        return None
    k = changed[0]
    start = sum(len(r) for r in rings[:k])
    if not (start <= first and last < start + len(rings[k]) and len(flat_old) - keep <= start + len(old_rings[k])):
        return None
    drawn = flat[max(first - 1, 0) : last + 2, :2]
    removed = flat_old[max(first - 1, 0) : len(flat_old) - keep + 1, :2]
    both = np.concatenate([drawn, removed])
    (xmin, ymin), (xmax, ymax) = both.min(axis=0), both.max(axis=0)
    pad = 1e-9 * (1.0 + float(np.abs(both).max()))
    return float(xmin) - pad, float(ymin) - pad, float(xmax) + pad, float(ymax) + pad


def _built(polygons: list[tuple[np.ndarray, ...]], windows: list[Window]) -> list[Any] | None:
    """Oriented polygons from their rings, checked as the full parse's fast path checks its own
    (:func:`~frontlines.sources._fastgeom.checked_polygons`, a spliced polygon's validity inside its
    window; None when one fails: the full parse decides)."""
    rings = [r for poly in polygons for r in poly]
    if not all(closed_ring(r) for r in rings):
        return None
    polys, _, clean = checked_polygons(rings, [len(p) for p in polygons], windows=windows)
    if not clean.all():
        return None
    return list(shapely.orient_polygons(polys))
