"""Parse workers that read files themselves, segment by segment, compute every step inside a segment.

The figures are checked against plain shapely overlays of the stored parts (the definition of a
step: the union of a snapshot's parts minus its predecessor's, and the reverse), measured with
pyproj.Geod, not against the program's own earlier output.
"""

from __future__ import annotations

import shutil

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


def test_segments_compute_the_steps_across_batches(history_folder, tmp_path, monkeypatch) -> None:
    from frontlines import service

    # 12 files: segments of 6 (one per worker), batches of 2 inside them
    monkeypatch.setattr(pipeline, "SEGMENT", 6)
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
    # the first snapshot (no predecessor) and the step into the second segment; all others by the workers
    assert computed_by_main == [2]
    sel = service.select(store)
    ids = [sid for sid, _, _ in sel.timeline]
    assert len(ids) == 12
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
