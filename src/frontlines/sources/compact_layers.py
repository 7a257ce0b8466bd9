"""Region files in a compact binary form beside them: a layer loads in milliseconds.

Parsing a shipped layer's GeoJSON is most of a cold query's time: the 1,466 hromadas
(7.9 MB of JSON, 380,000 vertices) cost ~0.5 s CPU (JSON numbers, then GEOS's GeoJSON
reader), the 138 raions ~0.09 s. The compact form, ``<name>.compact.npz`` next to
``<name>.geojson.gz``, holds the same features as numpy arrays: the coordinates as
integers (the file's decimals times ``10**k``, delta-coded, compressed), the ring /
polygon offsets, each geometry's type, and the properties as JSON. Reading it
(:func:`read_compact`) is a decompression, a cumulative sum, a division and
``shapely.from_ragged_array``: ~25 ms for the hromadas. It also keeps the land area of
each region and, for a layer of large regions (the oblasts), the tiles its clips use
(:func:`frontlines.core.regions.tile_regions`: cutting the oblasts costs ~0.07 s at the
start of every ingest and of a command's first clip by oblast; reading them ~2 ms).

Exact: a coordinate written with at most ``k`` decimals parses (correctly rounded) to the
double nearest its decimal value, and ``integer / 10**k`` is that same double (IEEE
division is correctly rounded, and both operands are exact). :func:`write_compact`
checks it for every coordinate (the few positions where it does not hold, such as where a
tile's grid line cuts an edge, are stored as doubles beside the integers; plain doubles
throughout when it fails for most), and checks that the decoded geometries and tiles are
those computed from the GeoJSON, byte for byte (WKB).

A compact file records the SHA-256 of the GeoJSON file it was made from; one that does
not match (the GeoJSON was rebuilt) is ignored and the GeoJSON is read instead. The
shipped ones are written by ``scripts/build_compact_layers.py``; a test checks they are
current.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import orjson
import shapely

from frontlines.core.geodesy import areas_km2
from frontlines.core.regions import TILE_DEG, RegionLayer, RegionTiles, layer_centre, tile_regions

__all__ = ["FORMAT", "CompactLayer", "compact_path", "read_compact", "read_compact_layer", "write_compact", "write_npz"]

#: Format version written into every file; a file of another version is ignored (2: positions the
#: integers do not give exactly are kept as doubles beside them; a layer of large regions keeps its tiles).
FORMAT = 2

#: Largest number of decimals tried for the integer coding.
_MAX_DECIMALS = 9


def compact_path(path: Path) -> Path:
    """The compact file beside a GeoJSON file (``oblasts.geojson.gz`` -> ``oblasts.compact.npz``)."""
    name = path.name
    for suffix in (".geojson.gz", ".geojson", ".json.gz", ".json"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return path.with_name(f"{name}.compact.npz")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class CompactLayer(NamedTuple):
    """A compact file's features and, when it keeps them, the land area of each (km²,
    :func:`frontlines.core.geodesy.areas_km2` at ``centre``, :func:`frontlines.core.regions.layer_centre`)
    and the regions' tiles (:func:`frontlines.core.regions.tile_regions`, cells of ``tile_deg`` degrees:
    a layer of large regions, the oblasts)."""

    props: list[dict[str, Any]]
    geoms: np.ndarray
    areas: np.ndarray | None
    centre: tuple[float, float] | None
    tiles: RegionTiles | None = None
    tile_deg: float | None = None


def read_compact_layer(path: Path, data: bytes | None = None) -> CompactLayer | None:
    """:func:`read_compact` with the areas the file keeps (None when it is not current, as there)."""
    arrays = _current_arrays(path, data)
    if arrays is None:
        return None
    props, geoms = _decode(arrays)
    if "areas_km2" not in arrays or "areas_centre" not in arrays:
        return CompactLayer(props, geoms, None, None)
    centre = arrays["areas_centre"].tolist()
    tiles = None
    if "tile_deg" in arrays:
        tiles = RegionTiles(tiles=_decode_geoms(arrays, "tile_"), region=arrays["tile_region"].astype(np.intp),
                            areas=arrays["tile_areas_km2"])
        tiles.areas.setflags(write=False)
    return CompactLayer(props, geoms, arrays["areas_km2"], (float(centre[0]), float(centre[1])), tiles,
                        float(arrays["tile_deg"]) if tiles is not None else None)


def read_compact(path: Path, data: bytes | None = None) -> tuple[list[dict[str, Any]], np.ndarray] | None:
    """Properties and geometries of a GeoJSON file, from its compact file if that is current.

    Parameters
    ----------
    path : Path
        The GeoJSON file (plain or gzip).
    data : bytes, optional
        Its bytes, when already read.

    Returns
    -------
    (list of dict, numpy.ndarray) or None
        None when there is no compact file, or it was made from other bytes or in another
        format (the caller then reads the GeoJSON).
    """
    arrays = _current_arrays(path, data)
    return None if arrays is None else _decode(arrays)


def _current_arrays(path: Path, data: bytes | None) -> dict[str, np.ndarray] | None:
    side = compact_path(path)
    if not side.is_file():
        return None
    if data is None:
        data = path.read_bytes()
    try:
        with np.load(side, allow_pickle=False) as z:
            if int(z["format"]) != FORMAT or str(z["source_sha256"]) != _digest(data):
                return None
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def _decode(z: dict[str, np.ndarray]) -> tuple[list[dict[str, Any]], np.ndarray]:
    return orjson.loads(z["properties"].tobytes()), _decode_geoms(z)


def _decode_geoms(z: dict[str, np.ndarray], prefix: str = "") -> np.ndarray:
    """The (Multi)Polygons :func:`_encode_geoms` wrote under the keys starting with ``prefix``."""
    k = int(z[prefix + "decimals"])
    if k >= 0:
        scale = float(10**k)
        coords = np.column_stack([np.cumsum(z[prefix + "dx"], dtype=np.int64) / scale,
                                  np.cumsum(z[prefix + "dy"], dtype=np.int64) / scale])
        if prefix + "odd" in z:
            odd = z[prefix + "odd"]
            coords[odd, 0], coords[odd, 1] = z[prefix + "odd_x"], z[prefix + "odd_y"]
    else:
        coords = np.column_stack([z[prefix + "x"], z[prefix + "y"]])
    offsets = (z[prefix + "ring_offsets"], z[prefix + "polygon_offsets"], z[prefix + "geometry_offsets"])
    geoms = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, offsets)
    single = z[prefix + "types"] == 3
    if single.any():  # Polygons were written as one-polygon MultiPolygons
        geoms[single] = shapely.get_geometry(geoms[single], 0)
    return geoms


def _encode_geoms(geoms: np.ndarray, prefix: str = "") -> dict[str, Any]:
    """(Multi)Polygons as arrays under keys starting with ``prefix``: ragged offsets, each geometry's
    type, the coordinates as delta-coded integers when :func:`_integer_coding` finds them exact."""
    _, coords, offsets = shapely.to_ragged_array(_as_multi(geoms))
    arrays: dict[str, Any] = {
        "types": shapely.get_type_id(geoms).astype(np.int8),
        "ring_offsets": offsets[0], "polygon_offsets": offsets[1], "geometry_offsets": offsets[2],
    }
    k, ints, odd = _integer_coding(coords)
    arrays["decimals"] = np.int64(k)
    if ints is not None:
        deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
        dtype = np.int32 if np.abs(deltas).max(initial=0) < 2**31 else np.int64
        arrays["dx"], arrays["dy"] = deltas[:, 0].astype(dtype), deltas[:, 1].astype(dtype)
        if len(odd):  # the positions the integers do not give exactly, as doubles
            arrays["odd"], arrays["odd_x"], arrays["odd_y"] = odd, coords[odd, 0], coords[odd, 1]
    else:
        arrays["x"], arrays["y"] = coords[:, 0], coords[:, 1]
    return {prefix + key: value for key, value in arrays.items()}


def _integer_coding(coords: np.ndarray) -> tuple[int, np.ndarray | None, np.ndarray]:
    """(decimals k, integers, odd) with ``integers / 10**k == coords`` exactly but at the rows ``odd``
    (indices), or (-1, None, odd) when no ``k`` codes at least half of the positions exactly.

    The smallest ``k`` that codes every position exactly, else the one that codes the most (the tiles of
    a region layer: its own vertices, and the points where the grid's lines cut its edges)."""
    best: tuple[int, int, np.ndarray | None, np.ndarray] = (-1, -1, None, np.zeros(0, dtype=np.int64))
    for k in range(_MAX_DECIMALS + 1):
        scale = float(10**k)
        ints = np.rint(coords * scale)
        if np.abs(ints).max(initial=0) >= 2**53:
            break
        exact = (ints / scale == coords).all(axis=1)
        if exact.all():
            return k, ints.astype(np.int64), np.zeros(0, dtype=np.int64)
        if int(exact.sum()) > best[1]:
            best = (k, int(exact.sum()), ints.astype(np.int64), np.flatnonzero(~exact))
    k, count, ints, odd = best
    return (k, ints, odd) if 2 * count >= len(coords) else (-1, None, odd)


def write_compact(path: Path, props: list[dict[str, Any]], geoms: np.ndarray, *, tiles: bool = True) -> Path:
    """Write the compact file of a GeoJSON FeatureCollection of (Multi)Polygons; returns its path.

    Parameters
    ----------
    path : Path
        The GeoJSON file (its SHA-256 is recorded).
    props, geoms
        Its features as the program reads them (``frontlines.sources.boundaries``).
    tiles : bool
        Keep the tiles a region layer of these features clips by, if any (False for a file that is
        not a region level, e.g. a conflict's outline).

    Raises
    ------
    ValueError
        A geometry is not a (Multi)Polygon, or the decoded file would differ from ``props`` / ``geoms``.
    """
    data = path.read_bytes()
    if not np.isin(shapely.get_type_id(geoms), (3, 6)).all():
        raise ValueError(f"{path}: only Polygons and MultiPolygons can be written compact")
    arrays: dict[str, Any] = {
        "format": np.int64(FORMAT), "source_sha256": np.str_(_digest(data)),
        "properties": np.frombuffer(orjson.dumps(props), dtype=np.uint8), **_encode_geoms(geoms),
    }
    back_props, back = _decode(arrays)
    if back_props != props or shapely.to_wkb(back).tolist() != shapely.to_wkb(geoms).tolist():
        raise ValueError(f"{path}: the compact form would not give the same features")
    # the land areas as a region layer of these geometries computes them (a fifth of a cold hromada query)
    centre = layer_centre(geoms)
    arrays["areas_centre"] = np.array(centre, dtype=float)
    arrays["areas_km2"] = areas_km2(geoms, centre)
    # and its tiles (a layer of large regions): cutting the oblasts costs ~0.07 s at the start of every
    # ingest and of the first clip by oblast of a command
    names = tuple(map(str, range(len(geoms))))
    cut = tile_regions(RegionLayer(name=path.name, ids=names, names=names, geometries=geoms)) if tiles else None
    if cut is not None:
        arrays.update(_encode_geoms(cut.tiles, "tile_"), tile_deg=np.float64(TILE_DEG),
                      tile_region=cut.region.astype(np.int32), tile_areas_km2=cut.areas)
        if shapely.to_wkb(_decode_geoms(arrays, "tile_")).tolist() != shapely.to_wkb(cut.tiles).tolist():
            raise ValueError(f"{path}: the compact form would not give the same tiles")
    return write_npz(compact_path(path), arrays)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` as one compressed ``.npz`` file at ``path`` (its bytes in one write) and return ``path``."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    path.write_bytes(buf.getvalue())
    return path


def _as_multi(geoms: np.ndarray) -> np.ndarray:
    """Every geometry as a MultiPolygon (a Polygon as one with one polygon)."""
    out = geoms.copy()
    single = shapely.get_type_id(geoms) == 3
    if single.any():
        out[single] = [shapely.MultiPolygon([g]) for g in geoms[single]]
    return out
