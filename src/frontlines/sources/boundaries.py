"""Region layers: the shipped Ukrainian boundaries, and user region files.

Shipped layers (``frontlines/data/*.geojson.gz``, built by
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
import functools
import gzip
import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import shape

from frontlines.core.regions import RegionLayer, validate_region_layer
from frontlines.errors import RegionError, SourceFormatError
from frontlines.sources.gazetteer import fold, is_cyrillic

__all__ = [
    "KINDS",
    "find_region",
    "load_outline",
    "load_region_layer",
    "read_region_file",
]

#: Shipped layer kinds and their files.
KINDS: dict[str, str] = {
    "oblast": "oblasts.geojson.gz",
    "raion": "raions.geojson.gz",
    "hromada": "hromadas.geojson.gz",
}
_ALIASES = {"oblasts": "oblast", "raions": "raion", "hromadas": "hromada", "region": "oblast",
            "regions": "oblast", "district": "raion", "districts": "raion", "rayon": "raion",
            "community": "hromada", "communities": "hromada", "adm1": "oblast", "adm2": "raion"}  # fmt: skip

#: Words dropped from the end of names and queries before matching ("Donetsk oblast").
_SUFFIXES = {
    "region", "oblast", "oblasti", "obl", "raion", "rayon", "raioni", "district", "hromada",
    "gromada", "territorial", "community", "urban", "rural", "settlement", "miska", "silska",
    "selyshchna", "oblast'", "avtonomna", "respublika", "autonomous", "republic", "of", "the",
}  # fmt: skip


def _read_geojson_gz(data: bytes, label: str) -> tuple[list[dict[str, Any]], np.ndarray]:
    try:
        fc = json.loads(gzip.decompress(data))
        feats = fc["features"]
        props = [f["properties"] or {} for f in feats]
        geoms = np.array([shape(f["geometry"]) for f in feats], dtype=object)
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SourceFormatError(f"{label}: not a gzip GeoJSON FeatureCollection: {exc}") from exc
    return props, geoms


def _shipped(filename: str) -> tuple[list[dict[str, Any]], np.ndarray]:
    data = resources.files("frontlines").joinpath("data", filename).read_bytes()
    return _read_geojson_gz(data, f"frontlines/data/{filename}")


def load_region_layer(kind: str) -> RegionLayer:
    """A shipped region layer: ``"oblast"``, ``"raion"`` or ``"hromada"`` (cached).

    Plural and common synonyms are accepted (``"oblasts"``, ``"district"``).

    Raises
    ------
    RegionError
        Unknown kind (the message lists the known ones).
    """
    key = _ALIASES.get(kind.strip().lower(), kind.strip().lower())
    if key not in KINDS:
        raise RegionError(f"unknown region layer {kind!r}: choose one of {', '.join(KINDS)}")
    return _load_layer(key)


@functools.lru_cache(maxsize=None)
def _load_layer(key: str) -> RegionLayer:
    props, geoms = _shipped(KINDS[key])
    return RegionLayer(
        name=key,
        ids=tuple(p["id"] for p in props),
        names=tuple(p["name"] for p in props),
        geometries=geoms,
        parents=tuple(p.get("parent") for p in props),
        local_names=tuple(p.get("name_uk") or "" for p in props),
    )


@functools.lru_cache(maxsize=1)
def load_outline() -> Any:
    """Land outline of Ukraine in its internationally recognised borders (MultiPolygon)."""
    _, geoms = _shipped("outline.geojson.gz")
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
    import pyogrio.errors
    import pyogrio.raw

    path = Path(path)
    label = str(path)
    if not path.exists():
        raise RegionError(f"{label}: no such file")
    src = f"/vsigzip/{path}" if path.suffix.lower() == ".gz" else str(path)
    try:
        meta, _, wkb, field_data = pyogrio.raw.read(src, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError, pyogrio.errors.GeometryError, RuntimeError, ValueError) as exc:  # fmt: skip
        raise RegionError(f"{label}: cannot read as a vector file ({_first_line(exc)})") from exc
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


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


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
    except Exception as exc:  # pyproj raises CRSError, a plain Exception subclass
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


#: Russian-based or old English spellings of the oblasts' names -> the national ones.
_EXONYMS = {
    "kiev": "kyiv", "kiyev": "kyiv", "odessa": "odesa", "kharkov": "kharkiv", "lugansk": "luhansk",
    "zaporozhye": "zaporizhzhia", "zaporizhia": "zaporizhzhia", "zaporozhzhia": "zaporizhzhia",
    "nikolaev": "mykolaiv", "nikolayev": "mykolaiv", "lvov": "lviv", "rovno": "rivne",
    "ternopol": "ternopil", "vinnitsa": "vinnytsia", "zhitomir": "zhytomyr", "chernigov": "chernihiv",
    "chernovtsy": "chernivtsi", "khmelnitsky": "khmelnytskyi", "khmelnytskyy": "khmelnytskyi",
    "kirovograd": "kirovohrad", "ivano frankovsk": "ivano frankivsk", "transcarpathia": "zakarpattia",
    "zakarpatska": "zakarpattia", "dnepropetrovsk": "dnipropetrovsk", "kherson": "kherson",
    "crimean": "crimea", "krym": "crimea", "krim": "crimea", "sevastopil": "sevastopol",
    "cherkassy": "cherkasy", "volhynia": "volyn", "poltava": "poltava", "sumy": "sumy",
}  # fmt: skip


def _core(text: str) -> str:
    folded = fold(text)
    for old, new in _EXONYMS.items():
        if folded == old or folded.startswith(old + " "):
            folded = new + folded[len(old):]
            break
    words = folded.split()
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] in _SUFFIXES:
        words.pop(0)
    return " ".join(words)


def find_region(layer: RegionLayer, query: str) -> int:
    """Index of the region named ``query`` (case-insensitive, forgiving).

    Accepts the id (``"UA-14"``), the English name with or without a type word
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
