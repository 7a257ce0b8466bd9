"""DeepStateMap: the raw history layers and the dissolved daily files.

``deepstate-history``
    ``<unix-seconds>.geojson``: a FeatureCollection of every class the map shows
    (Polygons, GeometryCollections, Points), named in Ukrainian and English.
    ``published_at`` is the Unix time in the file name (UTC), and so is ``map_time``:
    the snapshot is the map as DeepState published it at that instant. Classes are mapped by
    :mod:`frontlines.sources.deepstate_classes`; Points (arrows, unit labels) are
    ignored; unknown names are counted in the snapshot's notes.
``deepstate-daily``
    ``deepstatemap_data_YYYYMMDD.geojson``: one dissolved MultiPolygon of occupied
    territory (occupied + CADR/CALR + Crimea; contested excluded), downloaded at
    about 03:00 UTC on day D and showing the map as it stood at the end of D-1.
    ``published_at`` (``fetched_at``) is D 03:00 UTC, the download time;
    ``map_time`` is the last second of D-1 in Kyiv time (DeepState's days and months
    are Kyiv days), e.g. 2025-03-31T20:59:59Z for ``..._20250401.geojson``. So "the state
    at the end of 2025-03-31", in UTC or in Europe/Kyiv, selects the file dated
    2025-04-01. Checked on the data: a history snapshot published on the evening of D
    matches the daily file of D+1 far better than the file of D
    (tests/sources/test_map_time.py).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

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

__all__ = ["KYIV", "DeepStateDaily", "DeepStateHistory", "daily_map_time"]

# ASCII digits only: ``\d`` would also take full-width and other Unicode digits.
_HISTORY_NAME = re.compile(r"^([0-9]{9,11})\.geojson(\.gz)?$")
_DAILY_NAME = re.compile(r"([0-9]{8})\.geojson(\.gz)?$")

#: DeepState's own days and months are Kyiv days.
KYIV = ZoneInfo("Europe/Kyiv")


def daily_map_time(day: dt.date) -> dt.datetime:
    """Map time of the daily file dated ``day``: the last second of the day before, Kyiv time, in UTC.

    Examples
    --------
    >>> daily_map_time(dt.date(2025, 4, 1)).isoformat()
    '2025-03-31T20:59:59+00:00'
    >>> daily_map_time(dt.date(2025, 1, 2)).isoformat()
    '2025-01-01T21:59:59+00:00'
    """
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=KYIV)
    return (midnight - dt.timedelta(seconds=1)).astimezone(dt.timezone.utc)


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
    #: What the control layer includes (shown beside comparisons of sources).
    includes = ("Crimea and the areas held before 2022 (CADR/CALR) in control; the grey zone (contested) "
                "and ground taken back as separate layers")

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
            collector.add_features(features_of(doc, name=payload.name, allow_empty=options.allow_empty), _classify_history)
        return collector.snapshot(
            payload, source=options.source_name or self.name, conflict=options.conflict, published_at=published,
            declared=(deepstate_classes.CONTROL, deepstate_classes.CONTESTED, deepstate_classes.REGAINED),
            primary=self.primary,
        )


def _classify_daily(_props: dict) -> tuple[str, object]:
    return "layer", deepstate_classes.CONTROL


class DeepStateDaily:
    """Dissolved daily DeepState files (occupied territory only)."""

    name = "deepstate-daily"
    version = 2  # 2: map_time = end of D-1 (Kyiv)
    patterns = ("deepstatemap_data_*.geojson", "*.geojson")
    primary = deepstate_classes.CONTROL
    #: What the control layer includes (shown beside comparisons of sources).
    includes = "Crimea and the areas held before 2022 (CADR/CALR); the grey zone (contested) is left out"

    def parse(self, payload: Payload, *, cache: PartCache, options: IngestOptions) -> Snapshot:
        """Read one ``deepstatemap_data_YYYYMMDD.geojson`` file."""
        m = _DAILY_NAME.search(payload.basename)
        if not m:
            raise DateError(f"{payload.name}: no date in the file name (expected deepstatemap_data_YYYYMMDD.geojson)")
        day = compact_date(m.group(1), name=payload.name)
        published = check_not_future(day + dt.timedelta(hours=3), name=payload.name, now=options.now)
        collector = LayerCollector(payload.name, cache)
        # one MultiPolygon a day, one or two of its polygons redrawn: read against the previous day's
        if not collector.add_redrawn(payload.data, _classify_daily, allow_empty=options.allow_empty):
            doc = load_json(payload.data, name=payload.name)
            collector.add_features(features_of(doc, name=payload.name, allow_empty=options.allow_empty),
                                   _classify_daily, raw=payload.data)
        return collector.snapshot(
            payload, source=options.source_name or self.name, conflict=options.conflict, published_at=published,
            declared=(deepstate_classes.CONTROL,), primary=self.primary,
            map_time=daily_map_time(day.date()),
        )
