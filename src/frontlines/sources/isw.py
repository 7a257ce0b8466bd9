"""ISW / Critical Threats daily ArcGIS layers.

Files are named ``YYYYMMDD_<Layer>.geojson[.gz]``; each file is one layer, and a
snapshot of source ``isw`` holds that one layer. The state of a layer at time T is
the latest ISW file *of that layer* at or before T. ``published_at`` is 23:00 UTC of
the file date: ISW publishes its assessment in the US evening of that day; ``map_time``
is the same instant (the assessment describes that day).

============================== ==================
ISW layer                      frontlines layer
============================== ==================
RussianAssessedCoTinUkraine    ``russia:control`` (primary; includes Crimea and pre-2022 areas)
RussianClaimedCoTinUkraine     ``russia:claimed``
RussianAssessedAdvanceinUkraine ``russia:advance``
UkrainianClaimedCounterOffensives ``ukraine:claimed``
UkrainianReportedPartisanWarfare ``ukraine:other``
RussianControlledBefore2022    ``russia:other`` (held before 24 February 2022; synced layer)
============================== ==================
"""

from __future__ import annotations

import datetime as dt
import re

from frontlines.errors import DateError, UnknownClassError
from frontlines.model import LayerKey, Snapshot
from frontlines.sources._geojson import LayerCollector, PartCache, features_of
from frontlines.sources._payloads import Payload, load_json
from frontlines.sources.base import IngestOptions, check_not_future, compact_date

__all__ = ["ISW", "ISW_LAYERS"]

ISW_LAYERS: dict[str, LayerKey] = {
    "RussianAssessedCoTinUkraine": LayerKey("russia", "control"),
    "RussianClaimedCoTinUkraine": LayerKey("russia", "claimed"),
    "RussianAssessedAdvanceinUkraine": LayerKey("russia", "advance"),
    "UkrainianClaimedCounterOffensives": LayerKey("ukraine", "claimed"),
    "UkrainianReportedPartisanWarfare": LayerKey("ukraine", "other"),
    "RussianControlledBefore2022": LayerKey("russia", "other"),
}

_NAME = re.compile(r"^([0-9]{8})_([A-Za-z]+)\.geojson(\.gz)?$")


class ISW:
    """ISW / CTP layer files."""

    name = "isw"
    version = 1
    patterns = ("*_*.geojson",)
    primary = LayerKey("russia", "control")
    #: What the control layer includes (shown beside comparisons of sources).
    includes = ("assessed control, with Crimea and the areas held before 2022; assessed advances and "
                "claims are separate layers")
    #: zstd level of the stored raw files: a layer redrawn whole compresses little better against
    #: another day's than on its own, so the default level 3 buys ~10 % (W3's 59 layers: 30.0 MB at
    #: level 1, 27.2 MB at 3) for twice the CPU (0.27 vs 0.52 s, in the parse processes).
    payload_level = 1

    def parse(self, payload: Payload, *, cache: PartCache, options: IngestOptions) -> Snapshot:
        """Read one ``YYYYMMDD_<Layer>.geojson`` file."""
        m = _NAME.match(payload.basename)
        if not m:
            raise DateError(f"{payload.name}: file name is not YYYYMMDD_<Layer>.geojson")
        layer = ISW_LAYERS.get(m.group(2))
        if layer is None:
            raise UnknownClassError(
                f"{payload.name}: unknown ISW layer {m.group(2)!r}; known: {', '.join(ISW_LAYERS)}"
            )
        day = compact_date(m.group(1), name=payload.name)
        published = check_not_future(day + dt.timedelta(hours=23), name=payload.name, now=options.now)
        doc = load_json(payload.data, name=payload.name)
        collector = LayerCollector(payload.name, cache)
        collector.add_features(features_of(doc, name=payload.name, allow_empty=options.allow_empty), lambda _p: ("layer", layer),
                               raw=payload.data)
        return collector.snapshot(
            payload, source=options.source_name or self.name, conflict=options.conflict, published_at=published,
            declared=(layer,), primary=self.primary,
        )
