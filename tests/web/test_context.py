"""The web app's wiring: settings, the injected context, its response cache, error statuses, service results as JSON."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import shapely
import shapely.geometry
from fastapi.testclient import TestClient

from frontlines import service
from frontlines.core.geodesy import area_km2
from frontlines.errors import (
    FrontlinesError,
    InputTooLargeError,
    RegionError,
    SchemaVersionError,
    SnapshotNotFoundError,
    StoreError,
)
from frontlines.web import create_app
from frontlines.web.deps import get_context, to_json_doc
from frontlines.web.errors import status_of
from frontlines.web.settings import AppContext, WebSettings

from .conftest import BASE_URL


@pytest.fixture()
def empty_store(tmp_path: Path) -> Path:
    path = tmp_path / "empty.db"
    service.open_writer(path).close()
    return path


@dataclasses.dataclass(frozen=True)
class _Typed:
    value: int

    def as_dict(self) -> dict[str, int]:
        return {"value": self.value, "double": 2 * self.value}


def test_to_json_doc_typed_results_dicts_and_lists() -> None:
    assert to_json_doc(_Typed(3)) == {"value": 3, "double": 6}
    plain = {"a": 1}
    assert to_json_doc(plain) is plain
    assert to_json_doc([_Typed(1), {"b": 2}]) == [{"value": 1, "double": 2}, {"b": 2}]


@pytest.mark.parametrize(("exc", "status"), [
    (SnapshotNotFoundError("x"), 404),
    (InputTooLargeError("x"), 413),
    (StoreError("x"), 503),
    (SchemaVersionError("x"), 503),  # a subclass maps like its parent
    (RegionError("x"), 422),
    (FrontlinesError("x"), 422),
])
def test_error_statuses(exc: FrontlinesError, status: int) -> None:
    assert status_of(exc) == status


def test_settings_refuse_an_empty_token(empty_store: Path) -> None:
    with pytest.raises(ValueError, match="token"):
        WebSettings(store_path=empty_store, token="  ")
    with pytest.raises(ValueError, match="token"):
        create_app(empty_store, token="")


def test_context_is_on_app_state(empty_store: Path) -> None:
    app = create_app(empty_store, token="secret-token", allowed_hosts=["example.org"])
    ctx = app.state.context
    assert isinstance(ctx, AppContext)
    assert ctx.settings.store_path == empty_store and ctx.settings.ingest_enabled
    assert ctx.settings.accepted_hosts is not None and "example.org" in ctx.settings.accepted_hosts


def test_routes_use_the_injected_context(empty_store: Path) -> None:
    """Overriding get_context swaps what every route sees (here: other settings over the same store)."""
    app = create_app(empty_store)
    with TestClient(app, base_url=BASE_URL) as c:
        h = c.get("/api/health").json()
        assert h["snapshots"] == 0 and h["ingest_enabled"] is False
        ctx = AppContext.create(WebSettings(store_path=empty_store, token="other-token", max_upload_bytes=1234))
        app.dependency_overrides[get_context] = lambda: ctx
        h = c.get("/api/health").json()
        assert h["ingest_enabled"] is True and h["max_upload_bytes"] == 1234


def _counting(ctx: AppContext, key: str, calls: list[str], body_len: int = 10) -> bytes:
    def compute(_store: object) -> dict[str, str]:
        calls.append(key)
        return {"k": key.ljust(body_len, "x")}
    return ctx.cached((key,), compute).body


def test_response_cache_keeps_at_most_cache_entries(empty_store: Path) -> None:
    ctx = AppContext.create(WebSettings(store_path=empty_store, cache_entries=2))
    calls: list[str] = []
    for key in ("a", "b", "a", "c", "a", "b"):
        assert _counting(ctx, key, calls) == b'{"k":"' + key.ljust(10, "x").encode() + b'"}'
    # a, b computed; a hit; c evicts b (least recently used); a hit; b computed again.
    assert calls == ["a", "b", "c", "b"]
    assert len(ctx.cache) == 2


def test_response_cache_skips_bodies_over_a_quarter_of_its_bytes(empty_store: Path) -> None:
    ctx = AppContext.create(WebSettings(store_path=empty_store, cache_bytes=1000))
    calls: list[str] = []
    _counting(ctx, "small", calls, body_len=100)
    _counting(ctx, "small", calls, body_len=100)
    _counting(ctx, "big", calls, body_len=400)  # 410 bytes of JSON > 1000 / 4
    _counting(ctx, "big", calls, body_len=400)
    assert calls == ["small", "big", "big"]


def test_cache_keys_follow_the_store_fingerprint(empty_store: Path, daily_split: tuple[list[Path], list[Path]]) -> None:
    ctx = AppContext.create(WebSettings(store_path=empty_store))
    calls: list[str] = []
    _counting(ctx, "a", calls)
    with service.open_writer(empty_store) as st:
        service.ingest(st, "deepstate-daily", daily_split[0][:1])
    _counting(ctx, "a", calls)
    assert calls == ["a", "a"] and ctx.fingerprint()[0] == 1


_CENTRAL = {"central": True, "source": "deepstate-daily", "layer": "russia:control",
            "start": "2024-09-01T23:59:59Z", "end": "2025-03-01T23:59:59Z"}


@pytest.mark.realdata
@pytest.mark.parametrize(("claim", "needle"), [
    ({"claim": 1}, "post one element"),
    ({"claim": {}, "readings": None}, "post one element"),
    ({"claim": {}, "readings": {"deepstate-daily": "xy"}}, "readings.deepstate-daily"),
    ({"claim": {"sentence": "s"}, "verdict": "v", "readings": {"d": [{**_CENTRAL, "start": None}]}}, "no start"),
    ({"claim": {"sentence": "s"}, "verdict": "v", "readings": {"d": [{**_CENTRAL, "end": "2025-13-45"}]}}, "month must be"),
    ({"claim": {"sentence": "s"}, "verdict": "v", "readings": {"d": [{**_CENTRAL, "layer": " "}]}}, "no source or layer"),
    ({"claim": {}, "verdict": "v", "readings": {"d": [_CENTRAL]}}, "no sentence or verdict"),
    ({"claim": {"sentence": "s"}, "verdict": "v", "readings": {"d": [{**_CENTRAL, "region": "oblast:ZZ"}]}}, "no region with id"),
])
def test_malformed_evidence_claims_are_422(client, claim: dict[str, object], needle: str) -> None:
    r = client.post("/api/evidence.geojson", json=claim)
    assert r.status_code == 422, r.text
    assert needle in r.json()["error"]


@pytest.mark.realdata
def test_handmade_evidence_claim_maps_the_change(client) -> None:
    """A well-formed claim needs no /api/check round trip: its central reading's change is mapped.

    Reference: the two layer states from /api/layer.geojson, differenced with shapely.
    """
    claim = {"claim": {"sentence": "s"}, "verdict": "v", "readings": {"d": [{"central": False}, _CENTRAL]}}
    ev = client.post("/api/evidence.geojson", json=claim).json()
    by_kind = {f["properties"]["kind"]: f["properties"]["area_km2"] for f in ev["features"]}
    before, after = (shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in
                                        client.get(f"/api/layer.geojson?at={t}").json()["features"]])
                     for t in ("2024-09-01", "2025-03-01"))
    expected = {"gained": area_km2(shapely.difference(after, before)), "lost": area_km2(shapely.difference(before, after))}
    assert by_kind["gained"] > 100
    # the evidence is the ground the figure measures: the raw change minus the map redraws
    # /api/change reports beside it (fighting + redraw = the independent raw overlay)
    ch = client.get("/api/change?from=2024-09-01T23:59:59Z&to=2025-03-01T23:59:59Z&source=deepstate-daily").json()
    assert by_kind["gained"] + ch["redraw_gained_km2"] == pytest.approx(expected["gained"], rel=1e-3)
    assert by_kind["lost"] + ch["redraw_lost_km2"] == pytest.approx(expected["lost"], rel=1e-3)
    assert by_kind["gained"] == pytest.approx(ch["gained_km2"], rel=1e-3)
