"""Change by oblast between random snapshot pairs: record the figures, time the queries (issue 18).

    PYTHONPATH=src python bench/change_pairs.py STORE [--out figs.json] [--queries 200]
        [--modes default,raw] [--no-redraws] [--profile PREFIX]

``--out`` writes the JSON of 50 seeded pairs (seed 7), each with and without
``include_redraws``, for comparing two versions (``bench/change_pairs.py --compare a.json b.json``).
The timing loop is ``engine.query_latency``'s (seed 1, 20 warm-up queries) per mode
(``raw`` = ``include_redraws=True``) and prints p50, p95 and CPU ms per query.
``--no-redraws`` switches the redraw split off (``service.measure.step_redraws`` returns
nothing), so only the raw change path is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import time
from pathlib import Path

from frontlines import service


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def record(store, out: Path, n: int = 50) -> None:
    """The change-by-oblast JSON of ``n`` seeded random pairs, both redraw modes."""
    times = [t for _, t, _ in service.select(store).timeline]
    rng = random.Random(7)
    rows = []
    for _ in range(n):
        i, j = sorted(rng.sample(range(len(times)), 2))
        for inc in (False, True):
            d = service.change(store, start=times[i].isoformat(), end=times[j].isoformat(), by="oblast",
                               include_redraws=inc).as_dict()
            rows.append(json.loads(json.dumps(d, default=str)))
    out.write_text(json.dumps(rows))


def timed(store, mode: str, queries: int, profile: str | None = None) -> dict[str, float]:
    """p50 / p95 (ms, wall) and CPU ms per query of ``queries`` seeded random pairs."""
    times = [t for _, t, _ in service.select(store).timeline]
    inc = mode == "raw"
    rng = random.Random(1)

    def run() -> None:
        i, j = sorted(rng.sample(range(len(times)), 2))
        service.change(store, start=times[i].isoformat(), end=times[j].isoformat(), by="oblast",
                       include_redraws=inc).as_dict()

    for _ in range(20):
        run()
    lat = []
    c0 = _cpu()
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    for _ in range(queries):
        t0 = time.perf_counter()
        run()
        lat.append((time.perf_counter() - t0) * 1000)
    if prof is not None:
        prof.disable()
        prof.dump_stats(f"{profile}.{mode}")
    s = sorted(lat)
    return {"p50_ms": s[len(s) // 2], "p95_ms": s[int(round(0.95 * (len(s) - 1)))],
            "cpu_ms": (_cpu() - c0) * 1000 / queries}


def compare(a: Path, b: Path) -> tuple[int, float]:
    """(numbers compared, largest absolute difference); raises on any other difference."""
    worst, n = 0.0, 0

    def walk(x, y, path):
        nonlocal worst, n
        if isinstance(x, dict):
            if x.keys() != y.keys():
                raise AssertionError(f"{path}: keys differ: {x.keys() ^ y.keys()}")
            for k in x:
                walk(x[k], y[k], f"{path}.{k}")
        elif isinstance(x, list):
            if len(x) != len(y):
                raise AssertionError(f"{path}: lengths differ")
            for i, (p, q) in enumerate(zip(x, y)):
                walk(p, q, f"{path}[{i}]")
        elif isinstance(x, float) or isinstance(y, float):
            n += 1
            worst = max(worst, abs(x - y))
        elif x != y:
            raise AssertionError(f"{path}: {x!r} != {y!r}")

    walk(json.loads(a.read_text()), json.loads(b.read_text()), "")
    return n, worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("store", nargs="?")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--modes", default="default,raw")
    ap.add_argument("--no-redraws", action="store_true")
    ap.add_argument("--profile")
    ap.add_argument("--compare", nargs=2, type=Path)
    args = ap.parse_args()
    if args.compare:
        n, worst = compare(*args.compare)
        print(f"{n} numbers compared; largest difference {worst}")
        return
    if args.no_redraws:
        import frontlines.service.measure as measure

        measure.step_redraws = lambda *a, **k: {}
    store = service.open_reader(Path(args.store))
    try:
        if args.out:
            record(store, args.out)
        for mode in args.modes.split(","):
            r = timed(store, mode, args.queries, args.profile)
            print(mode, {k: round(v, 1) for k, v in r.items()}, flush=True)
    finally:
        store.close()
    print("load average", os.getloadavg())


if __name__ == "__main__":
    main()
