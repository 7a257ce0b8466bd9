"""Ingest I/O (issue 18): duplicates recognised before parsing, reindex that skips what no adapter changed,
archives streamed to the parsers in any member order.

Every backend (``any_store``); real DeepState files.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from frontlines import service
from frontlines.hashing import content_hash
from frontlines.sources.deepstate import DeepStateDaily
from tests.conftest import require_data

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


# --------------------------------------------------------------------------- archives, streamed
KHARKIV = (1662422400, 1663027200)  # 2022-09-06 .. 2022-09-13 UTC: the counteroffensive, many redraws


@pytest.fixture(scope="module")
def kharkiv(tmp_path_factory) -> tuple[Path, list[str]]:
    """The real history snapshots of 6-12 September 2022 (a folder) and their order in the shared archive."""
    folder = tmp_path_factory.mktemp("kharkiv")
    order = []
    with tarfile.open(require_data("deepstate-history-2022-2025.tar.xz"), "r|xz") as tar:
        for m in tar:
            stem = Path(m.name).name.split(".")[0]
            if m.isfile() and m.name.endswith(".geojson") and stem.isdigit() and KHARKIV[0] <= int(stem) < KHARKIV[1]:
                (folder / Path(m.name).name).write_bytes(tar.extractfile(m).read())
                order.append(Path(m.name).name)
    return folder, order


def _archive(folder: Path, names: list[str], path: Path, mode: str) -> Path:
    with tarfile.open(path, mode) as tar:
        for name in names:
            tar.add(folder / name, arcname=f"deepstate-history/geojsons/{name}")
    return path


def _everything(store) -> dict:
    """Per snapshot (file, hash, map time): its layers' areas and each step's predecessor, gained and lost."""
    infos = {s.id: s for s in store.snapshots()}
    key = {sid: (i.file_name, i.content_hash, i.shown_at) for sid, i in infos.items()}
    out: dict = {}
    for src, _, _, _ in store.sources():
        for layer in sorted({k for i in infos.values() for k in i.layers}, key=str):
            timeline = store.layer_timeline(src, layer)
            steps = store.steps(layer, [sid for sid, _, _ in timeline])
            for sid, _, area in timeline:
                prev, gained, lost = steps[sid][:3]
                out[(key[sid], str(layer))] = (round(area, 6), key.get(prev), round(gained or 0.0, 6),
                                               round(lost or 0.0, 6))
    return out


@pytest.mark.realdata
@pytest.mark.parametrize("mode", ["w:xz", "w:gz"])
def test_an_archive_in_no_time_order_gives_the_folders_snapshots(tmp_path, kharkiv, mode, monkeypatch) -> None:
    from frontlines.service import parallel_steps

    folder, order = kharkiv
    assert len(order) >= 8 and order != sorted(order)  # the shared archive's members are in no time order
    archive = _archive(folder, order, tmp_path / f"k.tar.{mode[2:]}", mode)
    monkeypatch.setattr(parallel_steps, "MIN_PARALLEL_STEPS", 1)  # so that the steps are computed in workers
    with service.open_writer(tmp_path / "folder.db") as a, service.open_writer(tmp_path / "archive.db") as b:
        ra = service.ingest(a, "deepstate-history", [folder], workers=2)
        rb = service.ingest(b, "deepstate-history", [archive], workers=2)
        assert (ra.added, rb.added, rb.parsed) == (len(order), len(order), len(order))
        assert (ra.first, ra.last, ra.repaired) == (rb.first, rb.last, rb.repaired)
        fa, fb = _everything(a), _everything(b)
        assert fa == fb and len(fa) >= len(order)
        # payloads compressed against the keyframe most like them, not the latest one
        (raw_a, stored_a), (raw_b, stored_b) = a.payload_bytes(), b.payload_bytes()
        assert raw_a == raw_b and stored_b < 1.5 * stored_a
        for name in order:
            h = content_hash((folder / name).read_bytes())
            assert b.get_payload(h) == (folder / name).read_bytes()
        # and the areas are those of the files themselves (a hand check: the Kharkiv oblast lost ~8,600 km2)
        sel = service.select(b)
        assert sel.timeline[0][2] - sel.timeline[-1][2] > 8000
