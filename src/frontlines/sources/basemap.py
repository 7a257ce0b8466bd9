"""The context drawn under every map: neighbouring countries, water, rivers.

A conflict definition names its basemap files in a ``[basemap]`` table
(:attr:`frontlines.conflicts.Conflict.basemap`); each is optional. Ukraine's are
Natural Earth 10m layers (public domain) shipped in ``frontlines/data/basemap_*``,
built by ``scripts/build_shipped_data.py`` with the current official names
(Dnipro, Siverskyi Donets, Oskil; Kyiv Reservoir) and an ``until`` date on the
Kakhovka reservoir, drained after its dam was destroyed on 6 June 2023.

Read with the standard library and shapely; nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from frontlines.errors import SourceFormatError
from frontlines.sources.boundaries import _read_file

__all__ = ["Basemap", "BasemapLayer", "read_basemap"]


@dataclass(frozen=True, eq=False)
class BasemapLayer:
    """Features of one basemap layer: geometries with their names and properties."""

    geometries: np.ndarray
    names: tuple[str | None, ...]
    properties: tuple[Mapping[str, Any], ...]

    def __len__(self) -> int:
        return len(self.geometries)

    @classmethod
    def empty(cls) -> BasemapLayer:
        """A layer without features (a conflict that names no such file)."""
        return cls(np.array([], dtype=object), (), ())


def _until(props: Mapping[str, Any], label: str) -> dt.date | None:
    value = props.get("until")
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise SourceFormatError(f"{label}: property 'until' is not a date: {value!r}") from exc


@dataclass(frozen=True, eq=False)
class Basemap:
    """Countries, water and rivers of a conflict's basemap.

    Parameters
    ----------
    countries, water, rivers : BasemapLayer
        The layers (empty when the definition names no file).
    home : str or None
        ``iso_a2`` of the conflict's own country (drawn as land, not as a neighbour).
    """

    countries: BasemapLayer
    water: BasemapLayer
    rivers: BasemapLayer
    home: str | None = None

    def water_on(self, day: dt.date | None) -> BasemapLayer:
        """The water as it was on ``day``: bodies whose ``until`` date has passed are left out.

        ``None`` means today.
        """
        day = day or dt.date.today()
        keep = [i for i, p in enumerate(self.water.properties)
                if (u := _until(p, "basemap water")) is None or day <= u]
        return BasemapLayer(self.water.geometries[keep] if keep else np.array([], dtype=object),
                            tuple(self.water.names[i] for i in keep), tuple(self.water.properties[i] for i in keep))

    def neighbours(self) -> BasemapLayer:
        """Countries other than :attr:`home`."""
        keep = [i for i, p in enumerate(self.countries.properties) if p.get("iso_a2") != self.home]
        return BasemapLayer(self.countries.geometries[keep] if keep else np.array([], dtype=object),
                            tuple(self.countries.names[i] for i in keep),
                            tuple(self.countries.properties[i] for i in keep))


def _layer(path: Path | None) -> BasemapLayer:
    if path is None:
        return BasemapLayer.empty()
    props, geoms = _read_file(path)
    for p in props:
        _until(p, str(path))  # a bad date fails here, when the file is read
    return BasemapLayer(geoms, tuple(p.get("name") for p in props), tuple(props))


def read_basemap(files: Mapping[str, Path], *, home: str | None = None) -> Basemap:
    """Read the basemap files of a conflict definition (no caching: see the conflict registry).

    Parameters
    ----------
    files : mapping of str to Path
        ``countries``, ``water``, ``rivers`` (each optional) -> GeoJSON file (plain or gzip).
    home : str, optional
        ``iso_a2`` of the conflict's own country.

    Raises
    ------
    SourceFormatError
        A file is not a GeoJSON FeatureCollection, or an ``until`` is not a date.
    """
    return Basemap(_layer(files.get("countries")), _layer(files.get("water")), _layer(files.get("rivers")), home)
