"""Region layers: the levels of a conflict definition, and user region files.

The levels are named by conflict definitions (:mod:`frontlines.conflicts`). Ukraine's
shipped layers (``frontlines/data/*.geojson.gz``, built by
``scripts/build_shipped_data.py`` from OpenStreetMap and geoBoundaries; see
``data/NOTICE.md``) are land only, simplified as one coverage (neighbours share
edges exactly), and read with the standard library and shapely (no GDAL):

========  =====  ============================================================
kind      units  ids
========  =====  ============================================================
oblast    27     ISO 3166-2 (``UA-14``): 24 oblasts, Crimea, Kyiv City, Sevastopol
raion     138    KATOTTH codes: the 136 raions, plus Kyiv City (``UA-30``) and
                 Sevastopol (``UA-40``), which have no raions, so the layer tiles
                 the country; parent = oblast id
hromada   1466   KATOTTH codes; parent = raion id. None in Crimea / Sevastopol;
                 the Chornobyl zone and some lagoons lie outside every hromada
========  =====  ============================================================

User layers (GeoJSON, GeoPackage, Shapefile ...) are read with pyogrio,
reprojected to WGS84 lon/lat, repaired with ``make_valid`` and checked with
:func:`frontlines.core.regions.validate_region_layer`.
"""

from __future__ import annotations

import difflib
import gzip
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
import shapely.errors
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from frontlines.conflicts.definition import Conflict, RegionLevel
from frontlines.core.regions import RegionLayer, validate_region_layer
from frontlines.errors import (
    InputTooLargeError,
    RegionError,
    SourceError,
    SourceFormatError,
)
from frontlines.sources._payloads import Limits, read_regular
from frontlines.sources._vector import read_vector, zip_shapefile
from frontlines.sources.compact_layers import CompactLayer, read_compact, read_compact_layer
from frontlines.sources.gazetteer import fold, is_cyrillic

__all__ = [
    "find_region",
    "read_level",
    "read_outline",
    "read_region_file",
]

#: Type words dropped from names and queries of every conflict ("Donetsk region");
#: a conflict adds its own (:attr:`frontlines.conflicts.Conflict.region_words`) and its levels' names.
_GENERIC_SUFFIXES = frozenset({"region", "regions", "province", "district", "county", "state", "of", "the"})


def _read_geojson(data: bytes, label: str) -> tuple[list[dict[str, Any]], np.ndarray]:
    try:
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        fc = orjson.loads(data)
        feats = fc["features"]
        props = [f["properties"] or {} for f in feats]
        # GEOS's GeoJSON reader, vectorised: ~10x faster than shapely.geometry.shape per feature
        # (the 1,466 hromadas: 0.15 s instead of 1.7 s), same coordinates.
        geoms = shapely.from_geojson([orjson.dumps(f["geometry"]) for f in feats])
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, shapely.errors.GEOSException,
            orjson.JSONDecodeError) as exc:
        raise SourceFormatError(f"{label}: not a GeoJSON FeatureCollection (plain or gzip): {exc}") from exc
    return props, geoms


def _read_file(path: Path) -> tuple[list[dict[str, Any]], np.ndarray]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(f"{path}: cannot read ({exc})") from exc
    # the same features from the compact file beside it when that is current (20x faster)
    return read_compact(path, data) or _read_geojson(data, str(path))


def _read_layer_file(path: Path) -> CompactLayer:
    """:func:`_read_file`, with the land areas and tiles its compact file keeps, if any."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(f"{path}: cannot read ({exc})") from exc
    return read_compact_layer(path, data) or CompactLayer(*_read_geojson(data, str(path)), None, None)


def read_level(level: RegionLevel) -> RegionLayer:
    """Read the file of a conflict's region level (no caching: see the conflict registry).

    Raises
    ------
    SourceFormatError
        Unreadable file, or a feature without the level's id or name property.
    """
    found = _read_layer_file(level.file)
    props = found.props
    try:
        ids = tuple(str(p[level.id_field]) for p in props)
        names = tuple(str(p[level.name_field]) for p in props)
    except KeyError as exc:
        raise SourceFormatError(f"{level.file}: a feature lacks the property {exc} ({level.kind} level)") from exc
    parents = tuple(p.get(level.parent_field) for p in props)
    layer = RegionLayer(
        name=level.kind,
        ids=ids,
        names=names,
        geometries=found.geoms,
        parents=parents,
        local_names=tuple(p.get(level.local_name_field) or "" for p in props),
    )
    if found.areas is not None and found.centre is not None:
        layer.with_areas(found.areas, found.centre)
        if found.tiles is not None and found.tile_deg is not None:
            layer.with_cells(found.tiles, found.tile_deg, found.centre)
    return layer


def read_outline(path: Path) -> Any:
    """The land outline in a one-feature GeoJSON file (plain or gzip)."""
    _, geoms = _read_file(path)
    if len(geoms) != 1:
        raise SourceFormatError(f"{path}: an outline file holds one feature, not {len(geoms)}")
    return geoms[0]


# ------------------------------------------------------------------- user files


def read_region_file(
    path: str | Path,
    *,
    name_field: str,
    id_field: str | None = None,
    layer: str | int | None = None,
) -> RegionLayer:
    """Read a user's region layer from any vector file pyogrio can open.

    Parameters
    ----------
    path : str or Path
        GeoJSON (also ``.geojson.gz``), GeoPackage, Shapefile, ...
    name_field : str
        Attribute holding the region names (must be non-empty for every feature).
    id_field : str, optional
        Attribute holding unique ids; by default the names are the ids (and must
        then be unique).
    layer : str or int, optional
        Layer of a multi-layer file (GeoPackage).

    Returns
    -------
    RegionLayer
        Named after the file's stem, geometries in WGS84 lon/lat, repaired.

    Raises
    ------
    RegionError
        Unreadable file, missing field (the message lists the available ones),
        empty names, duplicate ids, non-polygon or null geometries, projected
        coordinates without a CRS, or overlapping regions. Every message names
        the file.
    """
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise RegionError(f"{label}: no such file")
    limits = Limits.from_env()
    try:
        # Read by frontlines (regular files only, within the limits, gzip undone) and handed to
        # GDAL only when it is an allowed format (see frontlines.sources._vector).
        data = zip_shapefile(path) if path.suffix.lower() == ".shp" else read_regular(path, limit=limits.payload_bytes)
        meta, wkb, _, field_data = read_vector(data, name=label, limits=limits, layer=layer)
    except (SourceError, InputTooLargeError) as exc:
        raise RegionError(str(exc) if str(exc).startswith(label) else f"{label}: {exc}", path=label) from exc
    fields = [str(f) for f in meta["fields"]]
    columns = dict(zip(fields, field_data, strict=True))
    for role, fname in (("name", name_field), ("id", id_field)):
        if fname is not None and fname not in columns:
            folded = {f.casefold(): f for f in fields}
            close = difflib.get_close_matches(fname.casefold(), list(folded), n=1, cutoff=0.6)
            hint = f" (did you mean {folded[close[0]]!r}?)" if close else ""
            raise RegionError(
                f"{label}: no {role} field {fname!r}{hint}; available fields: "
                f"{', '.join(fields) if fields else '(none)'}"
            )
    if wkb is None or len(wkb) == 0:
        raise RegionError(f"{label}: no features")
    geoms = shapely.from_wkb(wkb)
    nulls = np.flatnonzero(shapely.is_missing(geoms))
    if nulls.size:
        raise RegionError(f"{label}: feature(s) {', '.join(map(str, nulls[:5]))} have no geometry")
    geoms = _to_wgs84(geoms, meta.get("crs"), label)
    names = tuple("" if v is None else str(v).strip() for v in _values(columns[name_field]))
    if id_field is not None:
        ids = tuple("" if v is None else str(v).strip() for v in _values(columns[id_field]))
    else:
        ids = names
    geoms = _repair(geoms)
    out = RegionLayer(name=path.name.split(".")[0], ids=ids, names=names, geometries=geoms)
    try:
        validate_region_layer(out, source=label)
    except RegionError as exc:
        if id_field is None and "duplicate region ids" in str(exc):
            raise RegionError(
                f"{label}: duplicate region names in field {name_field!r} "
                f"({str(exc).split('duplicate region ids ', 1)[1]}): pass id_field to tell them apart"
            ) from None
        raise
    return out


def _values(col: Any) -> list[Any]:
    arr = np.asarray(col, dtype=object)
    return [None if (isinstance(v, float) and np.isnan(v)) else v for v in arr]


def _to_wgs84(geoms: np.ndarray, crs: str | None, label: str) -> np.ndarray:
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    looks_projected = xmin < -180.5 or xmax > 180.5 or ymin < -90.5 or ymax > 90.5
    if not crs:
        if looks_projected:
            raise RegionError(
                f"{label}: coordinates look projected (x {xmin:,.0f} .. {xmax:,.0f}, y {ymin:,.0f} .. "
                f"{ymax:,.0f}) but the file has no CRS: add one (e.g. a .prj file) or reproject "
                "the file to EPSG:4326"
            )
        return geoms
    try:
        src = CRS.from_user_input(crs)
    except CRSError as exc:
        raise RegionError(f"{label}: unknown CRS {crs!r} ({exc})") from exc
    wgs84 = CRS.from_epsg(4326)
    if src.equals(wgs84, ignore_axis_order=True) or src.equals(CRS("OGC:CRS84")):
        if looks_projected:
            raise RegionError(
                f"{label}: the file says its CRS is {src.name} (degrees), but its coordinates look "
                f"projected (x {xmin:,.0f} .. {xmax:,.0f}): fix the CRS"
            )
        return geoms
    tr = Transformer.from_crs(src, wgs84, always_xy=True)

    def fwd(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    out = shapely.transform(geoms, fwd)
    if not np.all(np.isfinite(shapely.total_bounds(out))):
        raise RegionError(f"{label}: coordinates cannot be transformed from {src.name} to EPSG:4326")
    return out


def _repair(geoms: np.ndarray) -> np.ndarray:
    bad = ~shapely.is_valid(geoms)
    if not bad.any():
        return geoms
    out = geoms.copy()
    for i in np.flatnonzero(bad):
        fixed = shapely.make_valid(geoms[i])
        polys = [p for p in shapely.get_parts(fixed) if shapely.get_type_id(p) in (3, 6)]
        polys = [q for p in polys for q in shapely.get_parts(p)]
        if polys:
            out[i] = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
        else:
            out[i] = fixed
    return out


# ------------------------------------------------------------------ name look-up


def _suffixes(conflict: Conflict | None) -> frozenset[str]:
    if conflict is None:
        return _GENERIC_SUFFIXES
    words = {w.lower() for lv in conflict.levels for names in lv.names.values() for w in names}
    words |= {lv.kind for lv in conflict.levels}
    return _GENERIC_SUFFIXES | frozenset(conflict.region_words) | frozenset(fold(w) for w in words)


def _core_words(text: str, suffixes: frozenset[str] = _GENERIC_SUFFIXES, exonyms: Mapping[str, str] | None = None) -> str:
    folded = fold(text)
    for old, new in (exonyms or {}).items():
        if folded == old or folded.startswith(old + " "):
            folded = new + folded[len(old):]
            break
    words = folded.split()
    while len(words) > 1 and words[-1] in suffixes:
        words.pop()
    while len(words) > 1 and words[0] in suffixes:
        words.pop(0)
    return " ".join(words)


def find_region(layer: RegionLayer, query: str, conflict: Conflict | None = None) -> int:
    """Index of the region named ``query`` (case-insensitive, forgiving).

    ``conflict`` supplies the type words dropped from names (its levels' names,
    ``oblast``, ``raion`` ...) and foreign spellings (``Kiev``); without it only
    generic words (``region``, ``district``, ``province``) are dropped.

    With Ukraine's definition it accepts the id (``"UA-14"``), the English name with or without a type word
    (``"Donetsk"``, ``"Donetsk region"``, ``"Donetsk oblast"``), the Ukrainian
    name or its romanisation (``"Донецька область"``, ``"Donetska oblast"``),
    and unambiguous prefixes (``"Donetskaya"`` -> Donetsk). Cyrillic ``"Київ"``
    is the city; Latin ``"Kyiv"`` is the oblast, ``"Kyiv City"`` the city.

    Raises
    ------
    RegionError
        No region matches (with close suggestions), or several do.
    """
    q = query.strip()
    if not q:
        raise RegionError(f"empty region name for layer {layer.name!r}")
    local = layer.local_names or ("",) * len(layer)
    tiers: list[list[int]] = []
    tiers.append([i for i, r in enumerate(layer.ids) if r.casefold() == q.casefold()])
    if is_cyrillic(q):
        tiers.append([i for i, n in enumerate(local) if n and n.casefold() == q.casefold()])
    sfx, exo = _suffixes(conflict), (conflict.region_exonyms if conflict is not None else None)

    def _core(text: str) -> str:
        return _core_words(text, sfx, exo)

    fq, cq = fold(q), _core(q)
    tiers.append([i for i, n in enumerate(layer.names) if fold(n) == fq])
    tiers.append([i for i, n in enumerate(layer.names) if _core(n) == cq])
    tiers.append([i for i, n in enumerate(local) if n and (fold(n) == fq or _core(n) == cq)])
    for hits in tiers:
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise _ambiguous(layer, query, hits)
    if len(cq) >= 4:
        cores = [(_core(n), _core(u) if u else "") for n, u in zip(layer.names, local, strict=True)]
        hits = [
            i for i, (cn, cu) in enumerate(cores)
            if (cq.startswith(cn) and len(cn) >= 4) or cn.startswith(cq) or (cu and cu.startswith(cq))
        ]  # fmt: skip
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise _ambiguous(layer, query, hits)
    choices = {_core(n): n for n in layer.names}
    close = [choices[c] for c in difflib.get_close_matches(cq, list(choices), n=3, cutoff=0.6)]
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise RegionError(f"no region {query!r} in layer {layer.name!r}{hint}")


def _ambiguous(layer: RegionLayer, query: str, hits: list[int]) -> RegionError:
    shown = ", ".join(f"{layer.names[i]} ({layer.ids[i]})" for i in hits[:6])
    return RegionError(f"region {query!r} is ambiguous in layer {layer.name!r}: {shown}; use the id")
