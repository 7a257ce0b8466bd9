"""Interactive queries on the full history, cold and warm (issue 18: cold < 1 s, warm < 100 ms).

Builds (or reuses, ``--store-w1`` / ``--store-w2``) a store of the 1,359 DeepState history
snapshots (W1) and one of the 769 daily files (W2) with ``frontlines ingest``, then runs
each query of :data:`QUERIES` in a **fresh interpreter** (cold: a new subprocess that
imports frontlines, opens the store read-only and runs the query once through
``frontlines.service``, JSON included), then repeats it in that process (warm). The child
reports its start-up (interpreter + imports) apart from the query's own time; the table
shows both, and the subprocess's whole wall time.

Usage (from the project root)::

    PYTHONPATH=src:. python bench/queries.py --dir-w1 /tmp/data/deepstate-history/geojsons \\
        --dir-w2 /tmp/data/deepstate-daily --work /tmp/q --json bench/queries.json
    PYTHONPATH=src:. python bench/queries.py --store-w1 /tmp/q/w1.db --store-w2 /tmp/q/w2.db --only settlements

From Python (``bench/run.py`` extras)::

    import queries; res = queries.measure(w1_store, w2_store, warm=5)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["QUERIES", "TARGET_COLD_S", "TARGET_WARM_S", "build_store", "format_table", "measure", "run_query"]

#: Targets of issue 18.
TARGET_COLD_S = 1.0
TARGET_WARM_S = 0.1

ROOT = Path(__file__).resolve().parent.parent

#: name -> (workload, service function, keyword arguments). Dates are UTC.
QUERIES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "settlements 3 years (W1)": ("W1", "settlements", {"start": "2022-04-10", "end": "2025-08-01"}),
    "settlements 1 week (W1)": ("W1", "settlements", {"start": "2022-09-06", "end": "2022-09-13"}),
    "settlements 2 years (W2)": ("W2", "settlements", {"start": "2024-07-10", "end": "2026-08-01"}),
    "area by hromada (W1)": ("W1", "area", {"at": "2022-09-13", "by": "hromada"}),
    "area by hromada (W2)": ("W2", "area", {"at": "2025-06-01", "by": "hromada"}),
    "area by raion (W1)": ("W1", "area", {"at": "2024-02-20", "by": "raion"}),
    "change by hromada (W1, year)": ("W1", "change", {"start": "2023-08-01", "end": "2024-08-01", "by": "hromada"}),
    "change by hromada depth (W1, week)": (
        "W1", "change", {"start": "2022-09-06", "end": "2022-09-13", "by": "hromada", "depth": True}),
    "change by hromada depth (W1, year)": (
        "W1", "change", {"start": "2023-08-01", "end": "2024-08-01", "by": "hromada", "depth": True}),
    "series by raion weekly (W1, year)": (
        "W1", "series", {"start": "2023-08-01", "end": "2024-08-01", "freq": "week", "by": "raion"}),
    "series by raion weekly (W2, year)": (
        "W2", "series", {"start": "2025-01-01", "end": "2026-01-01", "freq": "week", "by": "raion"}),
    "change by oblast (W1)": ("W1", "change", {"start": "2023-05-01", "end": "2024-05-01", "by": "oblast"}),
}

ADAPTER = {"W1": "deepstate-history", "W2": "deepstate-daily"}


def _python() -> str:
    return sys.executable


def _env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(ROOT / "src"), str(ROOT)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def build_store(workload: str, folder: Path, path: Path) -> dict[str, Any]:
    """Ingest a workload's folder into ``path`` with the CLI (reused when the file exists)."""
    if path.exists():
        return {"store": str(path), "built": False}
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    subprocess.run([_python(), "-m", "frontlines", "ingest", ADAPTER[workload], str(folder), "--store", str(path)],
                   check=True, env=_env(), stdout=subprocess.DEVNULL)
    return {"store": str(path), "built": True, "wall_s": time.perf_counter() - t0}


_CHILD = r"""
import json, os, resource, sys, time
t_start = time.perf_counter()
spec = json.loads(sys.argv[1])
from frontlines import service
t_imported = time.perf_counter()

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

def once(store):
    res = getattr(service, spec["func"])(store, **spec["kwargs"])
    return json.dumps(res.as_dict(), default=str)

c0 = cpu()
t0 = time.perf_counter()
store = service.open_reader(spec["store"])
text = once(store)
query_s = time.perf_counter() - t0
query_cpu = cpu() - c0
warm = []
warm_cpu = []
for _ in range(spec["warm"]):
    t = time.perf_counter()
    c = cpu()
    again = once(store)
    warm.append(time.perf_counter() - t)
    warm_cpu.append(cpu() - c)
    assert again == text
print(json.dumps({"import_s": t_imported - t_start, "query_s": query_s, "query_cpu_s": query_cpu, "warm_s": warm, "warm_cpu_s": warm_cpu,
                  "bytes": len(text), "digest": __import__("hashlib").sha256(text.encode()).hexdigest()[:16]}))
"""


def run_query(store: Path, func: str, kwargs: dict[str, Any], *, warm: int = 5) -> dict[str, Any]:
    """One query cold in a fresh interpreter, then ``warm`` times more in it.

    Returns
    -------
    dict
        ``process_s`` (the subprocess's wall time, interpreter start included), ``startup_s``
        (``process_s`` minus the query and the warm repeats: interpreter, imports, exit),
        ``import_s``, ``query_s`` (cold: opening the store and the query, JSON included),
        ``query_cpu_s``, ``warm_s`` / ``warm_cpu_s`` (lists), ``warm_median_s``, ``warm_cpu_median_s``, ``bytes``,
        ``digest`` (of the JSON; equal before and after a change means identical figures).
    """
    spec = {"store": str(store), "func": func, "kwargs": kwargs, "warm": warm}
    t0 = time.perf_counter()
    proc = subprocess.run([_python(), "-c", _CHILD, json.dumps(spec)], env=_env(), capture_output=True, text=True)
    process_s = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}",
                "process_s": process_s}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = process_s
    out["startup_s"] = process_s - out["query_s"] - sum(out["warm_s"])
    out["warm_median_s"] = statistics.median(out["warm_s"]) if out["warm_s"] else None
    out["warm_cpu_median_s"] = statistics.median(out["warm_cpu_s"]) if out["warm_cpu_s"] else None
    return out


#: The service functions that take ``include_redraws`` (map redraws are left out by default).
REDRAW_AWARE = ("change", "series", "settlements")


def measure(w1_store: Path | str | None, w2_store: Path | str | None, *, warm: int = 5,
            only: str | None = None, include_redraws: bool = False) -> dict[str, Any]:
    """Run every query of :data:`QUERIES` whose store is given (``only``: names containing it).

    ``include_redraws=True`` passes it to the change / series / settlements queries (the raw
    figures, without the redraw split of :mod:`frontlines.service.redraws`).

    Returns
    -------
    dict
        ``{"load_average": (1, 5, 15 min) before, "load_average_after", "targets", "queries": {name: {...}}}``
        (each query: its spec and :func:`run_query`'s figures, ``cold_ok`` / ``warm_ok``).
    """
    stores = {"W1": w1_store, "W2": w2_store}
    out: dict[str, Any] = {"load_average": os.getloadavg(), "targets": {"cold_s": TARGET_COLD_S, "warm_s": TARGET_WARM_S},
                           "queries": {}}
    for name, (wl, func, kwargs) in QUERIES.items():
        if stores[wl] is None or (only and only not in name):
            continue
        if include_redraws and func in REDRAW_AWARE:
            kwargs = {**kwargs, "include_redraws": True}
        res = run_query(Path(stores[wl]), func, kwargs, warm=warm)
        res.update(workload=wl, func=func, kwargs=kwargs)
        if "error" not in res:
            res["cold_ok"] = res["query_s"] < TARGET_COLD_S
            res["warm_ok"] = res["warm_median_s"] is not None and res["warm_median_s"] < TARGET_WARM_S
        out["queries"][name] = res
    out["load_average_after"] = os.getloadavg()
    return out


def format_table(result: dict[str, Any]) -> str:
    """Markdown table of :func:`measure`'s result."""
    lines = [
        "| query | cold query s | cold CPU s | start-up s | process s | warm median ms | warm CPU ms | cold < 1 s |"
        " warm < 100 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in result["queries"].items():
        if "error" in r:
            lines.append(f"| {name} | error: {r['error']} | | | | | | | |")
            continue
        lines.append(
            f"| {name} | {r['query_s']:.3f} | {r['query_cpu_s']:.3f} | {r['startup_s']:.3f} | {r['process_s']:.3f} | "
            f"{r['warm_median_s'] * 1000:.1f} | {r['warm_cpu_median_s'] * 1000:.1f} | {'OK' if r['cold_ok'] else 'no'} | "
            f"{'OK' if r['warm_ok'] else 'no'} |")
    la, lb = result["load_average"], result["load_average_after"]
    lines.append(f"\nload average before {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}, after {lb[0]:.2f} {lb[1]:.2f} {lb[2]:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir-w1", type=Path, help="unpacked DeepState history (geojsons/)")
    ap.add_argument("--dir-w2", type=Path, help="unpacked DeepState daily files")
    ap.add_argument("--store-w1", type=Path, help="existing W1 store (else built under --work)")
    ap.add_argument("--store-w2", type=Path, help="existing W2 store (else built under --work)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/frontlines-queries"), help="where stores are built")
    ap.add_argument("--warm", type=int, default=5, help="warm repeats per query")
    ap.add_argument("--only", help="only the queries whose name contains this")
    ap.add_argument("--include-redraws", action="store_true",
                    help="raw change / series / settlements (redraws not split off)")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    builds = {}
    stores: dict[str, Path | None] = {}
    for wl, given, folder in (("W1", args.store_w1, args.dir_w1), ("W2", args.store_w2, args.dir_w2)):
        if given is not None:
            stores[wl] = given
        elif folder is not None:
            stores[wl] = args.work / f"{wl.lower()}.db"
            builds[wl] = build_store(wl, folder, stores[wl])
        else:
            stores[wl] = None
    result = measure(stores["W1"], stores["W2"], warm=args.warm, only=args.only,
                     include_redraws=args.include_redraws)
    result["builds"] = builds
    print(format_table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
