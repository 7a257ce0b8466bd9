"""The front line on static maps is drawn only where the sides meet: never along the sea coast.

Pixels of the front line's colour are looked for along the Sea of Azov's coast of the occupied
territory (none may be there) and near a town on the front (Pokrovsk in September 2024, Kupiansk
in September 2022: they must be there). Place names are hidden first so their dark text is not
mistaken for the line.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from frontlines import service
from frontlines.reports import maps
from frontlines.reports.style import COLOURS
from tests.reports.conftest import count_near, figure_pixels

pytestmark = pytest.mark.realdata


def _state_fig(store, at: str):
    state = service.state_map_inputs(store, at=at, front=True)
    fig = maps.state_map(state.source, state.at.isoformat(), dict(state.layers), furniture=dict(state.furniture),
                         extent=state.extent, areas=dict(state.areas), front=state.front,
                         context_places=list(state.context), published_at=state.map_time)
    return state, fig


def _front_counts(fig, points, radius: int = 3) -> list[int]:
    """Front-line-coloured pixels within ``radius`` of each (lon, lat), place names hidden."""
    ax = fig.axes[0]
    for t in ax.texts:
        t.set_visible(False)
    img = figure_pixels(fig)
    h = img.shape[0]
    out = []
    for lon, lat in points:
        x, y = ax.transData.transform((lon, lat))
        r, c = int(round(h - y)), int(round(x))
        out.append(count_near(img[r - radius : r + radius + 1, c - radius : c + radius + 1], COLOURS["front_after"], 45))
    return out


def _azov_coast_of(state, step_deg: float = 0.04) -> list[tuple[float, float]]:
    """Points every ~3 km along the Sea of Azov's shore inside the area held (whole view, away from its edges)."""
    furn = dict(state.furniture)
    azov = next(g for g, name, kind, _ in furn["water"] if name == "Sea of Azov")
    held = shapely.union_all([g for k, g in state.layers.items() if k.endswith(":control")])
    ext = state.extent
    inner = shapely.box(ext.west + 0.1, ext.south + 0.1, ext.east - 0.1, ext.north - 0.1)
    # the maps' coasts and Natural Earth's differ by a few hundred metres: the shore near the held area, in Ukraine
    near_held = shapely.intersection(held.buffer(0.03), furn["outline"].buffer(0.03))
    shore = shapely.intersection(azov.boundary, shapely.intersection(near_held, inner))
    pts = []
    for line in shapely.get_parts(shore):
        n = max(1, int(line.length / step_deg))
        pts.extend((p.x, p.y) for p in (line.interpolate(k / n, normalized=True) for k in range(n + 1)))
    return pts


@pytest.mark.parametrize(("fixture", "at", "town"), [
    ("daily_store", "2024-09-01", (37.18, 48.28)),       # Pokrovsk
    ("history_store", "2022-09-10", (37.62, 49.71)),     # Kupiansk
])
def test_front_line_only_where_the_sides_meet(request, fixture: str, at: str, town: tuple[float, float]) -> None:
    state, fig = _state_fig(request.getfixturevalue(fixture), at)
    coast = _azov_coast_of(state)
    assert len(coast) > 60, "the occupied shore of the Sea of Azov should be long"
    # the front is drawn somewhere near the town (within ~25 km at country scale) ...
    near = _front_counts(fig, [town], radius=12)
    assert near[0] > 5, near
    # ... and nowhere along the occupied Sea of Azov coast
    counts = np.array(_front_counts(fig, coast))
    assert (counts > 0).sum() == 0, [c for c, k in zip(coast, counts) if k]
    # ... nor along the rest of the occupied edge of the country (Black Sea coast, the border with Russia),
    # away (> ~15 km) from where the front itself reaches the border
    edge = _outline_edge_of(state)
    assert len(edge) > 200
    counts = np.array(_front_counts(fig, edge))
    assert (counts > 0).sum() == 0, [c for c, k in zip(edge, counts) if k]


def _outline_edge_of(state, step_deg: float = 0.05) -> list[tuple[float, float]]:
    """Points along the country's outline (coasts and borders) inside the held area, away from the front."""
    furn = dict(state.furniture)
    held = shapely.union_all([g for k, g in state.layers.items() if k.endswith(":control")])
    ext = state.extent
    inner = shapely.box(ext.west + 0.1, ext.south + 0.1, ext.east - 0.1, ext.north - 0.1)
    keep = shapely.difference(shapely.intersection(held.buffer(0.03), inner), state.front.buffer(0.2))
    edge = shapely.intersection(furn["outline"].boundary, keep)
    pts = []
    for line in shapely.get_parts(edge):
        n = max(1, int(line.length / step_deg))
        pts.extend((p.x, p.y) for p in (line.interpolate(k / n, normalized=True) for k in range(n + 1)))
    return pts


def test_country_map_frames_the_whole_country_with_every_oblast(daily_store) -> None:
    state, fig = _state_fig(daily_store, "2024-09-01")
    furn = dict(state.furniture)
    west, south, east, north = shapely.bounds(furn["outline"])
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 <= west and x1 >= east and y0 <= south and y1 >= north  # Zakarpattia to Luhansk, Chernihiv to Crimea
    assert x1 - x0 < 1.3 * (east - west) or y1 - y0 < 1.3 * (north - south)  # and framed tightly
    _, oblasts = service.regions_for("oblast", conflict="ukraine")
    assert len(oblasts.names) == 27
    assert sorted(furn["region_names"]) == sorted(oblasts.names)  # every oblast's border is drawn
    assert len(furn["regions"]) == 27
