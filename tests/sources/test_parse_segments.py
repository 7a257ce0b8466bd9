"""Parse workers that read files themselves, segment by segment, compute every step inside a segment.

The figures are checked against plain shapely overlays of the stored parts (the definition of a
step: the union of a snapshot's parts minus its predecessor's, and the reverse), measured with
pyproj.Geod, not against the program's own earlier output.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import shapely

from frontlines.core.geodesy import geodesic_area_km2
from frontlines.service import pipeline
from frontlines.sources._payloads import PayloadFiles, payload_files


@pytest.fixture
def history_folder(deepstate_history_dir, tmp_path):
    files = sorted(deepstate_history_dir.glob("*.geojson"), key=lambda p: int(p.stem))[600:612]
    folder = tmp_path / "in"
    folder.mkdir()
    for p in files:
        shutil.copy(p, folder / p.name)
    return folder


def test_payload_files_lists_what_iter_payloads_reads(history_folder, tmp_path) -> None:
    files = payload_files([history_folder], ("*.geojson",))
    assert isinstance(files, PayloadFiles) and len(files) == 12
    assert [p.name for p in files] == [str(p) for p in files.paths]  # iterating reads them in that order
    assert [p.data for p in files][0] == files.paths[0].read_bytes()
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(b"")
    assert payload_files([history_folder, archive], ("*.geojson",)) is None  # archives stream through the main process


def test_a_folder_lists_its_files_as_rglob_finds_them_in_path_order(tmp_path) -> None:
    root = tmp_path / "maps"
    for name in ("a/x.json", "a-x.json", "a/b/y.geojson.gz", "b.geojson", "notes.txt", "c/.hidden.json"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"{}")
    (root / "link.json").symlink_to(root / "b.geojson")  # a link to a file is a file
    (root / "d").symlink_to(root / "a", target_is_directory=True)  # a link to a folder is not entered
    (root / "dir.json").mkdir()  # a folder whose name matches is no file
    pats = ("*.json", "*.geojson", "*.json.gz", "*.geojson.gz")
    listed = payload_files([root], ("*.json", "*.geojson")).paths
    reference = sorted(p for p in root.rglob("*") if p.is_file() and any(p.match(x) for x in pats))
    assert list(listed) == reference
    # by path components: the folder a/ comes before the file a-x.json ('/' sorts after '-' as text)
    assert [str(p.relative_to(root)) for p in listed] == [
        "a/b/y.geojson.gz", "a/x.json", "a-x.json", "b.geojson", "c/.hidden.json", "link.json"]


def test_segments_compute_the_steps_across_batches(history_folder, tmp_path, monkeypatch) -> None:
    from frontlines import service

    # 12 files: segments of 6 (one per worker), batches of 2 inside them
    monkeypatch.setattr(pipeline, "SEGMENT", 6)
    monkeypatch.setattr(pipeline, "MIN_SEGMENT", 6)
    monkeypatch.setattr(pipeline, "BATCH", 2)
    computed_by_main: list[int] = []
    derive_layers = pipeline.derive_layers

    def spy(*args, **kwargs):
        n = derive_layers(*args, **kwargs)
        computed_by_main.append(n)
        return n

    monkeypatch.setattr(pipeline, "derive_layers", spy)
    store = service.open_writer(tmp_path / "s.db")
    report = service.ingest(store, "deepstate-history", [history_folder], workers=2, derive="primary")
    assert report.added == 12
    # derive_layers computes nothing: the first snapshot (no predecessor) is derived as it is stored
    # (service.early_steps); the step into the second segment is computed as that segment arrives
    # (pipeline._link_steps); all others by the workers
    assert computed_by_main == [0]
    _check_steps(store, 12)


def test_an_archive_in_no_time_order_is_parsed_in_name_order(history_folder, tmp_path, monkeypatch) -> None:
    """Members packed backwards are spooled and parsed in name order: the workers compute the steps."""
    import tarfile

    from frontlines import service

    archive = tmp_path / "w.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for p in sorted(history_folder.iterdir(), reverse=True):
            tar.add(p, arcname=f"geojsons/{p.name}")
    monkeypatch.setattr(pipeline, "SEGMENT", 6)
    monkeypatch.setattr(pipeline, "MIN_SEGMENT", 6)
    counts: list[int] = []
    derive_layers = pipeline.derive_layers
    monkeypatch.setattr(pipeline, "derive_layers", lambda *a, **k: counts.append(derive_layers(*a, **k)) or counts[-1])
    spools = tmp_path / "tmp"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    names: list[str] = []
    spooled: list[int] = []

    def progress(n: int, name: str) -> None:
        names.append(name)
        spooled.append(sum(1 for d in spools.iterdir() for _ in d.iterdir()))

    store = service.open_writer(tmp_path / "a.db")
    report = service.ingest(store, "deepstate-history", [archive], workers=2, derive="primary", progress=progress)
    # as for a folder: the segment boundary step by _link_steps, every snapshot derived as stored (early_steps)
    assert report.added == 12 and counts == [0]
    assert names == sorted(names) and all(n.startswith(f"{archive}!geojsons/") for n in names)
    assert spooled[0] == 12 and not list(spools.iterdir())  # spooled while parsed, removed after
    _check_steps(store, 12)


def _check_steps(store, n: int) -> None:
    """Every stored step equals the plain overlay of the two snapshots' parts, measured by pyproj.Geod."""
    from frontlines import service

    sel = service.select(store)
    ids = [sid for sid, _, _ in sel.timeline]
    assert len(ids) == n
    steps = store.steps(sel.layer, ids)
    changed = 0
    for prev, sid in zip(ids, ids[1:]):
        before = shapely.union_all(list(store.layer_parts(prev, sel.layer).values()))
        after = shapely.union_all(list(store.layer_parts(sid, sel.layer).values()))
        from_id, gained, lost = steps[sid][:3]
        assert from_id == prev
        for got, geom in ((gained, after.difference(before)), (lost, before.difference(after))):
            assert got == pytest.approx(geodesic_area_km2(geom), rel=1e-4, abs=0.05)
        changed += gained > 0 or lost > 0
    assert changed >= 3  # the window holds real changes, not only identical maps


def test_part_areas_measure_each_part_on_its_own() -> None:
    """Parts measured together get each the area it has alone (its own projection centre), close to Geod's."""
    from shapely.geometry import Polygon, box

    parts = [box(30, 48, 31, 49), box(36.2, 47.1, 37.9, 48.3), Polygon(), box(23.5, 50.0, 24.0, 50.2),
             box(30.0, 48.0, 30.5, 48.5).difference(box(30.1, 48.1, 30.2, 48.2))]
    got = pipeline.part_areas(parts)
    assert got[2] == 0.0
    for g, a in zip(parts, got):
        if not g.is_empty:  # edges straight in lon/lat: Geod measures them densified
            assert a == pytest.approx(geodesic_area_km2(shapely.segmentize(g, 0.005)), rel=1e-5)
    assert got[0] == pytest.approx(8217.73, abs=0.01)  # the zone between two parallels, 1/360, in closed form
    # alone or with others: the same figure
    assert pipeline.part_areas(parts[:1])[0] == got[0] and pipeline.part_areas(parts[3:4])[0] == got[3]


def test_a_bad_file_in_a_segment_names_itself_and_leaves_the_store_as_it_was(history_folder, tmp_path, monkeypatch) -> None:
    from frontlines import service
    from frontlines.errors import SourceFormatError

    monkeypatch.setattr(pipeline, "SEGMENT", 6)
    monkeypatch.setattr(pipeline, "MIN_SEGMENT", 6)
    bad = history_folder / "1688000000.geojson"  # among the others, in time order
    bad.write_bytes(b'{"type": "FeatureCollection", "features": [')
    store = service.open_writer(tmp_path / "s.db")
    with pytest.raises(SourceFormatError, match="1688000000.geojson"):
        service.ingest(store, "deepstate-history", [history_folder], workers=2)
    assert list(store.snapshots()) == []


@pytest.mark.parametrize("files,workers,size", [
    (1359, 2, 170),  # the DeepState history: 8 segments, 4 per process
    (769, 2, 97),    # the daily files
    (59, 2, 30),     # the ISW layers: one segment per process (48 would leave one process 11 files)
    (12, 2, 6), (1, 2, 1), (5000, 2, 240), (100, 1, 48),
])
def test_segments_keep_every_process_busy(files, workers, size) -> None:
    assert pipeline.segment_size(files, workers) == size
    segments = -(-files // size)
    assert segments >= min(workers, files)


def test_part_areas_of_step_geometries_are_each_its_own_area() -> None:
    """Steps are measured together too (``_Parser._parse_batch``): multi-part, holed, empty and mixed
    geometries get exactly ``area_km2`` of each alone, and Geod's figure."""
    from shapely.geometry import GeometryCollection, MultiPolygon, Point, Polygon, box

    from frontlines.core.geodesy import area_km2

    ring = box(37.0, 48.0, 37.4, 48.3).difference(box(37.1, 48.1, 37.2, 48.2))
    steps = [MultiPolygon([box(37.5, 47.9, 37.6, 48.0), box(38.2, 48.4, 38.25, 48.45)]), Polygon(), ring,
             GeometryCollection([box(35.0, 47.5, 35.1, 47.6), Point(35, 47)]),
             shapely.union_all([Point(31.01 + i / 100, 46.6).buffer(0.004, 16) for i in range(0, 80, 3)])]
    got = pipeline.part_areas(steps)
    for g, a in zip(steps, got):
        assert a == area_km2(g)  # bit for bit: the batch does not change a figure
        assert a == pytest.approx(geodesic_area_km2(shapely.segmentize(g, 0.002)), rel=1e-5, abs=1e-12)
    assert got[1] == 0.0 and got[0] > 0 and got[3] > 0


@pytest.mark.parametrize("files,workers,content,size", [
    (59, 2, 87_950_960, 8),            # the W3 ISW layers (1.5 MB of JSON each): 8 segments, not 2
    (59, 2, 59 * 64 * 1024, 30),       # small files: the floor of MIN_SEGMENT files holds
    (1359, 2, 635_000_000, 170),       # the DeepState history: a quarter of a share is more than the floor
    (100, 2, 100 * 470_000, 18),       # 8 MiB / 470 kB = 17.8 files (a quarter of a share: 13)
    (3, 2, 3 * 100 * 2**20, 1),        # 100 MiB files: one per segment
])
def test_large_files_go_in_smaller_segments(files, workers, content, size) -> None:
    """The floor is the files holding MIN_SEGMENT_BYTES of content, when fewer than MIN_SEGMENT."""
    assert pipeline.MIN_SEGMENT_BYTES == 8 * 2**20 and pipeline.MIN_SEGMENT == 48
    assert pipeline.segment_size(files, workers, content) == size


def test_segments_go_to_the_process_that_runs_dry(history_folder, tmp_path, monkeypatch) -> None:
    """Segments of very unequal cost: the process with the cheap ones takes more of them."""
    import os
    import time

    from frontlines import service

    monkeypatch.setattr(pipeline, "SEGMENT", 2)
    monkeypatch.setattr(pipeline, "MIN_SEGMENT", 2)
    monkeypatch.setattr(pipeline, "BATCH", 1)
    slow = tuple(sorted(p.name for p in history_folder.iterdir())[:2])  # the first segment: 1.5 s per file
    parse_files = pipeline._worker_parse_files
    log = tmp_path / "log"

    def spy(files, *args):
        if any(name.endswith(slow) for _, name in files):
            time.sleep(1.5)
        with log.open("a") as f:
            f.write(f"{os.getpid()} {files[0][1]}\n")
        return parse_files(files, *args)

    spy.__module__, spy.__qualname__ = parse_files.__module__, parse_files.__qualname__
    monkeypatch.setattr(pipeline, "_worker_parse_files", spy)  # the forked workers look it up by name
    store = service.open_writer(tmp_path / "s.db")
    report = service.ingest(store, "deepstate-history", [history_folder], workers=2, derive="primary")
    assert report.added == 12
    by_pid: dict[str, int] = {}
    for line in log.read_text().splitlines():
        pid = line.split()[0]
        by_pid[pid] = by_pid.get(pid, 0) + 1
    assert sorted(by_pid.values()) == [2, 10]  # the other process parsed the 5 other segments
    _check_steps(store, 12)


def test_a_batch_opening_with_a_repeated_payload_costs_one_recompression(history_folder, tmp_path, monkeypatch) -> None:
    """A batch whose first payload repeats the one before (stored already, so not a keyframe of this
    ingest): the batch's others are compressed again once, against a new keyframe; the parsers'
    later keyframes are stored as they come. Every payload reads back as the file's bytes."""
    from frontlines import service
    from frontlines.store.sqlite import SQLiteStore

    monkeypatch.setattr(pipeline, "SEGMENT", 12)
    monkeypatch.setattr(pipeline, "MIN_SEGMENT", 12)
    monkeypatch.setattr(pipeline, "BATCH", 2)
    files = sorted(history_folder.iterdir(), key=lambda p: int(p.stem))
    files[2].write_bytes(files[1].read_bytes())  # batches [0, 1] [2, 3] ...: the second opens with a repeat
    recompressed: list[str] = []
    put_payload = SQLiteStore.put_payload

    def spy(self, content_hash, data, **kwargs):
        recompressed.append(content_hash)
        return put_payload(self, content_hash, data, **kwargs)

    monkeypatch.setattr(SQLiteStore, "put_payload", spy)
    store = service.open_writer(tmp_path / "s.db")
    report = service.ingest(store, "deepstate-history", [history_folder], workers=1, derive="primary")
    assert report.added == 12
    assert len(recompressed) == 1  # file 3, against itself as a new keyframe (was: every later payload)
    stored = {info.content_hash for info in store.snapshots()}
    assert {store.get_payload(h) for h in stored} == {p.read_bytes() for p in files}


def test_a_process_that_runs_dry_takes_over_the_last_queued_batches(history_folder, tmp_path, monkeypatch) -> None:
    """Two segments of six one-file batches, the first slow: once the second process has parsed its own
    segment, it takes over the batches of the first that have not started (pipeline._steal); the
    steps are still every step of the plain overlays, and the store holds the files in input order."""
    import os
    import time

    from frontlines import service

    monkeypatch.setattr(pipeline, "SEGMENT", 6)
    monkeypatch.setattr(pipeline, "MIN_SEGMENT", 6)
    monkeypatch.setattr(pipeline, "BATCH", 1)
    names = sorted(p.name for p in history_folder.iterdir())
    slow = tuple(names[:6])  # the first segment: 0.6 s per file
    parse_files = pipeline._worker_parse_files
    log = tmp_path / "log"

    def spy(files, limit, continues, spill, *rest):
        if any(name.endswith(slow) for _, name in files):
            time.sleep(0.6)
        with log.open("a") as f:
            f.write(f"{os.getpid()} {int(continues)} {files[0][1]}\n")
        return parse_files(files, limit, continues, spill, *rest)

    spy.__module__, spy.__qualname__ = parse_files.__module__, parse_files.__qualname__
    monkeypatch.setattr(pipeline, "_worker_parse_files", spy)  # the forked workers look it up by name
    stolen: list[bool] = []
    steal = pipeline._steal

    def counted(pools, assigned, *args):
        before = [len(q) for q in assigned]
        steal(pools, assigned, *args)
        stolen.append(any(b == 0 and len(q) > 0 for b, q in zip(before, assigned)))  # an idle process got work

    monkeypatch.setattr(pipeline, "_steal", counted)
    store = service.open_writer(tmp_path / "s.db")
    report = service.ingest(store, "deepstate-history", [history_folder], workers=2, derive="primary")
    assert report.added == 12
    lines = [line.split() for line in log.read_text().splitlines()]
    by_pid: dict[str, list[str]] = {}
    for pid, _, name in lines:
        by_pid.setdefault(pid, []).append(Path(name).name)
    first = next(pid for pid, _, name in lines if Path(name).name == names[0])
    other = next(pid for pid in by_pid if pid != first)
    # the slow process kept the start of its segment; the other parsed its own and took over the rest
    assert by_pid[first] == names[:len(by_pid[first])] and 2 <= len(by_pid[first]) <= 5
    assert by_pid[other] == names[6:] + names[len(by_pid[first]):6]
    assert any(stolen)
    # the first batch taken over is parsed without the cache of its predecessor, the next ones continue it
    taken = [c for pid, c, name in lines if pid == other and Path(name).name in names[:6]]
    assert taken[0] == "0" and set(taken[1:]) <= {"1"}
    infos = store.snapshots()
    assert [Path(i.file_name).name for i in infos] == names  # stored in input (time) order
    _check_steps(store, 12)
