"""DeepStateMap: the raw history layers and the dissolved daily files.

``deepstate-history``
    ``<unix-seconds>.geojson``: a FeatureCollection of every class the map shows
    (Polygons, GeometryCollections, Points), named in Ukrainian and English.
    ``published_at`` is the Unix time in the file name (UTC). Classes are mapped by
    :mod:`frontlines.sources.deepstate_classes`; Points (arrows, unit labels) are
    ignored; unknown names are counted in the snapshot's notes.
``deepstate-daily``
    ``deepstatemap_data_YYYYMMDD.geojson``: one dissolved MultiPolygon of occupied
    territory (occupied + CADR/CALR + Crimea; contested excluded), downloaded at
    about 03:00 UTC on day D and showing the map of the evening of D-1.
    ``published_at`` is D 03:00 UTC (the download time): "state at the end of
    2025-01-01" therefore selects the file dated 2025-01-01.
"""

from __future__ import annotations

import datetime as dt
import re

from frontlines.errors import DateError
from frontlines.model import Snapshot
from frontlines.sources import deepstate_classes
from frontlines.sources._geojson import LayerCollector, PartCache, features_of
from frontlines.sources._payloads import Payload, load_json
from frontlines.sources.base import (
    IngestOptions,
    check_not_before,
    check_not_future,
    compact_date,
)

__all__ = ["DeepStateDaily", "DeepStateHistory"]

# ASCII digits only: ``\d`` would also take full-width and other Unicode digits.
_HISTORY_NAME = re.compile(r"^([0-9]{9,11})\.geojson(\.gz)?$")
_DAILY_NAME = re.compile(r"([0-9]{8})\.geojson(\.gz)?$")


def _classify_history(props: dict) -> tuple[str, object]:
    name = props.get("name")
    if not (name is None or isinstance(name, str)):  # a number or a list: no class of the map, counted as unknown
        return "unknown", f"(name of type {type(name).__name__}: {str(name)[:40]})"
    kind, value = deepstate_classes.classify(name)
    if kind == "unknown":
        return kind, deepstate_classes.normalise_name(name) or "(no name)"
    return kind, value


class DeepStateHistory:
    """Raw DeepState history snapshots."""

    name = "deepstate-history"
    version = 1
    patterns = ("*.geojson",)
    primary = deepstate_classes.CONTROL

    def parse(self, payload: Payload, *, cache: PartCache, options: IngestOptions) -> Snapshot:
        """Read one ``<unix-seconds>.geojson`` snapshot."""
        m = _HISTORY_NAME.match(payload.basename)
        if not m:
            raise DateError(f"{payload.name}: no Unix time in the file name (expected <unix-seconds>.geojson)")
        published = dt.datetime.fromtimestamp(int(m.group(1)), tz=dt.timezone.utc)
        check_not_future(published, name=payload.name, now=options.now)
        check_not_before(published, name=payload.name, not_before=options.not_before)
        collector = LayerCollector(payload.name, cache)
        if not collector.add_raw_features(payload.data, _classify_history):
            doc = load_json(payload.data, name=payload.name)
            collector.add_features(features_of(doc, name=payload.name), _classify_history)
        return collector.snapshot(
            payload, source=options.source_name or self.name, conflict=options.conflict, published_at=published,
            declared=(deepstate_classes.CONTROL, deepstate_classes.CONTESTED, deepstate_classes.REGAINED),
            primary=self.primary,
        )


class DeepStateDaily:
    """Dissolved daily DeepState files (occupied territory only)."""

    name = "deepstate-daily"
    version = 1
    patterns = ("deepstatemap_data_*.geojson", "*.geojson")
    primary = deepstate_classes.CONTROL

    def parse(self, payload: Payload, *, cache: PartCache, options: IngestOptions) -> Snapshot:
        """Read one ``deepstatemap_data_YYYYMMDD.geojson`` file."""
        m = _DAILY_NAME.search(payload.basename)
        if not m:
            raise DateError(f"{payload.name}: no date in the file name (expected deepstatemap_data_YYYYMMDD.geojson)")
        day = compact_date(m.group(1), name=payload.name)
        published = check_not_future(day + dt.timedelta(hours=3), name=payload.name, now=options.now)
        doc = load_json(payload.data, name=payload.name)
        collector = LayerCollector(payload.name, cache)
        collector.add_features(features_of(doc, name=payload.name), lambda _p: ("layer", deepstate_classes.CONTROL))
        return collector.snapshot(
            payload, source=options.source_name or self.name, conflict=options.conflict, published_at=published,
            declared=(deepstate_classes.CONTROL,), primary=self.primary,
        )
