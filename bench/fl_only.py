"""The frontlines side of one workload alone, measured exactly as ``bench/run.py`` measures it.

    PYTHONPATH=src python bench/fl_only.py W1 /tmp/data/deepstate-history/geojsons [--workers N] [--rows FILE]

Runs :func:`engine.run_frontlines` in a child process through :func:`run.run_child`
(wall, CPU of the child and its workers, peak PSS of the process tree) and prints one
line; ``--rows`` writes the rows (for comparing two versions without the baseline).
Set ``PYTHONPATH=src`` to measure this checkout rather than the installed one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=["W1", "W2", "W3"])
    ap.add_argument("folder")
    ap.add_argument("--workers", type=int)
    ap.add_argument("--rows")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        spec = {"kind": "frontlines", "workload": args.workload, "folder": args.folder,
                "store": str(Path(tmp) / "s.db"), "workers": args.workers}
        res = run.run_child(spec, Path(tmp), "fl")
    print(f"{args.workload}: wall {res['wall_s']:.2f} s, CPU {res['cpu_s']:.2f} s, peak PSS "
          f"{res['tree_pss_peak_mb']:.0f} MB, largest process {res['max_rss_mb']:.0f} MB, others' CPU "
          f"{res['other_cpu_s'] / res['process_wall_s']:.2f} cores, load {res['loadavg_1m_before']:.1f}"
          f" -> {res['loadavg_1m_after']:.1f} (1 min), {os.cpu_count()} CPUs")
    if args.rows:
        Path(args.rows).write_text(json.dumps(res["rows"], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
