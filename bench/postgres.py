"""PostgreSQL/PostGIS beside SQLite: full W2 ingest and change-by-oblast query latency.

    PYTHONPATH=src python bench/postgres.py [--url postgresql://...] [--limit N] [--out bench/postgres.json]

Without ``--url`` a throwaway cluster is started (``tests/pgserver.py``: Debian's
postgresql + postgis, a temporary folder, a free 127.0.0.1 port; fsync off, as for the
tests) and removed afterwards. Both stores ingest the same staged W2 files with the same
options (``derive="primary"``, the same parser workers), then :func:`engine.query_latency`
draws the same seeded random pairs on each. Prints one JSON document with the seconds,
p50/p95 and the PostgreSQL / SQLite ratios; targets: ingest ratio <= 2, PG p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import engine  # noqa: E402
import workloads  # noqa: E402

from frontlines import service  # noqa: E402


def _ingest(location: str | Path, folder: Path, workers: int) -> dict:
    t0 = time.perf_counter()
    with service.open_writer(location) as st:
        report = service.ingest(st, "deepstate-daily", [folder], workers=workers, derive="primary")
    return {"seconds": round(time.perf_counter() - t0, 2), "added": report.added}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="An empty PostgreSQL database (default: start a throwaway cluster).")
    ap.add_argument("--limit", type=int, default=None, help="Only the first N W2 files.")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--copy", action="store_true",
                    help="Also time `copy_store` of the SQLite W2 store into a second, empty PostgreSQL database "
                         "(only without --url).")
    ap.add_argument("--load", type=int, default=0,
                    help="Also run bench/load_test.py with this many requests: two servers on the PostgreSQL "
                         "store, one on the SQLite file (concurrency 4).")
    args = ap.parse_args(argv)
    server = None
    if args.url is None:
        from tests import pgserver

        server = pgserver.start()
        args.url = server.new_database()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pg-") as tmp:
            tmp_path = Path(tmp)
            unpacked = workloads.unpack(workloads.data_root() / workloads.ARCHIVES["W2"], tmp_path / "w2")
            folder = engine.stage_inputs(workloads.w2_inputs(unpacked, args.limit), tmp_path / "staged")
            sqlite_path = tmp_path / "w2.db"
            out = {"workload": "W2", "files": len(list(folder.iterdir())), "workers": args.workers}
            out["ingest_sqlite"] = _ingest(sqlite_path, folder, args.workers)
            out["ingest_postgres"] = _ingest(args.url, folder, args.workers)
            out["ingest_ratio"] = round(out["ingest_postgres"]["seconds"] / out["ingest_sqlite"]["seconds"], 2)
            q_sqlite = engine.query_latency(sqlite_path, queries=args.queries)
            q_pg = engine.query_latency(args.url, queries=args.queries)  # type: ignore[arg-type]
            for name, q in (("query_sqlite", q_sqlite), ("query_postgres", q_pg)):
                out[name] = {k: round(q[k], 2) if isinstance(q[k], float) else q[k]
                             for k in ("queries", "snapshots", "p50_ms", "p95_ms", "max_ms", "mean_ms")}
            out["p95_ratio"] = round(q_pg["p95_ms"] / q_sqlite["p95_ms"], 2)
            if args.copy and server is not None:
                target = server.new_database()
                t0 = time.perf_counter()
                with service.open_reader(sqlite_path) as src, service.open_writer(target) as dst:
                    report = service.copy_store(src, dst)
                out["copy_sqlite_to_postgres"] = {"seconds": round(time.perf_counter() - t0, 2),
                                                  **report.as_dict()}
            if args.load:
                import load_test

                for name, store, servers in (("load_sqlite_1_server", str(sqlite_path), 1),
                                             ("load_postgres_2_servers", args.url, 2)):
                    report = tmp_path / f"{name}.json"
                    load_test.main(["--store", store, "--servers", str(servers), "--requests", str(args.load),
                                    "--warm", "100", "--concurrency", "4", "--json", str(report)])
                    doc = json.loads(report.read_text())
                    out[name] = {k: doc[k] for k in ("servers", "requests", "throughput_rps", "p50_ms", "p95_ms",
                                                     "errors")}
                    out[name]["change_p95_ms"] = doc["endpoints"]["change"]["p95_ms"]
            out["targets"] = {"ingest_ratio_max": 2.0, "postgres_p95_ms_max": 100.0,
                              "met": out["ingest_ratio"] <= 2.0 and q_pg["p95_ms"] < 100.0}
    finally:
        if server is not None:
            server.stop()
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return out


if __name__ == "__main__":
    main()
