"""The options of ``POST /api/ingest`` (the CLI's ``ingest`` options), checked as the CLI checks them.

Every bad value is a :class:`~frontlines.errors.UsageError` naming the parameter (HTTP 422).
``--date-from-name`` is not offered over HTTP: a regular expression from a client could
make the server spin (catastrophic backtracking).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query

from frontlines import service
from frontlines.errors import DateError, LayerError, UsageError
from frontlines.model import LayerKey

__all__ = [
    "ConflictQ",
    "DateFieldQ",
    "DateQ",
    "IngestLayerQ",
    "LayerFieldQ",
    "MapQ",
    "SourceNameQ",
    "StrictQ",
    "ingest_options",
]

SourceNameQ = Annotated[str | None, Query(description="Store under this source id (= `--source-name`; `files` needs one).",
                                          max_length=64)]
ConflictQ = Annotated[str, Query(description="Conflict id of the snapshots (= `--conflict`).", max_length=64)]
DateQ = Annotated[str | None, Query(description="files: publication date or ISO time of the file (= `--date`).", max_length=64)]
DateFieldQ = Annotated[str | None, Query(description="files: attribute holding the date (= `--date-field`).", max_length=128)]
IngestLayerQ = Annotated[str | None, Query(description="files: layer SIDE:STATUS of every feature (= `--layer`).", max_length=64)]
LayerFieldQ = Annotated[str | None, Query(description="files: attribute mapped to layers with `map` (= `--layer-field`).",
                                          max_length=128)]
MapQ = Annotated[list[str] | None, Query(description="files: VALUE=SIDE:STATUS or VALUE=none, repeatable (= `--map`).")]
StrictQ = Annotated[bool, Query(description="Reject invalid geometry instead of repairing it (= `--strict`).")]

#: Most ``map`` entries one request may give.
MAX_MAP_ITEMS = 200


def _layer(value: str, name: str) -> LayerKey:
    try:
        return LayerKey.parse(value)
    except LayerError as exc:
        raise UsageError(f"{name}: {exc}", field=name, value=value) from exc


def _layer_map(items: list[str]) -> dict[str, LayerKey | None]:
    if len(items) > MAX_MAP_ITEMS:
        raise UsageError(f"map: at most {MAX_MAP_ITEMS} entries", field="map")
    out: dict[str, LayerKey | None] = {}
    for item in items:
        value, sep, key = item.partition("=")
        if not sep:
            raise UsageError(f"map {item!r} is not VALUE=SIDE:STATUS", field="map", value=item)
        out[value] = None if key.strip().lower() == "none" else _layer(key, "map")
    return out


def ingest_options(*, conflict: str = "ukraine", source_name: str | None = None, date: str | None = None,
                   date_field: str | None = None, layer: str | None = None, layer_field: str | None = None,
                   mapping: list[str] | None = None, strict: bool = False,
                   allow_empty: bool = False) -> service.IngestOptions:
    """The :class:`~frontlines.service.IngestOptions` of one upload.

    Raises
    ------
    UsageError
        A malformed date, layer or map entry.

    Examples
    --------
    >>> ingest_options(source_name="mine", layer="russia:control", date="2025-01-02").layer
    LayerKey(side='russia', status='control')
    """
    try:
        when = service.parse_date_text(date, name="date") if date else None
    except DateError as exc:
        raise UsageError(str(exc), field="date", value=date) from exc
    return service.IngestOptions(
        now=dt.datetime.now(dt.timezone.utc), conflict=conflict, source_name=source_name, date=when,
        date_field=date_field, layer=_layer(layer, "layer") if layer else None, layer_field=layer_field,
        layer_map=_layer_map(mapping or []), strict=strict, allow_empty=allow_empty,
    )
