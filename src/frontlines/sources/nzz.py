"""NZZ maps (based on liveuamap): Russian-held area per update window.

Each file ``nzz_<date>.json[.gz]`` is ``{"value": FeatureCollection}`` whose
features are typed ``nochange``, ``gains`` or ``losses`` and carry the update
window ``_datefrom`` / ``_dateto``. The area held at the end of the window is
``nochange + gains`` (``russia:control``); ``gains`` is also kept as
``russia:advance`` and ``losses`` as ``ukraine:regained``. Crimea is not included.
``published_at`` is 23:00 UTC of ``_dateto``, and so is ``map_time`` (the map shows
the end of the update window).
"""

from __future__ import annotations

import datetime as dt

from frontlines.errors import DateError, SourceFormatError
from frontlines.model import LayerKey, Snapshot
from frontlines.sources._geojson import (
    LayerCollector,
    PartCache,
    features_of,
    properties_of,
)
from frontlines.sources._payloads import Payload, load_json
from frontlines.sources.base import IngestOptions, check_not_future

__all__ = ["NZZ"]

CONTROL = LayerKey("russia", "control")
ADVANCE = LayerKey("russia", "advance")
REGAINED = LayerKey("ukraine", "regained")


class NZZ:
    """NZZ update-window files."""

    name = "nzz"
    version = 1
    patterns = ("nzz_*.json",)
    primary = CONTROL
    #: What the control layer includes (shown beside comparisons of sources).
    includes = "the areas held before 2022 and the ground taken since (nochange + gains); Crimea is not included"

    def parse(self, payload: Payload, *, cache: PartCache, options: IngestOptions) -> Snapshot:
        """Read one NZZ snapshot file."""
        doc = load_json(payload.data, name=payload.name)
        if isinstance(doc, dict) and "value" in doc:
            doc = doc["value"]
        features = features_of(doc, name=payload.name)
        ends = {str(properties_of(f, i, name=payload.name).get("_dateto") or "") for i, f in enumerate(features)}
        ends.discard("")
        if not ends:
            raise DateError(f"{payload.name}: no _dateto in any feature; cannot date this snapshot")
        try:
            end = max(dt.date.fromisoformat(e[:10]) for e in ends)
        except ValueError as exc:
            raise DateError(f"{payload.name}: unreadable _dateto {sorted(ends)!r}") from exc
        published = dt.datetime(end.year, end.month, end.day, 23, tzinfo=dt.timezone.utc)
        check_not_future(published, name=payload.name, now=options.now)

        def classify(props: dict) -> tuple[str, object]:
            kind = props.get("type")
            if kind in ("nochange", "gains"):
                return "layer", CONTROL
            if kind == "losses":
                return "layer", REGAINED
            return "unknown", f"type={kind!r}"

        collector = LayerCollector(payload.name, cache)
        collector.add_features(features, classify)
        gains = LayerCollector(payload.name, cache)
        gains.add_features(features, lambda p: ("layer", ADVANCE) if p.get("type") == "gains" else ("excluded", "n/a"))
        if not collector.layers.get(CONTROL):
            raise SourceFormatError(f"{payload.name}: no nochange or gains polygons")
        collector.layers[ADVANCE] = gains.layers.get(ADVANCE, [])
        return collector.snapshot(
            payload, source=options.source_name or self.name, conflict=options.conflict, published_at=published,
            declared=(CONTROL, ADVANCE, REGAINED), primary=CONTROL,
        )
