"""Any GeoJSON, GeoPackage, KML, KMZ, FlatGeobuf or zipped Shapefile, through pyogrio.

The user says when (``--date``, ``--date-field`` or ``--date-from-name REGEX``),
what (``--layer SIDE:STATUS`` for every feature, or ``--layer-field`` with a
``VALUE=SIDE:STATUS`` mapping) and of which conflict (``--conflict``: a shipped
definition or one in ``$FRONTLINES_CONFLICTS``, see :mod:`frontlines.conflicts`). Data in another CRS is reprojected to EPSG:4326;
data without a CRS must be longitude / latitude. ``map_time`` is the date the user
gives (a bare date is the end of that day), the same as ``published_at``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

import numpy as np
import shapely

from frontlines.core.validate import Repairs, polygon_parts, unreadable_geometry
from frontlines.errors import (
    CoordinateError,
    DateError,
    LayerError,
    SourceFormatError,
    UnknownClassError,
)
from frontlines.hashing import content_hash
from frontlines.model import LayerKey, Provenance, Snapshot
from frontlines.sources._geojson import PartCache
from frontlines.sources._payloads import Limits, Payload
from frontlines.sources._vector import check_zip, read_vector, zip_shapefile
from frontlines.sources.base import (
    IngestOptions,
    check_not_before,
    check_not_future,
    parse_date_text,
)

__all__ = ["Files", "check_zip", "zip_shapefile"]

def _read_vector(payload: Payload, limits: Limits) -> tuple[dict[str, Any], np.ndarray, list[str], list[np.ndarray]]:
    meta, geometry, fields, columns = read_vector(payload.data, name=payload.name, limits=limits)
    if geometry is None:  # a table without geometry
        raise SourceFormatError(f"{payload.name}: the first layer has no geometry", path=payload.name)
    return meta, geometry, fields, columns


def _to_lonlat(geoms: np.ndarray, crs: str | None, *, name: str) -> np.ndarray:
    if not crs:
        return geoms
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError, ProjError

    try:
        src = CRS.from_user_input(crs)
        if src.equals(CRS.from_epsg(4326), ignore_axis_order=True):
            return geoms
        tr = Transformer.from_crs(src, "EPSG:4326", always_xy=True)
        return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1], errcheck=True)))
    except (CRSError, ProjError) as exc:
        raise CoordinateError(f"{name}: cannot reproject from {crs!r} to longitude / latitude ({exc})",
                              path=name, field="crs", value=crs) from exc


class Files:
    """Generic vector files read through pyogrio."""

    name = "files"
    version = 1
    patterns = ("*.geojson", "*.json", "*.gpkg", "*.kml", "*.kmz", "*.fgb", "*.zip")
    primary = LayerKey("russia", "control")

    def parse(self, payload: Payload, *, cache: PartCache, options: IngestOptions) -> Snapshot:
        """Read one vector file into a snapshot."""
        if options.layer is None and not options.layer_field:
            raise LayerError(f"{payload.name}: say which layer the features are (--layer SIDE:STATUS or --layer-field)")
        meta, wkb, fields, columns = _read_vector(payload, options.limits)
        if len(wkb) == 0:
            raise SourceFormatError(f"{payload.name}: the file holds no features")
        try:
            geoms = shapely.from_wkb(wkb)
        except shapely.errors.GEOSException as whole:
            for i, one in enumerate(wkb):  # name the first feature GEOS cannot build
                try:
                    shapely.from_wkb(one)
                except shapely.errors.GEOSException as exc:
                    raise unreadable_geometry(exc, where=f"{payload.name} feature {i}") from exc
            raise unreadable_geometry(whole, where=payload.name) from whole
        geoms = _to_lonlat(geoms, meta.get("crs"), name=payload.name)
        published = self._date(payload, fields, columns, options)
        check_not_future(published, name=payload.name, now=options.now)
        layer_values = self._layer_values(payload, fields, columns, options, len(geoms))
        repairs = Repairs()
        layers: dict[LayerKey, list[Any]] = {}
        unknown: Counter[str] = Counter()
        excluded: Counter[str] = Counter()
        for i, (geom, value) in enumerate(zip(geoms, layer_values)):
            if isinstance(value, str):
                unknown[value] += 1
                continue
            if value is None:
                excluded["mapped to none"] += 1
                continue
            parts = polygon_parts(geom, where=f"{payload.name} feature {i}", repairs=repairs)
            layers.setdefault(value, []).extend(parts)
        if unknown and options.strict:
            raise UnknownClassError(f"{payload.name}: unknown {options.layer_field} values {sorted(unknown)}")
        declared = {options.layer} if options.layer else {v for v in options.layer_map.values() if v}
        out = {k: () for k in declared}
        out.update({k: tuple(v) for k, v in sorted(layers.items())})
        notes: dict[str, Any] = {}
        if repairs.repaired:
            notes["repaired"] = repairs.repaired
            notes["repair_details"] = repairs.details
        if unknown:
            notes["unknown_classes"] = dict(unknown)
        if excluded:
            notes["excluded_classes"] = dict(excluded)
        primary = options.layer or next(iter(sorted(declared or out)), self.primary)
        return Snapshot(
            source=options.source_name or "files",
            conflict=options.conflict,
            published_at=published,
            provenance=Provenance(payload.basename, content_hash(payload.data)),
            layers=out,
            primary=primary,
            notes=notes,
        )

    @staticmethod
    def _date(payload: Payload, fields: list[str], columns: list[np.ndarray], options: IngestOptions) -> dt.datetime:
        if options.date is not None:
            return options.date
        if options.date_field:
            if options.date_field not in fields:
                raise DateError(
                    f"{payload.name}: no date field {options.date_field!r}; fields are {', '.join(fields) or 'none'}"
                )
            values = {str(v) for v in columns[fields.index(options.date_field)] if v is not None and str(v)}
            if len(values) != 1:
                raise DateError(
                    f"{payload.name}: date field {options.date_field!r} must hold one date per file, found {sorted(values)[:5]}"
                )
            return parse_date_text(values.pop(), name=payload.name)
        if options.date_from_name:
            try:
                m = re.search(options.date_from_name, payload.basename)
            except re.error as exc:
                raise DateError(f"--date-from-name {options.date_from_name!r} is not a valid regular expression ({exc})") from exc
            if not m:
                raise DateError(f"{payload.name}: --date-from-name {options.date_from_name!r} does not match the file name")
            text = m.groupdict().get("date") or (m.group(1) if m.groups() else m.group(0))
            when = parse_date_text(text, name=payload.name)
            if re.fullmatch(r"[0-9]{9,10}", text.strip()):  # a Unix time: none before the conflict
                check_not_before(when, name=payload.name, not_before=options.not_before)
            return when
        raise DateError(f"{payload.name}: no date: give --date, --date-field or --date-from-name")

    @staticmethod
    def _layer_values(
        payload: Payload, fields: list[str], columns: list[np.ndarray], options: IngestOptions, n: int
    ) -> list[LayerKey | str | None]:
        if options.layer_field is None:
            return [options.layer] * n
        if options.layer_field not in fields:
            raise SourceFormatError(
                f"{payload.name}: no layer field {options.layer_field!r}; fields are {', '.join(fields) or 'none'}"
            )
        out: list[LayerKey | str | None] = []
        for v in columns[fields.index(options.layer_field)]:
            key = str(v)
            if key in options.layer_map:
                out.append(options.layer_map[key])
            elif options.layer is not None:
                out.append(options.layer)
            else:
                out.append(key)
        return out
