"""The web server's pool of readers: one shared cache, one read view per request, never stale."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from frontlines import service
from frontlines.errors import StoreError
from frontlines.store.pool import StorePool
from tests.conftest import require_data


@pytest.fixture(scope="module")
def history_files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("history-pool")
    with tarfile.open(require_data("deepstate-history-2022-2025.tar.xz"), "r|xz") as tar:
        for m in tar:
            if m.isfile() and m.name.endswith(".geojson"):
                (folder / Path(m.name).name).write_bytes(tar.extractfile(m).read())
                if len(list(folder.iterdir())) >= 3:
                    break
    return sorted(folder.iterdir())


@pytest.mark.realdata
def test_a_layer_derived_later_is_seen_by_the_next_request(history_files, tmp_path):
    path = tmp_path / "s.db"
    with service.open_writer(path) as writer:
        service.ingest(writer, "deepstate-history", history_files, workers=1, derive="primary", region_levels=0)
        primary = service.select(writer)
        other = next(k for k in writer.source_layers(primary.source) if k != primary.layer)
        pool = StorePool(path, size=2)
        try:
            with pool.view() as (store, fp):
                assert fp == (3, writer.data_version)
                with pytest.raises(StoreError, match="frontlines derive"):
                    service.select(store, primary.source, other)
                assert len(service.select(store).timeline) == 3
            service.derive_store(writer)  # another connection (the CLI) derives the other layers
            with pool.view() as (store, fp2):
                assert fp2 == (3, fp[1] + 1)
                timeline = service.select(store, primary.source, other).timeline
                assert all(area is not None for _, _, area in timeline)
                assert timeline == writer.layer_timeline(primary.source, other)
        finally:
            pool.close()


@pytest.mark.realdata
def test_readers_share_one_bounded_cache_of_decoded_parts(history_files, tmp_path):
    path = tmp_path / "s.db"
    with service.open_writer(path) as writer:
        service.ingest(writer, "deepstate-history", history_files, workers=1, region_levels=0)
    pool = StorePool(path, size=2, cache_bytes=64 * 1024 * 1024)
    try:
        with pool.view() as (a, _), pool.view() as (b, _):
            assert a is not b and a.cache is b.cache is pool.cache  # two connections, one cache
            sel = service.select(a)
            a_parts = a.layer_parts(sel.timeline[-1][0], sel.layer)
            b_parts = b.layer_parts(sel.timeline[-1][0], sel.layer)
        assert a_parts and a_parts.keys() == b_parts.keys()
        assert all(a_parts[h] is b_parts[h] for h in a_parts)  # one decoded copy of each part
        assert 0 < pool.cache.bytes <= pool.cache.max_bytes == 64 * 1024 * 1024
    finally:
        pool.close()


def test_a_missing_store_fails_at_start_and_creates_nothing(tmp_path):
    with pytest.raises(StoreError, match=f"store {tmp_path / 'x' / 'none.db'} does not exist"):
        StorePool(tmp_path / "x" / "none.db")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.realdata
def test_fingerprint_follows_writes_and_never_waits_for_a_busy_reader(history_files, tmp_path):
    path = tmp_path / "s.db"
    with service.open_writer(path) as writer:
        service.ingest(writer, "deepstate-history", history_files[:2], workers=1, derive="primary", region_levels=0)
        pool = StorePool(path, size=1)
        try:
            with pool.view() as (_store, fp):  # the only reader is busy ...
                assert pool.fingerprint() == fp == (2, writer.data_version)  # ... the probe still answers
                service.ingest(writer, "deepstate-history", history_files[2:], workers=1, derive="primary",
                               region_levels=0)
                assert pool.fingerprint() == (3, writer.data_version) != fp
        finally:
            pool.close()
