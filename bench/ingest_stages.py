"""CPU seconds per stage of one rebuild as ``bench/run.py`` runs it, in this process (no profiler).

    PYTHONPATH=src python bench/ingest_stages.py W3 /tmp/w3-inputs [--workers 1]

Wraps the stages of :func:`frontlines.service.pipeline.ingest_payloads` with
``time.process_time`` (this process only: with ``--workers 1`` the parse and the steps
inside the parse batches run here too; with 2 the lines show the main process's share).
The folder must hold exactly the workload's inputs (``engine.stage_inputs``; ``bench/run.py``
stages them the same way).
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine  # noqa: E402

import frontlines.service.pipeline as pipeline  # noqa: E402

STAGES = {
    "_parse_one": "parse (adapter, part hashes)",
    "_compress_batch": "zstd of the raw payloads",
    "change_parts": "steps (change_parts; in the main process: between batches)",
    "derive_layers": "derive_layers (first area, leftover steps)",
    "extend_region_tables": "region tables (oblast)",
    "extend_settlement_index": "settlement index",
}


def _timed(fn: Any, label: str, spent: dict[str, float]) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - t0
    return wrapper


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=["W1", "W2", "W3"])
    ap.add_argument("folder")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)
    spent: dict[str, float] = defaultdict(float)
    for name, label in STAGES.items():
        if name == "_parse_one":
            pipeline._Parser.parse = _timed(pipeline._Parser.parse, label, spent)  # type: ignore[method-assign]
        else:
            setattr(pipeline, name, _timed(getattr(pipeline, name), label, spent))
    timings: dict[str, Any] = {}
    t0 = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        engine.run_frontlines(args.workload, Path(args.folder), Path(tmp) / "s.db", workers=args.workers,
                              timings=timings)
    total = time.process_time() - t0
    for label in STAGES.values():
        print(f"{label:62s} {spent[label]:6.2f} s")
    print(f"{'this process in all':62s} {total:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
