"""Selection: which source, layer and snapshot a question is about.

Each analytic function returns a JSON-ready ``dict`` whose schema is documented in
the README; the CLI's ``--json`` prints exactly this, and the HTTP API returns it.

Time semantics
    The *state at T* of a (source, layer) is the latest snapshot holding that layer
    published at or before T. A bare date ``2025-01-01`` means the end of that day
    (23:59:59) in UTC unless ``tz`` says otherwise. Series periods are closed-open.
    Times are map times (:attr:`frontlines.model.SnapshotInfo.map_time`): the time of
    the map a snapshot shows, not when it was fetched.
Source and layer defaults
    Without ``source``, the store's only source is used; with several, the one with
    the most snapshots, or the composite source it is a member of when the store holds
    every member (DeepState history and daily files: ``deepstate``). Without ``layer``,
    the source's primary layer.
Composite sources
    A name of :data:`frontlines.sources.composite.COMPOSITES` (e.g. ``deepstate``) that is
    not a stored source selects the members' snapshots, each in its window of map time.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frontlines.errors import (
    LayerError,
    SnapshotNotFoundError,
    StoreError,
    UsageError,
)
from frontlines.model import LayerKey
from frontlines.sources.composite import COMPOSITES, CompositeSource, composite
from frontlines.store import StoreReader, StoreWriter
from frontlines.store import open_reader as _open_reader
from frontlines.store import open_writer as _open_writer
from frontlines.store.location import resolve_store
from frontlines.times import parse_user_time, utc_text

__all__ = [
    "Selection",
    "TimeLike",
    "open_reader",
    "open_writer",
    "select",
    "snapshots",
    "sources",
    "state_at",
    "user_time",
]

TimeLike = str | dt.date | dt.datetime


def open_reader(path: str | Path | None = None) -> StoreReader:
    """Open an existing store read-only; ``None`` means ``$FRONTLINES_STORE``, the settings file or the default path.

    Creates and writes nothing; a missing store is a :class:`StoreError` naming the path.
    """
    return _open_reader(resolve_store(path))


def open_writer(path: str | Path | None = None, *, create: bool = True) -> StoreWriter:
    """Open a store for writing (ingest, reindex, derive), creating it unless ``create`` is false."""
    return _open_writer(resolve_store(path), create=create)


def user_time(value: TimeLike | None, tz: str, *, name: str) -> dt.datetime:
    if value is None:
        raise UsageError(f"missing {name} time")
    return parse_user_time(value, tz=tz)


@dataclass(frozen=True)
class Selection:
    """A resolved (source, layer) and its timeline."""

    source: str
    layer: LayerKey
    timeline: list[tuple[int, dt.datetime, float | None]]
    #: Member sources when ``source`` is a composite (oldest first), else empty.
    members: tuple[str, ...] = ()

    @functools.cached_property
    def times(self) -> list[dt.datetime]:
        """Map times, ascending (made once per selection: the timeline never changes; do not modify)."""
        return [t for _, t, _ in self.timeline]

    @functools.cached_property
    def position(self) -> dict[int, int]:
        """Snapshot id -> its position in the timeline (made once per selection; do not modify)."""
        return {sid: i for i, (sid, _, _) in enumerate(self.timeline)}

    @functools.cached_property
    def area_of(self) -> dict[int, float | None]:
        """Snapshot id -> its area km² (made once per selection; do not modify)."""
        return {sid: area for sid, _, area in self.timeline}

    @functools.cached_property
    def cadence_days(self) -> float:
        """Median interval (days) between consecutive map times; 1.0 with fewer than two snapshots
        (see :func:`frontlines.service.freshness.cadence_days`; made once per selection)."""
        times = self.times
        gaps = [(b - a).total_seconds() / 86400.0 for a, b in zip(times, times[1:]) if b > a]
        return float(statistics.median(gaps)) if gaps else 1.0

    def __sizeof_content__(self) -> int:
        """Bytes charged by a cache (:func:`frontlines.cache.size_of`): ~200 per timeline row and what is derived."""
        return 256 + 200 * len(self.timeline)

    def coverage(self) -> dict[str, Any]:
        """First and last publication times and count."""
        return {
            "first": utc_text(self.timeline[0][1]) if self.timeline else None,
            "last": utc_text(self.timeline[-1][1]) if self.timeline else None,
            "snapshots": len(self.timeline),
        }

    def index_at(self, when: dt.datetime, *, strictly_before: bool = False) -> int | None:
        """Position of the state at ``when`` (latest published <= when, or < when)."""
        times = self.times
        pos = (bisect.bisect_left if strictly_before else bisect.bisect_right)(times, when) - 1
        return pos if pos >= 0 else None


def sources(store: StoreReader) -> list[dict[str, Any]]:
    """Every source in the store with its snapshot count, time span and layers."""
    out = []
    for name, count, first, last in store.sources():
        layers = [str(k) for k in store.source_layers(name)]
        primary = store.latest_snapshot(name).primary
        out.append(
            {"source": name, "snapshots": count, "first": utc_text(first), "last": utc_text(last),
             "primary_layer": str(primary), "layers": layers}
        )
    return out


def select(store: StoreReader, source: str | None = None, layer: str | LayerKey | None = None) -> Selection:
    """Resolve the source and layer defaults and load the layer's timeline.

    On a read-only store (the web app's readers, the CLI's queries) the selection is kept in
    the store's cache by data version, so what is derived from its timeline (positions, areas
    by id, the cadence) is made once per state of the store, not once per query; a writer
    gets a new one every time (its own writes change the timeline before the version moves).

    Raises
    ------
    SnapshotNotFoundError
        The store is empty, or has no such source.
    LayerError
        The source has no such layer.
    StoreError
        The layer was ingested without deriving its areas (``--derive primary``): a query
        never writes, so ``frontlines derive`` must be run first.
    """
    if not getattr(store, "readonly", False):
        return _select(store, source, layer)
    before = store.data_version
    key = ("selection", before, source, None if layer is None else str(layer))
    found = store.cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    sel = _select(store, source, layer)
    if store.data_version == before:  # outside a read view another process may have committed meanwhile
        store.cache.put(key, sel)
    return sel


def _select(store: StoreReader, source: str | None, layer: str | LayerKey | None) -> Selection:
    """:func:`select` without the cache."""
    known = store.sources()
    if not known:
        raise SnapshotNotFoundError(f"store {store.path} holds no snapshots: run `frontlines ingest` first")
    names = [k[0] for k in known]
    comp = composite(source) if source is not None and source not in names else None
    if comp is not None:
        return _select_composite(store, comp, layer, names)
    if source is None:
        source = max(known, key=lambda k: (k[1], k[0]))[0]
        whole = _default_composite(store, source, layer, names)
        if whole is not None:
            return whole
    elif source not in names:
        raise SnapshotNotFoundError(f"no source {source!r} in store {store.path}; it has {', '.join(names)}")
    key = LayerKey.parse(layer) if isinstance(layer, str) else (layer or store.latest_snapshot(source).primary)
    timeline = store.layer_timeline(source, key)
    if not timeline:
        have = [str(k) for k in store.source_layers(source)]
        raise LayerError(f"source {source!r} has no layer {key}; it has {', '.join(have)}")
    if any(area is None for _, _, area in timeline):
        # Ingested with derive="primary": a query never writes, so it cannot derive.
        raise StoreError(
            f"layer {key} of {source!r} has no derived areas yet: run `frontlines derive --store {store.path}`"
        )
    return Selection(source, key, timeline)


def _default_composite(store: StoreReader, source: str, layer: str | LayerKey | None,
                       names: list[str]) -> Selection | None:
    """The composite that has ``source`` as a member, when every member is stored and has the layer."""
    for comp in COMPOSITES.values():
        if source in comp.sources and comp.name not in names and all(m in names for m in comp.sources):
            try:
                return _select_composite(store, comp, layer, names)
            except LayerError:
                return None
    return None


def _select_composite(store: StoreReader, comp: CompositeSource, layer: str | LayerKey | None,
                      names: list[str]) -> Selection:
    missing = [m for m in comp.sources if m not in names]
    if missing:
        raise SnapshotNotFoundError(
            f"composite source {comp.name!r} ({comp.note}) needs {', '.join(comp.sources)}; "
            f"store {store.path} has no {', '.join(missing)}"
        )
    key = LayerKey.parse(layer) if isinstance(layer, str) else (layer or store.latest_snapshot(comp.sources[-1]).primary)
    timeline: list[tuple[int, dt.datetime, float | None]] = []
    for member in comp.sources:
        since, until = comp.window(member)
        part = store.layer_timeline(member, key)
        if not part:
            have = [str(k) for k in store.source_layers(member)]
            raise LayerError(f"source {member!r} (part of {comp.name!r}) has no layer {key}; it has {', '.join(have)}")
        if any(area is None for _, _, area in part):
            raise StoreError(
                f"layer {key} of {member!r} has no derived areas yet: run `frontlines derive --store {store.path}`"
            )
        timeline += [row for row in part if (since is None or row[1] >= since) and (until is None or row[1] < until)]
    return Selection(comp.name, key, timeline, members=comp.sources)


def state_at(sel: Selection, when: dt.datetime, *, strictly_before: bool = False) -> int:
    """Snapshot id of the state at ``when``; :class:`SnapshotNotFoundError` if none."""
    pos = sel.index_at(when, strictly_before=strictly_before)
    if pos is None:
        cov = sel.coverage()
        raise SnapshotNotFoundError(
            f"no {sel.source} snapshot of {sel.layer} at or before {utc_text(when)}; "
            f"the data covers {cov['first']} .. {cov['last']}"
        )
    return sel.timeline[pos][0]


def snapshots(store: StoreReader, source: str | None = None) -> list[dict[str, Any]]:
    """Metadata of every snapshot (oldest first), with each layer's area."""
    out = []
    for info in store.snapshots(source):
        d = info.as_dict()
        d["notes"] = info.notes
        out.append(d)
    return out


