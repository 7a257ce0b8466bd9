"""Region layers and clipping: how much of a geometry lies in each region.

Pure: shapely, pyproj (through :mod:`frontlines.core.geodesy`) and numpy only
(and :class:`frontlines.cache.PerThread`, a thread-local holder). Every area is
ellipsoidal (:func:`frontlines.core.geodesy.areas_km2`), computed in one
equal-area projection centred on the layer, so that the per-region areas of a
clip add up exactly to the area of the clipped geometry.

A :class:`RegionLayer` is a set of non-overlapping lon/lat polygons with ids and
names (oblasts, raions, hromadas, or any user layer). :func:`clip_areas` is the
hot path: regions wholly inside the geometry take their precomputed area, and
only the regions its boundary crosses are intersected.

Thread safety: nothing here prepares (``shapely.prepare``) a geometry it is given or
one a layer shares. GEOS builds indexes inside a prepared geometry, lazily while it
is queried, and so does an STRtree on its first query: two threads using one at once
corrupt it. A layer's geometries are never prepared; its STRtree is one per thread
(:class:`frontlines.cache.PerThread`); a geometry to be prepared is first copied
(:func:`frontlines.core.prepared.prepared_copy`), and the copy is seen by one call only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from frontlines.cache import PerThread
from frontlines.core.arrays import unique
from frontlines.core.cuts import valid_cuts
from frontlines.core.geodesy import areas_km2
from frontlines.core.prepared import prepared_copy
from frontlines.errors import RegionError

__all__ = [
    "RegionLayer",
    "RegionTiles",
    "clip_areas",
    "clip_pieces",
    "layer_centre",
    "region_shares",
    "tile_regions",
    "validate_region_layer",
]

#: Two regions overlap when they share more than this fraction of the smaller one.
OVERLAP_TOLERANCE = 0.001


@dataclass(frozen=True, eq=False)
class RegionLayer:
    """Named, non-overlapping regions in longitude / latitude.

    Parameters
    ----------
    name : str
        Name of the layer (``"oblast"``, ``"raion"``, a file stem ...).
    ids : tuple of str
        Stable, unique ids (``"UA-14"``, KATOTTH codes ...).
    names : tuple of str
        Display names (``"Donetsk"``).
    geometries : numpy.ndarray
        Object array of shapely (Multi)Polygons, WGS84 lon/lat.
    parents : tuple of (str or None), optional
        Id of the enclosing region in the next layer up (a raion's oblast).
    local_names : tuple of str, optional
        Names in the local language (Ukrainian), used by name look-ups.

    Notes
    -----
    The land areas are computed on first use and cached on the instance (the
    dataclass stays frozen and hashable by id). :attr:`geometries` are never
    prepared, so any thread may read them; :attr:`tree` is built once per thread.
    """

    name: str
    ids: tuple[str, ...]
    names: tuple[str, ...]
    geometries: np.ndarray
    parents: tuple[str | None, ...] | None = None
    local_names: tuple[str, ...] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _trees: PerThread[shapely.STRtree] = field(init=False, repr=False, compare=False)
    _prepared: PerThread[np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        geoms = np.asarray(self.geometries, dtype=object)
        if geoms.ndim != 1:
            geoms = geoms.reshape(-1)
        object.__setattr__(self, "geometries", geoms)
        object.__setattr__(self, "ids", tuple(self.ids))
        object.__setattr__(self, "names", tuple(self.names))
        n = len(self.ids)
        sizes = {"names": len(self.names), "geometries": len(geoms)}
        if self.parents is not None:
            object.__setattr__(self, "parents", tuple(self.parents))
            sizes["parents"] = len(self.parents)
        if self.local_names is not None:
            object.__setattr__(self, "local_names", tuple(self.local_names))
            sizes["local_names"] = len(self.local_names)
        wrong = {k: v for k, v in sizes.items() if v != n}
        if wrong:
            raise RegionError(f"region layer {self.name!r}: {n} ids but {wrong}")
        object.__setattr__(self, "_trees", PerThread(lambda: shapely.STRtree(geoms)))
        object.__setattr__(self, "_prepared", PerThread(lambda: prepared_copy(geoms)))

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"RegionLayer({self.name!r}, {len(self)} regions)"

    @property
    def tree(self) -> shapely.STRtree:
        """This thread's spatial index over :attr:`geometries` (built on first use in each thread).

        GEOS builds an STRtree on its first query, so one tree is never shared between
        threads; building one costs about 0.1 ms per thousand regions.
        """
        return self._trees.get()

    @property
    def centre(self) -> tuple[float, float]:
        """Centre (lon, lat) of the equal-area projection used for every area of this layer."""
        if "centre" not in self._cache:
            self._cache["centre"] = layer_centre(self.geometries)
        return self._cache["centre"]

    def with_areas(self, areas: np.ndarray, centre: tuple[float, float]) -> RegionLayer:
        """This layer, its :attr:`areas` given: ``areas_km2(geometries, centre)`` computed beforehand (a
        region file's compact form keeps them). Ignored (computed on first use) when ``centre`` is not
        the layer's or the count differs. Returns ``self``."""
        a = np.array(areas, dtype=float)
        if len(a) == len(self) and tuple(map(float, centre)) == self.centre and "areas" not in self._cache:
            a.setflags(write=False)
            self._cache["areas"] = a
        return self

    @property
    def areas(self) -> np.ndarray:
        """Area of each region in km² (ellipsoidal); read-only array."""
        if "areas" not in self._cache:
            a = areas_km2(self.geometries, self.centre)
            a.setflags(write=False)
            self._cache["areas"] = a
        return self._cache["areas"]

    def with_cells(self, tiles: RegionTiles, cell_deg: float, centre: tuple[float, float]) -> RegionLayer:
        """This layer, its :attr:`cells` given: :func:`tile_regions` of it made beforehand (a region file's
        compact form keeps them), with cells of ``cell_deg`` degrees and areas at ``centre``. Ignored (cut
        on first use) unless those are :data:`TILE_DEG` and the layer's centre and the layer is tiled at
        all. Returns ``self``."""
        same = cell_deg == TILE_DEG and tuple(map(float, centre)) == self.centre
        if same and "cells" not in self._cache and _is_large(self):
            self._cache["cells"] = tiles
        return self

    @property
    def cells(self) -> RegionTiles | None:
        """The regions cut into grid tiles when they are large (see :func:`clip_areas`), else None.

        Cut on first use (:func:`tile_regions`) and kept on the instance (immutable, never prepared:
        any thread may read it).
        """
        if "cells" not in self._cache:
            self._cache["cells"] = tile_regions(self)
        return self._cache["cells"]

    @property
    def total_area(self) -> float:
        """Sum of the region areas in km²."""
        return float(self.areas.sum())

    def index(self, region_id: str) -> int:
        """Position of the region with id ``region_id``.

        Raises
        ------
        RegionError
            No region has that id.
        """
        if "ids" not in self._cache:
            self._cache["ids"] = {rid: i for i, rid in enumerate(self.ids)}
        try:
            return self._cache["ids"][region_id]
        except KeyError:
            raise RegionError(f"region layer {self.name!r} has no region with id {region_id!r}") from None

    def children_of(self, parent_id: str) -> np.ndarray:
        """Indices of the regions whose parent is ``parent_id``."""
        if self.parents is None:
            return np.zeros(0, dtype=np.intp)
        return np.flatnonzero(np.array([p == parent_id for p in self.parents], dtype=bool))


def layer_centre(geometries: np.ndarray) -> tuple[float, float]:
    """Centre (lon, lat) of the equal-area projection of a region layer's areas: its bounds' centre, rounded."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(geometries)
    if not np.isfinite(xmin):
        xmin = ymin = xmax = ymax = 0.0
    return (float(round((xmin + xmax) / 2)), float(round((ymin + ymax) / 2)))


def _split(layer: RegionLayer, geom: Any) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the regions wholly inside ``geom`` and of those it partly covers."""
    if geom is None or shapely.is_empty(geom) or len(layer) == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    hit = layer.tree.query(geom, predicate="intersects")
    if hit.size == 0:
        return hit, hit
    # contains_properly of a prepared geom is cheap (a sixth of the unprepared time for
    # 180 hromadas, copy included); a region sharing part of its boundary with geom
    # fails it and is intersected instead, which gives the same area.
    inside = shapely.contains_properly(prepared_copy(geom), layer.geometries[hit])
    inside_idx, rest = hit[inside], hit[~inside]
    return np.sort(inside_idx), rest


def _polygonal(geom: Any) -> Any:
    """Polygonal part of an intersection result (drops touching lines and points)."""
    if geom is None or shapely.is_empty(geom):
        return None
    kind = shapely.get_type_id(geom)
    if kind in (3, 6):  # Polygon, MultiPolygon
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def clip_areas(layer: RegionLayer, geoms: Any) -> np.ndarray:
    """Area in km² of a geometry (or of each of many) within each region of ``layer``.

    The one region clip of the program: it picks its strategy from the layer and the
    geometries (see Notes), so callers never choose one.

    Parameters
    ----------
    layer : RegionLayer
    geoms : shapely geometry, or a sequence / object array of them
        Lon/lat (Multi)Polygons, e.g. the territory held on one day, or the gained
        ground of every step of a timeline. ``None`` or empty gives zeros.

    Returns
    -------
    numpy.ndarray
        For one geometry, one float per region in layer order; for a sequence, shape
        ``(len(geoms), len(layer))``, row *k* being the areas of ``geoms[k]``.

    Notes
    -----
    All areas use the layer's equal-area centre (:attr:`RegionLayer.centre`), so a row
    adds up to the area of the geometry clipped to the layer's union (to rounding).

    The work is per (polygon of a geometry, region) pair whose boxes meet, all the
    geometries in one STRtree query: a polygon wholly inside a region adds its own area,
    a region wholly inside a polygon adds the region's area, a pair that does not meet
    adds nothing, and only the remaining pairs are intersected, each region with one
    polygon. The polygons of a valid (Multi)Polygon have disjoint interiors, so the areas
    of the pieces add up to the area of the region's intersection with the geometry.

    Strategies, picked here:

    - regions tested against at least :data:`PREPARE_MIN_TESTS` polygons, and polygons
      tested against as many regions, are tested through prepared copies made by this
      call (never shared; the layer's own geometries are never prepared);
    - layers of large regions (more than :data:`TILE_VERTICES` vertices per region on
      average: oblasts) intersect the remaining pairs tile by tile: each region cut once
      into the cells of a :data:`TILE_DEG` lon/lat grid (kept on the layer), so a polygon
      along a border meets a few small tiles instead of a whole oblast border. The tiles
      of a region partition it and the cuts only add vertices on existing straight edges,
      so the figures agree with whole-region overlays to ~1e-9 relative.
    """
    batch = isinstance(geoms, (list, tuple, np.ndarray))
    arr = np.empty(len(geoms) if batch else 1, dtype=object)
    arr[:] = list(geoms) if batch else [geoms]
    out = _clip(layer, arr)
    return out if batch else out[0]


#: A region (or polygon) tested against at least this many polygons (regions) is prepared first
#: (a private copy: preparing costs about what two unprepared tests of it do).
PREPARE_MIN_TESTS = 4

#: Layers whose regions have more vertices than this on average are clipped tile by tile.
TILE_VERTICES = 800

#: Grid step of the tiles, in degrees (oblast tiles then have tens of vertices, not a thousand).
TILE_DEG = 0.5


def _prepared_where(geoms: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``geoms`` with prepared private copies of those used at least :data:`PREPARE_MIN_TESTS` times in ``idx``."""
    uniq, counts = np.unique(idx, return_counts=True)
    many = uniq[counts >= PREPARE_MIN_TESTS]
    if many.size == 0:
        return geoms
    tested = geoms.copy()
    tested[many] = prepared_copy(geoms[many])
    return tested


@dataclass
class _Cut:
    """Pieces of a clip still to be measured (one area call for all), with their (row, region)."""

    geoms: list[np.ndarray] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    regions: list[np.ndarray] = field(default_factory=list)

    def add(self, geoms: np.ndarray, rows: np.ndarray, regions: np.ndarray) -> None:
        self.geoms.append(geoms)
        self.rows.append(rows)
        self.regions.append(regions)

    def measure_into(self, out: np.ndarray, centre: tuple[float, float]) -> None:
        if not self.geoms:
            return
        areas = areas_km2(np.concatenate(self.geoms), centre)
        np.add.at(out, (np.concatenate(self.rows), np.concatenate(self.regions)), areas)


def _clip(layer: RegionLayer, arr: np.ndarray) -> np.ndarray:
    out = np.zeros((len(arr), len(layer)), dtype=float)
    if len(arr) == 0 or len(layer) == 0:
        return out
    parts, owner = shapely.get_parts(arr, return_index=True)
    poly = np.isin(shapely.get_type_id(parts), (3, 6)) & ~shapely.is_empty(parts)
    parts, owner = parts[poly], owner[poly]
    if parts.size == 0:
        return out
    part_idx, region_idx = layer.tree.query(parts)
    if part_idx.size == 0:
        return out
    cut = _Cut()
    # 1. Gained / lost ground is many small pieces, most inside one region: those take their
    # own area. Coarse layers (few large regions): this thread's prepared copy of the layer;
    # finer ones: private prepared copies of the regions tested often.
    cells = layer.cells
    regions = layer._prepared.get() if cells is not None else _prepared_where(layer.geometries, region_idx)
    whole = shapely.contains_properly(regions[region_idx], parts[part_idx])
    cut.add(parts[part_idx[whole]], owner[part_idx[whole]], region_idx[whole])
    keep = ~np.isin(part_idx, part_idx[whole])
    part_idx, region_idx = part_idx[keep], region_idx[keep]
    # 2. The other pairs are cut region by region, or, in layers of large regions, tile by
    # tile (a piece along a border then meets a few small tiles instead of a whole oblast).
    if cells is not None:
        rest = unique(part_idx)
        pi, region_idx = shapely.STRtree(cells.tiles).query(parts[rest])
        part_idx = rest[pi]
    # Polygons meeting many cells (a whole day's territory) are tested prepared (below).
    uniq, counts = np.unique(part_idx, return_counts=True)
    big = np.zeros(len(parts), dtype=bool)
    big[uniq[counts >= PREPARE_MIN_TESTS]] = True
    if cells is None:
        _clip_pairs(out, cut, parts, owner, big, part_idx, region_idx, layer.geometries, None, layer.areas)
    else:
        _clip_pairs(out, cut, parts, owner, big, part_idx, region_idx, cells.tiles, cells.region, cells.areas)
    cut.measure_into(out, layer.centre)
    return out


def _clip_pairs(out: np.ndarray, cut: _Cut, parts: np.ndarray, owner: np.ndarray, big: np.ndarray,
                part_idx: np.ndarray, cell_idx: np.ndarray, cells: np.ndarray, cell_region: np.ndarray | None,
                cell_areas: np.ndarray) -> None:
    """Clip (polygon, cell) pairs whose boxes meet: cells are regions, or tiles of ``cell_region``.

    A cell wholly inside a big polygon adds its own area to ``out``; a pair that does not
    meet adds nothing (both tested through prepared copies of the big polygons); the pairs
    of other polygons are not tested (a test costs about what the intersection of a small
    polygon does). What is left is intersected, one intersection per (row, cell) of the
    cell with that row's polygons meeting it (polygons of one valid geometry: their
    MultiPolygon is valid), and the pieces go to ``cut``.
    """
    if part_idx.size == 0:
        return
    in_region = cell_idx if cell_region is None else cell_region[cell_idx]
    keep = np.ones(len(part_idx), dtype=bool)
    tested = np.flatnonzero(big[part_idx])
    if tested.size:
        which = unique(part_idx[tested])
        prepared = parts.copy()
        prepared[which] = prepared_copy(parts[which])
        cell_of = cells[cell_idx[tested]]
        inside = shapely.contains_properly(prepared[part_idx[tested]], cell_of)
        hit = tested[inside]
        np.add.at(out, (owner[part_idx[hit]], in_region[hit]), cell_areas[cell_idx[hit]])
        keep[hit] = False
        rest = tested[~inside]
        keep[rest[~shapely.intersects(prepared[part_idx[rest]], cell_of[~inside])]] = False
    pairs = np.flatnonzero(keep)
    if pairs.size == 0:
        return
    group_key = owner[part_idx[pairs]] * len(cells) + cell_idx[pairs]
    order = np.argsort(group_key, kind="stable")
    pairs = pairs[order]
    _, starts = np.unique(group_key[order], return_index=True)
    first = pairs[starts]
    groups = np.empty(len(first), dtype=object)
    for k, members in enumerate(np.split(part_idx[pairs], starts[1:])):
        groups[k] = parts[members[0]] if len(members) == 1 else shapely.multipolygons(parts[members])
    cut.add(shapely.intersection(cells[cell_idx[first]], groups), owner[part_idx[first]], in_region[first])


@dataclass(frozen=True)
class RegionTiles:
    """The regions of a layer cut into the cells of a lon/lat grid (see :func:`clip_areas`).

    Attributes
    ----------
    tiles : numpy.ndarray
        Object array of (Multi)Polygons, each the part of one region in one grid cell (never prepared).
    region : numpy.ndarray
        Index (in the layer's order) of each tile's region.
    areas : numpy.ndarray
        Area of each tile in km² (the layer's projection centre).
    """

    tiles: np.ndarray
    region: np.ndarray
    areas: np.ndarray


def _is_large(layer: RegionLayer) -> bool:
    """Whether ``layer``'s regions are clipped tile by tile (more than :data:`TILE_VERTICES` vertices on average)."""
    return len(layer) > 0 and float(np.mean(shapely.get_num_coordinates(layer.geometries))) > TILE_VERTICES


def tile_regions(layer: RegionLayer) -> RegionTiles | None:
    """The regions of ``layer`` cut into the cells of a :data:`TILE_DEG` grid, with each tile's area at
    the layer's centre; None for a layer of small regions (clipped whole, see :func:`clip_areas`)."""
    return _tile_regions(layer, TILE_DEG) if _is_large(layer) else None


def _tile_regions(layer: RegionLayer, cell_deg: float) -> RegionTiles:
    """Cut every region of ``layer`` into the cells of a ``cell_deg`` lon/lat grid."""
    tiles: list[Any] = []
    region: list[int] = []
    for i, geom in enumerate(layer.geometries):
        if geom is None or shapely.is_empty(geom):
            continue
        xmin, ymin, xmax, ymax = shapely.bounds(geom)
        x0, x1 = math.floor(xmin / cell_deg), math.floor(xmax / cell_deg)
        y0, y1 = math.floor(ymin / cell_deg), math.floor(ymax / cell_deg)
        # clip_by_rect: one pass over the region's vertices per cell (an overlay with each cell's box
        # costs ~7x more); the cuts it leaves invalid are repaired (core.cuts)
        cells = [(cx * cell_deg, cy * cell_deg, (cx + 1) * cell_deg, (cy + 1) * cell_deg)
                 for cx in range(x0, x1 + 1) for cy in range(y0, y1 + 1)]
        cut = valid_cuts(np.array([shapely.clip_by_rect(geom, *cell) for cell in cells], dtype=object))
        for piece in cut:
            poly = _polygonal(piece)
            if poly is not None:
                tiles.append(poly)
                region.append(i)
    arr = np.array(tiles, dtype=object)
    areas = areas_km2(arr, layer.centre) if len(arr) else np.zeros(0)
    areas.setflags(write=False)
    return RegionTiles(tiles=arr, region=np.array(region, dtype=np.intp), areas=areas)


def clip_pieces(layer: RegionLayer, geom: Any) -> list[tuple[int, Any]]:
    """The part of ``geom`` in each region, for drawing or per-region geometry.

    Returns
    -------
    list of (int, shapely geometry)
        ``(region index, polygonal piece)`` in layer order, only for regions
        where the piece has a positive area. A region wholly inside ``geom`` is
        returned as the region's own geometry.
    """
    inside, partial = _split(layer, geom)
    pieces: dict[int, Any] = {int(i): layer.geometries[i] for i in inside}
    if partial.size:
        cut = shapely.intersection(layer.geometries[partial], geom)
        for i, piece in zip(partial, cut, strict=True):
            poly = _polygonal(piece)
            if poly is not None and shapely.area(poly) > 0:
                pieces[int(i)] = poly
    return sorted(pieces.items())


def region_shares(layer: RegionLayer, geom: Any) -> np.ndarray:
    """Fraction (0..1) of each region's area that ``geom`` covers.

    Regions of zero area get 0.
    """
    areas = layer.areas
    clipped = clip_areas(layer, geom)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(areas > 0, clipped / np.where(areas > 0, areas, 1.0), 0.0)
    return np.clip(shares, 0.0, 1.0)


def validate_region_layer(
    layer: RegionLayer,
    *,
    source: str | None = None,
    overlap_tolerance: float = OVERLAP_TOLERANCE,
) -> None:
    """Check that a layer can serve as regions; raise :class:`RegionError` if not.

    Checks, in order: names present and non-empty; ids non-empty and unique;
    geometries present, polygonal and non-empty; coordinates within lon/lat
    ranges (projected coordinates are refused); geometries valid; no two
    regions overlapping by more than ``overlap_tolerance`` of the smaller one.

    Parameters
    ----------
    layer : RegionLayer
    source : str, optional
        What to name in messages (a file path); defaults to the layer's name.
    overlap_tolerance : float
        Allowed shared area as a fraction of the smaller region (default 0.1 %),
        so that neighbours digitised with slightly different borders pass.
    """
    label = source or f"region layer {layer.name!r}"
    if len(layer) == 0:
        raise RegionError(f"{label}: no regions")
    blank = [i for i, n in enumerate(layer.names) if n is None or not str(n).strip()]
    if blank:
        raise RegionError(
            f"{label}: {len(blank)} region(s) with an empty name (feature(s) {_few(blank)})"
        )
    blank_ids = [i for i, r in enumerate(layer.ids) if r is None or not str(r).strip()]
    if blank_ids:
        raise RegionError(f"{label}: {len(blank_ids)} region(s) with an empty id (feature(s) {_few(blank_ids)})")
    seen: dict[str, int] = {}
    dups: list[str] = []
    for rid in layer.ids:
        seen[rid] = seen.get(rid, 0) + 1
        if seen[rid] == 2:
            dups.append(rid)
    if dups:
        raise RegionError(f"{label}: duplicate region ids {_few(dups)}")
    geoms = layer.geometries
    missing = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if missing.size:
        raise RegionError(f"{label}: empty geometry for {_named(layer, missing)}")
    kinds = shapely.get_type_id(geoms)
    bad = np.flatnonzero(~np.isin(kinds, (3, 6)))
    if bad.size:
        kind = shapely.get_type_id(geoms[bad[0]])
        names = {0: "Point", 1: "LineString", 2: "LinearRing", 4: "MultiPoint", 5: "MultiLineString",
                 7: "GeometryCollection"}  # fmt: skip
        raise RegionError(
            f"{label}: regions must be polygons, got {names.get(int(kind), kind)} for {_named(layer, bad)}"
        )
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    if xmin < -180.0 or xmax > 180.0 or ymin < -90.0 or ymax > 90.0:
        raise RegionError(
            f"{label}: coordinates look projected (x {xmin:,.0f} .. {xmax:,.0f}, y {ymin:,.0f} .. "
            f"{ymax:,.0f}), not longitude/latitude degrees: give the file a CRS or reproject it "
            "to EPSG:4326"
        )
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    if invalid.size:
        reason = shapely.is_valid_reason(geoms[invalid[0]])
        raise RegionError(f"{label}: invalid geometry for {_named(layer, invalid)} ({reason})")
    _check_overlaps(layer, label, overlap_tolerance)


def _check_overlaps(layer: RegionLayer, label: str, tolerance: float) -> None:
    geoms = layer.geometries
    left, right = layer.tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if left.size == 0:
        return
    interior = shapely.relate_pattern(geoms[left], geoms[right], "T********")
    left, right = left[interior], right[interior]
    if left.size == 0:
        return
    shared = areas_km2(shapely.intersection(geoms[left], geoms[right]), layer.centre)
    smaller = np.minimum(layer.areas[left], layer.areas[right])
    frac = shared / np.where(smaller > 0, smaller, 1.0)
    bad = np.flatnonzero(frac > tolerance)
    if bad.size:
        worst = bad[np.argsort(-frac[bad])][:3]
        pairs = "; ".join(
            f"{layer.names[left[k]]!r} and {layer.names[right[k]]!r} share {shared[k]:,.3f} km² "
            f"({frac[k] * 100:.1f} % of the smaller)"
            for k in worst
        )
        raise RegionError(
            f"{label}: {bad.size} pair(s) of regions overlap: {pairs}. Regions must not overlap "
            f"(more than {tolerance * 100:g} % of the smaller one), or areas would be counted twice"
        )


def _few(items: Any, limit: int = 5) -> str:
    items = [str(x) for x in items]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _named(layer: RegionLayer, idx: np.ndarray) -> str:
    return _few([f"{layer.names[int(i)]!r}" for i in idx])
