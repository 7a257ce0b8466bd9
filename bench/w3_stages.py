"""CPU seconds per stage of the W3 work (ISW layers), one process, no profiler.

    PYTHONPATH=src python bench/w3_stages.py

Repeats what an ingest of W3 does to each layer, stage by stage, timed with
``time.process_time`` (cProfile inflates the pure-Python stages several-fold): read,
gunzip, JSON parse, structural check, geometry build, validation, part hashes and
areas, the step from the previous layer (``change_parts``), its areas, its per-oblast
clip. No part cache, so geometry build and validation run for every feature.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
import time
from collections import defaultdict
from pathlib import Path

import orjson
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workloads  # noqa: E402

from frontlines.conflicts import default_registry  # noqa: E402
from frontlines.core.geodesy import area_km2, areas_km2  # noqa: E402
from frontlines.core.measure import change_parts  # noqa: E402
from frontlines.core.regions import clip_areas  # noqa: E402
from frontlines.core.validate import Repairs, check_geojson_geometry, polygon_parts  # noqa: E402
from frontlines.hashing import part_hash  # noqa: E402


def main() -> None:
    oblasts = default_registry().region_layer("ukraine", "oblast")
    spent: dict[str, float] = defaultdict(float)

    def tick(stage: str, t0: float) -> float:
        t = time.process_time()
        spent[stage] += t - t0
        return t

    prev = None
    for path in workloads.list_inputs("W3"):
        t = time.process_time()
        raw = Path(path).read_bytes()
        t = tick("read", t)
        data = gzip.decompress(raw)
        t = tick("gunzip", t)
        doc = orjson.loads(data)
        t = tick("JSON parse", t)
        geoms = [f["geometry"] for f in doc["features"]]
        for g in geoms:
            check_geojson_geometry(g, where=str(path))
        t = tick("structural check (check_geojson_geometry)", t)
        dumped = [orjson.dumps(g) for g in geoms]
        [hashlib.blake2b(d, digest_size=16).digest() for d in dumped]
        t = tick("part-cache key (orjson.dumps + blake2b)", t)
        built = [shapely.from_geojson(d) for d in dumped]
        t = tick("geometry build (from_geojson)", t)
        parts = []
        for g in built:
            parts += polygon_parts(g, where=str(path), repairs=Repairs())
        t = tick("validation / make_valid (polygon_parts)", t)
        hashes = [part_hash(w) for w in shapely.to_wkb(parts, output_dimension=2)]
        t = tick("WKB + part hash", t)
        areas_km2(parts)
        t = tick("part areas", t)
        cur = dict(zip(hashes, parts))
        if prev is not None:
            gained, lost = change_parts(prev, cur)
            t = tick("step (change_parts)", t)
            area_km2(gained), area_km2(lost)
            t = tick("step areas", t)
            clip_areas(oblasts, gained), clip_areas(oblasts, lost)
            t = tick("oblast table from the step", t)
        prev = cur
    for stage, seconds in spent.items():
        print(f"{stage:45s} {seconds:6.2f} s")
    print(f"{'total':45s} {sum(spent.values()):6.2f} s")


if __name__ == "__main__":
    main()
