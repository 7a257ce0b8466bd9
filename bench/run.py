"""Benchmark harness: frontlines against the geopandas baseline, same inputs, same oblasts.

    python bench/run.py [--workloads W1,W2,W3] [--reps N] [--quick]

For each workload the two sides run alternately (baseline first on even reps,
frontlines first on odd ones), each run in a fresh Python subprocess:

* baseline: :func:`baseline.run_baseline` over the workload's inputs;
* frontlines: :func:`engine.run_frontlines`, a full rebuild into a new store file:
  ingest (``derive="primary"``), per-oblast areas of every snapshot, every figure
  read back.

Both clip with the shipped land-clipped oblasts of frontlines (written to a temporary
GeoJSON for the baseline). The figures of the first run of each side are compared
snapshot by snapshot (area, gained, lost: within 0.01 % or 0.1 km²; per-oblast area:
within 0.01 % or 0.1 km²).

Measured per run: wall time and CPU time (user + sys of the process and its
children, ``getrusage``) of the work itself (after imports); the whole subprocess's
CPU (``os.wait4``); memory sampled every 0.1 s over the process tree: the peak of the
summed PSS (shared pages of forked workers counted once), of the summed RSS, and the
largest single process (also the child's own ``VmHWM``); and the CPU time other
processes used on the machine during the run (``/proc/stat``), since it may be shared.

With W1 also: (a) incremental update, adding the last W1 snapshot to a store holding
all the others (median of 5 copies of the prepared store, target < 0.5 s) and
(b) query latency of ``api.change(start, end, by="oblast")`` between random snapshot
times (200 warm queries, target p95 < 20 ms).

And the rest of issue 18's targets (skip them with ``--skip io,queries,http``, or everything
after the workloads with ``--no-extras``): (c) ``ingest_io.measure``: the W1 history from its
``.tar.xz`` and a ``.tar.gz`` against the unpacked folder (<= 1.3x), re-ingesting it all as
duplicates (< 2 s), ``reindex`` with no adapter changed (< 10 s); (d) ``queries.measure``: the
interactive queries cold in a new interpreter (< 1 s) and warm (< 100 ms) on W1 and W2 stores
built with the CLI's ``ingest`` (redraws, settlement index and region tables stored, as a
user's); (e) ``load_test.measure``: HTTP with 2 server processes, 16 clients (p95 <= 100 ms, 0
errors) and the flood of slow requests (fast p99 <= 100 ms). The run ends with one table of every
target, its measured value and whether it is met.

Everything goes to ``bench/results.json`` (``--json`` to change). W1/W2 are unpacked
from the shared archives into a temporary directory unless ``--dir-w1`` / ``--dir-w2``
name unpacked folders. ``--quick``: the first 100 snapshots of each workload, one rep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import workloads  # noqa: E402

DEFAULT_REPS = {"W1": 2, "W2": 3, "W3": 3}
QUICK_LIMIT = 100
#: tolerances of the check: |difference| <= max(ABS_KM2, REL * |baseline value|)
ABS_KM2 = 0.1
REL = 1e-4



# =========================================================================== child side
def _cpu() -> float:
    """user + sys CPU of this process and its reaped children."""
    import resource

    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def _vm_hwm_mb() -> float:
    """Peak resident memory of this process since its exec (``VmHWM``), MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _child(spec_path: str) -> int:
    """Run one side of one workload (or the extras) and write the result as JSON.

    Only the side's own libraries are imported: the baseline process never imports
    frontlines' store or ingest, the frontlines process never imports geopandas.
    """
    spec = json.loads(Path(spec_path).read_text())
    kind = spec["kind"]
    out: dict[str, Any] = {"kind": kind}
    timings: dict[str, Any] = {}
    if kind == "baseline":
        import baseline

        inputs = workloads.list_inputs(spec["workload"], spec["folder"])
        c0, t0 = _cpu(), time.perf_counter()
        rows = baseline.run_baseline(spec["workload"], inputs, Path(spec["oblasts"]), name_field="name", timings=timings)
        out.update(wall_s=time.perf_counter() - t0, cpu_s=_cpu() - c0, rows=rows, timings=timings)
    elif kind == "frontlines":
        import engine

        c0, t0 = _cpu(), time.perf_counter()
        rows = engine.run_frontlines(
            spec["workload"], Path(spec["folder"]), Path(spec["store"]), workers=spec.get("workers"), timings=timings
        )
        out.update(wall_s=time.perf_counter() - t0, cpu_s=_cpu() - c0, rows=rows, timings=timings)
        if spec.get("store_bytes"):
            out["store_bytes"] = Path(spec["store"]).stat().st_size
    elif kind == "extras":
        import engine

        c0, t0 = _cpu(), time.perf_counter()
        prep = engine.prepare_incremental(Path(spec["folder"]), Path(spec["prepared"]), derive=spec["derive"])
        ref = spec.get("reference")
        inc = engine.incremental_update(
            Path(spec["prepared"]), Path(spec["new_file"]), Path(spec["work"]),
            reps=spec["reps"], derive=spec["derive"], reference=ref,
        )
        q = engine.query_latency(Path(spec["work"]), queries=spec["queries"], warmup=spec["warmup"])
        out.update(wall_s=time.perf_counter() - t0, cpu_s=_cpu() - c0, prepare=prep, incremental=inc, queries=q)
    else:
        raise SystemExit(f"unknown child kind {kind!r}")
    out["vm_hwm_mb"] = _vm_hwm_mb()
    Path(spec["out"]).write_text(json.dumps(out, ensure_ascii=False))
    return 0


# =========================================================================== parent side
def _tree(pid: int) -> list[int]:
    """``pid`` and its live descendants (``/proc/<pid>/task/<tid>/children``)."""
    out, i = [pid], 0
    while i < len(out):
        p = out[i]
        i += 1
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    out.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def _rss_pss(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in bytes, from ``/proc/<pid>/smaps_rollup`` (0, 0 if gone)."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    return rss, pss


class _TreeMemory(threading.Thread):
    """Samples the memory of a process and its descendants every ``every`` seconds.

    Keeps the peak of the summed PSS (proportional set size: pages shared between the
    main process and its forked workers are counted once), the peak of the summed RSS
    (counts shared pages in each process) and the largest single-process RSS seen.
    Each sample costs ~1 ms of this (parent) process's CPU per sampled process.
    """

    def __init__(self, pid: int, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak_pss = self.peak_rss = self.max_proc_rss = 0
        self.max_procs = 0
        self._stop_evt = threading.Event()

    def run(self) -> None:
        while not self._stop_evt.is_set():
            pids = _tree(self.pid)
            mem = [_rss_pss(p) for p in pids]
            self.peak_rss = max(self.peak_rss, sum(m[0] for m in mem))
            self.peak_pss = max(self.peak_pss, sum(m[1] for m in mem))
            self.max_proc_rss = max([self.max_proc_rss, *(m[0] for m in mem)])
            self.max_procs = max(self.max_procs, sum(1 for m in mem if m[0]))
            self._stop_evt.wait(self.every)

    def stop(self) -> None:
        self._stop_evt.set()
        self.join()


def _busy_cpu_s() -> float:
    """Busy CPU seconds of the whole machine since boot (/proc/stat, all cores)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    busy = sum(v[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def run_child(spec: dict, tmp: Path, label: str) -> dict:
    """Run one child with ``spec``; add its process-level measurements to its result."""
    spec_path = tmp / f"{label}.spec.json"
    out_path = tmp / f"{label}.out.json"
    log_path = tmp / f"{label}.log"
    spec = dict(spec, out=str(out_path))
    spec_path.write_text(json.dumps(spec))
    busy0, load0, t0 = _busy_cpu_s(), os.getloadavg()[0], time.perf_counter()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", str(spec_path)],
                                stdout=log, stderr=subprocess.STDOUT, cwd=str(BENCH.parent))
        sampler = _TreeMemory(proc.pid)
        sampler.start()
        _, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        sampler.stop()
    busy = _busy_cpu_s() - busy0
    if proc.returncode != 0 or not out_path.exists():
        tail = log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{label} failed (exit {proc.returncode}):\n{tail}")
    res = json.loads(out_path.read_text())
    proc_cpu = ru.ru_utime + ru.ru_stime
    res.update(
        process_wall_s=wall,
        process_cpu_s=proc_cpu,
        # ru_maxrss of wait4 is not used: on Linux it includes the pre-exec image (a copy
        # of this parent). The child's own VmHWM is exact; workers come from the sampler.
        max_rss_mb=max(res.get("vm_hwm_mb", 0.0), sampler.max_proc_rss / 2**20),
        tree_pss_peak_mb=sampler.peak_pss / 2**20,
        tree_rss_peak_mb=sampler.peak_rss / 2**20,
        tree_processes_max=sampler.max_procs,
        other_cpu_s=max(0.0, busy - proc_cpu),
        loadavg_1m_before=load0,
        loadavg_1m_after=os.getloadavg()[0],
    )
    return res


# --------------------------------------------------------------------------- check
def _tol(b: float) -> float:
    return max(ABS_KM2, REL * abs(b))


def compare(base_rows: list[dict], fl_rows: list[dict], *, worst: int = 5) -> dict:
    """Snapshot-by-snapshot comparison of the two sides (baseline is the reference)."""
    b = {r["key"]: r for r in base_rows}
    f = {r["key"]: r for r in fl_rows}
    out: dict[str, Any] = {
        "snapshots_baseline": len(base_rows),
        "snapshots_frontlines": len(fl_rows),
        "duplicate_keys": {"baseline": len(base_rows) - len(b), "frontlines": len(fl_rows) - len(f)},
        "only_baseline": sorted(set(b) - set(f))[:20],
        "only_frontlines": sorted(set(f) - set(b))[:20],
        "tolerance": f"|d| <= max({ABS_KM2} km2, {REL * 100:g} % of the baseline value)",
    }
    common = [k for k in b if k in f]
    mism: dict[str, list] = {"area_km2": [], "gained_km2": [], "lost_km2": [], "oblast_km2": []}
    diffs: dict[str, list] = {k: [] for k in mism}
    for k in common:
        rb, rf = b[k], f[k]
        for m in ("area_km2", "gained_km2", "lost_km2"):
            d = rf[m] - rb[m]
            diffs[m].append((abs(d), k, rb[m], rf[m]))
            if abs(d) > _tol(rb[m]):
                mism[m].append(k)
        for name, vb in rb["oblasts"].items():
            vf = rf["oblasts"].get(name)
            if vf is None:
                mism["oblast_km2"].append(f"{k}:{name} missing")
                continue
            d = vf - vb
            diffs["oblast_km2"].append((abs(d), f"{k} {name}", vb, vf))
            if abs(d) > _tol(vb):
                mism["oblast_km2"].append(f"{k} {name}")
        extra = set(rf["oblasts"]) - set(rb["oblasts"])
        if extra:
            mism["oblast_km2"].extend(f"{k}:{n} not in baseline" for n in sorted(extra))
    out["compared"] = len(common)
    out["mismatches"] = {m: len(v) for m, v in mism.items()}
    out["mismatches_total"] = sum(len(v) for v in mism.values()) + len(out["only_baseline"]) + len(out["only_frontlines"])
    out["mismatch_keys"] = {m: v[:20] for m, v in mism.items() if v}
    out["worst"] = {
        m: [{"key": k, "baseline": round(vb, 4), "frontlines": round(vf, 4), "diff": round(vf - vb, 4)}
            for _, k, vb, vf in sorted(v, reverse=True)[:worst]]
        for m, v in diffs.items()
    }
    out["max_abs_diff_km2"] = {m: (round(max(v)[0], 4) if v else None) for m, v in diffs.items()}
    out["median_abs_diff_km2"] = {m: (round(statistics.median(x[0] for x in v), 5) if v else None) for m, v in diffs.items()}
    return out


def _same_rows(a: list[dict], b: list[dict]) -> float:
    """Largest absolute difference between two runs of the same side (0.0 = identical)."""
    worst = 0.0
    for ra, rb in zip(a, b):
        for m in ("area_km2", "gained_km2", "lost_km2"):
            worst = max(worst, abs(ra[m] - rb[m]))
        for n, v in ra["oblasts"].items():
            worst = max(worst, abs(v - rb["oblasts"].get(n, float("nan"))))
    return worst if len(a) == len(b) else float("inf")


# --------------------------------------------------------------------------- machine
def machine_info() -> dict:
    import geopandas
    import pyproj
    import shapely

    import frontlines

    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    except OSError:
        pass
    git = lambda *a: subprocess.run(["git", *a], capture_output=True, text=True, cwd=str(BENCH.parent)).stdout  # noqa: E731
    commit = git("rev-parse", "--short", "HEAD").strip()
    # Uncommitted changes under src/ at the start of the run (others may be editing it).
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "src").splitlines() if line[:2] != "??"]
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory": mem,
        "python": platform.python_version(),
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
        "geopandas": geopandas.__version__,
        "pyproj": pyproj.__version__,
        "proj": pyproj.proj_version_str,
        "sqlite": __import__("sqlite3").sqlite_version,
        "frontlines": getattr(frontlines, "__version__", "?"),
        "git_commit": commit,
        "src_uncommitted": dirty,
    }


# --------------------------------------------------------------------------- report
def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def summarize(runs: dict[str, dict[str, list[dict]]]) -> list[dict]:
    """One row per (workload, side): medians over reps and baseline / frontlines ratios."""
    rows = []
    for w, sides in runs.items():
        med = {}
        for side in ("baseline", "frontlines"):
            rs = sides.get(side) or []
            if not rs:
                continue
            med[side] = {
                "workload": w,
                "side": side,
                "snapshots": len(rs[0]["rows"]) if "rows" in rs[0] else rs[0]["snapshots"],
                "reps": len(rs),
                "wall_s": _median(rs, "wall_s"),
                "wall_s_all": [round(r["wall_s"], 2) for r in rs],
                "cpu_s": _median(rs, "cpu_s"),
                "cpu_s_all": [round(r["cpu_s"], 2) for r in rs],
                "tree_pss_peak_mb": max(r["tree_pss_peak_mb"] for r in rs),
                "tree_rss_peak_mb": max(r["tree_rss_peak_mb"] for r in rs),
                "max_rss_mb": max(r["max_rss_mb"] for r in rs),
                "other_cpu_s": _median(rs, "other_cpu_s"),
            }
        if "baseline" in med and "frontlines" in med:
            b, f = med["baseline"], med["frontlines"]
            f["ratio_wall"] = b["wall_s"] / f["wall_s"]
            f["ratio_cpu"] = b["cpu_s"] / f["cpu_s"]
        rows.extend(med.values())
    return rows


def format_table(summary: list[dict], extras: dict | None) -> str:
    head = ("workload", "snaps", "side", "reps", "wall s", "CPU s", "peak MB (PSS)", "largest proc MB",
            "others' CPU", "base/fl wall", "base/fl CPU")
    lines = []
    for r in summary:
        others = r["other_cpu_s"] / r["wall_s"] if r["wall_s"] else 0.0
        lines.append((
            r["workload"], f"{r['snapshots']:,}", r["side"], str(r["reps"]), f"{r['wall_s']:.2f}", f"{r['cpu_s']:.2f}",
            f"{r['tree_pss_peak_mb']:.0f}", f"{r['max_rss_mb']:.0f}", f"{others:.2f} cores",
            f"{r['ratio_wall']:.1f}x" if "ratio_wall" in r else "",
            f"{r['ratio_cpu']:.1f}x" if "ratio_cpu" in r else "",
        ))
    widths = [max(len(h), *(len(x[i]) for x in lines)) if lines else len(h) for i, h in enumerate(head)]
    fmt = lambda row: "| " + " | ".join(c.ljust(wd) for c, wd in zip(row, widths)) + " |"  # noqa: E731
    out = [fmt(head), "|" + "|".join("-" * (wd + 2) for wd in widths) + "|"]
    out += [fmt(x) for x in lines]
    if extras:
        inc, q = extras["incremental"], extras["queries"]
        ok_inc = "OK" if inc["median_s"] < inc["target_s"] else "MISSED"
        ok_q = "OK" if q["p95_ms"] < q["target_p95_ms"] else "MISSED"
        out.append("")
        out.append(
            f"(a) incremental: W1 store of {extras['prepare']['snapshots']:,} snapshots + 1 file, ingest + area by oblast: "
            f"median {inc['median_s']:.3f} s of {inc['reps']} (ingest {inc['median_ingest_s']:.3f} s, "
            f"area by oblast {inc['median_area_by_oblast_s']:.3f} s); target < {inc['target_s']} s: {ok_inc}"
        )
        out.append(
            f"(b) query: change(start, end, by=oblast) between random snapshot times, {q['snapshots']:,} snapshots, "
            f"{q['queries']} warm queries: p50 {q['p50_ms']:.1f} ms, p95 {q['p95_ms']:.1f} ms, max {q['max_ms']:.1f} ms, "
            f"CPU {q.get('cpu_ms_per_query', float('nan')):.1f} ms/query; "
            f"target p95 < {q['target_p95_ms']:.0f} ms: {ok_q}"
        )
    return "\n".join(out)


def targets_table(results: dict[str, Any]) -> str:
    """Every target of issue 18 that this run measured: its value and whether it is met (Markdown)."""
    rows: list[tuple[str, str, str, bool]] = []
    summary = {(r["workload"], r["side"]): r for r in results.get("summary", [])}

    def fl(w: str) -> dict | None:
        return summary.get((w, "frontlines")) if (w, "baseline") in summary else None

    for w, key, limit, what in (("W1", "ratio_wall", 30, "wall"), ("W1", "ratio_cpu", 15, "CPU"),
                                ("W2", "ratio_wall", 30, "wall"), ("W3", "ratio_wall", 10, "wall")):
        r = fl(w)
        if r is not None:
            rows.append((f"{w} full rebuild, {what} time against the baseline", f">= {limit}x", f"{r[key]:.1f}x",
                         r[key] >= limit))
    for w in ("W1", "W3"):
        r = fl(w)
        if r is not None:
            base = summary[(w, "baseline")]["tree_pss_peak_mb"]
            rows.append((f"{w} peak memory (PSS of the process tree)", f"<= baseline's {base:.0f} MB",
                         f"{r['tree_pss_peak_mb']:.0f} MB", r["tree_pss_peak_mb"] <= base))
    extras = results.get("extras")
    if extras:
        inc, q = extras["incremental"], extras["queries"]
        rows.append(("(a) incremental update (one file + area by oblast)", f"< {inc['target_s']} s",
                     f"{inc['median_s']:.3f} s", inc["median_s"] < inc["target_s"]))
        rows.append(("(b) change by oblast in process, random pairs, p95", f"<= {q['target_p95_ms']:.0f} ms",
                     f"{q['p95_ms']:.1f} ms", q["p95_ms"] <= q["target_p95_ms"]))
    io = results.get("ingest_io")
    if io:
        names = {"tar_xz_ratio": "(c) ingest from .tar.xz / from the folder (wall)",
                 "tar_gz_ratio": "(c) ingest from .tar.gz / from the folder (wall)",
                 "duplicates_s": "(c) re-ingest of the W1 history, all duplicates",
                 "reindex_s": "(c) reindex of the W1 history, no adapter changed"}
        for k, t in io["targets"].items():
            unit = "x" if k.endswith("ratio") else " s"
            rows.append((names.get(k, k), f"<= {t['limit']}{unit}", f"{t['value']:.2f}{unit}", t["ok"]))
    qs = results.get("interactive")
    if qs:
        for name, r in qs["queries"].items():
            if "error" in r:
                rows.append((f"(d) {name}", "cold < 1 s, warm < 100 ms", f"error: {r['error']}", False))
                continue
            rows.append((f"(d) {name}", "cold < 1 s, warm < 100 ms",
                         f"{r['query_s']:.2f} s / {r['warm_median_s'] * 1000:.0f} ms", r["cold_ok"] and r["warm_ok"]))
    http = results.get("http")
    if http:
        if "mixed" in http:
            m = http["mixed"]
            rows.append((f"(e) HTTP, {m['concurrency']} clients, p95 and errors", "<= 100 ms, 0 errors",
                         f"{m['p95_ms']} ms, {m['errors']} errors", http["met"]["mixed"]))
        if "flood" in http:
            f = http["flood"]
            rows.append(("(e) HTTP flood of slow requests: fast p99 and errors", "<= 100 ms, 0 errors",
                         f"{f['fast_p99_ms']} ms, {f['fast_errors']} errors", http["met"]["flood"]))
    if not rows:
        return ""
    out = ["| target | limit | measured | met |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {'yes' if ok else 'NO'} |" for a, b, c, ok in rows]
    met = sum(ok for *_, ok in rows)
    out.append(f"\n{met} of {len(rows)} targets met")
    return "\n".join(out)


def _more_extras(results: dict[str, Any], skip: set[str], w1_folder: Path, w2_folder: Path | None, tmp: Path,
                 *, subset: bool) -> None:
    """(c) archives, duplicates, reindex; (d) interactive queries; (e) HTTP (see the module docstring).

    With ``subset`` (``--quick`` / ``--limit``) the archive of (c) is a ``.tar.xz`` of the staged
    files (made here, not timed), so that it holds what the folder holds.
    """
    import ingest_io
    import load_test
    import queries

    if "io" not in skip:
        print("extras (c): ingest from the archives, duplicates, reindex ...", flush=True)
        (tmp / "io").mkdir()
        archive = None
        if subset:
            archive = tmp / "w1-subset.tar.xz"
            with tarfile.open(archive, "w:xz", preset=1) as tar:
                for p in sorted(w1_folder.glob("*.geojson")):
                    tar.add(p.resolve(), arcname=f"geojsons/{p.name}")
        results["ingest_io"] = ingest_io.measure(w1_folder, archive, tmp=tmp / "io")
        print(results["ingest_io"]["table"], flush=True)
    stores: dict[str, Path | None] = {"W1": None, "W2": None}
    if {"queries", "http"} - skip:
        print("extras (d, e): W1 and W2 stores built with `frontlines ingest` (not timed) ...", flush=True)
        stores["W1"] = tmp / "cli-w1.db"
        queries.build_store("W1", w1_folder, stores["W1"])
        if w2_folder is not None and "queries" not in skip:
            stores["W2"] = tmp / "cli-w2.db"
            queries.build_store("W2", w2_folder, stores["W2"])
    if "queries" not in skip:
        print("extras (d): interactive queries, cold and warm ...", flush=True)
        results["interactive"] = queries.measure(stores["W1"], stores["W2"])
        print(queries.format_table(results["interactive"]), flush=True)
    if "http" not in skip:
        print("extras (e): HTTP load (2 server processes) ...", flush=True)
        results["http"] = load_test.measure(stores["W1"], quiet=True)
        print(load_test.format_table(results["http"]), flush=True)


def format_check(checks: dict[str, dict]) -> str:
    out = []
    for w, c in checks.items():
        mm = c["mismatches"]
        out.append(
            f"{w}: {c['compared']:,} snapshots compared, mismatches {c['mismatches_total']} "
            f"(area {mm['area_km2']}, gained {mm['gained_km2']}, lost {mm['lost_km2']}, oblast cells {mm['oblast_km2']}"
            f"; keys only in baseline {len(c['only_baseline'])}, only in frontlines {len(c['only_frontlines'])}); "
            "max |diff| km2: " + ", ".join(f"{m} {v}" for m, v in c["max_abs_diff_km2"].items())
        )
    return "\n".join(out)


# --------------------------------------------------------------------------- main
def _source_dir(workload: str, given: Path | None, tmp: Path, notes: dict) -> Path | None:
    if workload == "W3":
        return given
    if given is not None:
        return given
    archive = workloads.data_root() / workloads.ARCHIVES[workload]
    t0 = time.perf_counter()
    d = workloads.unpack(archive, tmp / f"unpacked-{workload}")
    notes[workload] = {"archive": archive.name, "unpack_s": round(time.perf_counter() - t0, 2)}
    print(f"unpacked {archive.name} in {notes[workload]['unpack_s']} s (not timed)", flush=True)
    return d


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return _child(argv[1])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workloads", default="W1,W2,W3", help="comma-separated subset of W1,W2,W3")
    ap.add_argument("--reps", type=int, default=None, help="repetitions per side (default W1 2, W2/W3 3)")
    ap.add_argument("--quick", action="store_true", help=f"first {QUICK_LIMIT} snapshots of each, 1 rep (smoke run)")
    ap.add_argument("--limit", type=int, default=None, help="first N snapshots of each workload")
    ap.add_argument("--dir-w1", type=Path, default=None, help="unpacked W1 folder (default: unpack the archive)")
    ap.add_argument("--dir-w2", type=Path, default=None, help="unpacked W2 folder (default: unpack the archive)")
    ap.add_argument("--dir-w3", type=Path, default=None, help="ISW layer folder (default: shared isw-2022/layers)")
    ap.add_argument("--workers", type=int, default=None, help="frontlines ingest workers (default: its own)")
    ap.add_argument("--no-extras", action="store_true", help="skip the incremental-update and query-latency runs")
    ap.add_argument("--skip", default="", help="comma-separated extras to skip: io, queries, http")
    ap.add_argument("--inc-reps", type=int, default=5)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--json", type=Path, default=BENCH / "results.json", help="results file (default bench/results.json)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (stores, per-run outputs)")
    args = ap.parse_args(argv)

    wls = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    bad = [w for w in wls if w not in workloads.WORKLOADS]
    if bad:
        ap.error(f"unknown workload(s) {', '.join(bad)}")
    limit = QUICK_LIMIT if args.quick else args.limit
    started = dt.datetime.now(dt.timezone.utc)
    t_start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="frontlines-bench-run-"))
    dirs = {"W1": args.dir_w1, "W2": args.dir_w2, "W3": args.dir_w3}
    import engine  # the parent only uses it for the oblast file and staging (no timing here)

    results: dict[str, Any] = {
        "command": "python bench/run.py " + " ".join(argv),
        "started": started.isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {"workloads": wls, "quick": args.quick, "limit": limit, "workers": args.workers,
                     "reps": {w: (1 if args.quick and args.reps is None else (args.reps or DEFAULT_REPS[w])) for w in wls},
                     "tolerance": {"abs_km2": ABS_KM2, "rel": REL},
                     "oblasts": "frontlines shipped land-clipped oblast layer (27 units), name = English name"},
        "unpack": {},
        "runs": {},
        "checks": {},
    }
    try:
        oblasts_path = tmp / "oblasts.geojson"
        engine.write_oblast_geojson(oblasts_path)
        staged: dict[str, tuple[Path, list[Path]]] = {}
        for w in wls:
            src = _source_dir(w, dirs[w], tmp, results["unpack"])
            inputs = workloads.list_inputs(w, src, limit)
            staged[w] = (engine.stage_inputs(inputs, tmp / f"inputs-{w}"), inputs)

        fl_rows: dict[str, list[dict]] = {}
        for w in wls:
            folder, inputs = staged[w]
            reps = results["settings"]["reps"][w]
            runs: dict[str, list[dict]] = {"baseline": [], "frontlines": []}
            first_rows: dict[str, list[dict]] = {}
            repeat_diff: dict[str, float] = {"baseline": 0.0, "frontlines": 0.0}
            for rep in range(reps):
                order = ("baseline", "frontlines") if rep % 2 == 0 else ("frontlines", "baseline")
                for side in order:
                    label = f"{w}-{side}-{rep}"
                    spec = {"kind": side, "workload": w, "folder": str(folder), "oblasts": str(oblasts_path),
                            "store": str(tmp / f"{w}-store.sqlite"), "workers": args.workers, "store_bytes": True}
                    print(f"{label}: {len(inputs):,} snapshots ...", end=" ", flush=True)
                    res = run_child(spec, tmp, label)
                    print(f"wall {res['wall_s']:.2f} s, CPU {res['cpu_s']:.2f} s, peak PSS {res['tree_pss_peak_mb']:.0f} MB, "
                          f"others' CPU {res['other_cpu_s'] / max(res['process_wall_s'], 1e-9):.2f} cores", flush=True)
                    rows = res.pop("rows")
                    res["snapshots"] = len(rows)
                    if side not in first_rows:
                        first_rows[side] = rows
                    else:
                        repeat_diff[side] = max(repeat_diff[side], _same_rows(first_rows[side], rows))
                    runs[side].append(res)
                    Path(tmp / f"{w}-store.sqlite").unlink(missing_ok=True)
            results["runs"][w] = runs
            check = compare(first_rows["baseline"], first_rows["frontlines"])
            check["repeat_max_abs_diff_km2"] = repeat_diff
            results["checks"][w] = check
            fl_rows[w] = first_rows["frontlines"]
            print(format_check({w: check}), flush=True)
            if args.keep:
                for side, rows in first_rows.items():
                    (tmp / f"{w}-{side}-rows.json").write_text(json.dumps(rows, ensure_ascii=False))

        extras = None
        if "W1" in wls and not args.no_extras:
            folder, inputs = staged["W1"]
            prev_folder = engine.stage_inputs(inputs[:-1], tmp / "inputs-W1-minus-last")
            key = workloads.time_key("W1", inputs[-1])
            ref = next((r for r in fl_rows["W1"] if r["key"] == key), None)
            spec = {"kind": "extras", "folder": str(prev_folder), "new_file": str(inputs[-1]),
                    "prepared": str(tmp / "W1-prepared.sqlite"), "work": str(tmp / "W1-work.sqlite"),
                    "derive": "all", "reps": args.inc_reps, "queries": args.queries, "warmup": 20, "reference": ref}
            print(f"extras: W1 store of {len(inputs) - 1:,} snapshots (derive=all, oblast table) + {inputs[-1].name} ...",
                  flush=True)
            extras = run_child(spec, tmp, "extras")
            results["extras"] = extras
            w2_folder = staged["W2"][0] if "W2" in staged else None
            _more_extras(results, {x.strip() for x in args.skip.split(",") if x.strip()}, folder, w2_folder, tmp,
                         subset=limit is not None)
        results["summary"] = summarize(results["runs"])
        results["table"] = format_table(results["summary"], extras)
        results["check_text"] = format_check(results["checks"])
        results["targets_table"] = targets_table(results)
        results["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        results["total_s"] = round(time.perf_counter() - t_start, 1)
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        print()
        print(results["table"])
        print()
        print(results["check_text"])
        if results["targets_table"]:
            print()
            print(results["targets_table"])
        print(f"\nresults: {args.json}  (total {results['total_s']} s)")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
