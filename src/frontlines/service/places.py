"""Places: which settlement a name means (all name forms, namesakes), with its status on a date."""

from __future__ import annotations

from typing import Any

import numpy as np

from frontlines.conflicts import default_registry
from frontlines.core.settlements import settlement_status
from frontlines.errors import LayerError
from frontlines.model import LayerKey
from frontlines.results import PlacesResult, SettlementRow
from frontlines.service import selection
from frontlines.service.regions import conflict_of
from frontlines.service.where import _status_layers, frontline_at
from frontlines.store import StoreReader
from frontlines.times import parse_user_time

__all__ = ["places"]


def places(
    store: StoreReader,
    name: str,
    *,
    at: selection.TimeLike | None = None,
    source: str | None = None,
    layer: str | LayerKey | None = None,
    oblast: str | None = None,
    raion: str | None = None,
    hromada: str | None = None,
    limit: int = 10,
    tz: str = "UTC",
) -> PlacesResult:
    """The settlements a name may mean, ranked, and the one it means when the context decides.

    ``name`` may be any recorded form (English, Ukrainian, Russian, former or other
    names, other romanisations, declined Ukrainian / Russian forms: see
    :mod:`frontlines.sources.gazetteer`). Candidates agreeing with the named region
    (the conflict's first three levels, by name or id) come first; with ``at``, the
    rest are ranked by distance to the layer's front line on that date, then by
    population, and each carries its status then (``control``, ``contested`` or
    ``none``).
    """
    conflict = conflict_of(store, source)
    gaz = default_registry().gazetteer(conflict)
    when = parse_user_time(at, tz=tz) if at is not None else None
    near = None
    status: np.ndarray | None = None
    sel = None
    if when is not None:
        sel = selection.select(store, source, layer)
        if sel.layer.status != "control":
            raise LayerError(f"settlement status needs a control layer, not {sel.layer}")
        near = frontline_at(store, sel, when)[1].geometry
    match = gaz.resolve(name, oblast=oblast, raion=raion, hromada=hromada, near=near, limit=limit)
    idx = [c.index for c in match.candidates]
    if sel is not None and when is not None and idx:
        layers = _status_layers(store, sel, when)
        if layers is None:
            selection.state_at(sel, when)  # raises with the coverage in the message
        status = settlement_status(gaz.lon[idx], gaz.lat[idx], layers)
    level1, level2, level3 = (*conflict.level_kinds, "", "")[:3]
    rows = []
    for k, c in enumerate(match.candidates):
        i = c.index
        admin = {level1: gaz.oblasts[i], **({level2: gaz.raions[i]} if level2 else {}),
                 **({level3: gaz.hromadas[i]} if level3 and gaz.hromadas[i] else {})}
        rows.append(SettlementRow(id=gaz.ids[i], name=gaz.names[i], display_name=c.display_name,
                                  population=int(gaz.population[i]), lon=float(gaz.lon[i]), lat=float(gaz.lat[i]),
                                  admin=admin, status=None if status is None else str(status[k]), **gaz.describe(i)))
    best = None if match.best is None else gaz.ids[match.best]
    extra: dict[str, Any] = {}
    if sel is not None:
        extra = {"source": sel.source, "layer": str(sel.layer), "at": when}
    return PlacesResult(query=name, how=match.how, best=best, reason=match.reason, candidates=tuple(rows),
                        distances_km=tuple(c.distance_km for c in match.candidates),
                        matches=tuple(c.matches for c in match.candidates), **extra)
