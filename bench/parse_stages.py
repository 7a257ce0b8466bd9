"""CPU time of the parse workers' stages: every payload of a folder parsed in one process.

    PYTHONPATH=src python bench/parse_stages.py /tmp/data/deepstate-history/geojsons deepstate-history
    PYTHONPATH=src python bench/parse_stages.py /tmp/data/deepstate-daily deepstate-daily
    PYTHONPATH=src python bench/parse_stages.py W3-FOLDER isw   # a folder of symlinks to workloads.list_inputs("W3")

What an ingest's parse worker does (``service.pipeline._Parser.parse_batch``, batches of
:data:`~frontlines.service.pipeline.BATCH`, ``derive="primary"``), in one process, with each stage
wrapped and timed with ``time.process_time`` (stages nest: ``add_raw_features`` includes the
polygon building, ``_parse total`` both). Set ``PYTHONPATH`` to the checkout to measure; compare
two checkouts back to back (CPU time; the machine is shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import Any

from frontlines.service import pipeline
from frontlines.sources import _geojson, deepstate, isw
from frontlines.sources._payloads import Payload, read_regular
from frontlines.sources.base import IngestOptions


def _wrap(owner: Any, name: str, acc: dict[str, float], label: str | None = None) -> None:
    if not hasattr(owner, name):  # a stage this checkout does not have
        return
    inner = getattr(owner, name)
    label = label or name

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            acc[label] = acc.get(label, 0.0) + time.process_time() - t

    setattr(owner, name, timed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("adapter")
    args = ap.parse_args(argv)
    acc: dict[str, float] = {}
    for owner, name, label in [
        (pipeline, "change_parts", "steps (change_parts)"), (pipeline, "part_areas", "part_areas (parts before schema 9; steps)"),
        (pipeline, "_compress_batch", "zstd"), (pipeline, "area_km2", "step areas"),
        (_geojson.LayerCollector, "add_raw_features", None), (_geojson.LayerCollector, "add_features", None),
        (_geojson, "fast_polygon_parts_many", "polygons built (bulk)"),
        (_geojson, "fast_polygon_parts", "polygons built (one by one)"),
        (_geojson.LayerCollector, "snapshot", "snapshot (SHA-256)"),
        (pipeline._Parser, "_parse", "_parse total"),
        (deepstate.DeepStateHistory, "parse", "adapter.parse"), (deepstate.DeepStateDaily, "parse", "adapter.parse"),
        (isw.ISW, "parse", "adapter.parse"),
    ]:
        _wrap(owner, name, acc, label)
    files = sorted(Path(args.folder).iterdir())
    parser = pipeline._Parser(args.adapter, IngestOptions(now=dt.datetime.now(dt.timezone.utc)), "primary")
    t0 = time.process_time()
    reading = 0.0
    for k in range(0, len(files), pipeline.BATCH):
        t = time.process_time()
        batch = [Payload(f.name, read_regular(f, limit=10**10)) for f in files[k:k + pipeline.BATCH]]
        reading += time.process_time() - t
        parser.parse_batch(batch, continues=k > 0)
    print(f"{len(files)} payloads: CPU {time.process_time() - t0:.2f} s, reading {reading:.2f} s")
    for label, seconds in sorted(acc.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<30} {seconds:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
