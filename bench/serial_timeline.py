"""Wall timeline of one rebuild as ``bench/run.py`` runs it: the serial head and tail around the parse.

    PYTHONPATH=src python bench/serial_timeline.py W1 /tmp/data/deepstate-history/geojsons [--rows FILE]

Runs :func:`engine.run_frontlines` in this process with the ingest's stages wrapped in
``time.perf_counter`` / ``time.process_time`` (no profiler): when the parse processes fork, each
parsed batch the main process takes (``_unspill``), ``derive_layers``, the region tables (CPU of
this process and its reaped children, i.e. the forked clip helper), the commit, and each worker's
batches (start, end, CPU: appended by the forked workers to a file). The *head* is the time to the
fork, the *tail* the time from the last batch taken to the end.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine  # noqa: E402

import frontlines.service.pipeline as pipeline  # noqa: E402
from frontlines.store.sqlite import SQLiteStore  # noqa: E402


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=["W1", "W2", "W3"])
    ap.add_argument("folder")
    ap.add_argument("--rows")
    args = ap.parse_args(argv)
    events: list[tuple[str, float, float, float | None]] = []  # (stage, start, end, CPU)
    wlog = Path(tempfile.gettempdir()) / f"serial-timeline-{os.getpid()}.txt"

    def timed(name: str, children: bool = False) -> None:
        fn = getattr(pipeline, name)

        @functools.wraps(fn)
        def wrapper(*a: Any, **k: Any) -> Any:
            t, c, k0 = time.perf_counter(), time.process_time(), _children_cpu()
            try:
                return fn(*a, **k)
            finally:
                cpu = time.process_time() - c + (_children_cpu() - k0 if children else 0.0)
                events.append((name, t, time.perf_counter(), cpu))
        setattr(pipeline, name, wrapper)

    for name in ("derive_layers", "missing_steps", "_unspill"):
        timed(name)
    timed("extend_region_tables", children=True)
    feed = pipeline._feed

    def first_feed(*a: Any, **k: Any) -> int:
        t = time.perf_counter()
        try:
            return feed(*a, **k)
        finally:
            if not any(e[0] == "fork" for e in events):
                events.append(("fork", t, time.perf_counter(), None))
    pipeline._feed = first_feed  # type: ignore[assignment]
    parse_files = pipeline._worker_parse_files

    def worker(files: Any, *rest: Any) -> str:  # runs in the forked workers
        t, c = time.perf_counter(), time.process_time()
        out = parse_files(files, *rest)
        with wlog.open("a") as f:
            f.write(f"{os.getpid()} {t} {time.perf_counter()} {time.process_time() - c}\n")
        return out
    worker.__module__, worker.__qualname__ = parse_files.__module__, parse_files.__qualname__
    pipeline._worker_parse_files = worker  # type: ignore[assignment]
    transaction = SQLiteStore.transaction

    @contextlib.contextmanager
    def commit_timed(self: SQLiteStore) -> Any:
        outer = not self._in_tx
        with contextlib.ExitStack() as stack:
            stack.enter_context(transaction(self))
            yield
            if outer:  # time the commit (the context's exit): push a timer that runs before it
                t, c = time.perf_counter(), time.process_time()
                stack.close()
                events.append(("commit", t, time.perf_counter(), time.process_time() - c))
    SQLiteStore.transaction = commit_timed  # type: ignore[method-assign]

    timings: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        rows = engine.run_frontlines(args.workload, Path(args.folder), Path(tmp) / "s.db", timings=timings)
        end = time.perf_counter() - t0
    batches = [e for e in events if e[0] == "_unspill"]
    last = max(e[2] for e in batches) - t0 if batches else 0.0
    fork = next((e[1] - t0 for e in events if e[0] == "fork"), 0.0)
    print(f"{args.workload}: {end:.3f} s; head (to the fork) {fork:.3f} s; last batch taken at {last:.3f} s; "
          f"tail {end - last:.3f} s (select {timings['select']:.3f}, oblasts {timings['oblasts']:.3f}, "
          f"read-back {timings['read_back']:.3f})")
    for name, a, b, cpu in events:
        if name in ("derive_layers", "missing_steps", "extend_region_tables", "commit"):
            print(f"  {name:22s} {a - t0:7.3f} -> {b - t0:7.3f}  wall {b - a:.3f}  CPU {cpu:.3f}")
    if wlog.exists():
        per: dict[str, list[tuple[float, float, float]]] = {}
        for line in wlog.read_text().splitlines():
            pid, a, b, cpu = line.split()
            per.setdefault(pid, []).append((float(a) - t0, float(b) - t0, float(cpu)))
        wlog.unlink()
        for pid, v in per.items():
            print(f"  worker {pid}: {len(v)} batches, {v[0][0]:.3f} -> {max(x[1] for x in v):.3f} s, "
                  f"CPU {sum(x[2] for x in v):.3f} s")
    if args.rows:
        Path(args.rows).write_text(json.dumps(rows, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
