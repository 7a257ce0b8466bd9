"""The bundled demo: DeepState daily files 2024-07 .. 2026-08, ingested into a fresh store.

The archive ``data/demo/deepstate-daily-2024-2026.tar.xz`` is GPL-3.0
(github.com/cyterat/deepstate-map-data); map content © DeepStateMap. See
``data/demo/NOTICE.md``.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

from frontlines.service.measure import area, change, series
from frontlines.service.pipeline import IngestReport, ingest
from frontlines.service.selection import select
from frontlines.store import StoreReader, StoreWriter

__all__ = ["DEMO_SOURCE", "demo_archive", "demo_summary", "ingest_demo"]

DEMO_SOURCE = "deepstate-daily"


def demo_archive() -> Path:
    """Path of the bundled demo archive."""
    return Path(str(resources.files("frontlines").joinpath("data", "demo", "deepstate-daily-2024-2026.tar.xz")))


def ingest_demo(store: StoreWriter, **kwargs: Any) -> IngestReport:
    """Ingest the demo archive (idempotent: a second run adds nothing)."""
    return ingest(store, "deepstate-daily", [demo_archive()], **kwargs)


def demo_summary(store: StoreReader) -> dict[str, Any]:
    """Latest area, change over the last 7 / 30 / 365 days, monthly figures of the last year."""
    sel = select(store, DEMO_SOURCE)
    last = sel.timeline[-1][1]
    at = last.strftime("%Y-%m-%dT%H:%M:%S")
    out: dict[str, Any] = {"latest": area(store, at=at, source=DEMO_SOURCE).as_dict(), "changes": []}
    for days in (7, 30, 365):
        start = (last - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")
        doc = change(store, start=start, end=at, source=DEMO_SOURCE).as_dict()
        doc["window_days"] = days
        out["changes"].append(doc)
    first_month = (last.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    out["monthly"] = series(store, start=first_month.date().isoformat(), end=last.date().isoformat(),
                                freq="month", source=DEMO_SOURCE).as_dict()
    out["daily"] = series(store, start=sel.timeline[0][1].date().isoformat(), end=last.date().isoformat(),
                              freq="day", source=DEMO_SOURCE).as_dict()
    return out
