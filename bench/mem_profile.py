"""Where the memory of a full rebuild goes: PSS per process over time, by phase of the ingest.

    PYTHONPATH=src:bench python bench/mem_profile.py W3 /tmp/w3-folder [--every 0.05] [--top 12] [--json FILE]

Runs :func:`engine.run_frontlines` (the job ``bench/run.py`` and ``bench/fl_only.py`` time) in
this process, with a thread sampling ``/proc/<pid>/smaps_rollup`` of this process and its
worker processes every ``--every`` seconds. The ingest's stages are marked by wrapping the
functions that run them (parse, derive_layers, region tables, ``service.area``, read-back), so
each sample carries the phase the main process was in. Prints, per phase, the peak of the
summed PSS with the main process's and the workers' share at that moment, and the largest
Python allocations alive at the end of each phase (``tracemalloc``, by line; ``--trace``
only, it slows the run ~2x and adds its own bookkeeping to the figures).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/ is not a package)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                 "fsmblks", "uordblks", "fordblks", "keepcost")]


def heap_mb() -> tuple[float, float]:
    """(in use, free but kept) MB of glibc's heap in this process (``mallinfo2``)."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    m = libc.mallinfo2()
    return (m.uordblks + m.hblkhd) / 2**20, m.fordblks / 2**20


class Sampler(threading.Thread):
    """PSS of this process and of its descendants, with the phase at each sample."""

    def __init__(self, every: float) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.phase = "start"
        # t, phase, main PSS, workers' PSS, n workers, main's malloc (in use, free kept) MB
        self.samples: list[tuple[float, str, int, int, int, tuple[float, float]]] = []
        self._halt = threading.Event()
        self.t0 = time.perf_counter()
        self.notes: list[tuple[str, str]] = []  # (phase, what was held at its end)
        self.store: Any = None
        self.snaps: dict[str, Any] | None = None
        self.top = 12

    def note(self, phase: str) -> None:
        used, free = heap_mb()
        cache = self.store.cache.bytes / 2**20 if self.store is not None else float("nan")
        pss = run._rss_pss(os.getpid())[1] / 2**20
        self.notes.append((phase, f"main PSS {pss:.0f} MB, malloc in use {used:.0f} MB, free kept {free:.0f} MB, "
                                  f"store cache {cache:.0f} MB"))

    def sample(self) -> None:
        pids = run._tree(os.getpid())
        mem = [run._rss_pss(p)[1] for p in pids]
        self.samples.append((time.perf_counter() - self.t0, self.phase, mem[0], sum(mem[1:]),
                             sum(1 for m in mem[1:] if m), heap_mb()))

    def run(self) -> None:
        top = 0
        while not self._halt.is_set():
            self.sample()
            t = self.samples[-1]
            if self.snaps is not None and t[2] + t[3] > top + 4 * 2**20:  # a new peak: what is alive now
                top = t[2] + t[3]
                for k in [k for k in self.snaps if k.startswith("peak so far")]:
                    del self.snaps[k]
                self.snaps[f"peak so far ({t[1]}, {top / 2**20:.0f} MB at {t[0]:.1f} s)"] = top_lines(
                    tracemalloc.take_snapshot(), self.top)
            self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def top_lines(snap: Any, top: int) -> list[str]:
    """The ``top`` largest allocation sites of a tracemalloc snapshot, as text (the snapshot is not kept)."""
    stats = snap.statistics("lineno")
    total = sum(s.size for s in stats)
    return [f"{total / 2**20:.1f} MB"] + [
        f"  {s.size / 2**20:7.1f} MB {s.count:>8} blocks  {s.traceback[0].filename.split('src/')[-1]}:{s.traceback[0].lineno}"
        for s in stats[:top]]


def _wrap(owner: Any, name: str, sampler: Sampler, phase: str, snaps: dict[str, Any] | None) -> None:
    fn: Callable[..., Any] = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        before, sampler.phase = sampler.phase, phase
        sampler.sample()
        try:
            return fn(*args, **kwargs)
        finally:
            sampler.sample()
            sampler.note(phase)
            if snaps is not None:
                snaps[phase] = top_lines(tracemalloc.take_snapshot(), sampler.top)
            sampler.phase = before

    setattr(owner, name, wrapped)


def _wrap_gen(owner: Any, name: str, sampler: Sampler, phase: str) -> None:
    fn: Callable[..., Any] = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        for item in fn(*args, **kwargs):
            sampler.phase = phase
            yield item
        sampler.phase = "store"
        sampler.note(phase)

    setattr(owner, name, wrapped)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=["W1", "W2", "W3"])
    ap.add_argument("folder")
    ap.add_argument("--every", type=float, default=0.05)
    ap.add_argument("--trace", action="store_true", help="tracemalloc snapshots at the end of each phase")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--json")
    args = ap.parse_args(argv)

    import engine

    from frontlines import service
    from frontlines.service import pipeline

    snaps: dict[str, Any] | None = {} if args.trace else None
    if args.trace:
        tracemalloc.start(1)
    sampler = Sampler(args.every)
    sampler.snaps = snaps
    sampler.top = args.top
    _wrap_gen(pipeline, "_parse_all", sampler, "parse+store")
    for name, phase in [("missing_steps", "missing_steps"), ("derive_layers", "derive_layers"),
                        ("extend_region_tables", "region_tables"), ("extend_layer_unions", "unions"),
                        ("extend_settlement_index", "settlement_index")]:
        _wrap(pipeline, name, sampler, phase, snaps)
    _wrap(service, "select", sampler, "select", snaps)
    _wrap(service, "area", sampler, "area", snaps)
    _wrap(engine, "_read_back", sampler, "read_back", snaps)
    open_writer = service.open_writer

    def opened(*a: Any, **k: Any) -> Any:
        sampler.store = open_writer(*a, **k)
        return sampler.store

    service.open_writer = opened
    sampler.start()
    c0, t0 = engine.cpu_seconds(), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        engine.run_frontlines(args.workload, Path(args.folder), Path(tmp) / "s.db")
    wall, cpu = time.perf_counter() - t0, engine.cpu_seconds() - c0
    sampler.phase = "end"
    sampler.stop()

    mb = 2**20
    peak = max(sampler.samples, key=lambda s: s[2] + s[3])
    print(f"{args.workload}: wall {wall:.2f} s, CPU {cpu:.2f} s, peak PSS {(peak[2] + peak[3]) / mb:.0f} MB "
          f"at {peak[0]:.1f} s in {peak[1]} (main {peak[2] / mb:.0f}, workers {peak[3] / mb:.0f} in {peak[4]}; "
          f"main's malloc: {peak[5][0]:.0f} MB in use, {peak[5][1]:.0f} MB free kept)")
    print(f"{'phase':<18} {'from s':>7} {'to s':>7} {'peak MB':>8} {'main':>6} {'workers':>8} {'main max':>9}")
    order: list[str] = []
    for s in sampler.samples:
        if not order or order[-1] != s[1]:
            order.append(s[1])
    seen: set[str] = set()
    for phase in order:
        if phase in seen:
            continue
        seen.add(phase)
        rows = [s for s in sampler.samples if s[1] == phase]
        top = max(rows, key=lambda s: s[2] + s[3])
        print(f"{phase:<18} {rows[0][0]:7.1f} {rows[-1][0]:7.1f} {(top[2] + top[3]) / mb:8.0f} {top[2] / mb:6.0f} "
              f"{top[3] / mb:8.0f} {max(s[2] for s in rows) / mb:9.0f}")
    for phase, text in sampler.notes:
        print(f"end of {phase:<18} {text}")
    for phase, lines in (snaps or {}).items():
        print(f"\n-- Python allocations alive at the end of {phase}: {lines[0]}")
        print("\n".join(lines[1:]))
    if args.json:
        Path(args.json).write_text(json.dumps({"wall_s": wall, "cpu_s": cpu, "samples": sampler.samples}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
