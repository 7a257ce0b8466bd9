"""Time and memory of appending maps to a store with the CLI's ``ingest``, stage by stage.

    PYTHONPATH=src python bench/append_stage.py STORE FILE [FILE ...] [--adapter deepstate-history]

Copies ``STORE`` to a temporary file, then runs ``frontlines ingest ADAPTER FILE ... --store COPY``
in this process with the stages of its redraw stage wrapped (no profiler): the classification,
reading the stored change faces back, splitting them by the new steps, cleaning them into a
coverage, the display faces and their arcs, and the blob written. Each line gives the stage's wall
time and the process's resident memory (RSS) and peak RSS when it ends. ``STORE`` is left as it was.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

#: (module, function, depth) of the stages reported (a stage is printed when it ends, after those inside it).
STAGES = [
    ("frontlines.service.redraws", "derive_store_redraws", 0),
    ("frontlines.service.redraws", "classify_steps", 1),
    ("frontlines.service.change_faces", "derive_change_faces", 1),
    ("frontlines.service.change_faces", "_decode_builder", 2),
    ("frontlines.service.change_faces", "_build", 2),
    ("frontlines.service.change_faces", "_encode_builder", 2),
    ("frontlines.service.change_faces", "clean_coverage", 3),
    ("frontlines.service.change_faces", "display_arrays", 3),
]


def rss_mb() -> int:
    """Resident memory of this process (MB)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    return 0


def peak_mb() -> int:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _timed(name: str, fn: Callable[..., Any], depth: int) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        print(f"{'  ' * depth}{name:<24} {time.perf_counter() - t0:7.2f} s   RSS {rss_mb():5d} MB   peak {peak_mb():5d} MB",
              flush=True)
        return out
    return wrapper


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--adapter", default="deepstate-history")
    args = ap.parse_args(argv)
    from frontlines.cli import main as cli  # loads the modules that hold the stages

    for module, name, depth in STAGES:
        original = getattr(importlib.import_module(module), name)
        wrapped = _timed(name, original, depth)
        for mod in [m for k, m in sys.modules.items() if k.startswith("frontlines")]:  # every name bound to it
            for attr, value in list(vars(mod).items()):
                if value is original:
                    setattr(mod, attr, wrapped)
    with tempfile.TemporaryDirectory(prefix="append-stage-") as tmp:
        copy = Path(tmp) / args.store.name
        shutil.copy(args.store, copy)
        t0 = time.perf_counter()
        code = cli(["ingest", args.adapter, *args.files, "--store", str(copy)])
        print(f"{'ingest command':<24} {time.perf_counter() - t0:7.2f} s   RSS {rss_mb():5d} MB   peak {peak_mb():5d} MB")
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
