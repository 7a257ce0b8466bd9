"""The real-data figures, on PostgreSQL: the same documents as on SQLite, and the same pinned facts.

``kharkiv_pg`` ingests the same DeepState history files as ``kharkiv_store`` straight
into PostgreSQL; ``monthly_pg`` ingests the DeepState daily files that are the states
at the month boundaries Aug 2024 .. Jul 2025 (a month's change is between those two
states). Figures must agree with SQLite's to 1 m² and keep the facts the SQLite tests
pin (Kharkiv 2022, oblast shares, DeepState monthly nets).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from frontlines import service
from frontlines.service.selection import state_at
from frontlines.store import open_reader, open_writer

TOL = 1e-3  # km²


@pytest.fixture(scope="module")
def kharkiv_pg(pg_server, kharkiv_store, tmp_path_factory):
    url = pg_server.new_database()
    folder = tmp_path_factory.mktemp("kharkiv-pg")
    for info in kharkiv_store.snapshots():
        (folder / info.file_name).write_bytes(kharkiv_store.get_payload(info.content_hash))
    with open_writer(url) as st:
        service.ingest(st, "deepstate-history", [folder])
    store = open_reader(url)
    yield store
    store.close()


@pytest.fixture(scope="module")
def monthly_pg(pg_server, overlap_store, tmp_path_factory):
    sel = service.select(overlap_store, source="deepstate-daily")
    folder = tmp_path_factory.mktemp("monthly-pg")
    for month in range(13):
        year, m = divmod(7 + month, 12)
        when = dt.datetime(2024 + year, m + 1, 1, tzinfo=dt.timezone.utc)
        for strictly in (False, True):
            info = overlap_store.snapshot(state_at(sel, when, strictly_before=strictly))
            (folder / info.file_name).write_bytes(overlap_store.get_payload(info.content_hash))
    url = pg_server.new_database()
    with open_writer(url) as st:
        service.ingest(st, "deepstate-daily", [folder], workers=1)
    store = open_reader(url)
    yield store
    store.close()


def _close(a: Any, b: Any, path: str = "") -> None:
    """Equal documents, floats to TOL (ids may differ between stores: keys named *id* are skipped)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            if k not in ("id", "snapshot_id"):
                _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)):
        assert b == pytest.approx(a, abs=TOL), path
    else:
        assert a == b, path


@pytest.mark.realdata
def test_kharkiv_2022_change_on_postgresql(kharkiv_store, kharkiv_pg):
    doc = service.change(kharkiv_pg, start="2022-09-06", end="2022-09-11", by="oblast").as_dict()
    _close(service.change(kharkiv_store, start="2022-09-06", end="2022-09-11", by="oblast").as_dict(), doc)
    assert doc["lost_km2"] > 7_000 and doc["gained_km2"] < 200
    kharkiv = next(r for r in doc["regions"] if r["name"] == "Kharkiv")
    assert kharkiv["lost_km2"] > 0.95 * doc["lost_km2"]


@pytest.mark.realdata
def test_oblast_shares_on_postgresql(kharkiv_store, kharkiv_pg):
    doc = service.area(kharkiv_pg, at="2022-09-10", by="oblast").as_dict()
    _close(service.area(kharkiv_store, at="2022-09-10", by="oblast").as_dict(), doc)
    total = sum(r["area_km2"] for r in doc["regions"])
    assert total + doc["outside_regions_km2"] == pytest.approx(doc["area_km2"], abs=0.05)
    assert next(r for r in doc["regions"] if r["name"] == "Luhansk")["share"] > 0.97


@pytest.mark.realdata
def test_deepstate_monthly_nets_on_postgresql(overlap_store, monthly_pg):
    # the raw figures: the two stores need not hold the same steps, so their redraws may differ
    kw = dict(source="deepstate-daily", start="2024-08-01", end="2025-07-31", freq="month", include_redraws=True)
    pg = service.series(monthly_pg, **kw).as_dict()["periods"]
    ref = service.series(overlap_store, **kw).as_dict()["periods"]
    assert len(pg) == len(ref) == 12
    for a, b in zip(ref, pg):
        for key in ("start", "end", "area_km2", "gained_km2", "lost_km2", "net_km2"):
            _close(a[key], b[key], f"{a['start']}.{key}")
    year = sum(p["net_km2"] for p in pg)
    assert 3_000 < year < 8_000  # Russian net gains Aug 2024 - Jul 2025 (as on SQLite)
