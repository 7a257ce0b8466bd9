"""Bounded load test of the HTTP API on loopback: two scenarios, their targets, CPU per request.

Starts ``frontlines serve`` (2 server processes by default) on a free loopback port over a
store (read-only) and runs, one after the other:

``mixed``
    ``--requests`` (3000) mixed requests from ``--concurrency`` (16) client threads after
    ``--warm`` (300) uncounted ones: change between random days (45 %, so mostly not in any
    cache), area of a random day, layer and change GeoJSON, timeline, monthly series,
    region borders. Target: p95 <= 100 ms with no errors.
``flood``
    ``--slow-clients`` (6) keep asking for slow things (settlements over windows of up to
    three years, change with depth, area by hromada, weekly series by raion; random dates,
    so not cached; they run in the server's heavy pool) while ``--fast-clients`` (2) ask for
    cheap ones (health, sources, timeline, area without ``by``) for ``--duration`` (60) s.
    Target: fast p99 <= 100 ms and no fast errors; slow answers are counted by status
    (200, 503 busy, 504 past budget).

The mixed scenario's clients use ``http.client`` (``--client stdlib``, the default: one keep-alive
connection per client thread, ~0.12 ms of client CPU per request) rather than ``httpx`` (``--client
httpx``, as before 2026-11-28 wave 7: ~0.45 ms, 0.9 ms with 16 threads): the client runs on the
same two cores as the server, and its own CPU was a third of the test's.

Each scenario also reports the CPU time of the server (every process of it, heavy pool
included, from /proc) and of this client per request, and the load average before and
after (the machine may be shared: compare runs made back to back). It ends with a table
of the figures against their targets and exits 1 when one is missed.

    python bench/load_test.py --store /tmp/w1.sqlite [--scenario both|mixed|flood] [--concurrency 16] [--skip change.geojson]
        [--requests 3000] [--workers 2 --readers 2] [--duration 60] [--heavy-workers 1 --heavy-queue 6] [--json out.json]

From Python (e.g. ``bench/run.py``): ``measure(store, scenarios=("mixed", "flood"), ...) -> dict``
and ``format_table(result)``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx


def _timed_get(client: httpx.Client, path: str, params: dict[str, str]) -> tuple[bool, float]:
    """(answered 200, seconds) of one GET; a transport error counts as not answered."""
    t = time.perf_counter()
    try:
        ok = client.get(path, params=params).status_code == 200
    except httpx.HTTPError:
        ok = False
    return ok, time.perf_counter() - t

class StdlibClient:
    """GETs on one keep-alive HTTP/1.1 connection (``http.client``); reconnects after an error.

    A load generator's own CPU competes with the server on a shared machine: ~0.12 ms per
    request here against ~0.45 ms with ``httpx.Client`` (one thread, /api/change on loopback).
    """

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        url = urlsplit(base_url)
        self.host, self.port, self.timeout = url.hostname or "127.0.0.1", url.port or 80, timeout
        self.conn: http.client.HTTPConnection | None = None

    def status(self, path: str, params: dict[str, str]) -> int | None:
        """The status of ``GET path?params`` (body read and dropped); None after a transport error."""
        target = f"{path}?{urlencode(params)}" if params else path
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.request("GET", target)
            response = self.conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            self.close()
            return None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> StdlibClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _timed_status(client: StdlibClient, path: str, params: dict[str, str]) -> tuple[bool, float]:
    """(answered 200, seconds) of one GET with :class:`StdlibClient`."""
    t = time.perf_counter()
    ok = client.status(path, params) == 200
    return ok, time.perf_counter() - t


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


#: Targets of the performance issue (#18).
TARGETS = {"mixed_p95_ms": 100.0, "mixed_errors": 0, "flood_fast_p99_ms": 100.0, "flood_fast_errors": 0}


def _ticks() -> float:
    return float(os.sysconf("SC_CLK_TCK"))


def tree_cpu_seconds(root: int) -> float:
    """user + sys CPU of process ``root`` and all its live descendants, plus the children they reaped (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                raw = f.read().decode("latin-1")
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        pid = int(entry)
        parents[pid] = int(fields[1])
        # utime, stime, cutime, cstime (fields 14-17 of stat; here shifted by the 2 leading ones)
        times[pid] = sum(int(x) for x in fields[11:15]) / _ticks()
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo += [c for c, p in parents.items() if p == pid]
    return total


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def start_servers(store: str, count: int = 1, **options: object) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    """``frontlines serve`` on ``count`` free loopback ports (options: workers, readers, heavy_workers, ...)."""
    urls, servers = [], []
    for _ in range(count):
        port = free_port()
        urls.append(f"http://127.0.0.1:{port}")
        exe = [sys.executable, "-m", "frontlines", "serve", "--store", str(store), "--port", str(port)]
        for opt, value in options.items():
            if value is not None:
                exe += [f"--{opt.replace('_', '-')}", str(value)]
        servers.append(subprocess.Popen(exe, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        env={k: v for k, v in os.environ.items() if k != "FRONTLINES_TOKEN"}))
    for srv, base in zip(servers, urls):
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/api/health", timeout=10).raise_for_status()
                break
            except httpx.HTTPError:
                if srv.poll() is not None or time.monotonic() > deadline:
                    stop_servers(servers)
                    raise SystemExit(f"server did not start: {srv.stderr.read().decode() if srv.stderr else ''}")
                time.sleep(0.2)
    return servers, urls


def stop_servers(servers: list[subprocess.Popen[bytes]]) -> None:
    for srv in servers:
        srv.terminate()
    for srv in servers:
        try:
            srv.wait(10)
        except subprocess.TimeoutExpired:
            srv.kill()


def measure(store: str | Path, *, scenarios: tuple[str, ...] = ("mixed", "flood"), workers: int | None = 2,
            readers: int | None = None, servers: int = 1, concurrency: int = 16, requests: int = 3000, warm: int = 300,
            seed: int = 5, duration: float = 60.0, slow_clients: int = 6, fast_clients: int = 2,
            heavy_workers: int | None = None, heavy_queue: int | None = None, heavy_budget: float | None = None,
            quiet: bool = False, skip: tuple[str, ...] = (), client: str = "stdlib") -> dict[str, Any]:
    """Start ``frontlines serve`` over ``store`` and run the scenarios; the figures as a dict.

    ``mixed``: ``requests`` mixed requests from ``concurrency`` clients after ``warm`` warm-up
    ones (target p95 <= 100 ms, no errors). ``flood``: ``slow_clients`` keep sending expensive
    requests while ``fast_clients`` send cheap ones for ``duration`` s (target fast p99 <= 100 ms,
    no fast errors). ``skip``: endpoints of the mix left out (see :func:`run_mixed`); ``client``: the mixed
    clients' HTTP library, ``stdlib`` (:class:`StdlibClient`) or ``httpx``. Each scenario reports the server's CPU (all its processes, heavy pool
    included) and this client's CPU per request, and the load average before and after.
    """
    store = str(store)
    if not store.startswith(("postgresql://", "postgres://")) and not Path(store).exists():
        raise SystemExit(f"{store}: no such store")
    procs, urls = start_servers(store, servers, workers=workers, readers=readers, heavy_workers=heavy_workers,
                                heavy_queue=heavy_queue, heavy_budget=heavy_budget)
    out: dict[str, Any] = {"store": store.split("@")[-1], "skip": list(skip), "client": client, "servers": servers, "workers": workers, "readers": readers,
                           "targets": dict(TARGETS), "cores": os.cpu_count()}
    try:
        days = sorted({w[:10] for _, w, _ in httpx.get(urls[0] + "/api/timeline", timeout=120).json()["snapshots"]})
        out["days"] = len(days)
        for name in scenarios:
            load0, s0, c0, t0 = _loadavg(), sum(tree_cpu_seconds(p.pid) for p in procs), _self_cpu(), time.perf_counter()
            if name == "mixed":
                res = run_mixed(urls, days, concurrency=concurrency, requests=requests, warm=warm, seed=seed,
                                quiet=quiet, skip=frozenset(skip), client=client)
                n = res["requests"] + warm
            elif name == "flood":
                res = flood(urls[0], days, duration=duration, slow_clients=slow_clients, fast_clients=fast_clients,
                            seed=seed, quiet=quiet)
                n = res["fast_requests"] + sum(sum(v.values()) for v in res["slow"].values())
            else:
                raise ValueError(f"unknown scenario {name!r}")
            server_cpu = sum(tree_cpu_seconds(p.pid) for p in procs) - s0
            res.update(wall_s=round(time.perf_counter() - t0, 1), loadavg_before=load0, loadavg_after=_loadavg(),
                       server_cpu_s=round(server_cpu, 2), server_cpu_ms_per_request=round(1000 * server_cpu / max(n, 1), 2),
                       client_cpu_ms_per_request=round(1000 * (_self_cpu() - c0) / max(n, 1), 2))
            out[name] = res
    finally:
        stop_servers(procs)
    met = {}
    if "mixed" in out:
        met["mixed"] = out["mixed"]["p95_ms"] <= TARGETS["mixed_p95_ms"] and out["mixed"]["errors"] == 0
    if "flood" in out:
        met["flood"] = out["flood"]["fast_p99_ms"] <= TARGETS["flood_fast_p99_ms"] and out["flood"]["fast_errors"] == 0
    out["met"] = met
    return out


def format_table(out: dict[str, Any]) -> str:
    """The scenarios' figures against their targets, as a Markdown table."""
    rows = ["| scenario | requests | figure | measured | target | met | server CPU ms/req | client CPU ms/req | load avg before / after |",
            "|---|---|---|---|---|---|---|---|---|"]
    if "mixed" in out:
        m = out["mixed"]
        rows.append(f"| mixed, {m['concurrency']} clients | {m['requests']:,} | p95 (p50) | {m['p95_ms']} ms ({m['p50_ms']} ms), "
                    f"{m['errors']} errors | <= {TARGETS['mixed_p95_ms']:g} ms, 0 errors | {'yes' if out['met']['mixed'] else 'NO'} "
                    f"| {m['server_cpu_ms_per_request']} | {m['client_cpu_ms_per_request']} | "
                    f"{m['loadavg_before'][0]} / {m['loadavg_after'][0]} |")
    if "flood" in out:
        f = out["flood"]
        rows.append(f"| flood, {f['slow_clients']} slow + {f['fast_clients']} fast clients, {f['seconds']} s | "
                    f"{f['fast_requests']:,} fast | fast p99 (p95) | {f['fast_p99_ms']} ms ({f['fast_p95_ms']} ms), "
                    f"{f['fast_errors']} errors | <= {TARGETS['flood_fast_p99_ms']:g} ms, 0 errors | "
                    f"{'yes' if out['met']['flood'] else 'NO'} | {f['server_cpu_ms_per_request']} | "
                    f"{f['client_cpu_ms_per_request']} | {f['loadavg_before'][0]} / {f['loadavg_after'][0]} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True, help="a store file or a postgresql:// URL")
    ap.add_argument("--scenario", choices=("both", "mixed", "flood"), default="both")
    ap.add_argument("--servers", type=int, default=1,
                    help="serve processes on the same store, on different ports; clients are spread over them")
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--readers", type=int, help="read connections per server process (default: serve's)")
    ap.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    ap.add_argument("--warm", type=int, default=300, help="warm-up requests (not counted)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--skip", default="", help="endpoints of the mix to leave out, comma-separated (e.g. change.geojson); "
                                               "the others keep their proportions")
    ap.add_argument("--client", choices=("stdlib", "httpx"), default="stdlib",
                    help="HTTP library of the mixed scenario's clients (default stdlib: http.client, least client CPU)")
    ap.add_argument("--flood", action="store_true", help="the flood scenario only (= --scenario flood)")
    ap.add_argument("--slow-clients", type=int, default=6)
    ap.add_argument("--fast-clients", type=int, default=2)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of the flood phase")
    ap.add_argument("--heavy-workers", type=int, help="serve --heavy-workers")
    ap.add_argument("--heavy-queue", type=int, help="serve --heavy-queue")
    ap.add_argument("--heavy-budget", type=float, help="serve --heavy-budget")
    args = ap.parse_args(argv)
    scenario = "flood" if args.flood else args.scenario
    scenarios = ("mixed", "flood") if scenario == "both" else (scenario,)
    out = measure(args.store, scenarios=scenarios, workers=args.workers, readers=args.readers, servers=args.servers,
                  concurrency=args.concurrency, requests=args.requests, warm=args.warm, seed=args.seed,
                  duration=args.duration, slow_clients=args.slow_clients, fast_clients=args.fast_clients,
                  heavy_workers=args.heavy_workers, heavy_queue=args.heavy_queue, heavy_budget=args.heavy_budget,
                  skip=tuple(x.strip() for x in args.skip.split(",") if x.strip()), client=args.client)
    print()
    print(format_table(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0 if all(out["met"].values()) else 1


def run_mixed(urls: list[str], days: list[str], *, concurrency: int = 16, requests: int = 3000, warm: int = 300,
              seed: int = 5, quiet: bool = False, skip: frozenset[str] = frozenset(),
              client: str = "stdlib") -> dict[str, Any]:
    """``requests`` mixed requests from ``concurrency`` client threads (after ``warm`` uncounted ones).

    Endpoints named in ``skip`` (e.g. ``change.geojson``) are left out: a request drawn for one
    is drawn again, so the others keep their proportions (one endpoint's part measured apart).
    """
    rng = random.Random(seed)

    def pick() -> tuple[str, str, dict[str, str]]:
        while True:
            item = draw()
            if item[0] not in skip:
                return item

    def draw() -> tuple[str, str, dict[str, str]]:
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

    plan_warm = [pick() for _ in range(warm)]
    plan = [pick() for _ in range(requests)]
    lat: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    def run(items: list[tuple[str, str, dict[str, str]]], record: bool, base: str) -> None:
        with (StdlibClient(base) if client == "stdlib" else httpx.Client(base_url=base, timeout=120)) as h:
            for name, path, params in items:
                ok, dt = _timed_status(h, path, params) if isinstance(h, StdlibClient) else _timed_get(h, path, params)
                if record:
                    with lock:
                        lat[name].append(dt)
                        if not ok:
                            errors[name] += 1

    def phase(items: list[tuple[str, str, dict[str, str]]], record: bool) -> float:
        chunks = [items[i::concurrency] for i in range(concurrency)]
        threads = [threading.Thread(target=run, args=(c, record, urls[i % len(urls)])) for i, c in enumerate(chunks)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - t0

    if not quiet:
        print(f"mixed: {len(days)} days, {len(urls)} server(s), {requests} requests, concurrency {concurrency}; "
              f"warming with {warm} ...", flush=True)
    phase(plan_warm, False)
    wall = phase(plan, True)
    total = sum(len(v) for v in lat.values())
    out: dict[str, Any] = {"mode": "mixed", "concurrency": concurrency, "requests": total, "seconds": round(wall, 2),
                           "throughput_rps": round(total / wall, 1), "errors": sum(errors.values()), "endpoints": {}}
    for name in sorted(lat):
        v = lat[name]
        out["endpoints"][name] = {"n": len(v), "p50_ms": round(1000 * statistics.median(v), 1),
                                  "p95_ms": round(1000 * pct(v, 0.95), 1), "max_ms": round(1000 * max(v), 1),
                                  "errors": errors[name]}
    allv = [x for v in lat.values() for x in v]
    out["p50_ms"], out["p95_ms"] = round(1000 * statistics.median(allv), 1), round(1000 * pct(allv, 0.95), 1)
    out["p99_ms"] = round(1000 * pct(allv, 0.99), 1)
    if not quiet:
        print(f"{'endpoint':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}")
        for name, row in out["endpoints"].items():
            print(f"{name:<16}{row['n']:>6}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['max_ms']:>9}{row['errors']:>8}")
        print(f"all: {total} requests in {wall:.1f} s = {out['throughput_rps']} req/s, p50 {out['p50_ms']} ms, "
              f"p95 {out['p95_ms']} ms, errors {out['errors']}", flush=True)
    return out


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


def flood(url: str, days: list[str], *, duration: float = 60.0, slow_clients: int = 6, fast_clients: int = 2,
          seed: int = 5, quiet: bool = False) -> dict[str, Any]:
    """Slow clients flood the server for ``duration`` s; the latency of the fast clients is measured."""
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
                ok, dt = _timed_get(h, path, params)
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
    if not quiet:
        print(f"flood: {slow_clients} slow clients, {fast_clients} fast clients measured, {duration:g} s, "
              f"{len(days)} days", flush=True)
    slows = [threading.Thread(target=slow_client, args=(seed + i,), daemon=True) for i in range(slow_clients)]
    for t in slows:
        t.start()
    time.sleep(2.0)  # the slow requests are in
    until = time.monotonic() + duration
    fasts = [threading.Thread(target=fast_client, args=(1000 + i, True, until)) for i in range(fast_clients)]
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
        "mode": "flood", "seconds": round(wall, 1), "slow_clients": slow_clients, "fast_clients": fast_clients,
        "fast_requests": len(allv), "fast_errors": sum(fast_errors.values()),
        "fast_p50_ms": round(1000 * statistics.median(allv), 1), "fast_p95_ms": round(1000 * pct(allv, 0.95), 1),
        "fast_p99_ms": round(1000 * pct(allv, 0.99), 1), "fast_max_ms": round(1000 * max(allv), 1),
        "fast": {k: {"n": len(v), "p99_ms": round(1000 * pct(v, 0.99), 1), "errors": fast_errors[k]} for k, v in fast.items()},
        "slow": {k: dict(v) for k, v in slow.items()},
        "slow_answered": sum(c for v in slow.values() for k, c in v.items() if k == 200),
        "slow_p50_s": round(statistics.median(slow_lat), 2) if slow_lat else None,
    }
    if not quiet:
        print(f"{'fast endpoint':<16}{'n':>6}{'p99 ms':>9}{'errors':>8}")
        for name, row in sorted(out["fast"].items()):  # type: ignore[union-attr]
            print(f"{name:<16}{row['n']:>6}{row['p99_ms']:>9}{row['errors']:>8}")
        print("slow requests by status:", json.dumps(out["slow"], sort_keys=True))
        print(f"fast: {len(allv)} requests in {wall:.1f} s, p50 {out['fast_p50_ms']} ms, p95 {out['fast_p95_ms']} ms, "
              f"p99 {out['fast_p99_ms']} ms, max {out['fast_max_ms']} ms, errors {out['fast_errors']}; "
              f"slow answered {out['slow_answered']}, slow p50 {out['slow_p50_s']} s")
    return out


if __name__ == "__main__":
    sys.exit(main())
