"""The report's "Sources side by side": the report's source against every other source of the window.

For each other source that holds the report's layer and has a map at or before the
window's start, :func:`frontlines.service.compare.compare` gives the areas of both at
every period end, their difference and the agreement summary (exactly what
``frontlines compare --sources A,B --json`` prints for the same window, frequency and
time zone), and the geometry of their disagreement at the window's end for a map.
Members of a composite report source are left out (they are the same maps).
"""

from __future__ import annotations

from typing import Any

from frontlines.errors import FrontlinesError, SnapshotNotFoundError
from frontlines.results import SideBySideInputs
from frontlines.service import selection
from frontlines.service.compare import compare
from frontlines.sources.composite import COMPOSITES, composite
from frontlines.sources.registry import ADAPTERS
from frontlines.store import StoreReader
from frontlines.times import parse_user_time

__all__ = ["includes", "side_by_side"]


def includes(source: str) -> str:
    """What a source's control layer includes (Crimea, areas held before 2022, grey zone); ``""`` if unknown."""
    comp = composite(source)
    if comp is not None:
        parts = dict.fromkeys(includes(m) for m in comp.sources)
        return "; ".join(p for p in parts if p)
    return str(getattr(ADAPTERS.get(source), "includes", "") or "")


def _candidates(store: StoreReader, source: str) -> list[str]:
    stored = [name for name, *_ in store.sources()]
    names = [n for n in stored if n != source]
    comp = composite(source)
    if comp is not None:
        names = [n for n in names if n not in comp.sources]
    for c in COMPOSITES.values():  # a composite of the store stands in for its members next to another source
        if c.name != source and source not in c.sources and all(m in stored for m in c.sources):
            names = [n for n in names if n not in c.sources] + [c.name]
    return names


def side_by_side(store: StoreReader, *, source: str, layer: str, start: str, end: str, freq: str, tz: str,
                 frame: Any) -> list[SideBySideInputs]:
    """One :class:`SideBySideInputs` per other source covering ``[start, end]`` with the same layer.

    Parameters
    ----------
    frame : callable
        ``frame(geometries) -> (extent, furniture)``: the view of the disagreement map.
    """
    out = []
    t0 = parse_user_time(start, tz=tz, end_of_day=False)
    for other in _candidates(store, source):
        try:
            sel = selection.select(store, other, layer)
        except FrontlinesError:
            continue
        if sel.index_at(t0) is None:
            continue
        try:
            cmp = compare(store, sources=(source, other), start=start, end=end, freq=freq, layer=layer, tz=tz,
                          symdiff=False, geometry=True)
        except SnapshotNotFoundError:
            continue
        if not cmp.summary.get("compared"):
            continue
        extent, furniture = frame((cmp.only_a, cmp.only_b))
        out.append(SideBySideInputs(compare=cmp, extent=extent, furniture=furniture,
                                    includes={s: includes(s) for s in (source, other)}))
    return out
