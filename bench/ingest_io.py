"""Ingest I/O benchmark (issue 18): archives against the unpacked folder, duplicates, reindex.

In one run, on the same machine, each case in a fresh Python process (timed inside it,
after imports; CPU = user + sys of the process and its reaped ingest workers):

1. ``ingest deepstate-history`` of the unpacked W1 folder into a new store;
2. the same from the shared ``.tar.xz`` (members in the archive's own order, which is no
   time order) and from a ``.tar.gz`` made from the same folder in a temporary
   directory (not timed; name order, gzip level 1);
3. re-ingesting the W1 folder into a copy of store 1 (every file already stored);
4. ``reindex`` of a copy of store 1 with no adapter changed.

Targets: archive / folder <= 1.3 (wall), duplicate re-ingest < 2 s, reindex < 10 s. The
three stores of 1-2 must hold the same snapshots (file, content hash, map time) with the
same areas. Prints a table and writes JSON.

Usage (from the project root)::

    PYTHONPATH=src python bench/ingest_io.py [--folder DIR] [--archive FILE.tar.xz] [--json FILE]

From Python (``bench/run.py`` extra): ``measure(folder, archive, tmp=...) -> dict``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_FOLDER = Path("/tmp/data/deepstate-history/geojsons")
ARCHIVE_NAME = "deepstate-history-2022-2025.tar.xz"
ADAPTER = "deepstate-history"

#: figure -> upper limit
TARGETS = {
    "tar_xz_ratio": 1.3,
    "tar_gz_ratio": 1.3,
    "duplicates_s": 2.0,
    "reindex_s": 10.0,
}


def _cpu() -> float:
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def _child(case: str, store_path: str, source: str) -> dict[str, Any]:
    """One timed case, in this (fresh) process."""
    sys.path.insert(0, str(ROOT / "src"))
    from frontlines import service

    t0, c0 = time.perf_counter(), _cpu()
    with service.open_writer(Path(store_path)) as store:
        if case == "ingest":
            result = service.ingest(store, ADAPTER, [Path(source)]).as_dict()
        elif case == "reindex":
            result = service.reindex(store)
        else:
            raise SystemExit(f"unknown case {case!r}")
        version = store.data_version
    return {"wall_s": time.perf_counter() - t0, "cpu_s": _cpu() - c0, "result": result, "data_version": version,
            "loadavg": os.getloadavg()}


def _run(case: str, store_path: Path, source: Path | str = "") -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", case, str(store_path), str(source)],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{case} {source}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _snapshots(store_path: Path) -> dict[tuple[str, str, str], float]:
    """(file name, content hash, map time) -> area of the primary layer, of every snapshot."""
    sys.path.insert(0, str(ROOT / "src"))
    from frontlines import service

    with service.open_reader(store_path) as store:
        infos = {s.id: s for s in store.snapshots()}
        sel = service.select(store)
        return {(infos[sid].file_name, infos[sid].content_hash, when.isoformat()): float(area or 0.0)
                for sid, when, area in sel.timeline}


def _same(a: dict, b: dict) -> dict[str, Any]:
    keys_equal = set(a) == set(b)
    worst = max((abs(a[k] - b[k]) for k in set(a) & set(b)), default=0.0)
    return {"snapshots": (len(a), len(b)), "same_snapshots": keys_equal, "max_area_diff_km2": worst,
            "ok": keys_equal and worst < 1e-6}


def _make_tar_gz(folder: Path, dest: Path) -> Path:
    with tarfile.open(dest, "w:gz", compresslevel=1) as tar:
        for p in sorted(folder.glob("*.geojson")):
            tar.add(p.resolve(), arcname=f"geojsons/{p.name}")  # the file, also when p is a link
    return dest


def _copy_store(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def measure(folder: Path = DEFAULT_FOLDER, archive: Path | None = None, *, tmp: Path | None = None,
            tar_gz: bool = True) -> dict[str, Any]:
    """Run every case once; figures, ratios, targets and checks as a dict (see the module docstring)."""
    if archive is None:
        sys.path.insert(0, str(HERE))
        import workloads

        archive = workloads.data_root() / ARCHIVE_NAME
    folder, archive = Path(folder), Path(archive)
    own = tmp is None
    work = Path(tempfile.mkdtemp(prefix="ingest-io-")) if own else Path(tmp)
    try:
        out: dict[str, Any] = {"folder": str(folder), "archive": str(archive), "loadavg_start": os.getloadavg()}
        runs: dict[str, dict[str, Any]] = {}
        runs["folder"] = _run("ingest", work / "folder.db", folder)
        runs["tar_xz"] = _run("ingest", work / "xz.db", archive)
        if tar_gz:
            t0 = time.perf_counter()
            gz = _make_tar_gz(folder, work / "w1.tar.gz")
            out["tar_gz_made_s"] = time.perf_counter() - t0
            runs["tar_gz"] = _run("ingest", work / "gz.db", gz)
            gz.unlink()
        ref = _snapshots(work / "folder.db")
        out["checks"] = {"tar_xz": _same(ref, _snapshots(work / "xz.db"))}
        if tar_gz:
            out["checks"]["tar_gz"] = _same(ref, _snapshots(work / "gz.db"))
        before = (work / "folder.db").read_bytes()
        runs["duplicates"] = _run("ingest", _copy_store(work / "folder.db", work / "dup.db"), folder)
        runs["reindex"] = _run("reindex", _copy_store(work / "folder.db", work / "re.db"))
        out["checks"]["duplicates_parsed"] = runs["duplicates"]["result"]["parsed"]
        out["checks"]["duplicates_skipped"] = runs["duplicates"]["result"]["duplicates_skipped"]
        out["checks"]["reindex_reread"] = runs["reindex"]["result"]["reread"]
        out["checks"]["store_unchanged_after_duplicates"] = _unchanged(before, (work / "dup.db").read_bytes())
        out["checks"]["store_unchanged_after_reindex"] = _unchanged(before, (work / "re.db").read_bytes())
        out["runs"] = runs
        wall = {k: v["wall_s"] for k, v in runs.items()}
        cpu = {k: v["cpu_s"] for k, v in runs.items()}
        figures = {
            "tar_xz_ratio": wall["tar_xz"] / wall["folder"],
            "tar_gz_ratio": wall["tar_gz"] / wall["folder"] if tar_gz else None,
            "tar_xz_cpu_ratio": cpu["tar_xz"] / cpu["folder"],
            "tar_gz_cpu_ratio": cpu["tar_gz"] / cpu["folder"] if tar_gz else None,
            "duplicates_s": wall["duplicates"],
            "reindex_s": wall["reindex"],
        }
        out["figures"] = figures
        out["targets"] = {k: {"limit": lim, "value": figures[k], "ok": figures[k] is not None and figures[k] <= lim}
                          for k, lim in TARGETS.items() if figures.get(k) is not None}
        out["loadavg_end"] = os.getloadavg()
        out["table"] = format_table(out)
        return out
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


def _unchanged(before: bytes, after: bytes) -> bool:
    """Same bytes but SQLite's file change counter (24-27) and its copy (92-95), which a writer's open / close moves."""
    def strip(data: bytes) -> bytes:
        return data[:24] + data[28:92] + data[96:]

    return len(before) == len(after) and strip(before) == strip(after)


def format_table(out: dict[str, Any]) -> str:
    """The run as a text table."""
    runs, fig = out["runs"], out["figures"]
    lines = ["| case | wall s | CPU s | note |", "|---|---|---|---|"]
    notes = {
        "folder": "reference",
        "tar_xz": f"{fig['tar_xz_ratio']:.2f}x folder wall, {fig['tar_xz_cpu_ratio']:.2f}x CPU (target <= 1.3x)",
        "tar_gz": (f"{fig['tar_gz_ratio']:.2f}x folder wall, {fig['tar_gz_cpu_ratio']:.2f}x CPU (target <= 1.3x)"
                   if fig.get("tar_gz_ratio") else ""),
        "duplicates": f"parsed {runs['duplicates']['result']['parsed']}, "
                      f"{runs['duplicates']['result']['duplicates_skipped']} duplicates (target < 2 s)",
        "reindex": f"re-read {runs['reindex']['result']['reread']} (target < 10 s)",
    }
    for k, r in runs.items():
        lines.append(f"| {k} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {notes.get(k, '')} |")
    checks = out["checks"]
    lines.append("")
    lines.append("checks: " + ", ".join(f"{k}={v['ok'] if isinstance(v, dict) else v}" for k, v in checks.items()))
    lines.append("targets: " + ", ".join(f"{k} {t['value']:.2f} <= {t['limit']}: {'OK' if t['ok'] else 'MISSED'}"
                                         for k, t in out["targets"].items()))
    lines.append(f"load average: start {out['loadavg_start'][0]:.1f}, end {out['loadavg_end'][0]:.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="the unpacked W1 folder")
    ap.add_argument("--archive", type=Path, default=None, help=f"the W1 archive (default: data root / {ARCHIVE_NAME})")
    ap.add_argument("--no-tar-gz", action="store_true", help="skip the .tar.gz case")
    ap.add_argument("--json", type=Path, default=HERE / "ingest_io.json", help="write the results here")
    ap.add_argument("--child", nargs=3, metavar=("CASE", "STORE", "SOURCE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child), default=str))
        return 0
    out = measure(args.folder, args.archive, tar_gz=not args.no_tar_gz)
    print(out["table"])
    args.json.write_text(json.dumps(out, indent=1, default=str))
    ok = all(t["ok"] for t in out["targets"].values()) and all(
        v["ok"] if isinstance(v, dict) else True for v in out["checks"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
