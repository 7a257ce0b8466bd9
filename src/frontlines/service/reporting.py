"""The one place in :mod:`frontlines.reports` that reads a store.

It calls :mod:`frontlines.api` (and the pure cores for front lines, depth and
settlements) and hands plain results — API dictionaries, shapely geometries,
lists — to the renderers in :mod:`~frontlines.reports.charts`,
:mod:`~frontlines.reports.maps`, :mod:`~frontlines.reports.animate` and
:mod:`~frontlines.reports.html`, which never see the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import shapely

from frontlines.conflicts import Conflict, default_registry
from frontlines.core.extent import Extent, Settlement, auto_extent
from frontlines.core.geodesy import area_km2
from frontlines.errors import (
    FrontlinesError,
    LayerError,
    SnapshotNotFoundError,
    UsageError,
)
from frontlines.model import LayerKey
from frontlines.results import (
    AnimationInputs,
    ChangeMapInputs,
    Region,
    ReportInputs,
    StateMapInputs,
)
from frontlines.service import measure, selection
from frontlines.service.regions import conflict_of, resolve_region
from frontlines.service.side_by_side import side_by_side
from frontlines.sources.composite import composite
from frontlines.store import StoreReader
from frontlines.times import find_gaps, parse_iso, parse_user_time, utc_text

__all__ = [
    "animation_inputs",
    "parse_bbox",
    "change_map_inputs",
    "changed_places",
    "context_places",
    "front_line",
    "basemap_features",
    "furniture",
    "layer_states",
    "report_inputs",
    "resolve_region",
    "state_map_inputs",
    "view_extent",
]


# ---------------------------------------------------------------------------- regions
def parse_bbox(text: str) -> Extent:
    """A map view from ``WEST,SOUTH,EAST,NORTH`` in degrees (:class:`~frontlines.errors.UsageError` if not)."""
    return Extent.parse(text)


def view_extent(*, bbox: str | None = None, region: Region | None = None, around: tuple[Any, ...] = (),
                fallback: Any = None) -> Extent:
    """The map view: ``--bbox``, else the region, else around the geometries (else ``fallback``)."""
    if bbox is not None and region is not None:
        raise UsageError("give --bbox or --region, not both")
    if bbox is not None:
        return Extent.parse(bbox)
    if region is not None:
        return Extent.of(region.geometry).padded(0.06, 20.0)
    return auto_extent(*around, fallback=fallback)


def furniture(extent: Extent, conflict: Conflict | str) -> dict[str, Any]:
    """Everything drawn under a map's data, for the view ``extent``.

    Keys: ``outline`` (land), ``regions`` / ``region_names`` (first-level borders and
    names), ``subregions`` (second-level borders when the view is under ~350 km), and
    the basemap of the conflict definition: ``home`` (its own country's polygons),
    ``neighbours`` (``[(geometry, name, (label_lon, label_lat))]``), ``water``
    (``[(geometry, name, kind, until)]``, ``until`` the last day a drained body is drawn
    or None), ``rivers`` (``[(geometry, name, scalerank)]``), and ``sides``
    (side id -> display name) for legends in plain words.
    """
    registry = default_registry()
    c = registry.get(conflict)
    ob = registry.region_layer(c, c.level_kinds[0])
    view = extent.box()
    keep = np.flatnonzero(shapely.intersects(ob.geometries, view))
    out: dict[str, Any] = {
        "outline": registry.outline(c),
        "regions": [ob.geometries[i] for i in keep],
        "region_names": [ob.names[i] for i in keep],
        "region_level": c.levels[0].display() if c.levels else "region",  # for the legend ("Oblast border")
        "sides": {s.id: s.name() for s in c.sides},
    }
    if max(extent.size_km()) < 350 and len(c.levels) > 1:
        ra = registry.region_layer(c, c.level_kinds[1])
        rk = np.flatnonzero(shapely.intersects(ra.geometries, view))
        out["subregions"] = [ra.geometries[i] for i in rk]
    out.update(_basemap_in(registry.basemap(c), extent))
    return out


def _focus(furn: dict[str, Any], region: Region | None) -> dict[str, Any]:
    """Furniture with the region a map is about (``focus``: name, kind, geometry), for its own figures and title."""
    if region is not None:
        furn["focus"] = {"name": region.name, "kind": region.kind, "geometry": region.geometry}
    return furn


def _basemap_in(bm: Any, extent: Extent) -> dict[str, Any]:
    """The basemap features touching the view (slightly widened: views are fitted to figures later)."""
    from frontlines.sources.basemap import _until

    w, s, e, n = extent.west, extent.south, extent.east, extent.north
    dx, dy = (e - w) * 0.6, (n - s) * 0.6
    wide = shapely.box(w - dx, s - dy, e + dx, n + dy)

    def near(layer: Any) -> list[int]:
        if not len(layer):
            return []
        return [int(i) for i in np.flatnonzero(shapely.intersects(layer.geometries, wide))]

    home, neighbours = [], []
    for i in near(bm.countries):
        p = bm.countries.properties[i]
        if bm.home is not None and p.get("iso_a2") == bm.home:
            home.append(bm.countries.geometries[i])
        else:
            neighbours.append((bm.countries.geometries[i], bm.countries.names[i],
                               (p.get("label_x"), p.get("label_y"))))
    water = [(bm.water.geometries[i], bm.water.names[i], bm.water.properties[i].get("kind"),
              _until(bm.water.properties[i], "basemap water")) for i in near(bm.water)]
    rivers = [(bm.rivers.geometries[i], bm.rivers.names[i], int(bm.rivers.properties[i].get("scalerank") or 12))
              for i in near(bm.rivers)]
    return {"home": home, "neighbours": neighbours, "water": water, "rivers": rivers}


def _inner_points(geom: Any) -> list[list[float]]:
    """Label candidates well inside a country's largest piece: its pole of inaccessibility, then its
    quarter points that fall inside (a map showing only part of a country can still name it)."""
    from shapely.ops import polylabel

    big = max(shapely.get_parts(geom), key=lambda g: g.area)
    p = polylabel(big, tolerance=0.05)
    out = [[round(p.x, 3), round(p.y, 3)]]
    w, s, e, n = big.bounds
    for fx, fy in ((0.25, 0.5), (0.75, 0.5), (0.5, 0.25), (0.5, 0.75), (0.25, 0.25), (0.25, 0.75), (0.75, 0.25), (0.75, 0.75)):
        x, y = w + (e - w) * fx, s + (n - s) * fy
        if big.contains(shapely.Point(x, y)):
            out.append([round(x, 3), round(y, 3)])
    return out


def basemap_features(conflict: Conflict | str, *, at: dt.date | None = None) -> list[tuple[Any, dict[str, Any]]]:
    """The whole basemap of a conflict as ``(geometry, properties)`` pairs, water as it was on ``at``.

    Properties: ``layer`` (``country``, ``water``, ``river``), ``name``, and ``home``
    (countries), ``kind`` and ``until`` (water: the last day a drained body is drawn, or
    None), ``scalerank`` (rivers). Without ``at`` every body of water is given (a client
    hides those past their ``until``). For the web map.
    """
    bm = default_registry().basemap(conflict)
    out: list[tuple[Any, dict[str, Any]]] = []
    for g, name, p in zip(bm.countries.geometries, bm.countries.names, bm.countries.properties):
        out.append((g, {"layer": "country", "name": name, "home": bm.home is not None and p.get("iso_a2") == bm.home,
                        "label_x": p.get("label_x"), "label_y": p.get("label_y"), "inner_points": _inner_points(g)}))
    water = bm.water_on(at) if at is not None else bm.water
    for g, name, p in zip(water.geometries, water.names, water.properties):
        out.append((g, {"layer": "water", "name": name, "kind": p.get("kind"), "until": p.get("until")}))
    for g, name, p in zip(bm.rivers.geometries, bm.rivers.names, bm.rivers.properties):
        out.append((g, {"layer": "river", "name": name, "scalerank": p.get("scalerank")}))
    return out


# -------------------------------------------------------------------------- places
def _gazetteer(conflict: Conflict | str) -> Any:
    return default_registry().gazetteer(conflict)


def changed_places(gained: Any, lost: Any, conflict: Conflict | str, *, within: Any | None = None) -> list[dict[str, Any]]:
    """Gazetteer places inside the gained or lost ground, most populous first.

    Each: ``{"name", "region", "subregion", "population", "lon", "lat", "status"}`` where
    ``region`` / ``subregion`` are the names of its first- and second-level regions and
    ``status`` is ``"gained"`` or ``"lost"`` (from the measured layer's point of view).
    """
    gz = _gazetteer(conflict)
    # Through Gazetteer.within: shapely's intersects_xy would prepare ``within`` (often a
    # shared region geometry) in place.
    inside = None if within is None else set(gz.within(within).tolist())
    rows = []
    for status, geom in (("gained", gained), ("lost", lost)):
        if geom is None or shapely.is_empty(geom):
            continue
        for i in gz.within(geom):
            if inside is not None and int(i) not in inside:
                continue
            rows.append({"name": gz.display_name(int(i)), "short_name": gz.names[i], "region": gz.oblasts[i],
                         "subregion": gz.raions[i], "population": int(gz.population[i]),
                         "lon": float(gz.lon[i]), "lat": float(gz.lat[i]), "status": status})
    rows.sort(key=lambda r: (-r["population"], r["name"]))
    return rows


def context_places(extent: Extent, conflict: Conflict | str, *, min_population: int = 20_000,
                   exclude: set[str] = frozenset(), limit: int = 30) -> list[Settlement]:
    """The largest places in view, for orientation."""
    gz = _gazetteer(conflict)
    sel = np.flatnonzero((gz.lon > extent.west) & (gz.lon < extent.east) & (gz.lat > extent.south)
                         & (gz.lat < extent.north) & (gz.population >= min_population))
    sel = sel[np.argsort(-gz.population[sel])][:limit]
    return [Settlement(gz.names[i], float(gz.lon[i]), float(gz.lat[i]), int(gz.population[i]))
            for i in sel if gz.names[i] not in exclude]


# ---------------------------------------------------------------------- front lines
def front_line(store: StoreReader, *, at: Any, source: str, layer: str) -> dict[str, Any] | None:
    """The line of contact of a ``SIDE:control`` layer at a time: ``{"geometry", "length_km", "mode"}``.

    Same figures as ``frontlines frontline`` (:func:`frontlines.where.frontline`);
    ``None`` for a layer that is not a control layer.
    """
    from frontlines.service.where import frontline

    if LayerKey.parse(layer).status != "control":
        return None
    line = frontline(store, at=at, source=source, layer=layer, geometry=True)
    return {"geometry": line.geometry, "length_km": round(line.length_km, 3), "mode": line.mode}


def depth_of(gained: Any, front: dict[str, Any] | None) -> dict[str, Any] | None:
    """Depth of gained ground beyond the earlier front, as ``change --depth`` computes it, or None.

    Pieces under :data:`frontlines.where.MIN_DEPTH_PIECE_KM2` are left out, like the CLI does.
    """
    from frontlines.core.depth import advance_depth
    from frontlines.service.where import substantial

    if front is None or gained is None or shapely.is_empty(gained):
        return None
    return advance_depth(substantial(gained), front["geometry"]).as_dict()


def far_behind(geom: Any, front: dict[str, Any] | None, conflict: Conflict | str, *, km: float = 10.0) -> dict[str, Any] | None:
    """Pieces of gained (or lost) ground lying wholly more than ``km`` from the earlier front line.

    Ground taken in fighting touches the line it was taken across; a piece detached
    from it by more than ``km`` is usually the map redrawing an edge (a coastline, an
    old line of control) and inflates depth figures. Returns
    ``{"km", "area_km2", "pieces", "regions": [(first-level region, km²), ...]}`` or None when there is none.
    """
    if front is None or geom is None or shapely.is_empty(geom) or shapely.is_empty(front["geometry"]):
        return None
    from frontlines.core.geodesy import from_equal_area, to_equal_area
    from frontlines.core.regions import clip_areas

    w, s, e, n = shapely.bounds(geom)
    centre = ((w + e) / 2, (s + n) / 2)
    parts = shapely.get_parts(to_equal_area(geom, centre))
    front_p = to_equal_area(front["geometry"], centre)
    far = parts[shapely.distance(parts, front_p) > km * 1000.0]
    area = float(shapely.area(far).sum()) / 1e6 if len(far) else 0.0
    if area < 0.5:
        return None
    far_ll = shapely.make_valid(from_equal_area(shapely.union_all(far), centre))
    c = default_registry().get(conflict)
    ob = default_registry().region_layer(c, c.level_kinds[0])
    per = clip_areas(ob, far_ll)
    regions = sorted(((ob.names[i], round(float(per[i]), 1)) for i in np.flatnonzero(per >= 0.5)), key=lambda r: -r[1])
    return {"km": km, "area_km2": round(area, 3), "pieces": len(far), "regions": regions}


# ---------------------------------------------------------------------- report data
def auto_freq(start: dt.datetime, end: dt.datetime) -> str:
    """Bars per day up to ~6 weeks, per week up to ~9 months, else per month."""
    days = (end - start).total_seconds() / 86400
    return "day" if days <= 45 else "week" if days <= 270 else "month"


def _gaps_in(times: list[dt.datetime], t0: dt.datetime, t1: dt.datetime) -> list[tuple[str, str, float]]:
    return [(utc_text(a), utc_text(b), round((b - a).total_seconds() / 86400, 2))
            for a, b in find_gaps(times) if b > t0 and a < t1]


def report_inputs(
    store: StoreReader,
    *,
    start: str,
    end: str,
    source: str | None = None,
    layer: str | None = None,
    region: str | None = None,
    bbox: str | None = None,
    freq: str | None = None,
    compare: bool = True,
    tz: str = "UTC",
) -> ReportInputs:
    """Collect the results a report shows for ``[start, end]``."""
    conflict = conflict_of(store, selection.select(store, source, layer).source)
    levels = conflict.level_kinds
    change = measure.change(store, start=start, end=end, source=source, layer=layer, by=levels[0], geometry=True, tz=tz)
    source, layer = change.source, change.layer
    t0, t1 = change.start, change.end
    freq = freq or auto_freq(t0, t1)
    ser = measure.series(store, start=start, end=end, freq=freq, source=source, layer=layer, tz=tz).as_dict()
    sel = selection.select(store, source, layer)
    times = {source: sel.times}
    held_before = measure.layer_geometry(store, at=start, source=source, layer=layer, tz=tz)[1]
    reg = resolve_region(conflict, region) if region else None
    gained, lost = change.gained, change.lost
    extent = view_extent(bbox=bbox, region=reg, around=(gained, lost), fallback=held_before)
    inputs = ReportInputs(change=change, series=ser, area_series=[ser], snapshot_times=times, held_before=held_before,
                          extent=extent, furniture=_focus(furniture(extent, conflict), reg), conflict=conflict, region=reg)
    if reg is not None:
        g, l = area_km2(shapely.intersection(gained, reg.geometry)), area_km2(shapely.intersection(lost, reg.geometry))
        inputs.region_change = {"name": reg.name, "kind": reg.kind, "gained_km2": round(g, 3),
                                "lost_km2": round(l, 3), "net_km2": round(g - l, 3)}
        if reg.kind == levels[0] and len(levels) > 1:
            sub = measure.change(store, start=start, end=end, source=source, layer=layer, by=levels[1], tz=tz).as_dict()
            inputs.subregion_rows = [r for r in sub["regions"] if r.get("parent") == reg.id]
    inputs.front_before = front_line(store, at=start, source=source, layer=layer)
    inputs.front_after = front_line(store, at=end, source=source, layer=layer)
    inputs.depth_gained = depth_of(gained, inputs.front_before)
    inputs.depth_lost = depth_of(lost, inputs.front_before)
    inputs.far_gained = far_behind(gained, inputs.front_before, conflict)
    inputs.far_lost = far_behind(lost, inputs.front_before, conflict)
    inputs.places = changed_places(gained, lost, conflict, within=reg.geometry if reg else None)
    inputs.context = context_places(extent, conflict, exclude={p["short_name"] for p in inputs.places})
    inputs.gaps = _gaps_in(sel.times, t0, t1)
    inputs.notes = _snapshot_notes(store, source, t0, t1)
    if compare:
        inputs.other_sources = _other_sources(store, source, layer, start, end, freq, tz, inputs)
        inputs.side_by_side = side_by_side(
            store, source=source, layer=layer, start=start, end=end, freq=freq, tz=tz,
            frame=lambda geoms: _frame(geoms, conflict, extent))
    return inputs


def _frame(geoms: tuple[Any, ...], conflict: Conflict, fallback: Extent) -> tuple[Extent, dict[str, Any]]:
    """View and furniture of a disagreement map (the report's view when the sources agree everywhere)."""
    shown = [g for g in geoms if g is not None and not shapely.is_empty(g)]
    extent = auto_extent(*shown) if shown else fallback
    return extent, furniture(extent, conflict)


def _snapshot_notes(store: StoreReader, source: str, t0: dt.datetime, t1: dt.datetime) -> list[dict[str, Any]]:
    """Snapshots of the period (and the state at the start) whose ingest left notes."""
    out = []
    snaps = selection.snapshots(store, source)
    start_i = 0
    for i, s in enumerate(snaps):
        if parse_iso(s["map_time"]) <= t0:
            start_i = i
    for s in snaps[start_i:]:
        if parse_iso(s["map_time"]) > t1:
            break
        notes = s.get("notes") or {}
        keep = {k: v for k, v in notes.items() if k in ("repaired", "unknown_classes", "dropped", "warnings") and v}
        if keep:
            out.append({"published_at": s["published_at"], "file_name": s["file_name"], **keep})
    return out


def _other_sources(store: StoreReader, source: str, layer: str, start: str, end: str, freq: str, tz: str,
                   inputs: ReportInputs) -> list[dict[str, Any]]:
    """The same layer from every other source covering the period: change and area, for comparison."""
    out = []
    comp = composite(source)
    for s in selection.sources(store):
        name = s["source"]
        if name == source or layer not in s["layers"] or (comp is not None and name in comp.sources):
            continue  # a composite's members are its own maps
        try:
            sel = selection.select(store, name, layer)
            t0 = parse_user_time(start, tz=tz)
            if sel.index_at(t0) is None:
                continue
            other = measure.change(store, start=start, end=end, source=name, layer=layer, tz=tz).as_dict()
            ser = measure.series(store, start=start, end=end, freq=freq, source=name, layer=layer, tz=tz).as_dict()
        except FrontlinesError:
            continue
        inputs.area_series.append(ser)
        inputs.snapshot_times[name] = sel.times
        out.append({k: other[k] for k in ("source", "layer", "area_from_km2", "area_to_km2", "gained_km2",
                                           "lost_km2", "net_km2", "from_snapshot", "to_snapshot")})
    return out


def layer_states(store: StoreReader, times: list[dt.datetime], *, source: str | None, layer: str | None,
                 ) -> Any:
    """``(time, geometry)`` of the layer at each time (a generator; consecutive equal states are reused)."""
    sel = selection.select(store, source, layer)
    last_sid = None
    geom = None
    for when in times:
        sid = selection.state_at(sel, when)
        if sid != last_sid:
            geom = measure.layer_geometry(store, at=when, source=sel.source, layer=str(sel.layer))[1]
            last_sid = sid
        yield when, geom


# ------------------------------------------------------------------------ maps, animations
def state_map_inputs(store: StoreReader, *, at: str, source: str | None = None, layer: str | None = None,
                     bbox: str | None = None, region: str | None = None, front: bool = True,
                     tz: str = "UTC") -> StateMapInputs:
    """Every layer of a source on one date, with the view, its furniture and the front line."""
    sel = selection.select(store, source, layer)
    conflict = conflict_of(store, sel.source)
    info, _ = measure.layer_geometry(store, at=at, source=sel.source, layer=str(sel.layer), tz=tz)
    reg = resolve_region(conflict, region) if region else None
    layers: dict[str, Any] = {}
    areas: dict[str, float] = {}
    for key in info.layers:
        try:
            layers[str(key)] = measure.layer_geometry(store, at=at, source=sel.source, layer=str(key), tz=tz)[1]
            areas[str(key)] = measure.area(store, at=at, source=sel.source, layer=str(key), tz=tz).area_km2
        except (LayerError, SnapshotNotFoundError):
            continue  # a layer this snapshot has but the timeline cannot serve at this date
    # A country map frames the whole country (stray far-away features of a layer do not widen it).
    extent = view_extent(bbox=bbox, region=reg) if bbox is not None or reg is not None else \
        Extent.of(default_registry().outline(conflict)).padded(0.04, 20.0)
    line = front_line(store, at=at, source=sel.source, layer=str(sel.layer)) if front else None
    return StateMapInputs(source=sel.source, at=parse_user_time(at, tz=tz), map_time=info.as_dict()["map_time"],
                          layers=layers, areas=areas, extent=extent, furniture=_focus(furniture(extent, conflict), reg),
                          front=line["geometry"] if line else None, context=tuple(context_places(extent, conflict)))


def change_map_inputs(store: StoreReader, *, start: str, end: str, source: str | None = None,
                      layer: str | None = None, bbox: str | None = None, region: str | None = None,
                      front: bool = True, tz: str = "UTC") -> ChangeMapInputs:
    """Ground gained and lost between two dates, the layer at the start, the view and the places."""
    change = measure.change(store, start=start, end=end, source=source, layer=layer, tz=tz, geometry=True)
    held = measure.layer_geometry(store, at=start, source=change.source, layer=change.layer, tz=tz)[1]
    conflict = conflict_of(store, change.source)
    reg = resolve_region(conflict, region) if region else None
    extent = view_extent(bbox=bbox, region=reg, around=(change.gained, change.lost), fallback=held)
    before = front_line(store, at=start, source=change.source, layer=change.layer) if front else None
    after = front_line(store, at=end, source=change.source, layer=change.layer) if front else None
    places = changed_places(change.gained, change.lost, conflict)
    return ChangeMapInputs(change=change, held_before=held, extent=extent, furniture=_focus(furniture(extent, conflict), reg),
                           front_before=before["geometry"] if before else None,
                           front_after=after["geometry"] if after else None, places=tuple(places),
                           context=tuple(context_places(extent, conflict, exclude={p["short_name"] for p in places})))


def animation_inputs(store: StoreReader, times: list[dt.datetime], *, start: str, end: str,
                     source: str | None = None, layer: str | None = None, bbox: str | None = None,
                     region: str | None = None, tz: str = "UTC") -> AnimationInputs:
    """The view of an animation and the layer's state at each frame time."""
    sel = selection.select(store, source, layer)
    conflict = conflict_of(store, sel.source)
    reg = resolve_region(conflict, region) if region else None
    if bbox is None and reg is None:
        change = measure.change(store, start=start, end=end, source=sel.source, layer=str(sel.layer), tz=tz,
                                geometry=True)
        held = measure.layer_geometry(store, at=start, source=sel.source, layer=str(sel.layer), tz=tz)[1]
        extent = view_extent(around=(change.gained, change.lost), fallback=held)
    else:
        extent = view_extent(bbox=bbox, region=reg)
    return AnimationInputs(source=sel.source, layer=str(sel.layer), extent=extent, furniture=_focus(furniture(extent, conflict), reg),
                           context=tuple(context_places(extent, conflict)),
                           frames=layer_states(store, times, source=sel.source, layer=str(sel.layer)))
