"""The store contract, run on every backend (``any_store``: SQLite and in memory).

Transactions, payloads, snapshot identity, deletion, the data version, caches that
follow it, and ingest + queries through the service on real DeepState daily files
(areas checked against the adapter's own geometry, dissolved and measured directly).
"""

from __future__ import annotations

import datetime as dt
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from frontlines import service
from frontlines.core.geodesy import area_km2
from frontlines.core.measure import dissolve
from frontlines.core.regions import clip_areas
from frontlines.errors import SnapshotNotFoundError, StoreError
from frontlines.hashing import content_hash
from frontlines.model import LayerKey, Provenance, Snapshot
from frontlines.sources._geojson import PartCache
from frontlines.sources._payloads import Payload
from frontlines.sources.base import IngestOptions
from frontlines.sources.registry import get_adapter
from frontlines.store import StoreReader, StoreWriter
from tests.conftest import require_data
from tests.store.conftest import BACKENDS, make_store

LAYER = LayerKey("russia", "control")
#: Real WKB (a PostGIS column accepts nothing else).
WKB = shapely.box(30.0, 48.0, 30.1, 48.1).wkb
WKB_G = shapely.box(31.0, 48.0, 31.1, 48.1).wkb
UTC = dt.timezone.utc


def _snapshot(day: int, digest: str, source: str = "t") -> Snapshot:
    return Snapshot(
        source=source,
        conflict="ukraine",
        published_at=dt.datetime(2024, 5, day, 3, tzinfo=UTC),
        provenance=Provenance(f"f{day}.geojson", digest),
        layers={LAYER: ()},
        primary=LAYER,
        notes={"n": day},
    )


def _add(store: StoreWriter, day: int, parts: list[tuple[str, bytes, float]] | None = None) -> int:
    digest = f"p{day}"
    store.put_payload(digest, digest.encode(), source="t", base=None)
    return store.add_snapshot(_snapshot(day, digest), adapter="a", adapter_version=1, options={},
                              parts={LAYER: parts or []})


def test_both_backends_implement_both_protocols(any_store):
    assert isinstance(any_store, StoreReader)
    assert isinstance(any_store, StoreWriter)


# ------------------------------------------------------------------ transactions and payloads
def test_transaction_rolls_back_on_any_exception(any_store):
    st = any_store
    for exc in (ValueError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(exc)):
            with st.transaction():
                st.put_payload("h1", b"one", source="x", base=None)
                with st.transaction():  # nested: part of the outer one
                    st.put_payload("h2", b"two", source="x", base=None)
                raise exc
        assert not st.has_payload("h1") and not st.has_payload("h2")
    with st.transaction():
        st.put_payload("h1", b"one", source="x", base=None)
    assert st.get_payload("h1") == b"one"


def test_payload_round_trip_with_and_without_keyframe(any_store):
    st = any_store
    base = b'{"type": "FeatureCollection", "features": [' + b"1.2345," * 5000 + b"]}"
    delta = base.replace(b"1.2345,", b"1.2346,", 10)
    with st.transaction():
        st.put_payload(content_hash(base), base, source="x", base=None)
        st.put_payload(content_hash(delta), delta, source="x", base=(content_hash(base), base))
        st.put_payload(content_hash(delta), b"ignored: already stored", source="x", base=None)
    assert st.get_payload(content_hash(base)) == base
    assert st.get_payload(content_hash(delta)) == delta
    assert st.stats()["payload_raw_bytes"] == len(base) + len(delta)
    assert st.latest_keyframe("x") == (content_hash(base), 1)
    assert st.latest_keyframe("y") is None
    with pytest.raises(SnapshotNotFoundError, match="no payload deadbeef"):
        st.get_payload("deadbeef")


# ------------------------------------------------------------------ snapshots
def test_snapshot_identity_and_delete_cascade(any_store):
    st = any_store
    with st.transaction():
        first = _add(st, 1, [("part1", WKB, 12.5)])
        st.put_step(LAYER, first, None, 12.5, (12.5, WKB_G), None)
        second = _add(st, 2, [("part1", WKB, 12.5)])
        st.put_step(LAYER, second, first, 12.5, (0.0, b""), (0.0, b""))
        st.put_region_areas([(first, str(LAYER), "oblast", "UA-01", 3.0)])
    t1 = dt.datetime(2024, 5, 1, 3, tzinfo=UTC)
    assert st.find_snapshot("t", t1, "p1") == first
    assert st.find_snapshot("t", t1 + dt.timedelta(hours=1), "p1") is None
    assert st.layer_timeline("t", LAYER) == [(first, t1, 12.5), (second, t1 + dt.timedelta(days=1), 12.5)]
    assert st.region_areas([first], LAYER, "oblast") == {first: {"UA-01": 3.0}}
    assert st.snapshot(first).notes == {"n": 1} and st.snapshot(first).layers == (LAYER,)
    # (source, published_at, content_hash) is unique
    with pytest.raises(StoreError, match="identical snapshot stored"):
        with st.transaction():
            st.add_snapshot(_snapshot(1, "p1"), adapter="a", adapter_version=1, options={}, parts={})
    with st.transaction():
        st.delete_snapshot(first)
    assert [s.id for s in st.snapshots()] == [second]
    assert st.layer_timeline("t", LAYER) == [(second, t1 + dt.timedelta(days=1), 12.5)]
    assert st.region_areas([first], LAYER, "oblast") == {}
    assert st.steps(LAYER, [first]) == {}
    assert st.step_links(LAYER, [second]) == {second: None}  # its predecessor is gone
    assert st.has_payload("p1")  # payloads and parts stay
    assert st.stats()["parts"] == 1
    with pytest.raises(SnapshotNotFoundError, match=f"no snapshot with id {first}"):
        st.snapshot(first)


def test_redraw_rows_round_trip_replace_and_cascade(any_store):
    st = any_store
    with st.transaction():
        first = _add(st, 1, [("part1", WKB, 12.5)])
        second = _add(st, 2, [("part1", WKB, 12.5)])
        third = _add(st, 3, [("part1", WKB, 12.5)])
        st.put_redraws(LAYER, second, first, "rules-a", [("gained", "far-from-front", 1.5, WKB_G), ("lost", "sliver", 0.25, WKB)])
        st.put_redraws(LAYER, third, second, "rules-a", [])  # classified: no redraw
    got = st.redraws(LAYER, [first, second, third])
    assert set(got) == {second, third}  # the first snapshot has no step, so no classification
    assert got[third] == (second, "rules-a", ())
    from_id, rules, pieces = got[second]
    assert (from_id, rules) == (first, "rules-a")
    assert [(d, r, a) for d, r, a, _ in pieces] == [("gained", "far-from-front", 1.5), ("lost", "sliver", 0.25)]
    assert shapely.from_wkb(pieces[0][3]).equals(shapely.from_wkb(WKB_G))
    v = st.data_version
    with st.transaction():  # replacing drops the old pieces
        st.put_redraws(LAYER, second, first, "rules-b", [("lost", "sliver", 0.5, WKB)])
    assert st.data_version > v
    assert [(d, r, a) for d, r, a, _ in st.redraws(LAYER, [second])[second][2]] == [("lost", "sliver", 0.5)]
    assert st.redraws(LayerKey("ukraine", "control"), [second]) == {}
    with st.transaction():
        st.delete_snapshot(second)
    assert set(st.redraws(LAYER, [second, third])) == {third}


def test_snapshot_needs_its_payload(any_store):
    with pytest.raises(StoreError, match="payload missing"):
        with any_store.transaction():
            any_store.add_snapshot(_snapshot(2, "missing"), adapter="a", adapter_version=1, options={}, parts={})
    assert any_store.snapshots() == []


def test_sources_layers_and_latest(any_store):
    st = any_store
    with st.transaction():
        ids = [_add(st, d) for d in (3, 1, 2)]
    assert st.sources() == [("t", 3, dt.datetime(2024, 5, 1, 3, tzinfo=UTC), dt.datetime(2024, 5, 3, 3, tzinfo=UTC))]
    assert st.source_layers("t") == [LAYER]
    assert st.latest_snapshot("t").id == ids[0]
    assert [s.id for s in st.snapshots("t")] == [ids[1], ids[2], ids[0]]
    assert st.snapshot_count() == 3
    with pytest.raises(SnapshotNotFoundError):
        st.latest_snapshot("other")


# ------------------------------------------------------------------ data version
def test_data_version_counts_committed_changing_transactions(any_store):
    st = any_store
    assert st.data_version == 0
    with st.transaction():
        _add(st, 1)
    assert st.data_version == 1
    with st.transaction():
        pass  # changed nothing
    assert st.data_version == 1
    with pytest.raises(RuntimeError):
        with st.transaction():
            _add(st, 2)
            raise RuntimeError("rolled back")
    assert st.data_version == 1
    assert [s.published_at.day for s in st.snapshots()] == [1]
    st.put_region_areas([(st.snapshots()[0].id, str(LAYER), "oblast", "x", 1.0)])
    assert st.data_version == 2


def test_cached_reads_follow_the_data_version(any_store):
    st = any_store
    with st.transaction():
        sid = _add(st, 1)
    assert st.layer_timeline("t", LAYER)[0][2] is None  # read (and cached) before deriving
    with st.read_view() as version:
        assert version == st.data_version == 1
    with st.transaction():
        st.put_step(LAYER, sid, None, 42.0, None, None)
    assert st.layer_timeline("t", LAYER)[0][2] == 42.0
    assert st.data_version == 2


def test_sqlite_readers_see_a_later_commit_of_another_connection(tmp_path):
    with make_store("sqlite", tmp_path) as writer:
        with writer.transaction():
            sid = _add(writer, 1)
        reader = service.open_reader(tmp_path / "s.db")
        try:
            with reader.read_view() as v1:
                assert reader.layer_timeline("t", LAYER)[0][2] is None
            with writer.transaction():
                writer.put_step(LAYER, sid, None, 7.5, None, None)
            with reader.read_view() as v2:
                assert v2 == v1 + 1
                assert reader.layer_timeline("t", LAYER)[0][2] == 7.5
        finally:
            reader.close()


# ------------------------------------------------------------------ real data through the service
N_DAILY = 6


def _first_files(archive: str, n: int, folder: Path) -> list[Path]:
    """The first ``n`` GeoJSON files of a real archive (streamed out of it)."""
    with tarfile.open(require_data(archive), "r|xz") as tar:
        for m in tar:
            if m.isfile() and m.name.endswith(".geojson"):
                (folder / Path(m.name).name).write_bytes(tar.extractfile(m).read())
                if len(list(folder.iterdir())) >= n:
                    break
    return sorted(folder.iterdir())


@pytest.fixture(scope="module")
def daily_files(tmp_path_factory) -> list[Path]:
    """The first few real DeepState daily files."""
    return _first_files("deepstate-daily-2024-2026.tar.xz", N_DAILY, tmp_path_factory.mktemp("daily"))


@pytest.fixture(scope="module")
def history_files(tmp_path_factory) -> list[Path]:
    """The first three real DeepState history files (several layers each)."""
    return _first_files("deepstate-history-2022-2025.tar.xz", 3, tmp_path_factory.mktemp("history"))


def _reference(files: list[Path]) -> dict[dt.datetime, dict[LayerKey, Any]]:
    """Each file's dissolved layers, straight from the adapter (no store involved)."""
    adapter = get_adapter("deepstate-daily")
    options = IngestOptions(now=dt.datetime.now(UTC))
    out = {}
    for p in files:
        snap = adapter.parse(Payload(p.name, p.read_bytes()), cache=PartCache(), options=options)
        out[snap.shown_at] = {k: dissolve(list(v)) for k, v in snap.layers.items()}
    return out


@pytest.mark.realdata
def test_ingest_and_query_real_daily_files_on_every_backend(daily_files, tmp_path, request):
    reference = _reference(daily_files)
    oblasts = service.regions_for("oblast", conflict="ukraine")
    timelines = {}
    for kind in BACKENDS:
        with make_store(kind, tmp_path / kind, request) as st:
            report = service.ingest(st, "deepstate-daily", daily_files, workers=1)
            assert report.added == N_DAILY
            sel = service.select(st)
            ids = [sid for sid, _, _ in sel.timeline]
            assert len(ids) == N_DAILY
            for layer in st.source_layers(sel.source):
                timeline = st.layer_timeline(sel.source, layer)
                for _sid, when, area in timeline:
                    assert area == pytest.approx(area_km2(reference[when][layer]), abs=0.01), (kind, layer, when)
                timelines[(kind, str(layer))] = [(w, round(a, 6)) for _, w, a in timeline]
            # the ingest stored the oblast table of the primary layer; each row matches the
            # reference geometry clipped to the oblasts here
            stored = st.region_areas(ids, sel.layer, oblasts[0])
            assert sorted(stored) == sorted(ids)
            for sid, when, _ in sel.timeline:
                expected = clip_areas(oblasts[1], reference[when][sel.layer])
                got = np.array([stored[sid].get(r, 0.0) for r in oblasts[1].ids])  # rows of 0 km² are not written
                np.testing.assert_allclose(got, expected, atol=0.05)
            last = sel.timeline[-1][1]
            version = st.data_version
            doc = service.area(st, at=last.isoformat(), by="oblast").as_dict()
            assert st.data_version == version  # a query writes nothing
            assert doc["area_km2"] == pytest.approx(area_km2(reference[last][sel.layer]), abs=0.01)
            assert {r["id"]: r["area_km2"] for r in doc["regions"]} == {  # rows of 0 km² are not written
                k: round(stored[ids[-1]].get(k, 0.0), 3) for k in oblasts[1].ids
            }
            window = dict(start=sel.timeline[0][1].isoformat(), end=last.isoformat())
            ch = service.change(st, **window, include_redraws=True).as_dict()  # the raw change
            fighting = service.change(st, **window).as_dict()  # redraws out, reported beside
            assert fighting["gained_km2"] + fighting["redraw_gained_km2"] == pytest.approx(ch["gained_km2"], abs=0.01)
            assert fighting["lost_km2"] + fighting["redraw_lost_km2"] == pytest.approx(ch["lost_km2"], abs=0.01)
            first = sel.timeline[0][1]
            assert ch["net_km2"] == pytest.approx(
                area_km2(reference[last][sel.layer]) - area_km2(reference[first][sel.layer]), abs=0.02
            )
    for kind, layer in timelines:
        assert timelines[(kind, layer)] == timelines[("sqlite", layer)]


@pytest.mark.realdata
def test_region_tables_not_stored_are_computed_in_memory_and_never_written(daily_files, any_store):
    st = any_store
    reference = _reference(daily_files)
    service.ingest(st, "deepstate-daily", daily_files[:4], workers=1, region_levels=0)
    sel = service.select(st)
    ids = [sid for sid, _, _ in sel.timeline]
    raions = service.regions_for("raion", conflict="ukraine")
    assert st.region_areas(ids, sel.layer, raions[0]) == {}
    version = st.data_version
    doc = service.area(st, at=sel.timeline[-1][1].isoformat(), by="raion").as_dict()
    assert st.region_areas(ids, sel.layer, raions[0]) == {} and st.data_version == version
    key = ("region-table", version, sel.source, str(sel.layer), raions[0])
    assert key in st.cache  # kept in the reader's cache, by data version
    expected = clip_areas(raions[1], reference[sel.timeline[-1][1]][sel.layer])
    assert [r["area_km2"] for r in doc["regions"]] == pytest.approx(list(expected), abs=0.05)
    # stored by `derive --regions`; from then on every ingest extends it
    service.derive_store(st, regions=[raions])
    assert sorted(st.region_areas(ids, sel.layer, raions[0])) == sorted(ids)
    assert service.ingest(st, "deepstate-daily", daily_files[4:], workers=1, region_levels=0).added == N_DAILY - 4
    sel = service.select(st)
    stored = st.region_areas([sid for sid, _, _ in sel.timeline], sel.layer, raions[0])
    assert len(stored) == N_DAILY
    for sid, when, _ in sel.timeline:
        got = np.array([stored[sid].get(r, 0.0) for r in raions[1].ids])  # rows of 0 km² are not written
        np.testing.assert_allclose(got, clip_areas(raions[1], reference[when][sel.layer]), atol=0.05)


@pytest.mark.realdata
def test_queries_never_derive_and_derive_store_does(history_files, any_store):
    st = any_store
    service.ingest(st, "deepstate-history", history_files, workers=1, derive="primary", region_levels=0)
    sel = service.select(st)  # the primary layer is derived
    others = [k for k in st.source_layers(sel.source) if k != sel.layer]
    assert others, "the history files hold more than one layer"
    version = st.data_version
    with pytest.raises(StoreError, match="frontlines derive --store"):
        service.select(st, sel.source, others[0])
    assert st.data_version == version  # the failed query wrote nothing
    oblasts = service.regions_for("oblast", conflict="ukraine")
    summary = service.derive_store(st, regions=[oblasts])
    assert summary["steps_computed"] >= 3 * len(others)
    assert summary["region_tables"] == 1 and summary["region_snapshots"] == 3
    assert st.data_version == version + 1
    for layer in others:
        assert all(a is not None for _, _, a in service.select(st, sel.source, layer).timeline)
    stored = st.region_areas([sid for sid, _, _ in sel.timeline], sel.layer, oblasts[0])
    assert len(stored) == 3
    doc = service.area(st, at=sel.timeline[-1][1].isoformat(), by="oblast").as_dict()
    assert {r["id"]: r["area_km2"] for r in doc["regions"]} == {  # rows of 0 km² are not written
        k: round(stored[sel.timeline[-1][0]].get(k, 0.0), 3) for k in oblasts[1].ids
    }
    # nothing left to derive: a second run changes nothing
    again = service.derive_store(st, regions=[oblasts])
    assert (again["steps_computed"], again["region_snapshots"]) == (0, 0)
    assert st.data_version == version + 1



@pytest.mark.realdata
def test_reindex_rebuilds_the_same_figures(daily_files, any_store):
    st = any_store
    service.ingest(st, "deepstate-daily", daily_files, workers=1)
    sel = service.select(st)
    before = [(when, area) for _, when, area in sel.timeline]
    oblast = service.regions_for("oblast", conflict="ukraine")[0]
    old_ids = [sid for sid, _, _ in sel.timeline]
    result = service.reindex(st, everything=True)
    assert result == {"snapshots": N_DAILY, "reread": N_DAILY, "unchanged": 0, "areas_changed": 0}
    sel = service.select(st)
    assert [(when, area) for _, when, area in sel.timeline] == before
    new_ids = [sid for sid, _, _ in sel.timeline]
    assert not set(new_ids) & set(old_ids)  # snapshot ids are never given out twice
    assert sorted(st.region_areas(new_ids, sel.layer, oblast)) == sorted(new_ids)  # the ingest default again
