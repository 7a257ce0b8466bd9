"""Per-region areas of the steps of an ingest, clipped while the parse workers still run.

An ingest stores the region tables of the new snapshots after parsing
(:func:`frontlines.service.derive.extend_region_tables`): each snapshot's figures are its
predecessor's plus the gained ground clipped by region minus the lost ground clipped by
region. Clipping every step of the DeepState history by oblast is ~0.9 s of CPU, serial
after the parse while the worker processes idle. :class:`StepClipper` clips the steps the
workers send as they arrive (in chunks, while the main process waits for the next
results) and :meth:`StepClipper.known` gives them to the table, keyed by the step
geometry's WKB: the table takes a row from here when the step it uses is one of these,
and clips anything else itself. Rows of :func:`frontlines.core.regions.clip_areas` do not
depend on which other geometries were clipped with them, so the tables are the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from frontlines.conflicts import default_registry
from frontlines.core.regions import RegionLayer, clip_areas
from frontlines.model import LayerKey

__all__ = ["CHUNK", "StepClipper", "clip_with_known"]

#: Step geometries clipped together (each call builds its tile index once).
CHUNK = 256


class StepClipper:
    """Clips the gained / lost ground of an ingest's primary-layer steps by the stored region levels.

    Parameters
    ----------
    conflict : str
        The ingest's conflict id.
    levels : int
        How many of the conflict's region levels (coarsest first) an ingest stores tables of
        (``region_levels`` of :func:`frontlines.service.pipeline.ingest`); 0: nothing is clipped.
    """

    def __init__(self, conflict: str, levels: int) -> None:
        self._conflict = conflict
        self._levels = levels
        self._regions: list[tuple[str, RegionLayer]] | None = None  # loaded with the first step
        self._pending: list[bytes] = []
        self._rows: dict[str, dict[bytes, np.ndarray]] = {}

    def _load(self) -> list[tuple[str, RegionLayer]]:
        # Not in __init__: the region layers are read after the parse workers are forked (the
        # first step comes from them), so the workers do not inherit (and copy) their pages.
        if self._regions is None:
            registry = default_registry()
            spec = registry.get(self._conflict)
            self._regions = []
            for name in spec.level_kinds[: max(0, self._levels)]:
                region = registry.region_layer(spec, name)
                if region.name == name:
                    self._regions.append((name, region))
            self._rows = {name: {} for name, _ in self._regions}
        return self._regions

    def add(self, layer: LayerKey, primary: LayerKey, *wkbs: bytes) -> None:
        """Queue step geometries (WKB; empty ones are skipped) of ``layer``; only the primary layer's are clipped."""
        if layer != primary or self._levels <= 0 or not self._load():
            return
        self._pending.extend(w for w in wkbs if w)
        if len(self._pending) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        regions = self._load()
        todo = [w for w in dict.fromkeys(self._pending) if w not in self._rows[regions[0][0]]]
        self._pending = []
        if not todo:
            return
        geoms = shapely.from_wkb(todo)
        for name, region in regions:
            rows = self._rows[name]
            for w, row in zip(todo, clip_areas(region, list(geoms))):
                rows[w] = row

    def known(self) -> dict[str, dict[bytes, np.ndarray]]:
        """region level -> (step geometry WKB -> km² per region, in the layer's order); clips what is still queued."""
        if self._pending:
            self._flush()
        return self._rows


def clip_with_known(region: RegionLayer, geoms: list[Any], known: dict[bytes, np.ndarray] | None) -> np.ndarray:
    """:func:`~frontlines.core.regions.clip_areas` of ``geoms`` (a 2-D array), rows already clipped taken from ``known``.

    ``known`` maps a geometry's WKB (2-D) to its row (see :meth:`StepClipper.known`).
    """
    if not known or not geoms:
        return clip_areas(region, geoms)
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    wkbs = shapely.to_wkb(arr, output_dimension=2)
    rows = [None if w is None else known.get(w) for w in wkbs]
    missing = [k for k, row in enumerate(rows) if row is None]
    out = np.zeros((len(geoms), len(region)), dtype=float)
    if missing:
        out[missing] = clip_areas(region, [geoms[k] for k in missing])
    for k, row in enumerate(rows):
        if row is not None:
            out[k] = row
    return out
