"""The extent of a map view and the places labelled on it (pure geometry, no drawing)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from frontlines.errors import FrontlinesError, UsageError

__all__ = ["Extent", "Settlement", "auto_extent"]


# ----------------------------------------------------------------------------- extent
@dataclass(frozen=True)
class Extent:
    """A lon/lat box: ``(west, south, east, north)``."""

    west: float
    south: float
    east: float
    north: float

    def __post_init__(self) -> None:
        if not (self.west < self.east and self.south < self.north):
            raise UsageError(
                f"empty map extent {self.west:.3f},{self.south:.3f},{self.east:.3f},{self.north:.3f}: "
                "give WEST,SOUTH,EAST,NORTH with west < east and south < north"
            )
        if not (-180 <= self.west <= 180 and -180 <= self.east <= 180 and -90 <= self.south <= 90 and -90 <= self.north <= 90):
            raise UsageError("map extent outside longitude / latitude ranges: give WEST,SOUTH,EAST,NORTH in degrees")

    @classmethod
    def parse(cls, text: str) -> Extent:
        """``"36.5,48.8,38.5,50.2"`` (west, south, east, north)."""
        try:
            w, s, e, n = (float(v) for v in text.replace(" ", "").split(","))
        except ValueError as exc:
            raise UsageError(f"--bbox {text!r}: expected four numbers WEST,SOUTH,EAST,NORTH in degrees") from exc
        return cls(w, s, e, n)

    @classmethod
    def of(cls, geom: Any) -> Extent:
        w, s, e, n = shapely.bounds(geom)
        return cls(float(w), float(s), float(e), float(n))

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.west + self.east) / 2, (self.south + self.north) / 2)

    @property
    def kx(self) -> float:
        """Horizontal stretch: cos of the central latitude."""
        return math.cos(math.radians(self.centre[1]))

    def size_km(self) -> tuple[float, float]:
        """Approximate width and height in km."""
        return ((self.east - self.west) * 111.32 * self.kx, (self.north - self.south) * 110.57)

    def box(self) -> Any:
        return shapely.box(self.west, self.south, self.east, self.north)

    def padded(self, frac: float = 0.1, min_km: float = 0.0) -> Extent:
        """Grown by ``frac`` of its size on each side, and to at least ``min_km`` across."""
        w_km, h_km = self.size_km()
        dx = (self.east - self.west) * frac
        dy = (self.north - self.south) * frac
        if w_km + 2 * frac * w_km < min_km:
            dx = (min_km / (111.32 * self.kx) - (self.east - self.west)) / 2
        if h_km + 2 * frac * h_km < min_km:
            dy = (min_km / 110.57 - (self.north - self.south)) / 2
        return Extent(self.west - dx, self.south - dy, self.east + dx, self.north + dy)

    def fitted(self, aspect: float) -> Extent:
        """Grown along one axis so that width_km / height_km == ``aspect`` (an axes' box)."""
        w_km, h_km = self.size_km()
        cx, cy = self.centre
        if w_km / h_km < aspect:
            half = aspect * h_km / (111.32 * self.kx) / 2
            return Extent(cx - half, self.south, cx + half, self.north)
        half = w_km / aspect / 110.57 / 2
        return Extent(self.west, cy - half, self.east, cy + half)


def auto_extent(*geoms: Any, fallback: Any = None, pad: float = 0.15, min_km: float = 40.0) -> Extent:
    """A view around the non-empty geometries (else ``fallback``), padded, at least ``min_km`` across."""
    parts = [g for g in geoms if g is not None and not shapely.is_empty(g)]
    if not parts and fallback is not None and not shapely.is_empty(fallback):
        parts = [fallback]
    if not parts:
        raise FrontlinesError("nothing to map: no geometry in the period and no region or --bbox given")
    w, s, e, n = shapely.total_bounds(np.array(parts, dtype=object))
    if e - w < 1e-9 or n - s < 1e-9:
        e, n = e + 1e-3, n + 1e-3
    return Extent(float(w), float(s), float(e), float(n)).padded(pad, min_km)


# ------------------------------------------------------------------------- geometry

@dataclass
class Settlement:
    """A labelled place: name, position, population and how it changed."""

    name: str
    lon: float
    lat: float
    population: int = 0
    status: str = ""  # "gained", "lost" or "" (context)


