"""The display GeoJSON of each snapshot's layer at the dashboard's tolerance, computed once and stored.

``/api/layer.geojson`` at the dashboard's tolerance (0.3 km) simplified, rounded and repaired
a ~3,300-vertex dissolved layer on every first request (~6 ms of its ~9 ms of server CPU on
the DeepState history), for days that are rarely asked twice (1,123 days). The same
geometry text (:func:`frontlines.core.display.display_geometry`, then
:func:`~frontlines.core.display.geometry_text`) is written at ingest with the dissolved layers
and by ``frontlines derive`` (schema 10, table ``layer_geojson``; zstd-compressed, ~12 KB
per snapshot), and the route sends it as it is; without a stored row it computes it as before.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import zstandard as zstd

from frontlines.core.display import display_geometry, geometry_text
from frontlines.model import LayerKey, SnapshotInfo
from frontlines.service.selection import select, state_at, user_time
from frontlines.service.threads import thread_map
from frontlines.service.unions import read_layer_unions
from frontlines.store import StoreReader, StoreWriter

__all__ = ["KM_PER_DEGREE", "STORED_TOLERANCES_M", "display_geometry", "extend_layer_geojsons", "layer_geojson_text", "store_layer_geojsons",
           "stored_tolerance_m", "tolerance_m_degrees"]

#: Length of one degree of latitude (mean), used to turn a tolerance in km into degrees.
KM_PER_DEGREE = 111.32
#: Tolerances (metres) whose display GeoJSON is stored: the dashboard's ``TOLERANCE_KM`` (0.3 km).
STORED_TOLERANCES_M = (300,)

#: Snapshots whose stored dissolved layers are read in one call (and encoded, then written, together).
READ_CHUNK = 64
#: zstd level of the stored text (GeoJSON digits: ~3.5x smaller; decompressing ~40 KB takes ~50 us).
_LEVEL = 6


def tolerance_m_degrees(tolerance_m: int) -> float:
    """A tolerance in metres as degrees, as the web API converts ``tolerance=<km>&units=km`` (the same float)."""
    return (tolerance_m / 1000) / KM_PER_DEGREE


def stored_tolerance_m(tolerance: float, units: str) -> int | None:
    """The stored tolerance (metres) that ``tolerance`` in ``units`` names exactly, or None."""
    if units != "km":
        return None
    return next((m for m in STORED_TOLERANCES_M if m / 1000 == tolerance), None)


def _encode(geom: Any, tolerance_m: int) -> bytes:
    text = geometry_text(display_geometry(geom, tolerance_m_degrees(tolerance_m)))
    return zstd.ZstdCompressor(level=_LEVEL).compress((text or "null").encode())


def store_layer_geojsons(
    store: StoreWriter,
    touched: Iterable[tuple[str, LayerKey]],
    *,
    only: Collection[int] | None = None,
    dissolved: Mapping[tuple[int, LayerKey], Any] | None = None,
    tolerances_m: Iterable[int] = STORED_TOLERANCES_M,
    workers: int = 1,
) -> int:
    """Store the display GeoJSON (at each of ``tolerances_m``) of every snapshot of the given timelines that lacks one.

    Parameters
    ----------
    store : StoreWriter
    touched : iterable of (source, layer)
    only : collection of int, optional
        Just these snapshots (an ingest's new ones); default every snapshot of each timeline.
    dissolved : mapping, optional
        (snapshot id, layer) -> its dissolved layer, where already at hand; the others are read from
        the stored dissolved layers (or dissolved: :func:`~frontlines.service.unions.read_layer_unions`).
    tolerances_m : iterable of int
        Tolerances in metres (default :data:`STORED_TOLERANCES_M`).
    workers : int
        Threads drawing them (:func:`~frontlines.service.threads.thread_map`).

    Returns
    -------
    int
        Number of rows written.
    """
    wanted = None if only is None else set(only)
    known = dissolved or {}
    written = 0
    for source, layer in touched:
        ids = [sid for sid, _, _ in store.layer_timeline(source, layer) if wanted is None or sid in wanted]
        if not ids:
            continue
        for tol in tolerances_m:
            have = store.layer_geojsons(layer, tol, ids).keys()
            missing = [sid for sid in ids if sid not in have]
            for at in range(0, len(missing), READ_CHUNK):
                chunk = missing[at: at + READ_CHUNK]
                unknown = [sid for sid in chunk if (sid, layer) not in known]
                read = read_layer_unions(store, layer, unknown) if unknown else {}
                geoms = [known[(sid, layer)] if (sid, layer) in known else read[sid] for sid in chunk]
                rows = list(zip(chunk, thread_map(lambda g, tol=tol: _encode(g, tol), geoms, workers)))
                store.put_layer_geojsons(layer, tol, rows)
                written += len(rows)
    return written


def extend_layer_geojsons(store: StoreWriter, touched: Iterable[tuple[str, LayerKey]], new_ids: Collection[int], *,
                          dissolved: Mapping[tuple[int, LayerKey], Any] | None = None, workers: int = 1) -> int:
    """After an ingest: store the display GeoJSON of the new snapshots of each touched source's primary layer.

    Returns
    -------
    int
        Number of rows written.
    """
    primary = {source: store.latest_snapshot(source).primary for source, _ in touched}
    return store_layer_geojsons(store, [(s, k) for s, k in touched if k == primary[s]], only=new_ids,
                                dissolved=dissolved, workers=workers)


def layer_geojson_text(
    store: StoreReader,
    *,
    at: Any,
    source: str | None = None,
    layer: str | LayerKey | None = None,
    tz: str = "UTC",
    tolerance_m: int,
) -> tuple[SnapshotInfo, str] | None:
    """The snapshot of a layer at a time and its stored display GeoJSON geometry text (``"null"`` when empty).

    None when the store holds no such row (an older store before ``frontlines derive``, a layer
    other than the primary one, another tolerance): the caller computes it.
    """
    sel = select(store, source, layer)
    sid = state_at(sel, user_time(at, tz, name="--at"))
    data = store.layer_geojsons(sel.layer, tolerance_m, [sid]).get(sid)
    if data is None:
        return None
    return store.snapshot(sid), zstd.ZstdDecompressor().decompress(data).decode()
