"""The frontlines side of the benchmark workloads.

Everything here goes through the public library (``frontlines.api``) the way a user
would, plus :func:`frontlines.derive.region_area_table` to read the cached per-oblast
table back. Nothing imports geopandas, so a process running only this side carries
none of the baseline's libraries.

* :func:`run_frontlines` - one full rebuild: ingest every input into a fresh store
  (``derive="primary"``), per-oblast areas of every snapshot (the region table is
  forced through ``service.area(..., by="oblast")``), then every snapshot's area, gained,
  lost and per-oblast area read back. Returns rows in the format of
  :func:`baseline.run_baseline`.
* :func:`incremental_update` - add the last W1 snapshot to a store holding all the
  others, with every derived figure, median of N copies of the prepared store.
* :func:`query_latency` - ``service.change(..., by="oblast")`` between random snapshot
  times, warm.
* :func:`write_oblast_geojson` - the shipped land-clipped oblasts as a GeoJSON file
  for the baseline (``name`` = English name), so both sides clip with the same polygons.
* :func:`stage_inputs` - a folder of symlinks holding exactly the given inputs.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workloads  # noqa: E402  (bench/ is not a package)

from frontlines import service  # noqa: E402
from frontlines.conflicts import default_registry  # noqa: E402
from frontlines.core.regions import clip_areas  # noqa: E402
from frontlines.service.derive import region_area_table  # noqa: E402

REGISTRY = default_registry()

__all__ = [
    "ADAPTERS",
    "cpu_seconds",
    "fresh_store",
    "incremental_update",
    "query_latency",
    "run_frontlines",
    "snapshot_key",
    "stage_inputs",
    "write_oblast_geojson",
]

#: frontlines adapter reading each workload's files
ADAPTERS = {"W1": "deepstate-history", "W2": "deepstate-daily", "W3": "isw"}

#: region set key the api uses for the shipped oblast layer (``regions_for("oblast")``)
REGION_KIND = "oblast"


def cpu_seconds() -> float:
    """user + sys CPU of this process and its reaped children (e.g. ingest workers)."""
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def snapshot_key(workload: str, published_at: dt.datetime) -> str:
    """The benchmark key of a frontlines snapshot (see :mod:`workloads`).

    W1: unix seconds of ``published_at`` (the file name's time). W2: the date of
    ``published_at`` (D 03:00 UTC for the file dated D). W3: the date of
    ``published_at`` (D 23:00 UTC for the file dated D).
    """
    t = published_at.astimezone(dt.timezone.utc)
    if workload == "W1":
        return str(int(t.timestamp()))
    if workload in ("W2", "W3"):
        return t.date().isoformat()
    raise ValueError(f"unknown workload {workload!r}")


def stage_inputs(inputs: list[Path], dest: Path) -> Path:
    """A folder of symlinks to exactly ``inputs`` (so frontlines reads the same files)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for p in inputs:
        link = dest / Path(p).name
        if not link.exists():
            link.symlink_to(Path(p).resolve())
    return dest


def write_oblast_geojson(path: Path) -> list[str]:
    """Write the shipped oblast layer (``name`` = English name, ``id``) and return the names."""
    layer = REGISTRY.region_layer("ukraine", REGION_KIND)
    feats = [
        {"type": "Feature", "properties": {"name": name, "id": rid},
         "geometry": shapely.geometry.mapping(geom)}
        for rid, name, geom in zip(layer.ids, layer.names, layer.geometries)
    ]
    Path(path).write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return list(layer.names)


def fresh_store(path: Path) -> Any:
    """Open a new, empty store at ``path`` (removing any earlier file and its WAL)."""
    path = Path(path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return service.open_writer(path)


def _read_back(workload: str, store: Any, sel: Any) -> list[dict]:
    """Area, gained, lost and per-oblast area of every snapshot of a selection."""
    layer = REGISTRY.region_layer("ukraine", REGION_KIND)
    ids = [sid for sid, _, _ in sel.timeline]
    steps = store.steps(sel.layer, ids)
    # Stored by the ingest (the coarsest level, oblast, is stored: service.derive.INGEST_LEVELS): read back.
    table, _ = region_area_table(
        store, sel.source, sel.layer, REGION_KIND, list(layer.ids), lambda g: clip_areas(layer, g)
    )
    # Keys come from published_at (the file's own time or date), not from the timeline's
    # map time: a daily file of day D shows the map of D-1, but the baseline keys it D.
    published = {info.id: info.published_at for info in store.snapshots(sel.source)}
    rows = []
    for sid, _map_time, area in sel.timeline:
        when = published[sid]
        step = steps.get(sid)
        gained = float(step[1] or 0.0) if step is not None else 0.0
        lost = float(step[2] or 0.0) if step is not None else 0.0
        per = table[sid]
        rows.append({
            "key": snapshot_key(workload, when),
            "area_km2": float(area or 0.0),
            "gained_km2": gained,
            "lost_km2": lost,
            "oblasts": {name: float(v) for name, v in zip(layer.names, per)},
        })
    return rows


def run_frontlines(
    workload: str,
    folder: Path,
    store_path: Path,
    *,
    workers: int | None = None,
    timings: dict | None = None,
) -> list[dict]:
    """One full frontlines rebuild of a workload; rows like :func:`baseline.run_baseline`.

    Parameters
    ----------
    folder : Path
        Folder holding exactly the workload's inputs (see :func:`stage_inputs`).
    store_path : Path
        Store file to create (any existing file there is removed first).
    workers : int, optional
        Parser processes for ``service.ingest`` (default: its own default, 2 for a folder).
    timings : dict, optional
        Filled with seconds per stage: ``ingest``, ``select``, ``oblasts`` (the forced
        region table), ``read_back``; and the ingest report.
    """
    t = {}
    t0 = time.perf_counter()
    store = fresh_store(store_path)
    try:
        # Like for like: the baseline computes areas, steps and the oblast table only, so what the
        # CLI's ingest also stores is left out here: the raion and hromada tables
        # (service.derive.INGEST_LEVELS), the settlement index and the dissolved layer of each
        # snapshot (schema 6). Extra (d) builds its stores as the CLI does.
        report = service.ingest(store, ADAPTERS[workload], [Path(folder)], workers=workers, derive="primary",
                                region_levels=1, settlement_index=False, unions=False)
        t1 = time.perf_counter()
        sel = service.select(store)
        t2 = time.perf_counter()
        # Force the per-oblast table of the whole timeline (region_area_table fills it all).
        service.area(store, at=sel.timeline[-1][1].isoformat(), by=REGION_KIND).as_dict()
        t3 = time.perf_counter()
        rows = _read_back(workload, store, sel)
        t4 = time.perf_counter()
    finally:
        store.close()
    t.update(ingest=t1 - t0, select=t2 - t1, oblasts=t3 - t2, read_back=t4 - t3)
    t["report"] = report.as_dict()
    if timings is not None:
        timings.update(t)
    return rows


# --------------------------------------------------------------------------- (a) incremental
def _checkpointed_copy(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dst)


def prepare_incremental(folder: Path, store_path: Path, *, derive: str = "all") -> dict:
    """Store with every input of ``folder``, all derived figures and the oblast table.

    Returns setup timings. The store is closed (WAL checkpointed) so the file can be copied.
    """
    t0 = time.perf_counter()
    store = fresh_store(store_path)
    try:
        report = service.ingest(store, ADAPTERS["W1"], [Path(folder)], derive=derive)
        t1 = time.perf_counter()
        sel = service.select(store)
        service.area(store, at=sel.timeline[-1][1].isoformat(), by=REGION_KIND).as_dict()
        t2 = time.perf_counter()
        # what the CLI's ingest also stores: the redraw classification and its unions (not timed)
        service.derive_store_redraws(store)
        t3 = time.perf_counter()
        n = len(sel.timeline)
    finally:
        store.close()
    return {"snapshots": n, "ingest_s": t1 - t0, "oblasts_s": t2 - t1, "redraws_s": t3 - t2, "report": report.as_dict(),
            "store_bytes": Path(store_path).stat().st_size}


def incremental_update(
    prepared: Path,
    new_file: Path,
    work_path: Path,
    *,
    reps: int = 5,
    derive: str = "all",
    reference: dict | None = None,
) -> dict:
    """Time adding ``new_file`` to a copy of the ``prepared`` store, ``reps`` times.

    Timed: ``service.ingest(store, "deepstate-history", [new_file])`` plus
    ``service.area(store, at=<its time>, by="oblast")`` (per-oblast areas of the new
    snapshot). The copy and ``open_writer`` are not timed (``open_writer`` reported apart).
    The region layer is loaded before the first rep (a warm library).

    ``reference``: the full-rebuild row of the same snapshot; the incremental figures
    are compared with it.
    """
    REGISTRY.region_layer("ukraine", REGION_KIND)  # warm: a service holds it; reported separately below
    runs = []
    last: dict[str, Any] = {}
    for _ in range(reps):
        _checkpointed_copy(prepared, work_path)
        gc.collect()
        t0 = time.perf_counter()
        store = service.open_writer(work_path)
        t1 = time.perf_counter()
        try:
            rep = service.ingest(store, ADAPTERS["W1"], [Path(new_file)], derive=derive)
            t2 = time.perf_counter()
            when = workloads.key_to_datetime("W1", workloads.time_key("W1", new_file))
            res = service.area(store, at=when.isoformat(), by=REGION_KIND).as_dict()
            t3 = time.perf_counter()
            sel = service.select(store)
            sid = res["snapshot"]["id"] if "id" in res["snapshot"] else None
            step = store.steps(sel.layer, [sel.timeline[-1][0]]).get(sel.timeline[-1][0])
            last = {
                "added": rep.added,
                "snapshot_time": res["snapshot"].get("published_at"),
                "is_latest": sel.timeline[-1][1] == when,
                "snapshots": len(sel.timeline),
                "area_km2": res["area_km2"],
                "gained_km2": float(step[1] or 0.0) if step else None,
                "lost_km2": float(step[2] or 0.0) if step else None,
                "oblasts": {r["name"]: r["area_km2"] for r in res["regions"]},
                "snapshot_id": sid,
            }
        finally:
            store.close()
        runs.append({"open_s": t1 - t0, "ingest_s": t2 - t1, "area_by_oblast_s": t3 - t2, "total_s": t3 - t1})
    out = {
        "reps": reps,
        "derive": derive,
        "runs": runs,
        "median_s": statistics.median(r["total_s"] for r in runs),
        "median_ingest_s": statistics.median(r["ingest_s"] for r in runs),
        "median_area_by_oblast_s": statistics.median(r["area_by_oblast_s"] for r in runs),
        "target_s": 0.5,
        "result": last,
    }
    if reference is not None and last:
        diffs = {
            "area_km2": abs(last["area_km2"] - reference["area_km2"]),
            "gained_km2": abs((last["gained_km2"] or 0) - reference["gained_km2"]),
            "lost_km2": abs((last["lost_km2"] or 0) - reference["lost_km2"]),
            "oblast_max_km2": max(
                (abs(last["oblasts"].get(k, 0.0) - v) for k, v in reference["oblasts"].items()), default=0.0
            ),
        }
        out["vs_full_rebuild"] = {k: round(v, 4) for k, v in diffs.items()}
    return out


# --------------------------------------------------------------------------- (b) queries
def query_latency(store_path: Path, *, queries: int = 200, warmup: int = 20, seed: int = 1) -> dict:
    """p50 / p95 of ``service.change(start, end, by="oblast")`` between random snapshot times.

    Pairs of distinct snapshots are drawn uniformly (seeded); times are their
    ``published_at`` in ISO form, so each query resolves to exactly those snapshots.
    ``warmup`` queries (other random pairs) run first and are not counted.

    The store is first brought to what a CLI-ingested store holds: the redraw classification
    of every step and its unions (``service.derive_store_redraws``, as ``frontlines ingest``
    does after ingesting; not timed, reported as ``redraws_derive_s``), so queries read the
    redraw split instead of classifying steps in memory.
    """
    t_derive = time.perf_counter()
    writer = service.open_writer(store_path)
    try:
        derived_steps = service.derive_store_redraws(writer)
    finally:
        writer.close()
    t_derive = time.perf_counter() - t_derive
    store = service.open_reader(store_path)
    try:
        sel = service.select(store)
        times = [t for _, t, _ in sel.timeline]
        rng = random.Random(seed)

        def pair() -> tuple[int, int]:
            i, j = sorted(rng.sample(range(len(times)), 2))
            return i, j

        for _ in range(warmup):
            i, j = pair()
            service.change(store, start=times[i].isoformat(), end=times[j].isoformat(), by=REGION_KIND).as_dict()
        lat = []
        spans = []
        cpu0 = cpu_seconds()
        for _ in range(queries):
            i, j = pair()
            t0 = time.perf_counter()
            res = service.change(store, start=times[i].isoformat(), end=times[j].isoformat(), by=REGION_KIND).as_dict()
            lat.append((time.perf_counter() - t0) * 1000)
            spans.append(j - i)
            assert res["regions"], "no per-oblast rows"
        cpu_ms = 1000 * (cpu_seconds() - cpu0) / queries
    finally:
        store.close()
    s = sorted(lat)

    def pct(q: float) -> float:
        return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]

    consecutive = [v for v, d in zip(lat, spans) if d == 1]
    return {
        "queries": queries,
        "warmup": warmup,
        "seed": seed,
        "snapshots": len(times),
        "p50_ms": pct(0.5),
        "p95_ms": pct(0.95),
        "max_ms": s[-1],
        "mean_ms": statistics.fmean(lat),
        "cpu_ms_per_query": cpu_ms,
        "target_p95_ms": 20.0,
        "redraws_derive_s": t_derive,
        "redraws_derived_steps": derived_steps,
        "consecutive_pairs": len(consecutive),
        "latencies_ms": [round(v, 3) for v in lat],
        "spans": spans,
    }
