"""CPU time of the raw-feature loop alone: every payload of a DeepState history folder in one process.

    PYTHONPATH=src python bench/raw_features.py /tmp/data/deepstate-history/geojsons

Replays :meth:`frontlines.sources._geojson.LayerCollector.add_raw_features` over the files
in order with one shared cache (as a parse worker does), the payloads read beforehand and
the cyclic gc off (as during a parse batch), and prints its CPU time and, apart, the part of
it spent building the polygons of changed features (``_resolve``). Compare two checkouts back
to back with ``PYTHONPATH`` (CPU time; the machine is shared).
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path
from typing import Any

from frontlines.sources import _geojson
from frontlines.sources._geojson import LayerCollector, PartCache
from frontlines.sources.deepstate import _classify_history


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    args = ap.parse_args(argv)
    datas = [f.read_bytes() for f in sorted(Path(args.folder).glob("*.geojson"))]
    built = [0.0]
    resolve = _geojson.LayerCollector._resolve

    def timed(self: LayerCollector, pending: Any) -> None:
        t = time.process_time()
        resolve(self, pending)
        built[0] += time.process_time() - t

    _geojson.LayerCollector._resolve = timed  # type: ignore[method-assign]
    gc.disable()
    cache = PartCache(generation=16)
    t = time.process_time()
    for data in datas:
        collector = LayerCollector("x", cache)
        assert collector.add_raw_features(data, _classify_history)
        cache.advance()
        collector.frozen_layers()
        collector.notes()
    total = time.process_time() - t
    print(f"{len(datas)} payloads: add_raw_features {total:.3f} s CPU, of which polygons {built[0]:.3f}, "
          f"the rest {total - built[0]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
