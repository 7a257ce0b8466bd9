"""Maps from real data: extent, furniture, gained / lost colours where expected."""

from __future__ import annotations

import pytest
import shapely

from frontlines import service
from frontlines.errors import FrontlinesError, RegionError
from frontlines.reports import maps
from frontlines.reports.style import COLOURS, close, save_figure
from frontlines.service import reporting as gather
from tests.reports.conftest import assert_not_blank, axes_pixels, count_near

pytestmark = pytest.mark.realdata


def test_extent_parse_and_fit() -> None:
    e = maps.Extent.parse("36,49,38,50")
    assert e.centre == (37.0, 49.5)
    f = e.fitted(2.0)
    w, h = f.size_km()
    assert w / h == pytest.approx(2.0, rel=1e-6)
    with pytest.raises(FrontlinesError, match="WEST,SOUTH,EAST,NORTH"):
        maps.Extent.parse("1,2,3")
    with pytest.raises(FrontlinesError, match="west < east"):
        maps.Extent.parse("38,49,36,50")
    assert maps._nice_length(73) == 50 and maps._nice_length(230) == 200


def test_region_lookup() -> None:
    assert gather.resolve_region("ukraine", "Kharkiv oblast").id == "UA-63"
    assert gather.resolve_region("ukraine", "Izium").kind == "raion"
    with pytest.raises(RegionError):
        gather.resolve_region("ukraine", "Atlantis")


def _change_map(store, start, end, region=None):
    change = service.change(store, start=start, end=end, geometry=True)
    doc = change.as_dict()
    held = service.layer_geometry(store, at=start)[1]
    reg = gather.resolve_region("ukraine", region) if region else None
    ext = gather.view_extent(region=reg, around=(change.gained, change.lost), fallback=held)
    fb = gather.front_line(store, at=start, source=doc["source"], layer=doc["layer"])
    fa = gather.front_line(store, at=end, source=doc["source"], layer=doc["layer"])
    places = gather.changed_places(change.gained, change.lost, "ukraine")
    fig = maps.change_map(change, held_before=held, furniture=gather.furniture(ext, "ukraine"), extent=ext,
                          front_before=fb["geometry"], front_after=fa["geometry"],
                          settlements=maps.as_settlements(places), context_places=gather.context_places(ext, "ukraine"))
    return change, places, fig


def test_change_map_kharkiv_counteroffensive(history_store, tmp_path) -> None:
    change, places, fig = _change_map(history_store, "2022-09-05", "2022-09-15", region="Kharkiv")
    assert change.lost_km2 > 5000
    img = axes_pixels(fig, fig.axes[0])
    assert_not_blank(img)
    lost = count_near(img, COLOURS["lost"])
    gained = count_near(img, COLOURS["gained"])
    assert lost > 0.08 * img.shape[0] * img.shape[1]  # a big blue area
    assert gained < lost / 20
    assert count_near(img, COLOURS["held"], 6) > 10_000  # Russian-held ground at the start
    names = {t.get_text().strip() for t in fig.axes[0].texts}
    assert "Izium" in names and "Balakliia" in names  # largest places retaken are labelled
    assert "KHARKIV" in names or "Kharkiv" in names
    assert {p["short_name"] for p in places} >= {"Izium", "Kupiansk", "Balakliia"}
    assert all(p["status"] == "lost" for p in places[:3])
    for name in ("change.png", "change.svg"):
        save_figure(fig, tmp_path / name)
    assert (tmp_path / "change.png").stat().st_size > 50_000
    close(fig)


def test_change_map_auto_extent_daily(daily_store) -> None:
    # summer 2024: Russian advance towards Pokrovsk; gains must show red
    change, _, fig = _change_map(daily_store, "2024-08-01", "2024-09-01")
    assert change.gained_km2 > 300
    img = axes_pixels(fig, fig.axes[0])
    assert count_near(img, COLOURS["gained"]) > 150
    w, s, e, n = fig.axes[0].get_xlim()[0], fig.axes[0].get_ylim()[0], fig.axes[0].get_xlim()[1], fig.axes[0].get_ylim()[1]
    gw, gs, ge, gn = shapely.bounds(change.gained)
    assert w <= gw and e >= ge and s <= gs and n >= gn  # the view holds the change
    close(fig)


def test_state_map_all_layers(history_store) -> None:
    at = "2022-09-10"
    info, _ = service.layer_geometry(history_store, at=at)
    layers = {str(k): service.layer_geometry(history_store, at=at, layer=str(k))[1] for k in info.layers}
    assert set(layers) >= {"russia:control", "russia:contested", "ukraine:regained"}
    ext = gather.view_extent(around=tuple(layers.values()))
    fig = maps.state_map(info.source, at, layers, furniture=gather.furniture(ext, "ukraine"), extent=ext)
    img = axes_pixels(fig, fig.axes[0])
    assert count_near(img, COLOURS["held"], 6) > 20_000
    assert count_near(img, COLOURS["regained"], 30) > 2_000
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"Held by Russia", "Contested (grey zone)", "Retaken by Ukraine"} <= set(legend)  # plain words, not layer ids
    assert not [t for t in legend if ":" in t]
    close(fig)
