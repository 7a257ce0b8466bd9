"""The basemap under every map: water where the seas are, neighbours named, rivers, labels that
do not collide, Kakhovka as it was on the map's date, legends in plain words.

These maps are drawn from the shipped data and made-up control layers, so no store is needed;
every expected position is a known place (the Sea of Azov, Belarus, the Kakhovka reservoir).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import shapely

from frontlines.conflicts import ConflictRegistry, default_registry
from frontlines.reports import maps
from frontlines.reports.style import COLOURS
from frontlines.reports.words import (
    change_headline,
    change_phrases,
    layer_phrase,
    span_text,
)
from frontlines.service import reporting as gather
from tests.reports.conftest import count_near, figure_pixels, rgb

TRI = Path(__file__).resolve().parents[1] / "fixtures" / "conflicts" / "tri"
SIDES = {"ukraine": "Ukraine", "russia": "Russia"}
#: A made-up Russian-held block in Donetsk oblast (lon 37.6..38.6, lat 47.6..48.4).
HELD = shapely.box(37.6, 47.6, 38.6, 48.4)


def _basemap():
    return default_registry().basemap("ukraine")


def _kakhovka():
    bm = _basemap()
    return bm.water.geometries[bm.water.names.index("Kakhovka Reservoir")]


# ------------------------------------------------------------------------------ data
def test_shipped_basemap_names_and_kinds() -> None:
    bm = _basemap()
    rivers = set(bm.rivers.names)
    assert {"Dnipro", "Siverskyi Donets", "Oskil", "Southern Buh", "Inhulets", "Desna"} <= rivers
    assert not rivers & {"Dnieper", "Donets", "Oskol", "Southern Bug"}  # Natural Earth's older forms are gone
    water = dict(zip(bm.water.names, (p["kind"] for p in bm.water.properties)))
    assert water["Black Sea"] == water["Sea of Azov"] == "sea"
    assert "Kyiv Reservoir" in water and "Kiev Reservoir" not in water
    countries = set(bm.neighbours().names)
    assert {"Russia", "Belarus", "Poland", "Moldova", "Romania"} <= countries and "Ukraine" not in countries
    # Crimea is in the home country's polygon (not Russia's): a point at Simferopol
    home = [g for g, p in zip(bm.countries.geometries, bm.countries.properties) if p["iso_a2"] == "UA"]
    assert len(home) == 1 and shapely.contains_xy(home[0], 34.10, 44.95)


def test_kakhovka_drawn_until_the_dam_was_destroyed() -> None:
    bm = _basemap()
    before = bm.water_on(dt.date(2023, 6, 5)).names
    on_the_day = bm.water_on(dt.date(2023, 6, 6)).names
    after = bm.water_on(dt.date(2023, 6, 7)).names
    assert "Kakhovka Reservoir" in before and "Kakhovka Reservoir" in on_the_day
    assert "Kakhovka Reservoir" not in after and "Kremenchuk Reservoir" in after
    assert len(before) - len(after) == 1


def test_conflict_without_basemap_gets_empty_layers() -> None:
    reg = ConflictRegistry.with_paths([TRI])
    bm = reg.basemap("tri")
    assert len(bm.countries) == len(bm.water) == len(bm.rivers) == 0


def test_bad_until_date_is_one_clear_error(tmp_path) -> None:
    from frontlines.errors import SourceFormatError
    from frontlines.sources.basemap import read_basemap

    bad = tmp_path / "water.geojson"
    bad.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"X","until":"June"},'
                   '"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}')
    with pytest.raises(SourceFormatError, match="water.geojson.*until.*'June'"):
        read_basemap({"water": bad})


# ------------------------------------------------------------------------------ words
def test_plain_words() -> None:
    assert layer_phrase("russia:control", SIDES) == "Held by Russia"
    assert layer_phrase("ukraine:regained", SIDES) == "Retaken by Ukraine"
    assert layer_phrase("russia:contested", SIDES) == "Contested (grey zone)"
    assert change_phrases("russia:control", SIDES) == ("Captured by Russia", "Retaken by Ukraine")
    three = {"north": "North", "south": "South", "east": "East"}
    assert change_phrases("north:control", three) == ("Captured by North", "No longer held by North")
    assert span_text("2022-09-06T00:00:00Z", "2022-09-14T00:00:00Z") == "6 – 13 September 2022"
    assert span_text("2022-08-30", "2022-09-04") == "30 August – 4 September 2022"
    assert span_text("2022-12-01", "2023-01-03") == "1 December 2022 – 3 January 2023"
    assert change_headline("russia:control", SIDES, 45.2, 9203.0) == "Ukraine retook 9,203 km² from Russia; Russia captured 45 km²"


# ------------------------------------------------------------------------------ maps
def _state(at: str, *, extent=None, layers=None):
    ext = extent or maps.Extent.of(default_registry().outline("ukraine")).padded(0.04, 20.0)
    furniture = gather.furniture(ext, "ukraine")
    places = gather.context_places(ext, "ukraine")
    layers = layers if layers is not None else {"russia:control": HELD}
    fig = maps.state_map("deepstate", at, layers, furniture=furniture, extent=ext,
                         areas={k: 1234.5 for k in layers}, context_places=places, published_at=at)
    return fig


def _pixel(fig, lon: float, lat: float) -> np.ndarray:
    img = figure_pixels(fig)
    ax = fig.axes[0]
    x, y = ax.transData.transform((lon, lat))
    return img[int(round(img.shape[0] - y)), int(round(x))].astype(float)


def _share(fig, box, colour: str, tol: float = 30.0) -> float:
    """Share of the pixels inside a lon/lat box near ``colour`` (labels may cover some)."""
    img = figure_pixels(fig)
    w, s, e, n = box.bounds
    (x0, y0), (x1, y1) = fig.axes[0].transData.transform([(w, s), (e, n)])
    h = img.shape[0]
    crop = img[int(h - y1) + 2:int(h - y0) - 2, int(x0) + 2:int(x1) - 2]
    return count_near(crop, colour, tol) / (crop.shape[0] * crop.shape[1])


def _near(px: np.ndarray, colour: str, tol: float = 20.0) -> bool:
    return float(np.linalg.norm(px - rgb(colour))) < tol


def _texts(fig) -> list[str]:
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
    for leg in fig.legends:
        out += [t.get_text() for t in leg.get_texts()]
    return out


def test_country_map_has_sea_neighbours_rivers_and_names() -> None:
    fig = _state("2023-06-01T00:00:00Z")
    # the Sea of Azov and the Black Sea are water; Belarus and Romania are the neighbours' grey
    assert _near(_pixel(fig, 36.5, 46.2), COLOURS["water"])
    assert _near(_pixel(fig, 31.5, 45.3), COLOURS["water"])
    assert _near(_pixel(fig, 27.3, 52.2), COLOURS["neighbour"], 25)
    assert _near(_pixel(fig, 25.0, 45.3), COLOURS["neighbour"], 25)
    # Ukraine's own land is not the neighbours' colour (at Vinnytsia's oblast, away from labels)
    assert _near(_pixel(fig, 29.2, 48.8), COLOURS["land"], 12)
    # the made-up Russian-held block is drawn held
    assert _share(fig, HELD, COLOURS["held"]) > 0.6
    texts = _texts(fig)
    for name in ("Black Sea", "Sea of Azov", "RUSSIA", "BELARUS", "Kyiv", "Kharkiv", "Odesa", "Dnipro"):
        assert name in [t.strip() for t in texts], f"{name!r} not labelled"
    assert "1 Jun 2023" in texts  # the date, large on the map
    assert any("Made with Natural Earth" in t and "DeepStateMap" in t for t in texts)
    assert count_near(figure_pixels(fig), COLOURS["river"], 12) > 300  # rivers are drawn


def test_labels_never_overlap() -> None:
    fig = _state("2023-06-01T00:00:00Z")
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts
             if t.get_visible() and t.get_text().strip() and t.axes is fig.axes[0]
             and t.get_transform() == fig.axes[0].transData and t.get_fontsize() < 12]  # not the date stamp
    assert len(boxes) > 20
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)


def test_legend_in_plain_words_and_no_layer_ids() -> None:
    fig = _state("2023-06-01T00:00:00Z", layers={"russia:control": HELD, "russia:contested": shapely.box(38.6, 47.6, 38.8, 48.4),
                                                 "ukraine:regained": shapely.box(36.0, 49.5, 36.8, 50.0)})
    legend = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert "Held by Russia (1,234.5 km²)" in legend
    assert "Retaken by Ukraine (1,234.5 km²)" in legend
    assert "Contested (grey zone) (1,234.5 km²)" in legend
    assert any(t.startswith("Sea, lake, reservoir") for t in legend)
    assert not [t for t in _texts(fig) if ":control" in t or ":contested" in t or ":regained" in t]
    # retaken ground is not water-coloured
    assert float(np.linalg.norm(rgb(COLOURS["regained"]) - rgb(COLOURS["water"]))) > 40


@pytest.mark.parametrize(("at", "drawn"), [("2023-06-01T00:00:00Z", True), ("2023-06-20T00:00:00Z", False)])
def test_kakhovka_on_the_map_date(at: str, drawn: bool) -> None:
    from shapely.ops import polylabel

    kak = _kakhovka()
    p = polylabel(max(shapely.get_parts(kak), key=lambda g: g.area), tolerance=0.005)
    ext = maps.Extent(p.x - 1.0, p.y - 0.6, p.x + 1.0, p.y + 0.6)
    fig = _state(at, extent=ext, layers={"russia:control": shapely.box(p.x + 3, p.y + 3, p.x + 3.1, p.y + 3.1)})
    window = shapely.box(p.x - 0.03, p.y - 0.02, p.x + 0.03, p.y + 0.02)
    assert window.within(kak)
    water, land = _share(fig, window, COLOURS["water"], 12), _share(fig, window, COLOURS["land"], 12)
    if drawn:
        assert water > 0.6  # the Dnipro's line runs through it
    else:
        assert water < 0.05 and land > 0.6  # dry land (a river line or a label may cross it)


# ------------------------------------------------------------------------------ real data
@pytest.mark.realdata
def test_region_change_map_gives_the_regions_own_figures(history_store) -> None:
    from frontlines import service

    m = service.change_map_inputs(history_store, start="2022-09-06", end="2022-09-13", region="Kharkiv")
    fig = maps.change_map(m.change, held_before=m.held_before, furniture=dict(m.furniture), extent=m.extent,
                          front_before=m.front_before, front_after=m.front_after,
                          settlements=maps.as_settlements(m.places), context_places=list(m.context))
    # the oblast's own loss, as `frontlines change --by oblast` measures it (region tables, not the map's clip)
    row = next(r for r in service.change(history_store, start="2022-09-06", end="2022-09-13", by="oblast").as_dict()["regions"]
               if r["name"] == "Kharkiv")
    assert row["lost_km2"] > 5000
    title, subtitle = fig.texts[0].get_text(), fig.texts[1].get_text()
    assert title.startswith("Kharkiv: Ukraine retook ") and f"{round(row['lost_km2']):,} km²" in title, title
    assert "6 – 13 September 2022" in subtitle and "in Kharkiv" in subtitle and "T00" not in subtitle
    legend = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert f"Retaken by Ukraine ({row['lost_km2']:,.1f} km² in Kharkiv)" in legend, legend
    assert "Kharkiv (oblast)" in legend


@pytest.mark.realdata
def test_report_in_plain_words_with_phone_figures(history_store) -> None:
    import re

    from frontlines import service
    from frontlines.reports.html import render_report

    inputs = service.report_inputs(history_store, start="2022-09-06", end="2022-09-13", compare=False)
    page = render_report(inputs)
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert "<h1>Ukraine retook " in text and "6 – 13 September 2022" in text
    assert "Captured by Russia" in text and "Retaken by Ukraine" in text
    assert "russia:control" not in text and "<code>" not in text
    # every figure has a phone version, and wide tables scroll instead of overflowing
    assert text.count('<source media="(max-width: 700px)"') >= 3
    assert text.count('<div class="scroll"><table>') >= 2


@pytest.mark.realdata
def test_region_state_map_gives_the_regions_own_figures(history_store) -> None:
    from frontlines import service

    state = service.state_map_inputs(history_store, at="2022-09-10", region="Kharkiv", source="deepstate-history")
    fig = maps.state_map(state.source, state.at.isoformat(), dict(state.layers), furniture=dict(state.furniture),
                         extent=state.extent, areas=dict(state.areas), front=state.front,
                         context_places=list(state.context), published_at=state.map_time)
    # the oblast's own figures, as `frontlines area --by oblast` measures them (region tables, not the map's clip)
    doc = service.area(history_store, at="2022-09-10", source="deepstate-history", layer="russia:control",
                       by="oblast").as_dict()
    row = next(r for r in doc["regions"] if r["name"] == "Kharkiv")
    assert 3000 < row["area_km2"] < 8000
    title, subtitle = fig.texts[0].get_text(), fig.texts[1].get_text()
    assert title == f"Kharkiv: Russia holds {round(row['area_km2']):,} km² on 10 September 2022", title
    assert f"Held by Russia: {row['area_km2']:,.1f} km² of Kharkiv's {round(row['land_area_km2']):,} km²" in subtitle, subtitle
    assert f"({100 * row['share']:.1f} %)" in subtitle or f"({row['share']:.1f} %)" in subtitle
    legend = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert f"Held by Russia ({row['area_km2']:,.1f} km² in Kharkiv)" in legend, legend
    assert any(t.startswith("Contested (grey zone) (") and t.endswith(" km² in Kharkiv)") for t in legend), legend
    assert "Kharkiv (oblast)" in legend
    # the legend fits the figure
    assert all(leg.get_window_extent().x1 <= fig.bbox.width for leg in fig.legends)
