"""Area of a layer, and change (gained / lost / net) between two states.

A layer is a set of validated polygon *parts*, each addressed by a content hash.
Its state is the union of its parts. Between two states ``A`` and ``B`` that share
the parts ``S`` (``A = S ∪ A'``, ``B = S ∪ B'``)::

    gained = B − A = B' − (A' ∪ S_B)      lost = A − B = A' − (B' ∪ S_A)

where ``S_B`` are only the shared parts whose bounding box meets ``B'``: work is
proportional to what changed, not to the size of the map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon

from frontlines.core.geodesy import area_km2

__all__ = ["EMPTY", "change_geoms", "change_parts", "dissolve", "layer_area_km2", "polygonal"]

#: The empty polygon.
EMPTY = Polygon()


def polygonal(geom: Any) -> Any:
    """Keep only the polygonal pieces of a geometry (drops lines and points left by overlays)."""
    if geom is None or shapely.is_empty(geom):
        return EMPTY
    kind = geom.geom_type
    if kind in ("Polygon", "MultiPolygon"):
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return EMPTY
    return shapely.union_all(polys)


def dissolve(parts: Sequence[Any] | np.ndarray) -> Any:
    """Union of polygon parts as one (Multi)Polygon (empty polygon for no parts)."""
    arr = np.asarray(parts, dtype=object) if len(parts) else np.empty(0, dtype=object)
    if arr.size == 0:
        return EMPTY
    if arr.size == 1:
        return arr[0]
    if arr.size <= 64:
        # Parts of an already dissolved map touch at most at points: a valid
        # MultiPolygon of them is their union, and checking that is cheaper than a union.
        multi = shapely.multipolygons(arr)
        if shapely.is_valid(multi):
            return multi
    return polygonal(shapely.union_all(arr))


def layer_area_km2(parts: Sequence[Any]) -> float:
    """Ellipsoidal area (km²) of the union of parts."""
    return area_km2(dissolve(parts))


def change_geoms(a: Any, b: Any) -> tuple[Any, Any]:
    """(gained, lost) = (b − a, a − b) of two dissolved states."""
    return polygonal(shapely.difference(b, a)), polygonal(shapely.difference(a, b))


def _minus_shared(geom: Any, shared: np.ndarray, tree: shapely.STRtree | None) -> Any:
    """``geom`` minus the shared parts that meet it (only those are looked at)."""
    if tree is None or shapely.is_empty(geom):
        return geom
    idx = tree.query(geom, predicate="intersects")
    if len(idx) == 0:
        return geom
    return polygonal(shapely.difference(geom, dissolve(shared[idx])))


def change_parts(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[Any, Any]:
    """(gained, lost) between two part sets, touching only the parts that differ.

    With ``A = S ∪ A'`` and ``B = S ∪ B'`` (``S`` the shared parts),
    ``B − A = (B' − A') − S``: the difference of the changed parts first, which is
    small, and then only the shared parts that meet it.

    Parameters
    ----------
    a, b : mapping of part hash -> Polygon
        The earlier and later states.

    Returns
    -------
    gained, lost : shapely geometry
        ``union(b) − union(a)`` and ``union(a) − union(b)``, polygonal.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> gained, lost = change_parts({"x": box(0, 0, 1, 1)}, {"x": box(0, 0, 1, 1), "y": box(1, 0, 2, 1)})
    >>> gained.bounds, lost.is_empty
    ((1.0, 0.0, 2.0, 1.0), True)
    """
    common = a.keys() & b.keys()
    a_only = [g for h, g in a.items() if h not in common]
    b_only = [g for h, g in b.items() if h not in common]
    if not a_only and not b_only:
        return EMPTY, EMPTY
    shared = np.array([a[h] for h in common], dtype=object)
    tree = shapely.STRtree(shared) if len(shared) else None
    a1 = dissolve(a_only)
    b1 = dissolve(b_only)
    gained = _minus_shared(polygonal(shapely.difference(b1, a1)), shared, tree)
    lost = _minus_shared(polygonal(shapely.difference(a1, b1)), shared, tree)
    return gained, lost
