"""What keeps a full rebuild's memory down (issue 18) leaves every figure as it was.

- region tables computed a chunk of the timeline at a time (``derive.TABLE_CHUNK``);
- parse workers that read each payload when they parse it and spill each parsed batch to a
  file until the main process stores it;
- parser caches that age early when layers are redrawn whole (``PartCache.generation_positions``);
- batches sized by a gzip file's content; freed memory handed back (``service.memory``).

References are plain shapely overlays measured with ``pyproj.Geod`` (the definition of the
figures), never the program's own earlier output.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import shapely

import frontlines.service.derive as derive_module
import frontlines.service.pipeline as pipeline_module
from frontlines import service
from frontlines.conflicts import default_registry
from frontlines.core.regions import clip_areas
from frontlines.core.validate import Repairs
from frontlines.errors import SourceError
from frontlines.sources._geojson import PartCache
from frontlines.store.memory import MemoryStore
from tests.conftest import ISW_DAYS as DAYS
from tests.helpers import geodesic_km2, skip_or_fail


@pytest.fixture(scope="module")
def chunked(isw_folder):
    """The eight layers ingested by two workers (batches of 2, one segment each), oblast tables 3 snapshots a chunk."""
    spill_root = Path(tempfile.mkdtemp(prefix="spill-root-"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(derive_module, "TABLE_CHUNK", 3)
        mp.setattr(pipeline_module, "BATCH", 2)
        mp.setattr(tempfile, "tempdir", str(spill_root))
        store = MemoryStore()
        report = service.ingest(store, "isw", [isw_folder], workers=2, derive="primary", region_levels=1)
    assert report.added == len(DAYS)
    return store, spill_root


@pytest.mark.realdata
def test_oblast_table_in_chunks_equals_the_plain_clip(chunked) -> None:
    store, _ = chunked
    sel = service.select(store)
    oblasts = default_registry().region_layer("ukraine", "oblast")
    ids = [sid for sid, _, _ in sel.timeline]
    stored = store.region_areas(ids, sel.layer, "oblast")
    assert set(stored) == set(ids)
    # every snapshot: the first of each chunk steps from the last of the previous chunk
    for sid in ids:
        union = shapely.union_all(list(store.layer_parts(sid, sel.layer).values()))
        for rid, region in zip(oblasts.ids, oblasts.geometries):
            want = geodesic_km2(shapely.intersection(union, region))
            assert stored[sid].get(rid, 0.0) == pytest.approx(want, rel=1e-4, abs=0.05), (sid, rid)


@pytest.mark.realdata
def test_chunks_give_the_figures_of_one_batch(chunked, monkeypatch) -> None:
    store, _ = chunked
    sel = service.select(store)
    oblasts = default_registry().region_layer("ukraine", "oblast")
    ids = list(oblasts.ids)

    def table(chunk: int) -> dict[int, np.ndarray]:
        monkeypatch.setattr(derive_module, "TABLE_CHUNK", chunk)
        out, computed = derive_module.region_area_table(
            store, sel.source, sel.layer, "not-stored", ids, lambda g: clip_areas(oblasts, g),
            clip_many=lambda gs: clip_areas(oblasts, gs))
        assert len(computed) == len(DAYS)
        return out

    whole, in_twos = table(10_000), table(2)
    assert set(whole) == set(in_twos)
    for sid in whole:
        np.testing.assert_array_equal(whole[sid], in_twos[sid])


@pytest.mark.realdata
def test_workers_steps_equal_the_overlays_and_spill_files_are_removed(chunked) -> None:
    store, spill_root = chunked
    sel = service.select(store)
    ids = [sid for sid, _, _ in sel.timeline]
    steps = store.steps(sel.layer, ids)
    unions = {sid: shapely.union_all(list(store.layer_parts(sid, sel.layer).values())) for sid in ids}
    for prev, sid in zip(ids, ids[1:]):
        assert steps[sid][0] == prev
        assert steps[sid][1] == pytest.approx(geodesic_km2(shapely.difference(unions[sid], unions[prev])), rel=1e-4, abs=0.02)
        assert steps[sid][2] == pytest.approx(geodesic_km2(shapely.difference(unions[prev], unions[sid])), rel=1e-4, abs=0.02)
    assert list(spill_root.iterdir()) == []  # the spill folder and every batch file in it are gone


@pytest.mark.realdata
def test_a_bad_file_leaves_no_spilled_batches(isw_folder, tmp_path, monkeypatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for p in sorted(isw_folder.iterdir()):
        (folder / p.name).symlink_to(p.resolve())
    (folder / "20221001_RussianAssessedCoTinUkraine.geojson.gz").write_bytes(gzip.compress(b'{"type": "Feat'))
    spill_root = tmp_path / "tmp"
    spill_root.mkdir()
    monkeypatch.setattr(pipeline_module, "BATCH", 2)
    monkeypatch.setattr(tempfile, "tempdir", str(spill_root))
    store = MemoryStore()
    with pytest.raises(SourceError, match="20221001"):
        service.ingest(store, "isw", [folder], workers=2, derive="primary", region_levels=1)
    assert list(spill_root.iterdir()) == []
    assert store.snapshots() == []  # the store as it was


def test_batches_count_a_gzip_file_by_its_content(tmp_path, monkeypatch) -> None:
    data = b'{"type": "FeatureCollection", "features": []}' * 20_000  # ~0.9 MB, compresses ~1000x
    paths = []
    for i in range(6):
        p = tmp_path / f"{i}.geojson.gz"
        p.write_bytes(gzip.compress(data))
        paths.append((str(p), p.name))
    assert pipeline_module._raw_size(paths[0][0]) == len(data)
    plain = tmp_path / "plain.geojson"
    plain.write_bytes(data)
    assert pipeline_module._raw_size(str(plain)) == len(data)
    assert pipeline_module._raw_size(str(tmp_path / "missing.gz")) == 0
    monkeypatch.setattr(pipeline_module, "BATCH_BYTES", 2 * len(data))
    assert [len(b) for b in pipeline_module._file_batches(paths)] == [2, 2, 2]  # by content, not by ~1 KB on disk


def test_part_cache_ages_early_when_layers_are_redrawn() -> None:
    def square(x: float, n: int) -> dict:
        ring = [[x + float(np.cos(a)), float(np.sin(a))] for a in np.linspace(0, 2 * np.pi, n, endpoint=False)]
        return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}

    cache = PartCache(generation=16, generation_positions=250)
    aged = []
    for k in range(6):  # each "snapshot" a new polygon of 101 positions: nothing is ever reused
        cache.parts(square(float(k), 100), where="t", repairs=Repairs())
        aged.append(cache.advance())
    assert aged == [False, False, True, False, False, True]  # after 303 > 250 positions, not after 16 snapshots
    assert len(cache.entries) + len(cache._old_entries) <= 3
    # a polygon seen in the previous generation is still a hit
    cache.parts(square(5.0, 100), where="t", repairs=Repairs())
    assert cache.hits == 1


def test_release_memory_hands_freed_heap_back() -> None:
    code = """
import sys
from frontlines.service.memory import release_memory
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) * 1024
blocks = [bytearray(2000) for _ in range(100_000)]  # ~200 MB of malloc'd chunks in the heap
keep = blocks[::50]                                   # a few stay: the freed space is holes, not the heap's top
del blocks
before = rss()
released = release_memory()
print(released, before, rss())
"""
    if not sys.platform.startswith("linux"):
        skip_or_fail(f"release_memory calls glibc's malloc_trim; this platform is {sys.platform}")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}).stdout.split()
    if out[0] != "True":
        skip_or_fail("release_memory found no malloc_trim: the C library is not glibc")
    before, after = int(out[1]), int(out[2])
    assert before - after > 100 * 2**20  # most of the ~200 MB freed went back to the system


def test_a_parse_process_hands_back_the_memory_of_large_batches_only(deepstate_daily_dir, tmp_path, monkeypatch) -> None:
    """A batch of files holding ``TRIM_BYTES`` of content or more, or after which the heap holds
    ``TRIM_FREE_BYTES`` free, is followed by ``release_memory``; another is not (its faults would cost
    more than the little memory it freed)."""
    import datetime as dt

    from frontlines.sources.base import IngestOptions

    calls: list[int] = []
    monkeypatch.setattr(pipeline_module, "release_memory", lambda: calls.append(1) or True)
    files = sorted(deepstate_daily_dir.glob("deepstatemap_data_*.geojson"))[:3]
    batch = [(str(p), p.name) for p in files]
    content = sum(p.stat().st_size for p in files)
    options = IngestOptions(now=dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc))
    pipeline_module._worker_init("deepstate-daily", options, "primary")
    free = [0]
    monkeypatch.setattr(pipeline_module, "free_heap_bytes", lambda: free[0])
    monkeypatch.setattr(pipeline_module, "TRIM_FREE_BYTES", 16 * 2**20)
    try:
        monkeypatch.setattr(pipeline_module, "TRIM_BYTES", content + 1)
        spilled = pipeline_module._worker_parse_files(batch, 64 * 2**20, False, str(tmp_path))
        assert len(pipeline_module._unspill(spilled)) == 3 and calls == []
        free[0] = 16 * 2**20  # a small batch that left much free (ISW layers) trims
        spilled = pipeline_module._worker_parse_files(batch, 64 * 2**20, False, str(tmp_path))
        assert len(pipeline_module._unspill(spilled)) == 3 and calls == [1]
        free[0] = 0
        monkeypatch.setattr(pipeline_module, "TRIM_BYTES", content)
        spilled = pipeline_module._worker_parse_files(batch, 64 * 2**20, False, str(tmp_path))
        assert len(pipeline_module._unspill(spilled)) == 3 and calls == [1, 1]
    finally:
        pipeline_module._WORKER = None


def test_free_heap_bytes_sees_what_was_freed() -> None:
    """``free_heap_bytes`` (glibc's mallinfo2) grows by what the program frees inside the heap."""
    from frontlines.service.memory import free_heap_bytes

    if free_heap_bytes() is None:
        skip_or_fail("free_heap_bytes reads glibc's mallinfo2; this C library has none")
    freed = [bytes(2000 + i % 1000) for i in range(20000)]  # ~50 MB of malloc'd blocks (above pymalloc's 512 B)
    pins = [bytes(600) for _ in range(20000)]  # allocated after: the freed blocks are not at the heap's top
    before = free_heap_bytes()  # (the blocks may come from memory the process had free already)
    del freed
    after = free_heap_bytes()
    assert before is not None and after is not None and after - before > 30 * 2**20
    del pins
