"""Each adapter on real files from ../shared/data."""

from __future__ import annotations

import datetime as dt
import shutil

from frontlines import service
from frontlines.core.geodesy import area_km2
from frontlines.core.measure import dissolve
from frontlines.model import LayerKey
from frontlines.sources._geojson import PartCache
from frontlines.sources._payloads import Payload, decompress
from frontlines.sources.base import IngestOptions
from frontlines.sources.isw import ISW
from frontlines.sources.nzz import NZZ
from tests.conftest import require_data

NOW = IngestOptions(now=dt.datetime(2026, 11, 25, tzinfo=dt.timezone.utc))


def _payload(path):
    return Payload(str(path), decompress(path.read_bytes(), name=str(path)))


def test_isw_assessed_control_on_2022_09_10() -> None:
    path = require_data("isw-2022/layers/20220910_RussianAssessedCoTinUkraine.geojson.gz")
    snap = ISW().parse(_payload(path), cache=PartCache(), options=NOW)
    assert snap.source == "isw" and snap.published_at == dt.datetime(2022, 9, 10, 23, tzinfo=dt.timezone.utc)
    area = area_km2(dissolve(list(snap.layers[LayerKey("russia", "control")])))
    # ISW's assessed control incl. Crimea and the pre-2022 areas, after the Kharkiv breakthrough
    assert 110_000 < area < 130_000


def test_isw_layer_kinds_map_to_layers() -> None:
    adapter = ISW()
    seen = set()
    for name in ("RussianClaimedCoTinUkraine", "UkrainianClaimedCounterOffensives", "RussianAssessedAdvanceinUkraine"):
        path = require_data(f"isw-2022/layers/20220910_{name}.geojson.gz")
        snap = adapter.parse(_payload(path), cache=PartCache(), options=NOW)
        seen |= set(snap.layers)
    assert seen == {LayerKey("russia", "claimed"), LayerKey("ukraine", "claimed"), LayerKey("russia", "advance")}


def test_nzz_held_is_nochange_plus_gains(tmp_path) -> None:
    folder = require_data("nzz-2022/snapshots")
    first = sorted(folder.glob("nzz_2022-09-*.json.gz"))[0]
    snap = NZZ().parse(_payload(first), cache=PartCache(), options=NOW)
    held = area_km2(dissolve(list(snap.layers[LayerKey("russia", "control")])))
    gains = area_km2(dissolve(list(snap.layers[LayerKey("russia", "advance")])))
    assert 0 <= gains < held
    # NZZ excludes Crimea (~26,000 km²): well below DeepState's ~125,000 km² at the time
    assert 80_000 < held < 110_000


def test_isw_and_nzz_ingest_and_compare_with_deepstate(tmp_path) -> None:
    layers = require_data("isw-2022/layers")
    folder = tmp_path / "isw"
    folder.mkdir()
    for p in sorted(layers.glob("202209*_RussianAssessedCoTinUkraine.geojson.gz"))[:12]:
        shutil.copy(p, folder / p.name)
    store = service.open_writer(tmp_path / "s.db")
    report = service.ingest(store, "isw", [folder])
    assert report.added == 12 and report.sources == ("isw",)
    doc = service.change(store, start="2022-09-06", end="2022-09-11", source="isw").as_dict()
    assert doc["lost_km2"] > 3_000  # ISW too shows the Kharkiv breakthrough


def test_raw_feature_fast_path_equals_the_full_parse(deepstate_history_dir) -> None:
    """Features split from the raw bytes give exactly what a full JSON parse gives."""
    from frontlines.sources._geojson import (
        LayerCollector,
        features_of,
        split_minified_features,
    )
    from frontlines.sources._payloads import load_json
    from frontlines.sources.deepstate import _classify_history

    files = sorted(deepstate_history_dir.glob("*.geojson"), key=lambda p: int(p.stem))
    for path in (files[0], files[700], files[-1]):
        data = path.read_bytes()
        fast, slow = LayerCollector(str(path), PartCache()), LayerCollector(str(path), PartCache())
        assert fast.add_raw_features(data, _classify_history)
        slow.add_features(features_of(load_json(data, name=str(path)), name=str(path)), _classify_history)
        assert len(split_minified_features(data)) == len(load_json(data, name="x")["features"])
        assert fast.notes() == slow.notes()
        assert {k: len(v) for k, v in fast.layers.items()} == {k: len(v) for k, v in slow.layers.items()}
        for k in fast.layers:
            assert all(a.equals_exact(b, 0) for a, b in zip(fast.layers[k], slow.layers[k]))


def test_fast_path_declines_what_it_cannot_split() -> None:
    from frontlines.sources._geojson import split_minified_features

    assert split_minified_features(b'{"type": "FeatureCollection", "features": []}') is None
    chunks = split_minified_features(
        b'{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{}},'
        b'{"type":"Feature","geometry":null,"properties":{"name":"x"}}]}'
    )
    assert chunks == [b'{"type":"Feature","geometry":null,"properties":{}}',
                      b'{"type":"Feature","geometry":null,"properties":{"name":"x"}}']
