"""The "straightforward pipeline" baseline that frontlines has to beat.

What a careful analyst would write with geopandas, one snapshot at a time:

1. ``gpd.read_file(path)`` (``.gz`` files through GDAL's ``/vsigzip/``);
2. keep the occupied features: W1 (raw DeepState history) -> features whose ``name``
   :func:`frontlines.sources.deepstate_classes.classify` maps to ``russia:control``;
   W2 (DeepState daily) and W3 (ISW assessed control) -> every feature;
3. keep polygonal geometry only: GeometryCollections are exploded and their
   Polygon / MultiPolygon members kept; Points, LineStrings and empties dropped;
   Z coordinates dropped;
4. ``make_valid`` (then polygonal members only again, since repair can emit lines);
5. dissolve with ``GeoSeries.union_all()`` (GEOS unary union) in lon/lat;
6. project to the equal-area CRS ``+proj=laea +lat_0=49 +lon_0=32 +ellps=WGS84``
   (re-``make_valid`` if projection made the union invalid) and take ``.area``;
7. gained = ``cur.difference(prev)``, lost = ``prev.difference(cur)`` with
   ``GeoSeries.difference`` on the two dissolved, projected geometries
   (first snapshot: 0.0 / 0.0);
8. area per oblast: ``gpd.overlay(current, oblasts, how="intersection")`` with the
   oblast layer projected to the same CRS, areas summed per oblast name.

All areas in km². Every oblast of the layer appears in ``"oblasts"`` (0.0 if none).

Command line::

    python bench/baseline.py W2 --limit 50 [--dir UNPACKED_DIR] [--oblasts PATH]

W1/W2 without ``--dir``: the archive from the shared data directory is unpacked into a
temporary directory first (not timed) and removed afterwards.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workloads  # noqa: E402  (bench/ is not a package)

from frontlines.sources.deepstate_classes import CONTROL, classify  # noqa: E402

__all__ = ["EQUAL_AREA_CRS", "run_baseline", "load_oblasts", "read_occupied", "main"]

#: Lambert azimuthal equal-area centred on Ukraine (exactly equal-area on the ellipsoid)
EQUAL_AREA_CRS = "+proj=laea +lat_0=49 +lon_0=32 +ellps=WGS84 +units=m +no_defs"
WGS84 = "EPSG:4326"
_POLYGONAL = ("Polygon", "MultiPolygon")
_NAME_FIELDS = ("name", "shapeName", "name:en", "NAME_1")


def _read(path: Path) -> gpd.GeoDataFrame:
    p = str(path)
    if p.endswith(".gz"):
        p = "/vsigzip/" + p
    return gpd.read_file(p)


def _polygonal(gs: gpd.GeoSeries) -> gpd.GeoSeries:
    """Polygon/MultiPolygon parts only: explode GeometryCollections, drop the rest."""
    gs = gs[gs.notna() & ~gs.is_empty]
    while (gs.geom_type == "GeometryCollection").any():
        gs = gs.explode(index_parts=False)
        gs = gs[gs.notna() & ~gs.is_empty]
    return gs[gs.geom_type.isin(_POLYGONAL)]


def read_occupied(workload: str, path: Path) -> gpd.GeoSeries:
    """Read one snapshot and return its occupied polygons, valid, 2D, in lon/lat."""
    gdf = _read(path)
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    if workload == "W1":
        keep = gdf["name"].map(lambda n: classify(n) == ("layer", CONTROL))
        gdf = gdf[keep.astype(bool)]
    gs = _polygonal(gdf.geometry.to_crs(WGS84))
    gs = gs.force_2d()
    gs = _polygonal(gs.make_valid())
    return gs


def load_oblasts(oblasts_path: Path, name_field: str | None = None) -> gpd.GeoDataFrame:
    """The oblast layer in the equal-area CRS, columns ``oblast`` and ``geometry``."""
    gdf = _read(Path(oblasts_path))
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    if name_field is None:
        name_field = next((f for f in _NAME_FIELDS if f in gdf.columns), None)
        if name_field is None:
            raise ValueError(f"no name column in {oblasts_path}; pass name_field")
    gdf = gdf[[name_field, "geometry"]].rename(columns={name_field: "oblast"})
    gdf = gdf.to_crs(EQUAL_AREA_CRS)
    gdf["geometry"] = gdf.geometry.make_valid()
    return gdf


def run_baseline(
    workload: str,
    inputs: list[Path],
    oblasts_path: Path,
    *,
    name_field: str | None = None,
    timings: dict | None = None,
) -> list[dict]:
    """Occupied area, gained, lost and area per oblast for each snapshot.

    Parameters
    ----------
    workload : {"W1", "W2", "W3"}
        Decides the class filter (W1 only) and the time key.
    inputs : list of Path
        Snapshot files in time order (see :mod:`workloads`).
    oblasts_path : Path
        Oblast polygons (GeoJSON, ``.gz`` allowed). Name column: ``name_field`` or the
        first of ``name``, ``shapeName``, ``name:en``, ``NAME_1``.
    timings : dict, optional
        If given, filled with seconds per stage (``read``, ``dissolve``, ``project``,
        ``change``, ``oblasts``, ``setup``) and ``repairs`` (projected unions re-validated).

    Returns
    -------
    list of dict
        ``{"key", "area_km2", "gained_km2", "lost_km2", "oblasts": {name: km2}}`` per
        snapshot, in input order; the first snapshot has gained/lost 0.0.
    """
    if workload not in workloads.WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}")
    t = {"setup": 0.0, "read": 0.0, "dissolve": 0.0, "project": 0.0, "change": 0.0, "oblasts": 0.0, "repairs": 0}
    t0 = time.perf_counter()
    oblasts = load_oblasts(oblasts_path, name_field)
    names = list(dict.fromkeys(oblasts["oblast"]))
    t["setup"] += time.perf_counter() - t0

    results: list[dict] = []
    prev: gpd.GeoSeries | None = None
    for path in inputs:
        key = workloads.time_key(workload, path)

        t0 = time.perf_counter()
        parts = read_occupied(workload, path)
        t1 = time.perf_counter()
        occ = parts.union_all() if len(parts) else shapely.Polygon()
        t2 = time.perf_counter()
        cur = gpd.GeoSeries([occ], crs=WGS84).to_crs(EQUAL_AREA_CRS)
        if not cur.is_valid.all():
            t["repairs"] += 1
            cur = gpd.GeoSeries([_polygonal(cur.make_valid()).union_all()], crs=EQUAL_AREA_CRS)
        area = float(cur.area.sum()) / 1e6
        t3 = time.perf_counter()
        if prev is None:
            gained = lost = 0.0
        else:
            gained = float(cur.difference(prev).area.sum()) / 1e6
            lost = float(prev.difference(cur).area.sum()) / 1e6
        t4 = time.perf_counter()
        inter = gpd.overlay(
            gpd.GeoDataFrame(geometry=cur), oblasts, how="intersection", keep_geom_type=True
        )
        per = inter.geometry.area.groupby(inter["oblast"]).sum() / 1e6
        by_oblast = {n: float(per.get(n, 0.0)) for n in names}
        t5 = time.perf_counter()

        t["read"] += t1 - t0
        t["dissolve"] += t2 - t1
        t["project"] += t3 - t2
        t["change"] += t4 - t3
        t["oblasts"] += t5 - t4
        results.append(
            {"key": key, "area_km2": area, "gained_km2": gained, "lost_km2": lost, "oblasts": by_oblast}
        )
        prev = cur
    if timings is not None:
        timings.update(t)
    return results


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload", choices=workloads.WORKLOADS)
    ap.add_argument("--limit", type=int, default=None, help="first N snapshots only")
    ap.add_argument("--dir", type=Path, default=None, help="unpacked input directory")
    ap.add_argument("--oblasts", type=Path, default=None, help="oblast layer (default: OSM level 4)")
    ap.add_argument("--name-field", default=None, help="oblast name column")
    ap.add_argument("--json", type=Path, default=None, help="write all results to this JSON file")
    ap.add_argument("--show", type=int, default=5, help="snapshots to print at each end")
    args = ap.parse_args(argv)

    tmp = None
    directory = args.dir
    if directory is None and args.workload in workloads.ARCHIVES:
        archive = workloads.data_root() / workloads.ARCHIVES[args.workload]
        t0 = time.perf_counter()
        tmp = Path(tempfile.mkdtemp(prefix="frontlines-bench-"))
        directory = workloads.unpack(archive, tmp)
        print(f"unpacked {archive.name} in {time.perf_counter() - t0:.1f} s (not timed)")
    try:
        inputs = workloads.list_inputs(args.workload, directory, args.limit)
        oblasts = args.oblasts or workloads.default_oblasts()
        timings: dict = {}
        t0 = time.perf_counter()
        res = run_baseline(args.workload, inputs, oblasts, name_field=args.name_field, timings=timings)
        wall = time.perf_counter() - t0
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    n = len(res)
    print(f"{args.workload}: {n} snapshots in {wall:.2f} s ({wall / max(n, 1) * 1000:.1f} ms/snapshot), "
          f"peak RSS {peak_rss_mb():.0f} MB")
    print("stages (s): " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items() if k != "repairs")
          + f"; projected unions repaired: {timings['repairs']}")
    k = max(args.show, 0)
    show = res if n <= 2 * k else res[:k] + res[n - k:]
    for i, r in enumerate(show):
        if n > 2 * k and i == k:
            print("  ...")
        top = sorted(r["oblasts"].items(), key=lambda kv: -kv[1])[:3]
        print(f"  {r['key']}: area {r['area_km2']:,.1f} km2, gained {r['gained_km2']:,.1f}, "
              f"lost {r['lost_km2']:,.1f}; " + ", ".join(f"{k} {v:,.0f}" for k, v in top))
    if args.json:
        import json

        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
