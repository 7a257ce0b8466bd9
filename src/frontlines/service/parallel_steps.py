"""The steps an ingest still has to compute, computed in parallel worker processes.

Parse workers compute the steps between payloads that arrive one after the other
(a folder, read in name order, arrives in time order). An archive's members arrive in
the order they were packed, which for the shared DeepState history is no time order
at all, so after parsing most steps are still missing; :func:`derive_layers` would
compute them one by one in the main process. :func:`missing_steps` finds them exactly
as ``derive_layers`` will (stale link, no usable precomputed step) and computes them
in ``workers`` processes, contiguous runs of the timeline each, from the parts' WKB.
The figures are those ``derive_layers`` would compute (same parts, same order, same
:func:`~frontlines.core.measure.change_parts`).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import shapely

from frontlines.core.geodesy import area_km2
from frontlines.core.measure import change_parts
from frontlines.model import LayerKey
from frontlines.store import StoreWriter

__all__ = ["MIN_PARALLEL_STEPS", "missing_steps"]

#: Below this many missing steps the main process computes them (a pool costs more).
MIN_PARALLEL_STEPS = 32

#: (gained km², lost km², gained WKB, lost WKB); empty WKB for no change.
StepFigures = tuple[float, float, bytes, bytes]
SnapshotKey = tuple[str, str, str]


def missing_steps(
    store: StoreWriter,
    touched: list[tuple[str, LayerKey]],
    precomputed: dict[tuple[Any, LayerKey], Any],
    *,
    workers: int,
    parts: dict[tuple[SnapshotKey, LayerKey], list[str]] | None = None,
    wkbs: dict[str, bytes] | None = None,
) -> dict[tuple[SnapshotKey, LayerKey], tuple[SnapshotKey, float, float, bytes, bytes]]:
    """The steps ``derive_layers(store, touched, precomputed=...)`` would compute itself.

    ``parts`` (part hashes of the snapshots just parsed, by key and layer) and ``wkbs``
    (their WKB) spare reading them back from the store; other snapshots' parts are read.

    Returns
    -------
    dict
        ``((key of the snapshot, layer) -> (key of its predecessor, gained km², lost km²,
        gained WKB, lost WKB))``, the fields of a precomputed step; empty when fewer than
        :data:`MIN_PARALLEL_STEPS` are missing or ``workers`` < 2.
    """
    if workers < 2:
        return {}
    todo: list[tuple[LayerKey, SnapshotKey, SnapshotKey, int, int]] = []
    for source, layer in touched:
        timeline = store.layer_timeline(source, layer)
        ids = [sid for sid, _, _ in timeline]
        links = store.step_links(layer, ids)
        keys = store.snapshot_keys(source)
        prev: int | None = None
        for sid, _when, area in timeline:
            stale = sid not in links or links[sid] != prev or area is None
            if prev is not None and stale:
                pre = precomputed.get((keys.get(sid), layer))
                if pre is None or pre.previous != keys.get(prev):
                    todo.append((layer, keys[prev], keys[sid], prev, sid))
            prev = sid
    if len(todo) < MIN_PARALLEL_STEPS:
        return {}
    out = {}
    with ProcessPoolExecutor(workers) as pool:
        chunks = list(_chunks(todo, workers * 4))
        futures = [pool.submit(_compute, *_payload(store, chunk, parts or {}, wkbs or {})) for chunk in chunks]
        for chunk, fut in zip(chunks, futures):
            for (layer, prev_key, key, _, _), (g, l, gw, lw) in zip(chunk, fut.result()):
                out[(key, layer)] = (prev_key, g, l, gw, lw)
    return out


def _chunks(todo: list[Any], n: int) -> Iterator[list[Any]]:
    size = max(1, -(-len(todo) // n))
    for i in range(0, len(todo), size):
        yield todo[i:i + size]


def _payload(store: StoreWriter, chunk: list[tuple[LayerKey, SnapshotKey, SnapshotKey, int, int]],
             parts: dict[tuple[SnapshotKey, LayerKey], list[str]], known: dict[str, bytes],
             ) -> tuple[list[tuple[list[str], list[str]]], dict[str, bytes]]:
    """The hash lists of each pair of a chunk and the WKB of every part they hold (sent to a worker)."""
    pairs = []
    out: dict[str, bytes] = {}
    geoms: dict[str, Any] = {}

    def hashes_of(key: SnapshotKey, sid: int, layer: LayerKey) -> list[str]:
        found = parts.get((key, layer))
        if found is not None and all(h in known for h in found):
            out.update((h, known[h]) for h in found)
            return found
        stored = store.layer_parts(sid, layer)
        geoms.update(stored)
        return list(stored)

    for layer, prev_key, key, prev, sid in chunk:
        pairs.append((hashes_of(prev_key, prev, layer), hashes_of(key, sid, layer)))
    rest = [h for h in geoms if h not in out]
    if rest:
        out.update(zip(rest, (bytes(w) for w in shapely.to_wkb([geoms[h] for h in rest], output_dimension=2))))
    return pairs, out


def _compute(pairs: list[tuple[list[str], list[str]]], wkbs: dict[str, bytes]) -> list[StepFigures]:
    """Gained and lost of each pair (in a worker process)."""
    hashes = list(wkbs)
    geoms = dict(zip(hashes, shapely.from_wkb([wkbs[h] for h in hashes]))) if hashes else {}
    out = []
    for before, cur in pairs:
        gained, lost = change_parts({h: geoms[h] for h in before}, {h: geoms[h] for h in cur})
        out.append((area_km2(gained), area_km2(lost), _wkb(gained), _wkb(lost)))
    return out


def _wkb(geom: Any) -> bytes:
    return b"" if shapely.is_empty(geom) else shapely.to_wkb(geom, output_dimension=2)
