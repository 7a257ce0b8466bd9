"""Polygon parts straight from parsed GeoJSON coordinates, for the common, clean case.

:func:`fast_polygon_parts` builds the polygons of a GeoJSON geometry from its
coordinate lists with numpy and shapely's bulk constructors, instead of writing the
geometry back to JSON for ``shapely.from_geojson`` and walking every position in
Python. It handles only geometries that need no repair and no special message:
Polygons, MultiPolygons and GeometryCollections of them, every ring closed and of at
least 4 positions of 2 or 3 finite numbers, longitude / latitude in range, every
polygon valid and of positive area. For anything else it returns ``None`` and the
caller takes the exact path (:meth:`frontlines.sources._geojson.PartCache.parts`),
which checks, repairs and names the problem. When it answers, it gives exactly the
parts the exact path gives (the same coordinates, in the same order, oriented the same).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import shapely

from frontlines.core.arrays import unique

__all__ = [
    "checked_polygons", "closed_ring", "coordinates_are_numbers", "fast_polygon_parts", "fast_polygon_parts_many",
    "flat_positions", "may_hold_booleans", "polygon_rings",
]


def may_hold_booleans(raw: bytes) -> bool:
    """True when JSON text ``raw`` may hold ``true`` / ``false`` (numpy would read them as numbers)."""
    return b"true" in raw or b"false" in raw


_COORDINATES = b'"coordinates"'


def coordinates_are_numbers(raw: bytes) -> bool:
    """True when JSON text ``raw`` has one ``"coordinates"`` member and no string in its value.

    Then each position's entries are numbers, lists, objects or nulls, and a flat read that
    converts them with ``float`` (:func:`flat_positions`) cannot take a string such as ``"1.5"``
    for a number (the exact path refuses those). Shown cheaply for two layouts: no ``"`` at
    all after the member (the geometry written last), or the first ``"`` after it preceded by
    ``]},`` (the geometry written first, minified, as in DeepState's history). In the second
    case the value closed before that quote: inside it, with no ``"`` before the quote, no
    object can hold a member, so no ``}`` can follow a ``]``. Any other text is read the slower
    way (``numpy.array`` of the nested lists), with the same result.
    """
    at = raw.find(_COORDINATES)
    if at < 0 or raw.find(_COORDINATES, at + 1) >= 0:
        return False
    start = at + len(_COORDINATES)
    end = raw.find(b'"', start)
    return end < 0 or raw.endswith(b"]},", start, end)


def flat_positions(ring: list[Any]) -> np.ndarray | None:
    """A ring's positions as an ``(n, 2)`` or ``(n, 3)`` float array, read flat (``None``: not that clean).

    The same array as ``numpy.array(ring)`` for a ring whose positions all hold 2 or all hold 3
    numbers (booleans and strings excluded by the caller), read without building it from
    the nested lists: each position's length is checked (``len`` of something else than a
    list fails, as does ``float`` of a list, an object or null), then the numbers are read
    in one pass.
    """
    try:
        dims = set(map(len, ring))
    except TypeError:
        return None
    if len(dims) != 1:
        return None
    (dim,) = dims
    if not 2 <= dim <= 3:
        return None
    try:
        flat = np.fromiter(itertools.chain.from_iterable(ring), dtype=float, count=dim * len(ring))
    except (ValueError, OverflowError, TypeError):
        return None
    return flat.reshape(len(ring), dim)


def _rings(coords: object, out: list[np.ndarray], flat: bool = False) -> bool:
    """Append the rings of one Polygon's coordinates to ``out`` (False: not a clean polygon).

    ``flat``: the coordinates hold no strings (:func:`coordinates_are_numbers`): each ring is
    read flat (:func:`flat_positions`).
    """
    if not isinstance(coords, list) or not coords:
        return False
    for ring in coords:
        if not isinstance(ring, list) or len(ring) < 4:
            return False
        if flat:
            arr = flat_positions(ring)
            if arr is None:
                return False
        else:
            try:
                arr = np.array(ring)
            except (ValueError, OverflowError, TypeError):
                return False
            if arr.ndim != 2 or arr.dtype.kind not in "fi" or not 2 <= arr.shape[1] <= 3:
                return False
        if not closed_ring(arr):
            return False
        out.append(arr)
    return True


def closed_ring(ring: np.ndarray) -> bool:
    """A ring as the fast path takes it: at least 4 positions, the last equal to the first."""
    return len(ring) >= 4 and bool(np.array_equal(ring[0], ring[-1]))


def polygon_rings(coords: object) -> tuple[np.ndarray, ...] | None:
    """The rings of one Polygon's parsed coordinates, read flat (:func:`flat_positions`) and checked as
    :func:`fast_polygon_parts_many` checks them (at least 4 positions, closed); None when not that clean.
    The coordinates must hold no strings or booleans."""
    rings: list[np.ndarray] = []
    return tuple(rings) if _rings(coords, rings, flat=True) else None


def _collect(geometry: object, rings: list[np.ndarray], counts: list[int], depth: int, flat: bool = False) -> bool:
    if not isinstance(geometry, dict) or depth > 4:
        return False
    kind = geometry.get("type")
    if kind in ("Polygon", "MultiPolygon"):
        polys = [geometry.get("coordinates")] if kind == "Polygon" else geometry.get("coordinates")
        if not isinstance(polys, list) or not polys:
            return False
        for coords in polys:
            before = len(rings)
            if not _rings(coords, rings, flat):
                return False
            counts.append(len(rings) - before)
        return True
    if kind == "GeometryCollection":
        members = geometry.get("geometries")
        if not isinstance(members, list) or not members:
            return False
        return all(_collect(m, rings, counts, depth + 1, flat) for m in members)
    return False  # points and lines inside a collection: the exact path decides


def checked_polygons(
    rings: list[np.ndarray], counts: list[int], *, windows: list[tuple[float, float, float, float] | None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Polygons built in bulk from rings read by :func:`_rings` (``counts[k]`` rings make polygon ``k``), with
    the fast path's checks of each: ``coords_ok``, every vertex finite and longitude / latitude in range;
    ``clean``, that and valid and of positive area. A polygon whose coordinates are not ok is built with
    zeros in their place (harmless for GEOS): only ``clean`` polygons may be taken as they are.

    ``windows[k]``, when given and not None, is a box outside which polygon ``k``'s segments are those of
    a valid polygon (the one it redraws) and inside which every segment drawn or removed lies strictly:
    its validity is then looked at inside the box first (:func:`_valid_within`), and checked whole only
    when that does not show it.
    """
    sizes = np.fromiter((len(r) for r in rings), dtype=np.intp, count=len(rings))
    xy = np.concatenate([r[:, :2] for r in rings]).astype(float, copy=False)
    ring_poly = np.repeat(np.arange(len(counts)), counts)  # polygon of each ring
    vertex_ring = np.repeat(np.arange(len(rings)), sizes)
    bad_vertex = ~np.isfinite(xy).all(axis=1)
    with np.errstate(invalid="ignore"):
        bad_vertex |= (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
    coords_ok = np.ones(len(counts), dtype=bool)
    if bad_vertex.any():
        coords_ok[unique(ring_poly[vertex_ring[bad_vertex]])] = False
        xy = np.where(bad_vertex[:, None], 0.0, xy)
    polys = shapely.polygons(shapely.linearrings(xy, indices=vertex_ring), indices=ring_poly)
    clean = coords_ok & (shapely.area(polys) > 0)
    shown = np.zeros(len(polys), dtype=bool)
    if windows is not None:
        for k, window in enumerate(windows):
            if window is not None and clean[k]:
                shown[k] = _valid_within(polys[k], window)
    whole = clean & ~shown
    clean[whole] = shapely.is_valid(polys[whole])
    return polys, coords_ok, clean


def _valid_within(polygon: Any, window: tuple[float, float, float, float]) -> bool:
    """Whether ``polygon`` is shown valid by its part inside ``window`` (False: not shown, check it whole).

    The caller vouches that outside the box the polygon's segments are those of a valid polygon
    and that every segment it drew or removed lies strictly inside (:func:`checked_polygons`). Any
    defect then involves a drawn segment, or a hole the redrawn ring swept over, so it lies
    strictly inside: two rings or one ring meeting itself, a hole now outside its shell or inside
    another hole, or new contacts cutting the interior in two. The polygon is shown valid when its
    cut by the box (:func:`shapely.clip_by_rect`, which keeps what lies inside as it is) is valid and
    the cut's rings meet nowhere (``is_simple`` of its boundary: the cut may split the polygon into
    pieces, and two pieces touching at a point are a valid MultiPolygon though the ring meets
    itself there), and no hole crosses the box's edge (a contact outside would go unseen). An old
    contact inside the box (a hole touching the shell) only sends the polygon to the whole check.
    """
    xmin, ymin, xmax, ymax = window
    holes = shapely.get_num_interior_rings(polygon)
    if holes:
        hb = shapely.bounds(shapely.get_interior_ring(polygon, np.arange(holes)))
        inside = (hb[:, 0] > xmin) & (hb[:, 1] > ymin) & (hb[:, 2] < xmax) & (hb[:, 3] < ymax)
        apart = (hb[:, 2] < xmin) | (hb[:, 0] > xmax) | (hb[:, 3] < ymin) | (hb[:, 1] > ymax)
        if not (inside | apart).all():
            return False
    cut = shapely.clip_by_rect(polygon, xmin, ymin, xmax, ymax)
    return bool(shapely.is_valid(cut)) and bool(shapely.is_simple(shapely.boundary(cut)))


def fast_polygon_parts(geometry: dict[str, Any], *, max_positions: int) -> tuple[Any, ...] | None:
    """The validated polygon parts of a clean GeoJSON geometry, or ``None`` to take the exact path.

    The caller must make sure the geometry's JSON holds no booleans
    (:func:`may_hold_booleans`): numpy reads ``true`` as 1.0.

    Parameters
    ----------
    geometry : dict
        A parsed GeoJSON geometry object.
    max_positions : int
        A geometry with more positions goes to the exact path (which refuses it).

    Returns
    -------
    tuple of shapely.Polygon or None
    """
    rings: list[np.ndarray] = []
    counts: list[int] = []
    if not _collect(geometry, rings, counts, 0):
        return None
    if sum(len(r) for r in rings) > max_positions:
        return None
    polys, _, clean = checked_polygons(rings, counts)
    if not clean.all():
        return None
    return tuple(shapely.orient_polygons(polys))


def fast_polygon_parts_many(
    geometries: list[dict[str, Any]], *, max_positions: int, unclean: dict[int, np.ndarray] | None = None,
    flat: list[bool] | None = None,
) -> list[tuple[Any, ...] | None]:
    """:func:`fast_polygon_parts` of each geometry, built in bulk.

    The same parts (or ``None``) as one call per geometry, but every shapely constructor
    and check runs once over the rings of all of them: a map snapshot changes a few to a
    few dozen features, and each call costs tens of microseconds besides its work.

    ``unclean``, when given, is filled for each Polygon or MultiPolygon answered ``None`` only
    because a polygon of it is invalid or of no area (its structure and coordinates are clean):
    ``unclean[k]`` = the polygons of ``geometries[k]`` as built here, in order, not oriented,
    i.e. those ``shapely.from_geojson`` would read, so the exact path can repair them without
    reading the JSON again (ISW layers: most days one such 35-70k-vertex polygon).

    ``flat[k]``: the JSON of ``geometries[k]`` holds no strings in its coordinates
    (:func:`coordinates_are_numbers`): its rings are read flat, faster, to the same arrays.
    """
    out: list[tuple[Any, ...] | None] = [None] * len(geometries)
    rings: list[np.ndarray] = []
    counts: list[int] = []  # rings per polygon
    polys_of: list[int] = []  # polygons per geometry taken
    taken: list[int] = []
    for k, geometry in enumerate(geometries):
        g_rings: list[np.ndarray] = []
        g_counts: list[int] = []
        if not _collect(geometry, g_rings, g_counts, 0, flat is not None and flat[k]):
            continue
        if sum(len(r) for r in g_rings) > max_positions:
            continue
        taken.append(k)
        rings.extend(g_rings)
        counts.extend(g_counts)
        polys_of.append(len(g_counts))
    if not taken:
        return out
    polys, coords_ok, clean = checked_polygons(rings, counts)
    poly_geom = np.repeat(np.arange(len(taken)), polys_of)  # geometry (of taken) of each polygon
    bad = np.bincount(poly_geom, weights=~clean, minlength=len(taken)) > 0
    keep = ~bad[poly_geom]
    oriented = np.empty(len(polys), dtype=object)
    oriented[keep] = shapely.orient_polygons(polys[keep])
    starts = np.concatenate([[0], np.cumsum(polys_of)])
    bad_coords = np.bincount(poly_geom, weights=~coords_ok, minlength=len(taken)) > 0
    for t, k in enumerate(taken):
        if not bad[t]:
            out[k] = tuple(oriented[starts[t] : starts[t + 1]])
        elif unclean is not None and not bad_coords[t] and geometries[k].get("type") in ("Polygon", "MultiPolygon"):
            unclean[k] = polys[starts[t] : starts[t + 1]]
    return out
