"""CPU of the step computation alone: ``change_parts`` (and the areas of its result) over consecutive snapshots.

    PYTHONPATH=src python bench/steps_only.py W3                      # the 59 ISW layers (parsed first, not timed)
    PYTHONPATH=src python bench/steps_only.py W1 --store /tmp/hist-m.db [--limit 400]

W3: the layers of ``workloads.list_inputs("W3")`` parsed by the ``isw`` adapter, parts keyed
by their part hash as the ingest keys them. W1: the primary timeline of a store holding the
DeepState history (the parts as stored). Prints the best of ``--reps`` CPU times
(``time.process_time``) and the sums of gained / lost km² (to compare two versions);
``--out`` writes every step's (gained, lost) km² as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workloads  # noqa: E402

from frontlines.core.geodesy import area_km2  # noqa: E402
from frontlines.core.measure import change_parts  # noqa: E402
from frontlines.hashing import part_hash  # noqa: E402


def w3_states() -> list[dict[str, Any]]:
    """Each W3 layer as part hash -> polygon, in time order."""
    from frontlines.sources._geojson import PartCache
    from frontlines.sources._payloads import iter_payloads
    from frontlines.sources.base import IngestOptions
    from frontlines.sources.registry import get_adapter

    options = IngestOptions(now=dt.datetime.now(dt.timezone.utc))
    adapter = get_adapter("isw")
    cache = PartCache(max_positions=options.limits.positions)
    states = []
    for payload in iter_payloads(workloads.list_inputs("W3"), adapter.patterns, limits=options.limits):
        snap = adapter.parse(payload, cache=cache, options=options)
        cache.advance()
        parts = [g for geoms in snap.layers.values() for g in geoms]
        states.append((snap.published_at, {part_hash(w): g for w, g in zip(shapely.to_wkb(parts, output_dimension=2), parts)}))
    return [s for _, s in sorted(states, key=lambda x: x[0])]


def w1_states(store_path: str, limit: int | None) -> list[dict[str, Any]]:
    """The first ``limit + 1`` snapshots of a store's primary timeline as part hash -> polygon."""
    from frontlines import service

    store = service.open_reader(store_path)
    sel = service.select(store)
    ids = [sid for sid, _, _ in sel.timeline][: None if limit is None else limit + 1]
    return [dict(store.layer_parts(sid, sel.layer)) for sid in ids]


def run(states: list[dict[str, Any]]) -> tuple[float, list[tuple[float, float]]]:
    out = []
    t0 = time.process_time()
    for a, b in zip(states, states[1:]):
        gained, lost = change_parts(a, b)
        out.append((area_km2(gained), area_km2(lost)))
    return time.process_time() - t0, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=["W1", "W3"])
    ap.add_argument("--store", help="W1: a store holding the DeepState history")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    if args.workload == "W1" and not args.store:
        ap.error("W1 needs --store")
    states = w3_states() if args.workload == "W3" else w1_states(args.store, args.limit)
    best, steps = min((run(states) for _ in range(max(1, args.reps))), key=lambda r: r[0])
    print(f"{args.workload}: change_parts x{len(steps)}: {best:.3f} s CPU (best of {args.reps}); "
          f"gained {sum(g for g, _ in steps):.6f} km², lost {sum(l for _, l in steps):.6f} km²")
    if args.out:
        Path(args.out).write_text(json.dumps(steps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
