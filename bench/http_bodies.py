"""Bodies of the mixed load test's geometry endpoints, to compare two versions of the server code (issue 18).

    PYTHONPATH=src python bench/http_bodies.py STORE OUT.json [--layers 40] [--changes 12] [--figures 60]
    PYTHONPATH=src python bench/http_bodies.py STORE NEW.json --compare OLD.json
    PYTHONPATH=src python bench/http_bodies.py STORE NEW.json --unrounded 8

Sends seeded ``/api/layer.geojson`` (0.3 km), ``/api/change.geojson`` (0.1 km), ``/api/area``
and ``/api/change`` requests (``--figures``: changes between random days, then the mix's
``/api/timeline``, monthly ``/api/series`` over the whole history and ``/api/regions.geojson``) through FastAPI's ``TestClient`` and keeps each body's hash, its
figures (every number outside ``geometry``) and each feature's geometry as WKB hex. With
``--compare`` it reports, per request, whether the bodies are byte-identical and, when not,
whether the figures are equal and the largest symmetric difference (degrees²) and Hausdorff
distance (degrees) between the geometries. ``--unrounded N`` checks the change GeoJSON of N
seeded pairs against its reference: each feature's ground simplified with shapely but not
rounded (``make_valid`` of ``simplify(preserve_topology=True)``); it prints the largest
symmetric difference in degrees² and relative to the feature's area.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path
from typing import Any

import shapely
from fastapi.testclient import TestClient

from frontlines.web.app import create_app


def _requests(days: list[str], layers: int, changes: int, seed: int, figures: int = 0) -> list[tuple[str, dict[str, str]]]:
    rng = random.Random(seed)
    out: list[tuple[str, dict[str, str]]] = []
    for _ in range(layers):
        out.append(("/api/layer.geojson", {"at": rng.choice(days), "tolerance": "0.3"}))
        out.append(("/api/area", {"at": rng.choice(days)}))
    for _ in range(changes):
        a, b = sorted(rng.sample(days, 2))
        out.append(("/api/change.geojson", {"from": a, "to": b, "tolerance": "0.1"}))
    for _ in range(figures):
        a, b = sorted(rng.sample(days, 2))
        out.append(("/api/change", {"from": a, "to": b}))
    if figures:  # the rest of the load test's mix (fixed queries)
        out += [("/api/timeline", {}), ("/api/series", {"from": days[0][:8] + "01", "to": days[-1], "freq": "month"}),
                ("/api/regions.geojson", {"tolerance": "0.5"})]
    return out


def _split(doc: Any) -> tuple[Any, list[str]]:
    """(the document without geometries, the geometries as WKB hex)."""
    if not isinstance(doc, dict) or "features" not in doc:
        return doc, []
    geoms = [shapely.to_wkb(shapely.from_geojson(json.dumps(f["geometry"])), hex=True) if f["geometry"] else ""
             for f in doc["features"]]
    rest = {**doc, "features": [{k: v for k, v in f.items() if k != "geometry"} for f in doc["features"]]}
    return rest, geoms


def capture(store: str, layers: int, changes: int, seed: int, figures: int = 0) -> dict[str, Any]:
    with TestClient(create_app(store), client=("127.0.0.1", 5000), base_url="http://127.0.0.1") as c:
        days = sorted({w[:10] for _, w, _ in c.get("/api/timeline").json()["snapshots"]})
        out = {}
        for path, params in _requests(days, layers, changes, seed, figures):
            r = c.get(path, params=params)
            r.raise_for_status()
            rest, geoms = _split(r.json())
            out[f"{path}?{'&'.join(f'{k}={v}' for k, v in params.items())}"] = {
                "sha": hashlib.sha256(r.content).hexdigest(), "doc": rest, "geoms": geoms}
    return out


def compare(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    worst = {"identical": 0, "different": 0, "figures_differ": 0, "sym_diff_deg2": 0.0, "hausdorff_deg": 0.0}
    for key, o in old.items():
        n = new[key]
        if n["sha"] == o["sha"]:
            worst["identical"] += 1
            continue
        worst["different"] += 1
        if n["doc"] != o["doc"]:
            worst["figures_differ"] += 1
            print("figures differ:", key)
        for a, b in zip(n["geoms"], o["geoms"]):
            ga, gb = (shapely.from_wkb(x) if x else shapely.Polygon() for x in (a, b))
            worst["sym_diff_deg2"] = max(worst["sym_diff_deg2"], shapely.area(shapely.symmetric_difference(ga, gb)))
            if not (ga.is_empty or gb.is_empty):
                worst["hausdorff_deg"] = max(worst["hausdorff_deg"], shapely.hausdorff_distance(ga, gb))
    return worst


def unrounded_check(store: str, pairs: int, seed: int) -> dict[str, float]:
    """Largest difference between the served change GeoJSON's features and their unrounded simplification."""
    from frontlines import service
    from frontlines.web import geo

    reader = service.open_reader(store)
    sel = service.select(reader, None, None)
    days = sorted({t.strftime("%Y-%m-%d") for _, t, _ in sel.timeline})
    rng = random.Random(seed)
    tol = geo.tolerance_degrees(0.1, "km")
    worst = {"sym_diff_deg2": 0.0, "relative": 0.0, "features": 0}
    for _ in range(pairs):
        a, b = sorted(rng.sample(days, 2))
        r = service.change(reader, start=a, end=b, geometry=True)
        for g in (r.gained, r.lost, *(p.geometry for p in r.redraw_pieces)):
            if g is None or g.is_empty:
                continue
            served = geo.simplify(g, tol)
            ref = shapely.make_valid(shapely.simplify(g, tol, preserve_topology=True))
            d = float(shapely.area(shapely.symmetric_difference(served, ref)))
            worst["sym_diff_deg2"] = max(worst["sym_diff_deg2"], d)
            worst["relative"] = max(worst["relative"], d / max(float(ref.area), 1e-12))
            worst["features"] += 1
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store")
    ap.add_argument("out", type=Path)
    ap.add_argument("--layers", type=int, default=40)
    ap.add_argument("--changes", type=int, default=12)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--figures", type=int, default=0, help="also this many /api/change requests, and timeline, "
                                                           "series, regions.geojson")
    ap.add_argument("--compare", type=Path)
    ap.add_argument("--unrounded", type=int, default=0, help="pairs for the check against unrounded geometry")
    args = ap.parse_args()
    if args.unrounded:
        print(json.dumps(unrounded_check(args.store, args.unrounded, args.seed), indent=1))
        return
    new = capture(args.store, args.layers, args.changes, args.seed, args.figures)
    args.out.write_text(json.dumps(new))
    if args.compare:
        print(json.dumps(compare(new, json.loads(args.compare.read_text())), indent=1))


if __name__ == "__main__":
    main()
