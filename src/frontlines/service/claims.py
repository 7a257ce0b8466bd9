"""Claim checking against a store: the :class:`~frontlines.claims.evaluate.Measurer` over stored maps.

:func:`check` extracts the claims of a text (:mod:`frontlines.claims`) and evaluates
each against every source in the store. A composite source (:mod:`frontlines.sources.composite`,
e.g. ``deepstate`` = DeepState history, then its daily files) stands in for its members
when the store holds all of them, so a claim spanning both is read from one continuous
series; a member named in ``sources`` is still checked on its own. Places resolve to a region of the conflict's
levels (a gazetteer place resolves to its finest-level region); a place that resolves
to nothing makes the claim unverifiable for that place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from frontlines.claims import CheckReport, ClaimResult, check_text
from frontlines.conflicts import Conflict, default_registry
from frontlines.core.geodesy import area_km2
from frontlines.core.measure import change_geoms, dissolve
from frontlines.core.regions import RegionLayer, clip_areas
from frontlines.errors import FrontlinesError, RegionError
from frontlines.model import STATUSES, LayerKey
from frontlines.service import measure, selection
from frontlines.service.redraws import redraw_ground
from frontlines.service.regions import conflict_of, resolve_region
from frontlines.sources.composite import COMPOSITES, CompositeSource
from frontlines.store import StoreReader

__all__ = ["HELD_STATUSES", "StoreMeasurer", "check"]

#: Layer statuses that count as ground a side holds, in order (the first is the map's own).
HELD_STATUSES: tuple[str, ...] = ("control", "advance")


class StoreMeasurer:
    """Measures a store's layers for the claim evaluator (see ``claims.evaluate.Measurer``).

    Region ids are ``"<kind>:<id>"`` of the conflict's levels, e.g. ``"oblast:UA-14"``.
    ``conflict`` defaults to the conflict of the store's maps. A composite source whose
    members are all stored replaces them in :meth:`sources` (members listed in
    ``requested`` stay); it inherits its first member's source note (e.g. DeepState's
    April 2022). Gained / lost ground, depth and settlements leave map redraws out
    (:mod:`frontlines.service.redraws`) unless ``include_redraws``.
    """

    def __init__(self, store: StoreReader, conflict: Conflict | str | None = None, *,
                 requested: Sequence[str] | None = None, include_redraws: bool = False) -> None:
        self.store = store
        self.include_redraws = include_redraws
        conflict = conflict_of(store) if conflict is None else conflict
        self.conflict = default_registry().get(conflict) if isinstance(conflict, str) else conflict
        self._sources = {name: (first, last) for name, _n, first, last in store.sources()}
        self._composites: dict[str, CompositeSource] = {}
        for comp in COMPOSITES.values():
            if comp.name not in self._sources and all(m in self._sources for m in comp.sources):
                self._composites[comp.name] = comp
        self._hidden = {m for comp in self._composites.values() for m in comp.sources} - set(requested or ())
        for name, comp in self._composites.items():
            try:
                times = selection.select(store, name).times
            except FrontlinesError:
                continue
            self._sources[name] = (times[0], times[-1])
            note = self.conflict.source_notes.get(comp.sources[0])
            if note is not None and name not in self.conflict.source_notes:
                self.conflict = dataclasses.replace(self.conflict,
                                                    source_notes={**self.conflict.source_notes, name: note})
        # Per-check memo of dissolved layers and changes (one check asks for the same maps many times).
        self._memo: dict[tuple[Any, ...], Any] = {}

    # -- coverage -----------------------------------------------------------------------
    def sources(self) -> list[str]:
        """Sources with a ``control`` layer (a complete composite instead of its members)."""
        out = []
        for name in self._sources:
            if name not in self._hidden and any(k.status == "control" for k in self._layers(name)):
                out.append(name)
        return out

    def composite_note(self, source: str) -> str | None:
        """What a composite source is made of (``None`` for a stored source)."""
        comp = self._composites.get(source)
        return comp.note if comp is not None else None

    def _layers(self, source: str) -> list[LayerKey]:
        comp = self._composites.get(source)
        if comp is None:
            return list(self.store.source_layers(source))
        common = set(self.store.source_layers(comp.sources[0]))
        for member in comp.sources[1:]:
            common &= set(self.store.source_layers(member))
        return sorted(common, key=str)

    def coverage(self, source: str) -> tuple[dt.datetime, dt.datetime] | None:
        """First and last publication time of a source."""
        return self._sources.get(source)

    def map_times(self, source: str) -> list[dt.datetime]:
        """Publication times of the source's primary (control) maps."""
        sel = self._primary(source)
        return [] if sel is None else sel.times

    def held_layers(self, source: str, side: str) -> tuple[str, ...]:
        """Statuses of ``side`` that count as held ground: ``control``, and ``advance`` where the source has it."""
        statuses = {k.status for k in self._layers(source) if k.side == side}
        return tuple(st for st in HELD_STATUSES if st in statuses)

    def layer_span(self, source: str, side: str, status: str) -> tuple[dt.datetime, dt.datetime] | None:
        """First and last publication time of one layer."""
        try:
            times = selection.select(self.store, source, LayerKey(side, status)).times
        except FrontlinesError:
            return None
        return (times[0], times[-1]) if times else None

    def settlement_history(
        self, source: str, name: str, start: dt.datetime | None, end: dt.datetime, oblast: str | None
    ) -> list[dict[str, Any]]:
        """Every gazetteer place called ``name``: who held it at ``start`` and at ``end``, when it changed.

        ``held_before`` / ``held_after`` are side ids (the map's side inside its control layer,
        the opponent outside it in a two-sided conflict), ``contested`` or None.
        """
        from frontlines.core.settlements import settlement_status
        from frontlines.service.where import _change_dates, _status_layers

        sel = self._primary(source)
        if sel is None or self.conflict.gazetteer is None:
            return []
        gaz = default_registry().gazetteer(self.conflict)
        hits = gaz.lookup(name, oblast=oblast) if oblast else gaz.lookup(name)
        if not hits:
            return []
        lon = np.asarray([gaz.lon[i] for i in hits])
        lat = np.asarray([gaz.lat[i] for i in hits])
        other = self.conflict.opponent(sel.layer.side)

        def holders(at: dt.datetime | None) -> list[str | None]:
            if at is None:
                return [None] * len(hits)
            layers = _status_layers(self.store, sel, at)
            if layers is None:
                return [None] * len(hits)
            st = settlement_status(lon, lat, layers)
            return [sel.layer.side if x == "control" else "contested" if x == "contested" else other for x in st]

        before, after = holders(start), holders(end)
        out = []
        for k, i in enumerate(hits):
            changed = None
            if start is not None and before[k] != after[k] and sel.index_at(start) is not None:
                status = np.asarray(["control" if after[k] == sel.layer.side else
                                     "contested" if after[k] == "contested" else "none"])
                changed = _change_dates(self.store, sel, start, end, lon[k : k + 1], lat[k : k + 1], status)[0]
            touched = sel.layer.side in (before[k], after[k]) or "contested" in (before[k], after[k])
            out.append({"name": gaz.display_name(i), "id": gaz.ids[i], "held_before": before[k] if touched else None,
                        "held_after": after[k] if touched else None, "changed": changed,
                        "lon": float(gaz.lon[i]), "lat": float(gaz.lat[i])})
        return out

    # -- geometry helpers ------------------------------------------------------------------
    def _selections(self, source: str, side: str, status: str) -> list[selection.Selection] | None:
        sels = []
        for st in status.split("+"):
            if st not in STATUSES:
                return None
            try:
                sels.append(selection.select(self.store, source, LayerKey(side, st)))
            except FrontlinesError:
                if st == "control":
                    return None
                continue  # a missing secondary layer (no contested areas) counts as empty
        return sels or None

    def _state_key(self, sels: list[selection.Selection], at: dt.datetime) -> tuple[Any, ...] | None:
        key: list[Any] = []
        for k, sel in enumerate(sels):
            pos = sel.index_at(at)
            if pos is None and k == 0:
                return None
            key.append((sel.source, str(sel.layer), None if pos is None else sel.timeline[pos][0]))
        return tuple(key)

    def _geometry(self, sels: list[selection.Selection], at: dt.datetime) -> Any | None:
        key = self._state_key(sels, at)
        if key is None:
            return None
        if key not in self._memo:
            pieces = []
            for sel, (_, _, snap) in zip(sels, key):
                if snap is not None:  # a secondary layer not drawn yet counts as empty
                    pieces.extend(self.store.layer_parts(snap, sel.layer).values())
            self._memo[key] = dissolve(pieces)
        return self._memo[key]

    def _region(self, region: str) -> tuple[RegionLayer, int]:
        kind, _, rid = region.partition(":")
        layer = default_registry().region_layer(self.conflict, kind)
        return layer, layer.index(rid)

    def _clip(self, geom: Any, region: str | None) -> float:
        if region is None:
            return area_km2(geom)
        layer, i = self._region(region)
        return float(clip_areas(layer, geom)[i]) if not shapely.is_empty(geom) else 0.0

    # -- Measurer -----------------------------------------------------------------------------
    def area_km2(self, source: str, side: str, status: str, at: dt.datetime, region: str | None) -> float | None:
        """Area of the union of ``status`` layers of ``side`` at ``at`` (in ``region``)."""
        sels = self._selections(source, side, status)
        if sels is None:
            return None
        geom = self._geometry(sels, at)
        return None if geom is None else self._clip(geom, region)

    def change_km2(
        self, source: str, side: str, status: str, start: dt.datetime, end: dt.datetime, region: str | None
    ) -> tuple[float, float] | None:
        """(gained, lost) of the union of layers between two times."""
        sels = self._selections(source, side, status)
        if sels is None:
            return None
        ka, kb = self._state_key(sels, start), self._state_key(sels, end)
        if ka is None or kb is None:
            return None
        memo = ("change", ka, kb, region)
        if memo not in self._memo:
            gained, lost = self.change_geometries(sels, start, end)
            self._memo[memo] = (self._clip(gained, region), self._clip(lost, region))
        return self._memo[memo]

    def change_geometries(self, sels: list[selection.Selection], start: dt.datetime, end: dt.datetime
                          ) -> tuple[Any, Any]:
        """Gained and lost ground (lon/lat) of the union of layers between two times: the ground
        the figures measure (map redraws out unless the measurer includes them)."""
        ka, kb = self._state_key(sels, start), self._state_key(sels, end)
        memo = ("change-geometries", ka, kb)
        if memo not in self._memo:
            gained, lost = change_geoms(self._geometry(sels, start), self._geometry(sels, end))
            self._memo[memo] = self._fighting(sels, ka, kb, gained, lost)
        return self._memo[memo]

    def _fighting(self, sels: list[selection.Selection], ka: tuple[Any, ...], kb: tuple[Any, ...], gained: Any,
                  lost: Any) -> tuple[Any, Any]:
        """Gained and lost ground without the map redraws of each layer's steps in the window
        (:mod:`frontlines.service.redraws`), unless the measurer includes redraws."""
        if self.include_redraws:
            return gained, lost
        for sel, (_, _, a), (_, _, b) in zip(sels, ka, kb):
            if a is None or b is None or a == b:
                continue
            rg = redraw_ground(self.store, sel, a, b, direction="gained")
            rl = redraw_ground(self.store, sel, a, b, direction="lost")
            if not rg.is_empty:
                gained = shapely.difference(gained, rg)
            if not rl.is_empty:
                lost = shapely.difference(lost, rl)
        return gained, lost

    def _primary(self, source: str) -> selection.Selection | None:
        try:
            sel = selection.select(self.store, source)
        except FrontlinesError:
            return None
        return sel if sel.layer.status == "control" else None

    def max_depth_km(self, source: str, side: str, start: dt.datetime, end: dt.datetime, region: str | None) -> float | None:
        """Deepest advance of ``side`` (km from the earlier front line), in ``region``."""
        from frontlines.core.depth import advance_depth
        from frontlines.service.where import frontline_at, substantial

        sel = self._primary(source)
        if sel is None or sel.index_at(start) is None or sel.index_at(end) is None:
            return None
        a, b = selection.state_at(sel, start), selection.state_at(sel, end)
        gained, lost = measure.change_geometries(self.store, sel, a, b)
        moved = gained if side == sel.layer.side else lost
        if not self.include_redraws and a != b:  # depth of advance pieces only
            redraw = redraw_ground(self.store, sel, a, b)
            moved = shapely.difference(moved, redraw) if not redraw.is_empty else moved
        if region is not None:
            layer, i = self._region(region)
            moved = shapely.intersection(moved, layer.geometries[i])
        _, front = frontline_at(self.store, sel, start)
        return float(advance_depth(substantial(moved), front).max_km)

    def settlements_changed(self, source: str, side: str, start: dt.datetime, end: dt.datetime, region: str | None) -> int | None:
        """Settlements that passed into the control of ``side`` (or out of the other side's)."""
        from frontlines.service.where import settlements

        sel = self._primary(source)
        if sel is None or sel.index_at(start) is None or sel.index_at(end) is None:
            return None
        doc = settlements(self.store, start=start, end=end, source=source, region=region,
                          include_redraws=self.include_redraws).as_dict()
        if side == sel.layer.side:
            return sum(1 for s in doc["settlements"] if s["to_status"] == "control")
        return sum(1 for s in doc["settlements"] if s["from_status"] == "control" and s["to_status"] == "none")

    def region_land_area_km2(self, region: str | None) -> float | None:
        """Land area of a region, or of the country."""
        if region is None:
            return area_km2(default_registry().outline(self.conflict))
        layer, i = self._region(region)
        return float(layer.areas[i])

    def resolve_region(self, place: str) -> str | None:
        """A region name of any level (or a gazetteer place's finest-level region) -> region id."""
        try:
            reg = resolve_region(self.conflict, place)
            return f"{reg.kind}:{reg.id}"
        except RegionError:
            pass
        if self.conflict.gazetteer is None:
            return None
        registry = default_registry()
        gaz = registry.gazetteer(self.conflict)
        hits = gaz.lookup(place)
        if hits:
            i = hits[0]
            finest = self.conflict.level_kinds[-1]
            layer = registry.region_layer(self.conflict, finest)
            idx = layer.tree.query(shapely.Point(gaz.lon[i], gaz.lat[i]), predicate="within")
            if len(idx):
                return f"{finest}:{layer.ids[int(idx[0])]}"
        return None


def check(
    store: StoreReader,
    text: str,
    *,
    published: dt.date | dt.datetime | None = None,
    sources: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> CheckReport:
    """Extract the territorial claims of ``text`` and check them against the store.

    Parameters
    ----------
    published : date, optional
        Publication date; default the text's dateline, else ``today``.
    sources : sequence of str, optional
        Restrict to these sources.
    today : date, optional
        Defaults to the current UTC date.
    """
    today = today or dt.datetime.now(dt.timezone.utc).date()
    measurer = StoreMeasurer(store, conflict_of(store, sources[0]) if sources else None, requested=sources)
    report = check_text(text, measurer, published=published, sources=sources, today=today, conflict=measurer.conflict)
    return dataclasses.replace(report, results=tuple(_name_composite(r, measurer) for r in report.results))


def _name_composite(result: ClaimResult, measurer: StoreMeasurer) -> ClaimResult:
    """Add a note saying what the primary reading's composite source is made of."""
    note = measurer.composite_note(result.primary.source) if result.primary is not None else None
    if note is None:
        return result
    return dataclasses.replace(result, notes=(*result.notes, f"{result.primary.source} is a composite source: {note}."))


def evidence_features(store: StoreReader, claim: dict[str, Any]) -> list[dict[str, Any]]:
    """GeoJSON features of the change behind a checked claim's primary (else first central) reading.

    For area claims: the gained and lost ground of the central reading's layer between
    its start and end (clipped to its region), map redraws left out as in the figure. Empty
    for claims without a central reading.
    """
    from frontlines.geojson_out import feature

    readings = [r for rs in (claim.get("readings") or {}).values() for r in rs]
    central = [r for r in readings if r.get("primary")] or [r for r in readings if r.get("central")]
    if not central:
        return []
    r = central[0]
    layer_text = str(r.get("layer", "")).split()[0]
    side, _, status = layer_text.partition(":")
    measurer = StoreMeasurer(store)
    sels = measurer._selections(r["source"], side, status)
    if sels is None:
        return []
    start = dt.datetime.fromisoformat(r["start"].replace("Z", "+00:00"))
    end = dt.datetime.fromisoformat(r["end"].replace("Z", "+00:00"))
    if measurer._state_key(sels, start) is None or measurer._state_key(sels, end) is None:
        return []
    gained, lost = measurer.change_geometries(sels, start, end)  # the ground the figure measures
    if r.get("region"):
        layer, i = measurer._region(r["region"])
        gained = shapely.intersection(gained, layer.geometries[i])
        lost = shapely.intersection(lost, layer.geometries[i])
    base = {"source": r["source"], "layer": layer_text, "from": r["start"], "to": r["end"], "region": r.get("region"),
            "claim": claim["claim"]["sentence"], "verdict": claim["verdict"]}
    return [feature(gained, {**base, "kind": "gained", "area_km2": round(area_km2(gained), 3)}),
            feature(lost, {**base, "kind": "lost", "area_km2": round(area_km2(lost), 3)})]
