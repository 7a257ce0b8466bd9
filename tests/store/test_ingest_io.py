"""Ingest I/O (issue 18): duplicates recognised before parsing, reindex that skips what no adapter changed,
archives streamed to the parsers in any member order.

Every backend (``any_store``); real DeepState files.
"""

from __future__ import annotations

import random
import tarfile
from pathlib import Path

import pytest

from frontlines import service
from frontlines.sources.deepstate import DeepStateDaily

N = 8


@pytest.fixture(scope="module")
def daily_folder(tmp_path_factory, deepstate_daily_dir) -> Path:
    """Eight consecutive real daily files (links) in a folder of their own."""
    folder = tmp_path_factory.mktemp("daily8")
    for p in sorted(deepstate_daily_dir.glob("deepstatemap_data_2025*.geojson"))[:N]:
        (folder / p.name).symlink_to(p)
    return folder


def _figures(store) -> list[tuple]:
    """(file name, content hash, map time, published at, area) of every snapshot of the primary timeline."""
    sel = service.select(store)
    infos = {s.id: s for s in store.snapshots()}
    return [(infos[sid].file_name, infos[sid].content_hash, when, infos[sid].published_at, round(area, 6))
            for sid, when, area in sel.timeline]


@pytest.mark.realdata
def test_duplicates_are_recognised_before_parsing(any_store, daily_folder) -> None:
    first = service.ingest(any_store, "deepstate-daily", [daily_folder], workers=1)
    assert (first.added, first.parsed, first.duplicates) == (N, N, 0)
    version, figures = any_store.data_version, _figures(any_store)
    again = service.ingest(any_store, "deepstate-daily", [daily_folder], workers=1)
    assert (again.files_read, again.added, again.duplicates, again.parsed) == (N, 0, N, 0)
    assert again.as_dict()["parsed"] == 0 and again.as_dict()["duplicates_skipped"] == N
    assert (again.first, again.last) == (first.first, first.last)  # tallied from the stored snapshots
    assert any_store.data_version == version
    assert _figures(any_store) == figures


@pytest.mark.realdata
def test_duplicate_reingest_leaves_the_file_as_it_was(tmp_path, daily_folder) -> None:
    path = tmp_path / "s.db"
    with service.open_writer(path) as st:
        service.ingest(st, "deepstate-daily", [daily_folder], workers=1)
    with service.open_writer(path) as st:  # opening a writer alone switches the journal mode (header counter)
        pass
    before = path.read_bytes()
    with service.open_writer(path) as st:
        report = service.ingest(st, "deepstate-daily", [daily_folder], workers=1)
    assert (report.duplicates, report.parsed) == (N, 0)
    after = path.read_bytes()
    assert len(after) == len(before)
    # Only SQLite's file change counter (bytes 24-27) and its copy (92-95) move: the writer
    # switches the file to WAL when it opens and back when it closes.
    changed = {i for i, (a, b) in enumerate(zip(before, after)) if a != b}
    assert changed <= set(range(24, 28)) | set(range(92, 96))


@pytest.mark.realdata
def test_changed_options_or_adapter_version_are_parsed_again(any_store, daily_folder, monkeypatch) -> None:
    service.ingest(any_store, "deepstate-daily", [daily_folder], workers=1)
    monkeypatch.setattr(DeepStateDaily, "version", DeepStateDaily.version + 1)
    again = service.ingest(any_store, "deepstate-daily", [daily_folder], workers=1)
    # parsed again, then found to be the same snapshots: still duplicates
    assert (again.added, again.duplicates, again.parsed) == (0, N, N)


@pytest.mark.realdata
def test_reindex_with_nothing_changed_writes_nothing(any_store, daily_folder, monkeypatch) -> None:
    service.ingest(any_store, "deepstate-daily", [daily_folder], workers=1)
    version, figures = any_store.data_version, _figures(any_store)
    ids = [s.id for s in any_store.snapshots()]
    assert service.reindex(any_store) == {"snapshots": N, "reread": 0, "unchanged": N, "areas_changed": 0}
    assert any_store.data_version == version
    assert [s.id for s in any_store.snapshots()] == ids

    # A new adapter version: every snapshot it read is read again (new ids), figures equal.
    monkeypatch.setattr(DeepStateDaily, "version", DeepStateDaily.version + 1)
    result = service.reindex(any_store)
    assert result == {"snapshots": N, "reread": N, "unchanged": 0, "areas_changed": 0}
    assert any_store.data_version > version
    assert not set(ids) & {s.id for s in any_store.snapshots()}
    assert _figures(any_store) == figures
    assert {r["adapter_version"] for r in any_store.snapshot_rows()} == {DeepStateDaily.version}
    version = any_store.data_version
    assert service.reindex(any_store)["reread"] == 0
    assert any_store.data_version == version


@pytest.mark.realdata
def test_reindex_of_part_of_a_timeline_relinks_its_steps(any_store, daily_folder, monkeypatch) -> None:
    files = sorted(daily_folder.iterdir())
    service.ingest(any_store, "deepstate-daily", files[: N // 2], workers=1)
    with monkeypatch.context() as m:  # the second half read by another adapter version
        m.setattr(DeepStateDaily, "version", DeepStateDaily.version + 1)
        service.ingest(any_store, "deepstate-daily", files[N // 2:], workers=1)
    before = _steps(any_store)
    result = service.reindex(any_store)
    assert (result["reread"], result["unchanged"]) == (N - N // 2, N // 2)
    # every step links to its real predecessor again, with the same figures
    assert _steps(any_store) == before


def _steps(store) -> list[tuple]:
    """(position of the predecessor, map time, area, gained, lost) of every step of the primary timeline."""
    sel = service.select(store)
    ids = [sid for sid, _, _ in sel.timeline]
    steps = store.steps(sel.layer, ids)
    return [(None if steps[sid][0] is None else ids.index(steps[sid][0]), when, round(area, 6),
             round(steps[sid][1] or 0.0, 6), round(steps[sid][2] or 0.0, 6)) for sid, when, area in sel.timeline]


def _archive(files: list[Path], path: Path, mode: str, seed: int) -> Path:
    shuffled = list(files)
    random.Random(seed).shuffle(shuffled)  # the shared history archive's members are in no time order either
    with tarfile.open(path, mode) as tar:
        for p in shuffled:
            tar.add(p.resolve(), arcname=f"geojsons/{p.name}")
    return path
