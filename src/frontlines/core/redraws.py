"""Redraws are not fighting: classify every changed piece of a step.

A *step* is the change of one layer from one map to the next: ground gained and ground
lost. Each connected piece of either is classified as

``advance`` / ``retreat``
    ground the layer's side took / gave up: touching (or near) the previous front line,
    of plausible width, depth and speed;
``redraw``
    a change of the drawing, not of the ground, with the first rule that fired as its
    ``reason``.

Rules (in order; thresholds in :class:`RedrawRules`, all tunable)
    ``far-from-front``
        the piece's nearest point is more than ``max_front_distance_km`` from the front
        line of the earlier map (front line = control boundary minus borders and coast):
        a redrawn coast, a filled-in rear area.
    ``sliver``
        the piece's mean width (2 × area / perimeter) is under ``sliver_width_km``: an
        edge drawn again a little differently.
    ``implausible-speed``
        its depth (farthest point from the earlier front line) exceeds
        ``max_speed_km_per_day`` × days between the maps (at least one day).
    ``fills-hole``
        (given ``before``) a gained piece lying inside the earlier layer with its holes
        filled (to ``hole_share`` of its area): an enclave the earlier map left blank,
        drawn in.
    ``reclassified``
        (given ``other_layers``) at least ``reclassified_share`` of the piece was in one
        of the source's own other layers of the same side on the earlier map (e.g. ISW's
        "assessed advance" re-labelled as "assessed control").
    ``drawing-period``
        (given ``drawing=True``) a gained piece of a step whose later map falls in a period
        the conflict definition declares for the source as "still drawing its map"
        (``[[redraw_periods]]`` in ``conflict.toml``; DeepState's April 2022 fill-in, when it
        added ~14,000 km² without any such advance). Lost pieces stay fighting (the real
        withdrawals of that month). Switched off by ``drawing_periods=False``.
    ``spike-and-revert``
        applied across steps by :func:`mark_reverts`: a piece gained (lost) and lost
        (regained) again, to ``revert_share`` of its area, within ``revert_days``.
        Judged on each step's own rules only (not chained), so a step's final class
        depends only on the steps within ``revert_days`` of it.

Pure: takes and returns shapely geometries (lon/lat), never mutates its inputs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from frontlines.core.geodesy import areas_km2, to_equal_area

__all__ = ["KINDS", "Piece", "RedrawRules", "classify_step", "mark_reverts", "split_pieces", "totals"]

#: Classes a piece can have.
KINDS = ("advance", "retreat", "redraw")


@dataclass(frozen=True)
class RedrawRules:
    """Thresholds of the redraw rules (see the module docstring).

    Defaults were chosen on DeepState 2022 (the April fill-in, the Crimea coast of
    2022-09-18, the Kharkiv counteroffensive of 2022-09-06..13 which must stay
    fighting) and ISW's 2022-09-12 re-labelling.
    """

    max_front_distance_km: float = 5.0
    sliver_width_km: float = 0.15
    max_speed_km_per_day: float = 60.0
    reclassified_share: float = 0.8
    hole_share: float = 0.9
    revert_days: float = 5.0
    revert_share: float = 0.8
    #: Pieces smaller than this are classified too, but never named in headlines.
    min_piece_km2: float = 0.0
    #: Apply the ``drawing-period`` rule (the conflict definition's redraw periods).
    drawing_periods: bool = True

    def as_dict(self) -> dict[str, float]:
        """JSON-ready thresholds."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Piece:
    """One connected piece of a step's gained or lost ground."""

    direction: str  # "gained" or "lost"
    geometry: Any
    area_km2: float
    kind: str  # one of KINDS
    reason: str | None
    front_distance_km: float
    depth_km: float
    width_km: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (without geometry)."""
        return {"direction": self.direction, "kind": self.kind, "reason": self.reason,
                "area_km2": round(self.area_km2, 3), "front_distance_km": round(self.front_distance_km, 3),
                "depth_km": round(float(self.depth_km), 3), "width_km": round(float(self.width_km), 3)}


def split_pieces(geom: Any) -> list[Any]:
    """Connected polygon pieces of a (multi)polygon or collection; empty list for None / empty."""
    if geom is None or shapely.is_empty(geom):
        return []
    return [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]


def classify_step(
    gained: Any,
    lost: Any,
    front: Any,
    *,
    days: float,
    rules: RedrawRules = RedrawRules(),
    other_layers: Sequence[Any] = (),
    before: Any = None,
    drawing: bool = False,
) -> list[Piece]:
    """Classify every piece of one step.

    Parameters
    ----------
    gained, lost : shapely geometry or None
        Ground that entered / left the layer (lon/lat).
    front : shapely geometry or None
        Front line of the earlier map (lon/lat lines). Without one (an empty front),
        the distance and speed rules do not apply.
    days : float
        Time between the two maps.
    other_layers : sequence of shapely geometry
        The earlier map's other layers of the same side (for ``reclassified``).
    before : shapely geometry, optional
        The earlier map's layer (for ``fills-hole``).
    drawing : bool
        The later map falls in a period its source was still drawing its map
        (``drawing-period``; applied when ``rules.drawing_periods``).

    Returns
    -------
    list of Piece
        Gained pieces first, then lost, each by decreasing area.
    """
    out: list[Piece] = []
    pieces = [("gained", g) for g in split_pieces(gained)] + [("lost", g) for g in split_pieces(lost)]
    if not pieces:
        return out
    geoms = np.array([g for _, g in pieces], dtype=object)
    areas = areas_km2(geoms)
    has_front = front is not None and not shapely.is_empty(front)
    centre_src = shapely.union_all(geoms).envelope
    cx, cy = centre_src.centroid.x, centre_src.centroid.y
    proj = to_equal_area(geoms, (cx, cy))
    front_p = to_equal_area(front, (cx, cy)) if has_front else None
    perims = shapely.length(proj) / 1000.0
    others = [o for o in other_layers if o is not None and not shapely.is_empty(o)]
    other_union = shapely.union_all(np.array(others, dtype=object)) if others else None
    filled = None
    if before is not None and not shapely.is_empty(before):
        shells = [shapely.Polygon(p.exterior) for p in split_pieces(before)]
        filled = shapely.union_all(np.array(shells, dtype=object)) if shells else None
    for (direction, geom), pgeom, area, perim in zip(pieces, proj, areas, perims):
        width = 2.0 * float(area) / perim if perim > 0 else 0.0
        if front_p is not None:
            dist = float(shapely.distance(pgeom, front_p)) / 1000.0
            coords = shapely.points(shapely.get_coordinates(pgeom))
            depth = float(np.max(shapely.distance(coords, front_p))) / 1000.0 if len(coords) else 0.0
        else:
            dist = depth = 0.0
        kind, reason = ("advance" if direction == "gained" else "retreat"), None
        if front_p is not None and dist > rules.max_front_distance_km:
            kind, reason = "redraw", "far-from-front"
        elif width < rules.sliver_width_km:
            kind, reason = "redraw", "sliver"
        elif front_p is not None and depth > rules.max_speed_km_per_day * max(days, 1.0):
            kind, reason = "redraw", "implausible-speed"
        elif direction == "gained" and filled is not None and area > 0 and _share(geom, filled) >= rules.hole_share:
            kind, reason = "redraw", "fills-hole"
        elif direction == "gained" and other_union is not None and area > 0:
            inside = float(areas_km2(np.array([shapely.intersection(geom, other_union)], dtype=object))[0])
            if inside >= rules.reclassified_share * float(area):
                kind, reason = "redraw", "reclassified"
        if kind != "redraw" and direction == "gained" and drawing and rules.drawing_periods:
            kind, reason = "redraw", "drawing-period"
        out.append(Piece(direction, geom, float(area), kind, reason, dist, depth, width))
    out.sort(key=lambda p: (p.direction != "gained", -p.area_km2))
    return out


def _share(geom: Any, other: Any) -> float:
    """Share of ``geom``'s area inside ``other``."""
    inter = shapely.intersection(geom, other)
    a = float(areas_km2(np.array([geom], dtype=object))[0])
    return float(areas_km2(np.array([inter], dtype=object))[0]) / a if a > 0 else 0.0


def mark_reverts(
    steps: Sequence[tuple[float, list[Piece]]],
    *,
    rules: RedrawRules = RedrawRules(),
) -> list[list[Piece]]:
    """Mark spike-and-revert pieces across consecutive steps.

    Parameters
    ----------
    steps : sequence of (time in days, pieces)
        Consecutive steps of one layer, in time order.

    Returns
    -------
    list of list of Piece
        The same pieces; an ``advance`` / ``retreat`` piece undone (to ``revert_share``
        of its area) by the opposite direction within ``revert_days`` becomes a
        ``redraw`` with reason ``spike-and-revert``, and so do the pieces undoing it that
        lie (to ``revert_share`` of their own area) in it: a large advance that sweeps
        over an earlier spike stays fighting.
    """
    local = [list(p) for _, p in steps]
    out = [list(p) for p in local]
    times = [t for t, _ in steps]
    opposite = {"gained": "lost", "lost": "gained"}
    marked: set[tuple[int, int]] = set()
    for i, pieces in enumerate(local):
        for j, piece in enumerate(pieces):
            if piece.kind == "redraw" or piece.area_km2 <= 0:
                continue
            undo: list[tuple[int, int]] = []
            undone = 0.0
            for k in range(i + 1, len(local)):
                if times[k] - times[i] > rules.revert_days:
                    break
                for m, other in enumerate(local[k]):
                    if other.direction != opposite[piece.direction]:
                        continue
                    if not shapely.intersects(piece.geometry, other.geometry):
                        continue
                    inter = shapely.intersection(piece.geometry, other.geometry)
                    shared = float(areas_km2(np.array([inter], dtype=object))[0])
                    undone += shared
                    if shared >= rules.revert_share * other.area_km2:  # the undoing piece is the spike's own
                        undo.append((k, m))
            if undone >= rules.revert_share * piece.area_km2:
                marked.add((i, j))
                marked.update(undo)
    for i, j in sorted(marked):
        if out[i][j].kind != "redraw":
            out[i][j] = dataclasses.replace(out[i][j], kind="redraw", reason="spike-and-revert")
    return out


def totals(pieces: Sequence[Piece]) -> Mapping[str, float]:
    """km² per (direction, kind): ``gained_km2`` / ``lost_km2`` (fighting) and ``redraw_gained_km2`` /
    ``redraw_lost_km2``."""
    t = {"gained_km2": 0.0, "lost_km2": 0.0, "redraw_gained_km2": 0.0, "redraw_lost_km2": 0.0}
    for p in pieces:
        key = ("redraw_" if p.kind == "redraw" else "") + f"{p.direction}_km2"
        t[key] += p.area_km2
    return t
