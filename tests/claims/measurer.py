"""A small real Measurer over hand-made shapely polygons (test helper).

Snapshots are dicts ``"side:status" -> lon/lat geometry`` at UTC publication times;
the state at a time is the latest snapshot published at or before it.  Every
figure is computed with shapely and :func:`frontlines.core.geodesy.area_km2`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import shapely
from shapely.geometry import Point, box

from frontlines.core.geodesy import area_km2, to_equal_area

UTC = dt.timezone.utc


def t(day: str, hour: int = 3) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def russia_state(west: float, contested: float = 0.05) -> dict[str, Any]:
    """Russian control east of ``west`` (lon) to 40°E, 47.5–49°N, a grey strip west of it."""
    return {
        "russia:control": box(west, 47.5, 40.0, 49.0),
        "russia:contested": box(west - contested, 47.5, west, 49.0),
    }


COUNTRY = box(30.0, 46.0, 40.0, 52.0)
REGIONS = {"Donetsk": box(37.0, 47.5, 38.5, 48.5)}
PLACES = {"donetsk": "Donetsk", "the donetsk region": "Donetsk", "donetsk oblast": "Donetsk"}
SETTLEMENTS = {"A": Point(37.9, 48.0), "B": Point(37.83, 47.8), "C": Point(37.75, 48.2)}

#: alpha: daily-ish from June 30; Russia advances west in July and early August,
#: Ukraine pushes it back between Aug 5 and Aug 12.
ALPHA = [
    (t("2024-06-30"), russia_state(38.0)),
    (t("2024-07-20"), russia_state(37.8)),
    (t("2024-08-05"), russia_state(37.7)),
    (t("2024-08-12"), russia_state(37.85)),
]
#: beta: starts later, draws the line slightly differently.
BETA = [
    (t("2024-07-10"), russia_state(37.99)),
    (t("2024-07-21"), russia_state(37.79)),
    (t("2024-08-04"), russia_state(37.69)),
    (t("2024-08-12"), russia_state(37.86)),
]


class PolygonMeasurer:
    """Implements :class:`frontlines.claims.evaluate.Measurer` over in-memory polygons."""

    def __init__(self, snapshots: dict[str, list[tuple[dt.datetime, dict[str, Any]]]] | None = None) -> None:
        self.snaps = snapshots if snapshots is not None else {"alpha": ALPHA, "beta": BETA}

    def sources(self) -> list[str]:
        return sorted(self.snaps)

    def coverage(self, source: str) -> tuple[dt.datetime, dt.datetime] | None:
        s = self.snaps.get(source)
        return (s[0][0], s[-1][0]) if s else None

    def _state(self, source: str, at: dt.datetime) -> dict[str, Any] | None:
        state = None
        for when, layers in self.snaps[source]:
            if when <= at:
                state = layers
        return state

    def _layer(self, state: dict[str, Any], side: str, status: str, region: str | None) -> Any:
        parts = [state.get(f"{side}:{s}") for s in status.split("+")]
        if any(p is None for p in parts):
            return None
        geom = shapely.union_all(parts)
        return geom.intersection(REGIONS[region]) if region else geom

    def area_km2(self, source: str, side: str, status: str, at: dt.datetime, region: str | None) -> float | None:
        st = self._state(source, at)
        g = None if st is None else self._layer(st, side, status, region)
        return None if g is None else area_km2(g)

    def _pair(self, source: str, side: str, status: str, start: dt.datetime, end: dt.datetime, region: str | None):
        a, b = self._state(source, start), self._state(source, end)
        if a is None or b is None:
            return None
        ga, gb = self._layer(a, side, status, region), self._layer(b, side, status, region)
        if ga is None or gb is None:
            return None
        return ga, gb

    def change_km2(self, source, side, status, start, end, region):
        pair = self._pair(source, side, status, start, end, region)
        if pair is None:
            return None
        ga, gb = pair
        return area_km2(gb.difference(ga)), area_km2(ga.difference(gb))

    def _taken(self, source, side, start, end, region):
        """(ground the side took, its old line) between the two states."""
        pair = self._pair(source, "russia", "control", start, end, region)
        if pair is None:
            return None
        ga, gb = pair
        return (gb.difference(ga), ga) if side == "russia" else (ga.difference(gb), gb)

    def max_depth_km(self, source, side, start, end, region):
        got = self._taken(source, side, start, end, region)
        if got is None:
            return None
        taken, old = got
        if taken.is_empty:
            return 0.0
        centre = (38.0, 48.0)
        t_eq, o_eq = to_equal_area(taken, centre), to_equal_area(old, centre)
        return max(Point(xy).distance(o_eq) for xy in shapely.get_coordinates(t_eq)) / 1000.0

    def settlements_changed(self, source, side, start, end, region):
        got = self._taken(source, side, start, end, region)
        if got is None:
            return None
        taken, _ = got
        return sum(1 for p in SETTLEMENTS.values() if taken.contains(p))

    def region_land_area_km2(self, region: str | None) -> float | None:
        return area_km2(REGIONS[region] if region else COUNTRY)

    def resolve_region(self, place: str) -> str | None:
        return PLACES.get(place.strip().lower())
