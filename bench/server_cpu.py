"""Server CPU per request of each endpoint of the load test's mix, over HTTP (issue 18).

    PYTHONPATH=<src>:bench python bench/server_cpu.py STORE [--requests 200] [--skip change.geojson]

Starts ``frontlines serve --workers 1`` (as ``load_test.py`` does) and, per endpoint, sends
one request to warm it and then ``--requests`` sequential first-time ones (random days and
pairs, seed 11; the fixed queries of the mix, timeline, monthly series and region borders, are
answered from the response cache after the first), charging the server process's CPU time
(``/proc``, heavy pool included) to them. Unlike ``endpoint_cpu.py`` (in process, client
included) this is what the server spends: uvicorn, middleware, routing, the answer.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable

import httpx
import load_test


def kinds(days: list[str], rng: random.Random) -> dict[str, Callable[[], tuple[str, dict[str, str]]]]:
    """Request makers of the mix's endpoints (the load test's parameters)."""
    def pair() -> dict[str, str]:
        a, b = sorted(rng.sample(days, 2))
        return {"from": a, "to": b}

    return {
        "change": lambda: ("/api/change", pair()),
        "area": lambda: ("/api/area", {"at": rng.choice(days)}),
        "layer.geojson": lambda: ("/api/layer.geojson", {"at": rng.choice(days), "tolerance": "0.3"}),
        "change.geojson": lambda: ("/api/change.geojson", {**pair(), "tolerance": "0.1"}),
        "timeline": lambda: ("/api/timeline", {}),
        "series": lambda: ("/api/series", {"from": days[0][:8] + "01", "to": days[-1], "freq": "month"}),
        "regions.geojson": lambda: ("/api/regions.geojson", {"tolerance": "0.5"}),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store")
    ap.add_argument("--requests", type=int, default=200, help="measured requests per endpoint")
    ap.add_argument("--skip", default="", help="endpoints left out, comma-separated (e.g. change.geojson)")
    args = ap.parse_args(argv)
    skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    procs, urls = load_test.start_servers(args.store, 1, workers=1)
    pid = procs[0].pid
    try:
        with httpx.Client(base_url=urls[0], timeout=600) as h:
            days = sorted({w[:10] for _, w, _ in h.get("/api/timeline").json()["snapshots"]})
            rng = random.Random(11)
            for name, make in kinds(days, rng).items():
                if name in skip:
                    continue
                path, params = make()
                h.get(path, params=params).raise_for_status()  # warm: indexes, region layers
                todo = [make() for _ in range(args.requests)]
                c0 = load_test.tree_cpu_seconds(pid)
                for path, params in todo:
                    h.get(path, params=params).raise_for_status()
                ms = 1000 * (load_test.tree_cpu_seconds(pid) - c0) / len(todo)
                print(f"{name:16s} server CPU {ms:7.2f} ms/request (n={len(todo)})", flush=True)
    finally:
        load_test.stop_servers(procs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
