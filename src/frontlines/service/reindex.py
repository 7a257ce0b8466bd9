"""Re-normalise stored snapshots from their raw payloads with the current adapters.

Used after an adapter improves (a class name newly understood, a better repair). An
adapter's ``version`` is bumped whenever it reads payloads differently, and every
snapshot keeps the version that read it, so only snapshots read by an older (or newer)
version than today's are re-read: a store none of whose adapters changed is left
exactly as it was (nothing written, ``data_version`` unchanged). ``everything=True``
re-reads every snapshot whatever its version (after a change that did not bump one).

Re-read snapshots are replaced in one transaction (new ids; payloads are kept), each
with the options it was ingested with, and the steps and areas of every timeline they
were or are now in are derived again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson

from frontlines.model import LayerKey
from frontlines.service.derive import derive_layers
from frontlines.service.pipeline import ingest_payloads
from frontlines.sources._payloads import Payload
from frontlines.sources.base import IngestOptions
from frontlines.sources.registry import get_adapter
from frontlines.store import StoreWriter

__all__ = ["reindex", "stale_rows"]


def stale_rows(store: StoreWriter, *, everything: bool = False) -> list[dict[str, Any]]:
    """The stored snapshot rows (:meth:`StoreWriter.snapshot_rows`) that ``reindex`` re-reads.

    A row is stale when its ``adapter_version`` differs from its adapter's current
    ``version`` (or always, with ``everything``).
    """
    rows = store.snapshot_rows()
    if everything:
        return rows
    versions: dict[str, int] = {}
    out = []
    for row in rows:
        name = row["adapter"]
        if name not in versions:
            versions[name] = int(get_adapter(name).version)
        if int(row["adapter_version"]) != versions[name]:
            out.append(row)
    return out


def reindex(store: StoreWriter, *, progress: Callable[[int, str], None] | None = None,
            everything: bool = False) -> dict[str, Any]:
    """Re-read the snapshots whose adapter changed since they were read.

    Parameters
    ----------
    store : StoreWriter
    progress : callable, optional
        Called with (payloads re-read so far, name).
    everything : bool
        Re-read every snapshot, whatever the version of the adapter that read it.

    Returns
    -------
    dict
        ``{"snapshots": n, "reread": k, "unchanged": n - k, "areas_changed": m}``: ``n``
        snapshots stored, ``k`` re-read, and ``m`` (snapshot time, layer) pairs whose area
        moved by more than 0.001 km².
    """
    total = store.snapshot_count()
    rows = stale_rows(store, everything=everything)
    if not rows:  # nothing to do: nothing is written, the data version stays
        return {"snapshots": total, "reread": 0, "unchanged": total, "areas_changed": 0}
    before = _areas(store)
    now = dt.datetime.now(dt.timezone.utc)
    done = 0
    with store.transaction():
        infos = {s.id: s for s in store.snapshots()}
        old_layers: set[tuple[str, LayerKey]] = set()
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault((row["adapter"], row["options"]), []).append(row)
            info = infos.get(row["id"])
            if info is not None:
                old_layers.update((info.source, layer) for layer in info.layers)
        for row in rows:
            store.delete_snapshot(row["id"])
        for (adapter, opts_json), members in groups.items():
            options = IngestOptions.from_dict(orjson.loads(opts_json), now=now)

            def payloads(members: list[dict[str, Any]] = members) -> Any:
                for r in members:
                    yield Payload(r["file_name"], store.get_payload(r["content_hash"]))

            def tick(n: int, name: str, offset: int = done) -> None:
                if progress:
                    progress(offset + n, name)

            report = ingest_payloads(store, adapter, payloads(), options=options, progress=tick)
            done += report.files_read
        # Timelines that lost a snapshot: the steps of their successors are derived again.
        derive_layers(store, sorted(old_layers))
    after = _areas(store)
    changed = sum(1 for k, v in after.items() if k not in before or abs(before[k] - v) > 1e-3)
    return {"snapshots": store.snapshot_count(), "reread": done, "unchanged": total - len(rows),
            "areas_changed": changed}


def _areas(store: StoreWriter) -> dict[tuple[str, str, str], float]:
    out = {}
    for src, _, _, _ in store.sources():
        layers = {k for s in store.snapshots(src) for k in s.layers}
        for layer in layers:
            for _sid, when, area in store.layer_timeline(src, layer):
                out[(src, when.isoformat(), str(layer))] = area or 0.0
    return out
