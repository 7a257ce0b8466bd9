"""Depth of an advance: how far gained ground lies from the earlier front line.

Pure: shapely, pyproj (through :mod:`frontlines.core.geodesy`) and numpy only.

The gained ground is sampled with a square grid of points ``sample_km`` apart in
the equal-area plane (:func:`frontlines.core.geodesy.to_equal_area`, centred on
the gain) plus every vertex of the gained polygons. For each sample the nearest
point of the front line is found in that plane (an STRtree of the line's
segments, then the exact projection on the nearest segment), and the distance
between the sample and that point is measured as a geodesic on WGS84
(:func:`frontlines.core.geodesy.distance_km`). The plane's distortion only
moves the chosen foot point, and only slightly: the geodesic distance is within
0.1 % of the brute-force geodesic minimum for fronts and gains within Ukraine.

``max_km`` is the largest distance over all samples; ``p90_km`` is the 90th
percentile over the grid points only (they stand for equal areas; vertices
crowd where the outline is detailed), or over the vertices when the gain is too
thin to hold a grid point. The grid is coarsened so that it holds at most
``max_samples`` points (the spacing used is reported as ``sample_km``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from frontlines.core.arrays import percentile, unique
from frontlines.core.geodesy import distance_km, from_equal_area_xy, to_equal_area

__all__ = ["Depth", "ProjectedFront", "advance_depth", "max_depth_km", "region_depths"]


@dataclass(frozen=True)
class Depth:
    """How deep gained ground reaches beyond a front line.

    Attributes
    ----------
    max_km : float
        Largest geodesic distance of gained ground from the front line (0 when nothing was gained).
    p90_km : float
        90th percentile of that distance over the gained area.
    deepest_point : (lon, lat) or None
        Where ``max_km`` is reached; ``None`` when nothing was gained.
    samples : int
        Number of points measured (grid points plus polygon vertices).
    sample_km : float
        Grid spacing actually used.
    """

    max_km: float
    p90_km: float
    deepest_point: tuple[float, float] | None
    samples: int
    sample_km: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation.

        Examples
        --------
        >>> Depth(0.0, 0.0, None, 0).as_dict()
        {'max_km': 0.0, 'p90_km': 0.0, 'deepest_point': None, 'samples': 0, 'sample_km': 0.0}
        """
        return {
            "max_km": self.max_km,
            "p90_km": self.p90_km,
            "deepest_point": list(self.deepest_point) if self.deepest_point is not None else None,
            "samples": self.samples,
            "sample_km": self.sample_km,
        }


def _linear(front: Any) -> Any:
    geom = getattr(front, "geometry", front)  # a FrontLine or a geometry
    if geom is None or shapely.is_empty(geom):
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.boundary(geom)
    return geom


def _segments(lines: Any) -> tuple[np.ndarray, np.ndarray]:
    """Start and end points (n, 2) of every segment of a planar linear geometry."""
    parts = shapely.get_parts(lines)
    while parts.size and shapely.get_type_id(parts).max() >= 4:
        parts = shapely.get_parts(parts)
    parts = parts[np.isin(shapely.get_type_id(parts), (1, 2, 0))]
    xy, idx = shapely.get_coordinates(parts, return_index=True)
    if len(xy) == 1:
        return xy, xy
    same = idx[:-1] == idx[1:]
    a, b = xy[:-1][same], xy[1:][same]
    if len(a) == 0:  # points only
        return xy, xy
    return a, b


def _grid(polys: np.ndarray, step: float) -> np.ndarray:
    """Points of the lattice ``step * (i + 1/2, j + 1/2)`` inside (or on) the polygons."""
    out = []
    for poly in polys:
        xmin, ymin, xmax, ymax = poly.bounds
        xs = (np.arange(math.floor(xmin / step), math.ceil(xmax / step)) + 0.5) * step
        ys = (np.arange(math.floor(ymin / step), math.ceil(ymax / step)) + 0.5) * step
        if xs.size == 0 or ys.size == 0:
            continue
        gx, gy = np.meshgrid(xs, ys)
        gx, gy = gx.ravel(), gy.ravel()
        inside = shapely.intersects_xy(poly, gx, gy)
        out.append(np.column_stack([gx[inside], gy[inside]]))
    return np.vstack(out) if out else np.empty((0, 2))


def advance_depth(
    gained: Any,
    front_before: Any,
    *,
    sample_km: float = 0.5,
    max_samples: int = 200_000,
) -> Depth:
    """Maximum and 90th-percentile geodesic distance of gained ground from a front line.

    Parameters
    ----------
    gained : shapely (Multi)Polygon
        Ground gained between T1 and T2, longitude / latitude.
    front_before : FrontLine, shapely geometry or ProjectedFront
        The front line at T1 (a :class:`~frontlines.core.frontline.FrontLine`, a
        (Multi)LineString, or a polygon whose boundary is used), longitude / latitude;
        or a :class:`ProjectedFront` of it shared by several calls.
    sample_km : float
        Grid spacing in km.
    max_samples : int
        Upper bound on grid points; the spacing grows for very large gains.

    Returns
    -------
    Depth
        Zeros and ``deepest_point=None`` when nothing was gained or there is no front.

    Examples
    --------
    A strip 0.1° (7.46 km at 48°N) deep east of the meridian 30°E:

    >>> from shapely.geometry import LineString, box
    >>> d = advance_depth(box(30, 48, 30.1, 48.2), LineString([(30, 47), (30, 49)]))
    >>> round(d.max_km, 2), round(d.deepest_point[0], 6)
    (7.46, 30.1)
    """
    return _depths(gained, front_before, [], sample_km=sample_km, max_samples=max_samples)[0]


def max_depth_km(gained: Any, front_before: Any, *, sample_km: float = 0.5, max_samples: int = 200_000) -> float:
    """``advance_depth(gained, front_before, ...).max_km``, without its percentile (cheaper: the
    samples that cannot be the deepest are not measured).

    Examples
    --------
    >>> from shapely.geometry import LineString, box
    >>> round(max_depth_km(box(30, 48, 30.1, 48.2), LineString([(30, 47), (30, 49)])), 2)
    7.46
    """
    return _depths(gained, front_before, [], sample_km=sample_km, max_samples=max_samples, percentile=False)[0].max_km


def region_depths(
    gained: Any,
    front_before: Any,
    pieces: Sequence[tuple[int, Any]],
    *,
    sample_km: float = 0.5,
    max_samples: int = 200_000,
) -> tuple[Depth, dict[int, float]]:
    """:func:`advance_depth` of ``gained`` and the ``max_km`` of each of its pieces, in one pass.

    Parameters
    ----------
    pieces : sequence of (key, geometry)
        The parts of ``gained`` in regions (:func:`frontlines.core.regions.clip_pieces`).

    Returns
    -------
    (Depth, dict)
        The depth of the whole, and key -> ``advance_depth(piece, front_before).max_km``.

    Notes
    -----
    The figures are those of separate :func:`advance_depth` calls: a piece whose grid is the
    whole's (same projection centre and spacing) takes the whole's grid points inside it,
    whose distances are already known, and of its vertices only those that are not vertices
    of the whole (where region borders cut it) are measured; the
    projected front and its STRtree are built once per projection centre. Other pieces
    are measured on their own.
    """
    return _depths(gained, front_before, pieces, sample_km=sample_km, max_samples=max_samples)


class ProjectedFront:
    """A front line projected to equal-area planes, with an STRtree of its segments per centre.

    Pass one to several :func:`advance_depth` / :func:`region_depths` calls on the same
    front (the gained and the lost ground, their pieces in regions): each plane is then
    projected and indexed once (~20 ms for a whole front) instead of once per call and per
    piece. The figures are the same. Keep it local to one thread: its STRtrees are built
    lazily by GEOS on first query.

    Parameters
    ----------
    front : FrontLine or shapely geometry
        As ``front_before`` of :func:`advance_depth`.
    """

    def __init__(self, front: Any) -> None:
        self.front = _linear(front)
        self._planes: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, shapely.STRtree]] = {}

    def distances(self, pts: np.ndarray, centre: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
        """Geodesic km from each projected point to the front, and the points' lon/lat."""
        d, ll, _ = self.nearest(pts, centre)
        return d, ll

    def nearest(self, pts: np.ndarray, centre: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`distances` and the planar distance (m) of each point to its foot point on the front."""
        key = (round(centre[0]), round(centre[1]))
        if key not in self._planes:
            a, b = _segments(to_equal_area(self.front, centre))
            segs = shapely.linestrings(np.stack([a, b], axis=1))
            point_like = (a == b).all(axis=1)
            segs[point_like] = shapely.points(a[point_like])
            self._planes[key] = (a, b, shapely.STRtree(segs))
        a, b, tree = self._planes[key]
        _, nearest = tree.query_nearest(shapely.points(pts), all_matches=False)
        sa, sb = a[nearest], b[nearest]
        ab = sb - sa
        denom = np.einsum("ij,ij->i", ab, ab)
        t = np.divide(np.einsum("ij,ij->i", pts - sa, ab), denom, out=np.zeros(len(pts)), where=denom > 0)
        foot = sa + np.clip(t, 0.0, 1.0)[:, None] * ab
        ll = from_equal_area_xy(np.vstack([pts, foot]), centre)
        n = len(pts)
        d = np.asarray(distance_km(ll[:n, 0], ll[:n, 1], ll[n:, 0], ll[n:, 1]), dtype=float)
        return d, ll[:n], np.hypot(pts[:, 0] - foot[:, 0], pts[:, 1] - foot[:, 1])


#: Anchors: one grid point per block of GRID_BLOCK x GRID_BLOCK lattice cells, and every
#: VERTEX_EVERY-th vertex, are measured first (see :class:`_Samples`).
GRID_BLOCK = 4
VERTEX_EVERY = 8
#: WGS84's polar semi-axis (m): the smallest radius, for the bound on the plane's scale.
_R_MIN = 6_356_752.0
#: Slack of the bounds: relative (the plane's scale beyond the spherical formula) and absolute (km).
_REL_SLACK = 0.01
_ABS_SLACK_KM = 1e-6


class _Samples:
    """Distances of a gain's samples (grid points, then vertices) to a front, measured on demand.

    Measuring a sample (the nearest front segment, the foot point, the geodesic) is the
    cost of depth; most samples cannot change its figures. The anchors are measured first;
    every other sample ``v`` then has bounds from its anchor ``u``: its planar distance to
    the front lies within ``dp(u) ± |v - u|`` (triangle inequality), and its geodesic
    distance within that times the plane's scale range on the way (Lambert azimuthal
    equal-area at angular distance ``c`` from the centre: between ``cos(c / 2)`` and
    ``1 / cos(c / 2)``, widened by :data:`_REL_SLACK`). A sample whose upper bound is below
    a measured distance cannot be a maximum; one whose bounds lie wholly below (or above)
    the bounds the 90th percentile can take cannot be one of the two values it
    interpolates. Those are left out; every sample that is measured is measured exactly
    as when all are, so the maxima, the deepest point and the percentile are the same
    numbers.
    """

    def __init__(self, line: ProjectedFront, pts: np.ndarray, centre: tuple[float, float], n_grid: int,
                 step: float) -> None:
        self.line, self.pts, self.centre, self.n_grid, self.step = line, pts, centre, n_grid, step
        n = len(pts)
        self.d = np.full(n, np.nan)
        self.dp = np.full(n, np.nan)
        self.ll = np.full((n, 2), np.nan)
        self.lower = np.zeros(n)
        self.upper = np.full(n, np.inf)

    def measure(self, idx: np.ndarray) -> None:
        """Measure the samples ``idx`` not measured yet."""
        idx = idx[np.isnan(self.d[idx])]
        if len(idx):
            self.d[idx], self.ll[idx], self.dp[idx] = self.line.nearest(self.pts[idx], self.centre)
            self.lower[idx] = self.upper[idx] = self.d[idx]

    def measured_max(self, idx: np.ndarray) -> float:
        """Largest measured distance among ``idx`` (-inf when none is measured)."""
        d = self.d[idx]
        d = d[~np.isnan(d)]
        return float(d.max()) if len(d) else -np.inf

    def anchor(self) -> None:
        """Measure the anchors and bound every other sample by its anchor."""
        n, g = len(self.pts), self.n_grid
        if n <= 4 * VERTEX_EVERY:
            self.measure(np.arange(n))
            return
        anchor_of = np.empty(n, dtype=np.int64)
        if g:  # grid points: the first of each block of the lattice
            cell = np.floor(self.pts[:g] / self.step).astype(np.int64) // GRID_BLOCK
            _, first, inverse = np.unique(cell[:, 0] * (1 << 32) + cell[:, 1], return_index=True, return_inverse=True)
            anchor_of[:g] = first[inverse.ravel()]
        if n > g:  # vertices (ring order): the nearer of the anchors before and after
            j = np.arange(n - g)
            a0 = j - j % VERTEX_EVERY
            a1 = np.minimum(a0 + VERTEX_EVERY, n - g - 1)
            nearer = np.hypot(*(self.pts[g + j] - self.pts[g + a1]).T) < np.hypot(*(self.pts[g + j] - self.pts[g + a0]).T)
            anchor_of[g:] = g + np.where(nearer, a1, a0)
        self.measure(unique(anchor_of))
        gap = np.hypot(*(self.pts - self.pts[anchor_of]).T)
        dp = self.dp[anchor_of]
        up_p, lo_p = dp + gap, np.maximum(dp - gap, 0.0)
        # angular reach from the centre (rad) of a sample and its foot point: the plane's radius is 2 R sin(c / 2)
        c = 2.0 * np.arcsin(np.minimum((np.hypot(self.pts[:, 0], self.pts[:, 1]) + up_p) / (2.0 * _R_MIN), 1.0))
        cos = np.cos(np.minimum(c, 3.0) / 2.0)
        todo = np.isnan(self.d)
        self.upper[todo] = (up_p / 1000.0 * (1.0 / cos + _REL_SLACK) + _ABS_SLACK_KM)[todo]
        self.lower[todo] = np.maximum(lo_p / 1000.0 * (cos - _REL_SLACK) - _ABS_SLACK_KM, 0.0)[todo]

    def settle_max(self, idx: np.ndarray) -> float:
        """The largest distance among the samples ``idx`` (those that could reach it are measured)."""
        best = self.measured_max(idx)
        self.measure(idx[self.upper[idx] >= best])
        return self.measured_max(idx)

    def percentile90(self, idx: np.ndarray) -> float:
        """``numpy.percentile(distances of idx, 90)``, measuring only the samples that could decide it
        (:func:`~frontlines.core.arrays.percentile`: the same figure, without importing ``numpy.ma``)."""
        n = len(idx)
        h = (n - 1) * 0.9
        k0 = int(math.floor(h))
        k1 = min(k0 + 1, n - 1)
        lo, up = self.lower[idx], self.upper[idx]
        floor = np.partition(lo, k0)[k0]  # the k0-th value is at least the k0-th lower bound
        ceiling = np.partition(up, k1)[k1]  # the k1-th at most the k1-th upper bound
        self.measure(idx[(up >= floor) & (lo <= ceiling)])
        known = ~np.isnan(self.d[idx])
        # the others lie wholly below the k0-th or above the k1-th value: their ranks keep them there
        values = np.where(known, self.d[idx], np.where(up < floor, -np.inf, np.inf))
        return percentile(values, 90)


def _polygons(geom: Any) -> np.ndarray:
    if geom is None or shapely.is_empty(geom):
        return np.empty(0, dtype=object)
    polys = shapely.get_parts(geom)
    return polys[np.isin(shapely.get_type_id(polys), (3, 6))]


def _plan(polys: np.ndarray, sample_km: float, max_samples: int) -> tuple[tuple[float, float], Any, float]:
    """(projection centre, projected polygons, grid step in m) of a gain, as :func:`advance_depth` samples it."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(polys)
    centre = ((xmin + xmax) / 2, (ymin + ymax) / 2)
    polys_p = to_equal_area(polys, centre)
    step = float(sample_km) * 1000.0
    area = float(shapely.area(polys_p).sum())
    if area / step**2 > max_samples:
        step = math.sqrt(area / max_samples)
    return centre, polys_p, step


def _depths(gained: Any, front_before: Any, pieces: Sequence[tuple[int, Any]], *, sample_km: float,
            max_samples: int, percentile: bool = True) -> tuple[Depth, dict[int, float]]:
    """The depth of ``gained`` and the maximum of each piece (``percentile=False``: p90 left NaN)."""
    if not np.isfinite(sample_km) or sample_km <= 0:
        raise ValueError(f"sample_km must be > 0, not {sample_km!r}")
    if max_samples < 1:
        raise ValueError(f"max_samples must be >= 1, not {max_samples!r}")
    none = Depth(0.0, 0.0, None, 0, float(sample_km))
    line = front_before if isinstance(front_before, ProjectedFront) else ProjectedFront(front_before)
    polys = _polygons(gained)
    if line.front is None or polys.size == 0:
        return none, {key: 0.0 for key, _ in pieces}
    centre, polys_p, step = _plan(polys, sample_km, max_samples)
    grid = _grid(polys_p, step)
    verts = shapely.get_coordinates(polys_p)
    pts = np.vstack([grid, verts])
    if len(pts) == 0:
        return none, {key: 0.0 for key, _ in pieces}
    samples = _Samples(line, pts, centre, len(grid), step)
    samples.anchor()
    everything = np.arange(len(pts))
    top = samples.settle_max(everything)
    i = int(np.argmax(np.where(np.isnan(samples.d), -np.inf, samples.d)))  # the first sample at the maximum
    areal = np.arange(len(grid)) if len(grid) else everything
    whole = Depth(
        max_km=top,
        p90_km=samples.percentile90(areal) if percentile else math.nan,
        deepest_point=(float(samples.ll[i, 0]), float(samples.ll[i, 1])),
        samples=int(len(pts)),
        sample_km=step / 1000.0,
    )
    out: dict[int, float] = {}
    key0 = (round(centre[0]), round(centre[1]))
    # the whole's vertices, sorted by (x, y) (complex numbers sort so), with their distances:
    # most vertices of a piece are vertices of the whole, projected by the same transformer
    vkeys = verts[:, 0] + 1j * verts[:, 1]
    vorder = np.argsort(vkeys, kind="stable")
    vkeys = vkeys[vorder]
    for key, piece in pieces:
        ppolys = _polygons(piece)
        if ppolys.size == 0:
            out[key] = 0.0
            continue
        pcentre, ppolys_p, pstep = _plan(ppolys, sample_km, max_samples)
        if (round(pcentre[0]), round(pcentre[1])) != key0 or pstep != step:
            out[key] = _depths(piece, line, [], sample_km=sample_km, max_samples=max_samples, percentile=False)[0].max_km
            continue
        # the piece's grid points: the whole's grid points inside (or on) one of its polygons
        inside = np.zeros(len(grid), dtype=bool)
        if len(grid):
            for poly in ppolys_p:
                xmin, ymin, xmax, ymax = poly.bounds
                cand = (grid[:, 0] >= xmin) & (grid[:, 0] <= xmax) & (grid[:, 1] >= ymin) & (grid[:, 1] <= ymax)
                if cand.any():
                    inside[cand] |= shapely.intersects_xy(poly, grid[cand, 0], grid[cand, 1])
        pverts = shapely.get_coordinates(ppolys_p)
        own = np.flatnonzero(inside)  # the piece's samples among the whole's, then its new vertices
        best = -np.inf
        if len(pverts):
            pk = pverts[:, 0] + 1j * pverts[:, 1]
            at = np.minimum(np.searchsorted(vkeys, pk), len(vkeys) - 1)
            known = vkeys[at] == pk
            if not known.all():
                best = float(line.distances(pverts[~known], pcentre)[0].max())
            own = np.concatenate([own, len(grid) + vorder[at[known]]])
        if len(own):
            samples.measure(own[samples.upper[own] >= max(best, samples.measured_max(own))])
            best = max(best, samples.measured_max(own))
        out[key] = best if np.isfinite(best) else 0.0
    return whole, out
