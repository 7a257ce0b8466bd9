"""ISW sync: discovered ArcGIS layers, paged queries, change detection by lastEditDate."""

from __future__ import annotations

import orjson
import pytest

from frontlines import service
from frontlines.service.sync import SyncOptions, sync
from frontlines.sources.fetch.arcgis import LICENCE
from frontlines.sources.fetch.http import FetchSettings
from frontlines.sources.isw import ISW_LAYERS
from frontlines.store import MemoryStore
from tests.conftest import require_data
from tests.sync.conftest import ISW_DAY, ISW_EDIT_MS, ISW_SERVICES

pytestmark = pytest.mark.realdata
FAST = FetchSettings(timeout=5, retries=3, backoff=0.01, max_backoff=0.05, rate=0, concurrency=2)


def opts(server, **kw) -> SyncOptions:
    return SyncOptions(base_url=server.arcgis_url, fetch=FAST, **kw)


def figures(store, source: str = "isw") -> dict[tuple[str, str], float]:
    return {(when.isoformat(), str(layer)): area
            for layer in store.source_layers(source) for _, when, area in store.layer_timeline(source, layer)}


def test_sync_equals_file_ingest_and_second_run_fetches_nothing(server) -> None:
    st = MemoryStore()
    report = sync(st, "isw", options=opts(server, page_size=7))
    assert report.ok, report.failures
    assert report.added == len(ISW_SERVICES) and report.listed == len(ISW_SERVICES)
    assert any("UkrainianReportedPartisanWarfare not found" in w for w in report.warnings)
    layers = require_data("isw-2022/layers")
    files = MemoryStore()
    service.ingest(files, "isw", [layers / f"{ISW_DAY}_{name}.geojson.gz" for name in ISW_SERVICES.values()], workers=1)
    mine, theirs = figures(st), figures(files)
    assert mine.keys() == theirs.keys() and len(mine) == len(ISW_SERVICES)
    for k, v in theirs.items():
        assert mine[k] == pytest.approx(v, abs=1e-6), k
    assert all(k[0] == "2022-09-01T23:00:00+00:00" for k in mine)  # the map time of the edit date
    recs = st.fetch_records("isw")
    assert {r["item"] for r in recs} == {f"{name}@{ISW_EDIT_MS}" for name in ISW_SERVICES.values()}
    assert all(r["licence"] == LICENCE and r["http_status"] == 200 and r["url"].endswith("/query") for r in recs)
    # paging: the control layer has 4 features (1 page of 7), the claimed layer 26 (4 pages)
    queries = [p for p in server.recorded.paths() if "/query" in p]
    assert sum("VIEW_RussiaCoTinUkraine_V3" in p for p in queries) == 1
    assert sum("VIEW_ClaimedRussianTerritoryinUkraine_V2" in p for p in queries) == 4
    # second run: every layer's metadata answers 304 to If-None-Match; no query
    before = len(server.recorded.log)
    again = sync(st, "isw", options=opts(server))
    assert again.ok and again.added == 0 and again.already_stored == len(ISW_SERVICES)
    assert not [p for p in server.recorded.paths()[before:] if "/query" in p]


def test_an_edit_refetches_that_layer_only(server) -> None:
    st = MemoryStore()
    sync(st, "isw", options=opts(server))
    rec = server.recorded
    lid, features, _ = rec.services["VIEW_ClaimedRussianTerritoryinUkraine_V2"]
    with rec.lock:
        rec.services["VIEW_ClaimedRussianTerritoryinUkraine_V2"] = (lid, features[:-1], ISW_EDIT_MS + 86_400_000)
    before = len(rec.log)
    report = sync(st, "isw", options=opts(server))
    assert report.ok and report.added == 1
    queries = [p for p in rec.paths()[before:] if "/query" in p]
    assert queries and all("VIEW_ClaimedRussianTerritoryinUkraine_V2" in p for p in queries)
    times = [t for _, t, _ in st.layer_timeline("isw", _claimed())]
    assert [t.isoformat() for t in times] == ["2022-09-01T23:00:00+00:00", "2022-09-02T23:00:00+00:00"]


def _claimed():
    return ISW_LAYERS["RussianClaimedCoTinUkraine"]


@pytest.mark.parametrize("page_size,exceeded_on_last,where,pages", [
    (26, False, "properties", 1),   # exactly one page
    (13, False, "top", 2),          # the flag at the top level (f=json style)
    (13, True, "properties", 3),    # exceededTransferLimit on the last page: an empty page ends it
    (5, True, "properties", 7),     # 26 = 5*5 + 1, then an empty page
])
def test_paging_edge_cases(server, page_size: int, exceeded_on_last: bool, where: str, pages: int) -> None:
    rec = server.recorded
    rec.services = {k: v for k, v in rec.services.items() if k == "VIEW_ClaimedRussianTerritoryinUkraine_V2"}
    rec.exceeded_on_last, rec.exceeded_where = exceeded_on_last, where
    st = MemoryStore()
    report = sync(st, "isw", options=opts(server, page_size=page_size))
    assert report.ok and report.added == 1
    assert len([p for p in rec.paths() if "/query" in p]) == pages
    [snap] = st.snapshots()
    assert len(orjson.loads(st.get_payload(snap.content_hash))["features"]) == 26  # none lost, none twice


def test_renamed_layer_is_discovered_and_unknown_is_reported(server) -> None:
    rec = server.recorded
    with rec.lock:
        rec.services["VIEW_RussiaCoTinUkraine_V4"] = rec.services.pop("VIEW_RussiaCoTinUkraine_V3")
    st = MemoryStore()
    report = sync(st, "isw", options=opts(server))
    assert report.ok and report.added == len(ISW_SERVICES)
    with rec.lock:
        rec.services["Frontline_Assessment_2026"] = rec.services.pop("VIEW_RussiaCoTinUkraine_V4")
    report = sync(MemoryStore(), "isw", options=opts(server))
    assert any("RussianAssessedCoTinUkraine not found" in w for w in report.warnings)
    assert report.added == len(ISW_SERVICES) - 1


def test_arcgis_error_objects(server) -> None:
    rec = server.recorded
    svc = "VIEW_RussiaCoTinUkraine_V3"
    path = f"/arcgis/rest/services/{svc}/FeatureServer/49/query"
    rec.faults = {path: [("body", b'{"error": {"code": 500, "message": "Internal error"}}')]}
    report = sync(MemoryStore(), "isw", options=opts(server))
    assert report.ok and report.retries == 1  # code 500 is transient
    rec.faults = {path: [("body", b'{"error": {"code": 400, "message": "Invalid query parameters"}}')]}
    report = sync(MemoryStore(), "isw", options=opts(server))
    assert [f["item"] for f in report.failures] == [f"RussianAssessedCoTinUkraine@{ISW_EDIT_MS}"]
    assert "ArcGIS error 400: Invalid query parameters" in report.failures[0]["error"]
    assert report.added == len(ISW_SERVICES) - 1


def test_webmap_operational_layers_find_an_unlisted_layer(server) -> None:
    rec = server.recorded
    rec.hidden = {"VIEW_RussiaCoTinUkraine_V3"}
    rec.webmap = [(f"{server.arcgis_url}/VIEW_RussiaCoTinUkraine_V3/FeatureServer/49", "Assessed Russian Control"),
                  ("https://elsewhere.example/arcgis/rest/services/Other/FeatureServer/0", "Other")]
    without = sync(MemoryStore(), "isw", options=opts(server))
    assert without.added == len(ISW_SERVICES) - 1
    st = MemoryStore()
    report = sync(st, "isw", options=opts(server, webmap_url=server.url + "/sharing/rest/content/items/webmap/data"))
    assert report.ok and report.added == len(ISW_SERVICES)
    assert not any("RussianAssessedCoTinUkraine not found" in w for w in report.warnings)
    assert not [p for p in rec.paths() if "elsewhere" in p]
