"""CPU of reading a folder of daily maps in order: against the previous day (``add_redrawn``) or whole.

    PYTHONPATH=src python bench/redrawn_parse.py /tmp/data/deepstate-daily [--rounds 3]

Each round reads every ``*.geojson`` of the folder, in name order, twice: with one
``LayerCollector.add_redrawn`` per file sharing a cache (what ``DeepStateDaily.parse`` does), and
with the full parse (``load_json`` + ``add_features``, a fresh cache per file: what it did before);
CPU only (``time.process_time``, cyclic gc off as during a parse batch), the two alternated. Prints
the CPU of each round, how many files the redrawn path answered and how many polygons it kept from
the day before. Whether both give the same polygons is checked by ``tests/sources/test_redrawn.py``.
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from frontlines.sources import deepstate
from frontlines.sources._geojson import LayerCollector, PartCache, features_of
from frontlines.sources._payloads import load_json


def _redrawn(texts: list[bytes]) -> tuple[float, int, int, int]:
    cache = PartCache()
    answered = kept = total = 0
    previous: set[int] = set()
    t = time.process_time()
    for data in texts:
        collector = LayerCollector("day", cache)
        answered += collector.add_redrawn(data, deepstate._classify_daily)
        parts = [p for v in collector.layers.values() for p in v]
        kept += sum(id(p) in previous for p in parts)
        total += len(parts)
        previous = {id(p) for p in parts}
    return time.process_time() - t, answered, kept, total


def _whole(texts: list[bytes]) -> float:
    t = time.process_time()
    for data in texts:
        LayerCollector("day", PartCache()).add_features(features_of(load_json(data, name="day"), name="day"),
                                                       deepstate._classify_daily, raw=data)
    return time.process_time() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    texts = [p.read_bytes() for p in sorted(Path(args.folder).glob("*.geojson"))]
    gc.disable()
    for k in range(args.rounds):
        redrawn, answered, kept, total = _redrawn(texts)
        whole = _whole(texts)
        print(f"round {k + 1}: redrawn {redrawn:.3f} s, whole {whole:.3f} s CPU ({len(texts)} files, "
              f"{answered} answered, {kept} of {total} polygons kept from the day before)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
