"""Export stored layers to GeoPackage, GeoParquet, GeoJSON and CSV.

One row per (snapshot, layer): source, published_at, map_time, layer, area_km2, snapshot id,
file name and the dissolved geometry in EPSG:4326 (CSV: no geometry).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely

from frontlines.core.measure import dissolve
from frontlines.errors import FrontlinesError, UsageError
from frontlines.model import LayerKey
from frontlines.store import StoreReader
from frontlines.times import utc_text

__all__ = ["FORMATS", "export"]

FORMATS = ("gpkg", "parquet", "geojson", "csv")


def _rows(store: StoreReader, source: str | None, layer: LayerKey | None, geometry: bool) -> list[dict[str, Any]]:
    out = []
    for info in store.snapshots(source):
        for key in info.layers:
            if layer is not None and key != layer:
                continue
            timeline = {s: a for s, _, a in store.layer_timeline(info.source, key)}
            row: dict[str, Any] = {
                "snapshot_id": info.id,
                "source": info.source,
                "published_at": utc_text(info.published_at),
                "map_time": utc_text(info.shown_at),
                "layer": str(key),
                "area_km2": timeline.get(info.id),
                "file_name": info.file_name,
            }
            if geometry:
                row["geometry"] = dissolve(list(store.layer_parts(info.id, key).values()))
            out.append(row)
    return out


def export(
    store: StoreReader,
    *,
    fmt: str,
    out: str | Path,
    source: str | None = None,
    layer: LayerKey | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write every (snapshot, layer) to ``out``; returns the number of rows.

    Parameters
    ----------
    fmt : str
        ``gpkg``, ``parquet`` (GeoParquet 1.0, WKB), ``geojson`` or ``csv``.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = _rows(store, source, layer, geometry=fmt != "csv")
    if not rows:
        raise FrontlinesError("nothing to export: no snapshot matches")
    fields = ["snapshot_id", "source", "published_at", "map_time", "layer", "area_km2", "file_name"]
    if fmt == "csv":
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
        return len(rows)
    geoms = np.array([shapely.multipolygons(shapely.get_parts(r["geometry"])) if not shapely.is_empty(r["geometry"]) else shapely.MultiPolygon() for r in rows], dtype=object)
    if fmt == "geojson":
        feats = []
        for r, g in zip(rows, geoms):
            feats.append({"type": "Feature", "properties": {k: r[k] for k in fields},
                          "geometry": orjson.loads(shapely.to_geojson(g))})
        out.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": feats}))
        return len(rows)
    if fmt == "gpkg":
        import pyogrio.raw

        if out.exists():
            out.unlink()
        field_data = [np.array([r[f] for r in rows], dtype=object if f not in ("snapshot_id", "area_km2") else float) for f in fields]
        pyogrio.raw.write(
            str(out), geometry=shapely.to_wkb(geoms), field_data=field_data, fields=fields,
            crs="EPSG:4326", driver="GPKG", geometry_type="MultiPolygon", layer="layers",
        )
        return len(rows)
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({f: [r[f] for r in rows] for f in fields} | {"geometry": list(shapely.to_wkb(geoms))})
    bbox = [float(v) for v in shapely.total_bounds(geoms)]
    geo = {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["MultiPolygon"], "bbox": bbox}},
    }
    table = table.replace_schema_metadata({b"geo": orjson.dumps(geo)})
    pq.write_table(table, out)
    return len(rows)
