"""Re-normalise stored snapshots from their raw payloads with the current adapters.

Used after an adapter improves (a class name newly understood, a better repair):
every snapshot is re-read from its stored payload with the options it was ingested
with, in one transaction. Snapshot ids change; payloads are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson

from frontlines.service.pipeline import ingest_payloads
from frontlines.sources._payloads import Payload
from frontlines.sources.base import IngestOptions
from frontlines.store import StoreWriter

__all__ = ["reindex"]


def reindex(store: StoreWriter, *, progress: Callable[[int, str], None] | None = None) -> dict[str, Any]:
    """Rebuild every snapshot from its raw payload.

    Returns
    -------
    dict
        ``{"snapshots": n, "areas_changed": m}`` where ``m`` counts (snapshot time, layer)
        pairs whose area moved by more than 0.001 km².
    """
    rows = store.snapshot_rows()
    before = _areas(store)
    now = dt.datetime.now(dt.timezone.utc)
    done = 0
    with store.transaction():
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault((row["adapter"], row["options"]), []).append(row)
        for sid in [r["id"] for r in rows]:
            store.delete_snapshot(sid)
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
    after = _areas(store)
    changed = sum(1 for k, v in after.items() if k not in before or abs(before[k] - v) > 1e-3)
    return {"snapshots": done, "areas_changed": changed}


def _areas(store: StoreWriter) -> dict[tuple[str, str, str], float]:
    out = {}
    for src, _, _, _ in store.sources():
        layers = {k for s in store.snapshots(src) for k in s.layers}
        for layer in layers:
            for _sid, when, area in store.layer_timeline(src, layer):
                out[(src, when.isoformat(), str(layer))] = area or 0.0
    return out
