"""Classify the pieces of one change of a selection as fighting or redraw (see :mod:`frontlines.core.redraws`).

The earlier map's front line (``inner``: the edge of control itself, not of the grey zone),
its layer (for ``fills-hole``) and its other layers of the same side (for
``reclassified``) are read from the store; the rules are pure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from frontlines.core.measure import dissolve
from frontlines.core.redraws import Piece, RedrawRules, classify_step
from frontlines.errors import LayerError
from frontlines.model import LayerKey
from frontlines.service.selection import Selection, select
from frontlines.service.where import frontline_at
from frontlines.store import StoreReader

__all__ = ["RECLASSIFIED_FROM", "classify_change"]

#: Statuses of the same side whose ground turning into the layer is a re-labelling.
RECLASSIFIED_FROM = ("advance", "claimed")


def _other_layers(store: StoreReader, sel: Selection, when: dt.datetime) -> list[Any]:
    out = []
    for status in RECLASSIFIED_FROM:
        key = LayerKey(sel.layer.side, status)
        if key == sel.layer:
            continue
        try:
            other = select(store, sel.source, key)
        except LayerError:
            continue
        pos = other.index_at(when)
        if pos is not None:
            out.append(dissolve(list(store.layer_parts(other.timeline[pos][0], key).values())))
    return out


def classify_change(store: StoreReader, sel: Selection, from_id: int, to_id: int, gained: Any, lost: Any, *,
                    rules: RedrawRules = RedrawRules()) -> list[Piece]:
    """Classify the pieces of the change from ``from_id`` to ``to_id`` of a selection."""
    times = {s: t for s, t, _ in sel.timeline}
    t0, t1 = times[from_id], times[to_id]
    _, front = frontline_at(store, sel, t0, mode="inner")  # the edge of control itself, not of the grey zone
    before = dissolve(list(store.layer_parts(from_id, sel.layer).values()))
    return classify_step(gained, lost, front.geometry, days=(t1 - t0).total_seconds() / 86400, rules=rules,
                         other_layers=_other_layers(store, sel, t0), before=before)


