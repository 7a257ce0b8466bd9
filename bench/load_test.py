"""Bounded load test of the HTTP API on loopback: throughput, p50/p95 latency, errors.

Starts ``frontlines serve`` on a free loopback port over a store (read-only), warms it,
then sends a fixed number of mixed requests from a few client threads and stops.

    python bench/load_test.py --store /tmp/t1.db [--requests 3000] [--concurrency 4] [--workers 2 --readers 2]

Without --workers / --readers the server runs with ``frontlines serve``'s defaults.

Change queries use random pairs of dates over the whole timeline (so they are measured,
not served from the response cache); the target is p95 well under 100 ms once warm.

``--flood`` measures instead whether cheap requests stay fast while expensive ones pour in:
six clients (``--slow-clients``) keep asking for slow things (settlements over windows of up
to three years, change with depth, area by hromada, weekly series by raion; random dates,
so not cached) while two (``--fast-clients``) ask for cheap ones (health, sources,
timeline, area without ``by``) for ``--duration`` seconds. The target: fast p99 <= 100 ms
and no fast errors; slow answers are counted by status (200, 503 busy, 504 past budget).

    python bench/load_test.py --store /tmp/full.db --flood [--duration 60] [--heavy-workers 1 --heavy-queue 6]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True, help="a store file or a postgresql:// URL")
    ap.add_argument("--servers", type=int, default=1,
                    help="serve processes on the same store, on different ports; clients are spread over them")
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--readers", type=int, help="read connections per server process (default: serve's)")
    ap.add_argument("--workers", type=int, help="server processes (default: serve's)")
    ap.add_argument("--warm", type=int, default=300, help="warm-up requests (not counted)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--flood", action="store_true", help="slow clients flood, fast clients measured (see above)")
    ap.add_argument("--slow-clients", type=int, default=6)
    ap.add_argument("--fast-clients", type=int, default=2)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of the flood phase")
    ap.add_argument("--heavy-workers", type=int, help="serve --heavy-workers")
    ap.add_argument("--heavy-queue", type=int, help="serve --heavy-queue")
    ap.add_argument("--heavy-budget", type=float, help="serve --heavy-budget")
    args = ap.parse_args(argv)
    if not args.store.startswith(("postgresql://", "postgres://")) and not Path(args.store).exists():
        ap.error(f"{args.store}: no such store")

    urls = []
    servers = []
    for _ in range(args.servers):
        port = free_port()
        urls.append(f"http://127.0.0.1:{port}")
        exe = [sys.executable, "-m", "frontlines", "serve", "--store", str(args.store), "--port", str(port)]
        for opt in ("readers", "workers", "heavy_workers", "heavy_queue", "heavy_budget"):
            if getattr(args, opt) is not None:
                exe += [f"--{opt.replace('_', '-')}", str(getattr(args, opt))]
        servers.append(subprocess.Popen(exe, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        env={k: v for k, v in os.environ.items() if k != "FRONTLINES_TOKEN"}))
    url = urls[0]
    try:
        client = httpx.Client(base_url=url, timeout=120)
        for srv, base in zip(servers, urls):
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(base + "/api/health", timeout=10).raise_for_status()
                    break
                except httpx.HTTPError:
                    if srv.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"server did not start: {srv.stderr.read().decode() if srv.stderr else ''}")
                    time.sleep(0.2)
        days = sorted({w[:10] for _, w, _ in client.get("/api/timeline").json()["snapshots"]})
        rng = random.Random(args.seed)
        if args.flood:
            return flood(url, days, args)

        def pick() -> tuple[str, str, dict[str, str]]:
            r = rng.random()
            if r < 0.45:
                a, b = sorted(rng.sample(days, 2))
                return "change", "/api/change", {"from": a, "to": b}
            if r < 0.70:
                return "area", "/api/area", {"at": rng.choice(days)}
            if r < 0.80:
                return "layer.geojson", "/api/layer.geojson", {"at": rng.choice(days), "tolerance": "0.3"}
            if r < 0.88:
                a, b = sorted(rng.sample(days, 2))
                return "change.geojson", "/api/change.geojson", {"from": a, "to": b, "tolerance": "0.1"}
            if r < 0.93:
                return "timeline", "/api/timeline", {}
            if r < 0.97:
                return "series", "/api/series", {"from": days[0][:8] + "01", "to": days[-1], "freq": "month"}
            return "regions.geojson", "/api/regions.geojson", {"tolerance": "0.5"}

        plan_warm = [pick() for _ in range(args.warm)]
        plan = [pick() for _ in range(args.requests)]
        lat: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, int] = defaultdict(int)
        lock = threading.Lock()

        def run(items: list[tuple[str, str, dict[str, str]]], record: bool, base: str) -> None:
            with httpx.Client(base_url=base, timeout=120) as h:
                for name, path, params in items:
                    t = time.perf_counter()
                    try:
                        ok = h.get(path, params=params).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    dt = time.perf_counter() - t
                    if record:
                        with lock:
                            lat[name].append(dt)
                            if not ok:
                                errors[name] += 1

        def phase(items: list[tuple[str, str, dict[str, str]]], record: bool) -> float:
            chunks = [items[i :: args.concurrency] for i in range(args.concurrency)]
            threads = [threading.Thread(target=run, args=(c, record, urls[i % len(urls)])) for i, c in enumerate(chunks)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return time.perf_counter() - t0

        print(f"store {args.store.split('@')[-1]} ({len(days)} days), {len(urls)} server(s), {args.requests} requests, "
              f"concurrency {args.concurrency}, "
              f"server workers {args.workers or 'default'} x readers {args.readers or 'default'}; "
              f"warming with {args.warm} ...", flush=True)
        phase(plan_warm, False)
        wall = phase(plan, True)
        total = sum(len(v) for v in lat.values())
        out = {"servers": len(urls), "workers": args.workers, "readers": args.readers, "concurrency": args.concurrency, "requests": total, "seconds": round(wall, 2), "throughput_rps": round(total / wall, 1),
               "errors": sum(errors.values()), "endpoints": {}}
        print(f"{'endpoint':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}")
        for name in sorted(lat):
            v = lat[name]
            row = {"n": len(v), "p50_ms": round(1000 * statistics.median(v), 1), "p95_ms": round(1000 * pct(v, 0.95), 1),
                   "max_ms": round(1000 * max(v), 1), "errors": errors[name]}
            out["endpoints"][name] = row
            print(f"{name:<16}{row['n']:>6}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['max_ms']:>9}{row['errors']:>8}")
        allv = [x for v in lat.values() for x in v]
        out["p50_ms"], out["p95_ms"] = round(1000 * statistics.median(allv), 1), round(1000 * pct(allv, 0.95), 1)
        print(f"all: {total} requests in {wall:.1f} s = {out['throughput_rps']} req/s, p50 {out['p50_ms']} ms, "
              f"p95 {out['p95_ms']} ms, errors {out['errors']}")
        if args.json:
            args.json.write_text(json.dumps(out, indent=2))
        return 1 if out["errors"] else 0
    finally:
        for srv in servers:
            srv.terminate()
        for srv in servers:
            try:
                srv.wait(10)
            except subprocess.TimeoutExpired:
                srv.kill()


def _slow_request(rng: random.Random, days: list[str]) -> tuple[str, str, dict[str, str]]:
    """One expensive request with random dates (not in the response cache)."""
    r = rng.random()
    if r < 0.25:
        a = rng.choice(days[: max(1, len(days) // 3)])
        return "settlements", "/api/settlements", {"from": a, "to": days[min(len(days) - 1, days.index(a) + 3 * 365)]}
    if r < 0.5:
        a, b = sorted(rng.sample(days, 2))
        return "change+depth", "/api/change", {"from": a, "to": b, "depth": "true"}
    if r < 0.75:
        return "area by hromada", "/api/area", {"at": rng.choice(days), "by": "hromada"}
    a, b = sorted(rng.sample(days, 2))
    return "series by raion", "/api/series", {"from": a, "to": b, "freq": "week", "by": "raion"}


def _fast_request(rng: random.Random, days: list[str]) -> tuple[str, str, dict[str, str]]:
    """One cheap request (a random day for area: mostly not cached at first)."""
    r = rng.random()
    if r < 0.2:
        return "health", "/api/health", {}
    if r < 0.4:
        return "sources", "/api/sources", {}
    if r < 0.6:
        return "timeline", "/api/timeline", {}
    return "area", "/api/area", {"at": rng.choice(days)}


def flood(url: str, days: list[str], args: argparse.Namespace) -> int:
    """Slow clients flood the server for ``args.duration`` s; the latency of the fast clients is measured."""
    stop = threading.Event()
    fast: dict[str, list[float]] = defaultdict(list)
    fast_errors: dict[str, int] = defaultdict(int)
    slow: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    slow_lat: list[float] = []
    lock = threading.Lock()

    def slow_client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=600) as h:
            while not stop.is_set():
                name, path, params = _slow_request(rng, days)
                t = time.perf_counter()
                try:
                    code = h.get(path, params=params).status_code
                except httpx.HTTPError:
                    code = 0
                with lock:
                    slow[name][code] += 1
                    slow_lat.append(time.perf_counter() - t)
                if code == 503:
                    stop.wait(0.5)  # a polite client backs off (the server said Retry-After)

    def fast_client(seed: int, record: bool, until: float) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=60) as h:
            while time.monotonic() < until and not stop.is_set():
                name, path, params = _fast_request(rng, days)
                t = time.perf_counter()
                try:
                    ok = h.get(path, params=params).status_code == 200
                except httpx.HTTPError:
                    ok = False
                dt = time.perf_counter() - t
                if record:
                    with lock:
                        fast[name].append(dt)
                        if not ok:
                            fast_errors[name] += 1
                time.sleep(0.02)  # a person's browser, not a benchmark loop

    # Warm the fast path (the area of every day) before the flood starts.
    with httpx.Client(base_url=url, timeout=60) as h:
        for d in days:
            h.get("/api/area", params={"at": d})
    print(f"flood: {args.slow_clients} slow clients, {args.fast_clients} fast clients measured, {args.duration:g} s, "
          f"{len(days)} days; server workers {args.workers or 'default'}, heavy workers {args.heavy_workers or 'default'}, "
          f"queue {args.heavy_queue or 'default'}, budget {args.heavy_budget or 'default'}", flush=True)
    slows = [threading.Thread(target=slow_client, args=(args.seed + i,), daemon=True) for i in range(args.slow_clients)]
    for t in slows:
        t.start()
    time.sleep(2.0)  # the slow requests are in
    until = time.monotonic() + args.duration
    fasts = [threading.Thread(target=fast_client, args=(1000 + i, True, until)) for i in range(args.fast_clients)]
    t0 = time.perf_counter()
    for t in fasts:
        t.start()
    for t in fasts:
        t.join()
    wall = time.perf_counter() - t0
    stop.set()
    for t in slows:
        t.join(120)
    allv = [x for v in fast.values() for x in v]
    out: dict[str, object] = {
        "mode": "flood", "seconds": round(wall, 1), "slow_clients": args.slow_clients, "fast_clients": args.fast_clients,
        "fast_requests": len(allv), "fast_errors": sum(fast_errors.values()),
        "fast_p50_ms": round(1000 * statistics.median(allv), 1), "fast_p95_ms": round(1000 * pct(allv, 0.95), 1),
        "fast_p99_ms": round(1000 * pct(allv, 0.99), 1), "fast_max_ms": round(1000 * max(allv), 1),
        "fast": {k: {"n": len(v), "p99_ms": round(1000 * pct(v, 0.99), 1), "errors": fast_errors[k]} for k, v in fast.items()},
        "slow": {k: dict(v) for k, v in slow.items()},
        "slow_answered": sum(c for v in slow.values() for k, c in v.items() if k == 200),
        "slow_p50_s": round(statistics.median(slow_lat), 2) if slow_lat else None,
    }
    print(f"{'fast endpoint':<16}{'n':>6}{'p99 ms':>9}{'errors':>8}")
    for name, row in sorted(out["fast"].items()):  # type: ignore[union-attr]
        print(f"{name:<16}{row['n']:>6}{row['p99_ms']:>9}{row['errors']:>8}")
    print("slow requests by status:", json.dumps(out["slow"], sort_keys=True))
    print(f"fast: {len(allv)} requests in {wall:.1f} s, p50 {out['fast_p50_ms']} ms, p95 {out['fast_p95_ms']} ms, "
          f"p99 {out['fast_p99_ms']} ms, max {out['fast_max_ms']} ms, errors {out['fast_errors']}; "
          f"slow answered {out['slow_answered']}, slow p50 {out['slow_p50_s']} s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 1 if out["fast_errors"] or out["fast_p99_ms"] > 100 else 0  # type: ignore[operator]


if __name__ == "__main__":
    sys.exit(main())
