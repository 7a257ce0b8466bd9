"""The line of contact: the boundary of a controlled area minus borders and coast.

Pure: shapely, pyproj (through :mod:`frontlines.core.geodesy`) and numpy only.

The front line of a side is the boundary of the area it controls, less

* the parts within ``tolerance_km`` of the boundary of the country's land outline
  (international borders and coastline): source maps and the outline are drawn
  independently, so their borders and coasts differ by up to about a kilometre;
* the parts outside the outline (the sea, the neighbouring country): the outline
  is the theatre, and a boundary outside it is not a line of contact in it;
* the edges of *enclaves*: pieces of the outline not held by the side that are
  smaller than ``enclave_km2`` (1,000 km² by default), i.e. surrounded by the
  side's territory, the coast and the border. The outline counts bays, lagoons
  and estuaries as land (the Sivash, Yahorlyk Bay, Sevastopol's bays) and the
  maps' polygons leave their water out: without this rule their shores would
  count as front (about 125 km on DeepState's 2024–2026 daily maps, 390 km on
  the 2022-09-06 history map, whose Sivash is a 783 km² hole in occupied ground).
  The price: a real encircled pocket smaller than ``enclave_km2`` (Mariupol in
  April 2022) is dropped as well; pass ``enclave_km2=0`` to keep every enclave;
* fragments shorter than ``min_fragment_km`` once the rest is removed.

Before the boundary is taken, gaps narrower than ``2 * close_gaps_km`` (100 m)
between the polygons are closed (dilation then erosion): maps draw adjacent
classes with hairline gaps, and the Sept 2022 DeepState map would otherwise gain
~80 km of "front" along such seams.

All buffering and overlay is done in metres in a Lambert azimuthal equal-area
projection (:func:`frontlines.core.geodesy.to_equal_area`) centred on the
geometries; the result is brought back to longitude / latitude and its length
is geodesic (WGS84).

Contested ground (a grey zone) is handled explicitly through ``contested_mode``:

``"outer"``
    the boundary of control ∪ contested: the far edge of the grey zone, the
    most the side can be said to reach (default);
``"inner"``
    the boundary of control only: the near edge, what the side surely holds;
``"both"``
    both edges (where there is no grey zone they coincide and are counted once);
``"centre"``
    an approximate centre line of the grey zone: the contested strip is split
    between the sides by the points nearer to the side's own edge (a Voronoi
    diagram of the two edges sampled every ``centre_spacing_km``), and the
    front is the boundary of control plus the near half. Accurate to about
    the sampling spacing; where the strip's two edges are far from parallel
    (its ends, or a grey zone bordering the other side's land only on one
    side) it is the medial line of the strip and not a "middle" in any other
    sense; edges of the strip on the border or coast are not sampled; a grey
    zone that touches no controlled ground goes wholly to the other side, and
    one wholly enclosed by control goes wholly to control.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiLineString

from frontlines.core.arrays import unique_rows
from frontlines.core.geodesy import WGS84, from_equal_area, to_equal_area

__all__ = ["CONTESTED_MODES", "FrontLine", "OutlineLand", "frontline", "outline_land"]

#: Accepted values of ``contested_mode``.
CONTESTED_MODES = ("outer", "inner", "both", "centre")

_EMPTY_LINES = MultiLineString()
#: Metres: slack for overlay round-off when matching lines to polygon edges.
_EPS_M = 1.0


@dataclass(frozen=True)
class FrontLine:
    """A line of contact.

    Attributes
    ----------
    geometry : shapely.MultiLineString
        Longitude / latitude; merged into as few lines as possible.
    length_km : float
        Geodesic length on WGS84.
    tolerance_km : float
        Distance from the outline's boundary within which the boundary of
        control is treated as border or coast and removed.
    mode : str
        The ``contested_mode`` used.
    """

    geometry: Any
    length_km: float
    tolerance_km: float
    mode: str

    @property
    def is_empty(self) -> bool:
        """True when there is no front at all."""
        return bool(shapely.is_empty(self.geometry))

    def __sizeof_content__(self) -> int:
        """Approximate bytes held (two doubles a vertex), for byte-bounded caches."""
        return 200 + 16 * int(shapely.get_num_coordinates(self.geometry))

    def as_dict(self, *, geometry: bool = True) -> dict[str, Any]:
        """JSON-ready representation (GeoJSON geometry unless ``geometry=False``).

        Examples
        --------
        >>> from shapely.geometry import box
        >>> f = frontline(box(30, 48, 31, 49), outline=None)
        >>> d = f.as_dict(geometry=False)
        >>> d["mode"], d["parts"], round(d["length_km"])
        ('outer', 1, 370)
        """
        out: dict[str, Any] = {
            "length_km": self.length_km,
            "tolerance_km": self.tolerance_km,
            "mode": self.mode,
            "parts": int(shapely.get_num_geometries(self.geometry)),
        }
        if geometry:
            out["geometry"] = json.loads(shapely.to_geojson(self.geometry))
        return out


def _polygonal(geom: Any) -> Any:
    if geom is None or shapely.is_empty(geom):
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def _close(geom: Any, width_m: float) -> Any:
    """Morphological closing (dilate, then erode) of a planar polygon: fills gaps < 2 × width."""
    geom = _polygonal(geom)
    if width_m <= 0 or shapely.is_empty(geom):
        return geom
    grown = shapely.buffer(geom, width_m, quad_segs=2, join_style="mitre", mitre_limit=2.0)
    return _polygonal(shapely.buffer(grown, -width_m, quad_segs=2, join_style="mitre", mitre_limit=2.0))


def _lines(geom: Any) -> np.ndarray:
    """The linear parts of a geometry (collections flattened) as an array of LineStrings."""
    if geom is None or shapely.is_empty(geom):
        return np.empty(0, dtype=object)
    parts = shapely.get_parts(geom)
    while parts.size and shapely.get_type_id(parts).max() >= 4:
        parts = shapely.get_parts(parts)
    return parts[np.isin(shapely.get_type_id(parts), (1, 2))]


def _split_contested(control: Any, contested: Any, spacing_m: float, border: Any | None) -> Any:
    """Control plus the part of the contested strip nearer to control's edge (planar).

    Edges of the strip in ``border`` (the outline's border and coast zone) belong
    to neither side and are not sampled.
    """
    strip = _polygonal(shapely.difference(contested, control))
    if shapely.is_empty(strip):
        return control
    union = _polygonal(shapely.union(control, strip))
    near_strip = shapely.buffer(strip, _EPS_M)
    inner = shapely.intersection(shapely.boundary(control), near_strip)
    outer = shapely.difference(
        shapely.intersection(shapely.boundary(union), near_strip), shapely.buffer(control, _EPS_M)
    )
    if border is not None:
        inner = shapely.difference(inner, border)
        outer = shapely.difference(outer, border)
    a = shapely.get_coordinates(shapely.segmentize(inner, spacing_m)) if not shapely.is_empty(inner) else np.empty((0, 2))
    b = shapely.get_coordinates(shapely.segmentize(outer, spacing_m)) if not shapely.is_empty(outer) else np.empty((0, 2))
    if len(a) == 0:
        return control
    if len(b) == 0:
        return union
    a = unique_rows(a)
    b = unique_rows(b)
    pts = np.vstack([a, b])
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=shapely.envelope(union), ordered=True)
    )
    near = shapely.union_all(cells[: len(a)])
    return _polygonal(shapely.union(control, shapely.intersection(strip, near)))


def _near(pieces: np.ndarray) -> Any:
    """The ground within :data:`_EPS_M` of any of ``pieces`` (polygons with disjoint interiors: the parts of
    one valid polygonal geometry).

    One buffer of them as a MultiPolygon: the buffer dissolves what it grows, so uniting the
    pieces first (an overlay of hundreds of disjoint polygons, the costlier step) is not needed.
    """
    return shapely.buffer(shapely.multipolygons(pieces), _EPS_M)


def _centre(bounds: np.ndarray, outline: Any | None) -> tuple[int, int]:
    """The projection centre of a map: the middle of its bounds, clipped to the outline's bounds.

    Only ground inside the outline can be front, so a piece a map draws far outside it (a stray
    polygon in the sea) does not move the plane the front is measured in. Whole degrees, so maps
    of one conflict share a centre (and its outline's inward buffer).
    """
    xmin, ymin, xmax, ymax = bounds
    if outline is not None and not shapely.is_empty(outline):
        oxmin, oymin, oxmax, oymax = outline.bounds
        if xmin <= oxmax and oxmin <= xmax and ymin <= oymax and oymin <= ymax:
            xmin, ymin, xmax, ymax = max(xmin, oxmin), max(ymin, oymin), min(xmax, oxmax), min(ymax, oymax)
    return round((xmin + xmax) / 2), round((ymin + ymax) / 2)


#: The outline in the equal-area plane of a centre: (land, land less the tolerance, the border zone or None).
OutlineLand = tuple[Any, Any, Any]


def outline_land(outline: Any, centre: tuple[int, int], tolerance_km: float, contested_mode: str) -> OutlineLand:
    """The outline as :func:`frontline` uses it, in the equal-area plane centred on ``centre``: the land,
    the land shrunk by ``tolerance_km`` (an inward buffer: the costly part, the same for every map
    drawn around that centre) and, for ``contested_mode="centre"``, the border zone (else None)."""
    tol_m = float(tolerance_km) * 1000.0
    land_full = _polygonal(to_equal_area(outline, centre))
    land = shapely.buffer(land_full, -tol_m) if tol_m > 0 else land_full
    border = shapely.buffer(shapely.boundary(land_full), max(tol_m, _EPS_M)) if contested_mode == "centre" else None
    return land_full, land, border


def frontline(
    control: Any,
    *,
    outline: Any | None,
    contested: Any | None = None,
    tolerance_km: float = 1.0,
    contested_mode: str = "outer",
    min_fragment_km: float = 0.5,
    enclave_km2: float = 1000.0,
    centre_spacing_km: float = 0.25,
    close_gaps_km: float = 0.05,
    land_of: Callable[[tuple[int, int]], OutlineLand] | None = None,
) -> FrontLine:
    """The line of contact of a controlled area, as a geodesically measured MultiLineString.

    Parameters
    ----------
    control : shapely (Multi)Polygon
        The dissolved controlled area, longitude / latitude.
    outline : shapely (Multi)Polygon or None
        The country's land outline (:func:`frontlines.sources.boundaries.load_outline`).
        ``None`` keeps the whole boundary (no border, coast or enclave removal).
    contested : shapely (Multi)Polygon, optional
        The contested ground (grey zone), longitude / latitude.
    tolerance_km : float
        Boundary of control within this distance of the outline's boundary is
        border or coast and removed (1 km: the usual disagreement between a
        map's coast and the outline's).
    contested_mode : {"outer", "inner", "both", "centre"}
        How a grey zone is drawn (see the module documentation).
    min_fragment_km : float
        Pieces shorter than this (geodesic) are dropped after the removals.
    enclave_km2 : float
        Pieces of the outline not held by the side and smaller than this are
        enclaves (in practice bays and lagoons): their shores are not front.
        0 keeps all (see the module documentation).
    centre_spacing_km : float
        Sampling of the grey zone's edges for ``contested_mode="centre"``.
    close_gaps_km : float
        Gaps and slits narrower than twice this between the polygons of control
        (and of contested ground) are closed before the boundary is taken: maps
        draw adjacent classes (occupied since 2014 / since 2022, grey zone) with
        hairline gaps and overlaps that would otherwise count as front on both
        of their sides. 0 takes the polygons as they are.
    land_of : callable, optional
        ``centre -> outline_land(outline, centre, tolerance_km, contested_mode)`` for a caller that
        keeps it (the same for every map of a conflict drawn around one centre); by default
        computed here.

    Returns
    -------
    FrontLine

    Raises
    ------
    ValueError
        An unknown ``contested_mode`` or a negative distance.

    Examples
    --------
    The eastern half of a one-degree "country" is held: only its western edge,
    inside the country, is front (111.2 km of meridian, less 1 km of tolerance
    at each end where it meets the border).

    >>> from shapely.geometry import box
    >>> country = box(30, 48, 32, 49)
    >>> f = frontline(box(31, 48, 32, 49), outline=country)
    >>> f.geometry.geom_type, round(f.length_km, 1)
    ('MultiLineString', 109.2)
    >>> round(f.geometry.bounds[0], 3), round(f.geometry.bounds[2], 3)
    (31.0, 31.0)
    """
    if contested_mode not in CONTESTED_MODES:
        raise ValueError(f"contested_mode must be one of {CONTESTED_MODES}, not {contested_mode!r}")
    for name, value in (("tolerance_km", tolerance_km), ("min_fragment_km", min_fragment_km),
                        ("enclave_km2", enclave_km2), ("close_gaps_km", close_gaps_km)):  # fmt: skip
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
    if not np.isfinite(centre_spacing_km) or centre_spacing_km <= 0:
        raise ValueError(f"centre_spacing_km must be > 0, not {centre_spacing_km!r}")

    control = _polygonal(control)
    contested = _polygonal(contested)
    empty = FrontLine(_EMPTY_LINES, 0.0, float(tolerance_km), contested_mode)
    if shapely.is_empty(control) and (shapely.is_empty(contested) or contested_mode == "inner"):
        return empty

    both = [g for g in (control, contested) if not shapely.is_empty(g)]
    centre = _centre(shapely.total_bounds(np.array(both, dtype=object)), outline)
    gap_m = float(close_gaps_km) * 1000.0
    c_p = _close(to_equal_area(control, centre), gap_m)
    k_p = _close(to_equal_area(contested, centre), gap_m) if not shapely.is_empty(contested) else None

    land = land_full = border = None
    if outline is not None and not shapely.is_empty(outline):
        land_full, land, border = (land_of(centre) if land_of is not None
                                   else outline_land(outline, centre, tolerance_km, contested_mode))

    if k_p is None or contested_mode == "inner":
        regions = [c_p]
    elif contested_mode == "outer":
        regions = [_close(shapely.union(c_p, k_p), gap_m)]
    elif contested_mode == "both":
        regions = [c_p, _close(shapely.union(c_p, k_p), gap_m)]
    else:
        regions = [_close(_split_contested(c_p, k_p, centre_spacing_km * 1000.0, border), gap_m)]

    pieces = []
    for region in regions:
        if shapely.is_empty(region):
            continue
        edge = shapely.boundary(region)
        if land is not None:
            edge = shapely.intersection(edge, land)
            if enclave_km2 > 0 and not shapely.is_empty(edge):
                rest = shapely.get_parts(_polygonal(shapely.difference(land_full, region)))
                small = rest[shapely.area(rest) < enclave_km2 * 1e6] if rest.size else rest
                if small.size:
                    edge = shapely.difference(edge, _near(small))
        pieces.extend(_lines(edge))
    if not pieces:
        return empty

    merged = shapely.line_merge(shapely.union_all(np.array(pieces, dtype=object)))
    lines = _lines(merged)
    if lines.size == 0:
        return empty
    lines = from_equal_area(lines, centre)
    lengths = np.array([WGS84.geometry_length(g) for g in lines]) / 1000.0
    keep = lengths >= min_fragment_km
    if not keep.any():
        return empty
    geom = MultiLineString(list(lines[keep]))
    return FrontLine(geom, float(lengths[keep].sum()), float(tolerance_km), contested_mode)
