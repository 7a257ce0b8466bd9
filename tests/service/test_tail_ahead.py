"""The tail's work done while the parse runs (service.tail_ahead) gives the figures the tail gives.

Eight real ISW layers are ingested twice: with one parser (no work ahead: the tail clips and
dissolves everything) and with two parse processes, where the main process dissolves the first
layer and clips every step by oblast while it waits (here drained completely before the tail,
so that every figure comes from the work ahead). The oblast tables and areas must be the same
bit for bit, and the first and last snapshots' rows those of a plain shapely overlay of the
dissolved layer with each oblast, measured with ``pyproj.Geod``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import frontlines.service.derive as derive_module
import frontlines.service.pipeline as pipeline_module
from frontlines import service
from frontlines.service import tail_ahead
from frontlines.store.sqlite import SQLiteStore
from tests.conftest import ISW_DAYS
from tests.helpers import assert_oblast_rows_plain, assert_same_tables, oblast_tables


@pytest.fixture(scope="module")
def both(isw_folder: Path, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("tail-ahead")
    plain = SQLiteStore(tmp / "plain.db")
    options = dict(derive="primary", region_levels=1, settlement_index=False, unions=False)  # as bench/engine.py
    service.ingest(plain, "isw", [isw_folder], workers=1, **options)
    seen: dict[str, int] = {"found": 0, "asked": 0, "tail_dissolves": 0, "queued_first": 0, "idle_calls": 0,
                            "draining": 0}
    tails: list[tail_ahead.TailAhead] = []

    class Recorded(tail_ahead.TailAhead):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            tails.append(self)

        def first_snapshot(self, sid, layer) -> None:
            seen["queued_first"] += 1
            super().first_snapshot(sid, layer)

        def run_one(self) -> bool:
            seen["idle_calls"] += not seen["draining"]
            return super().run_one()

    real_derive, real_get, real_dissolve = pipeline_module.derive_layers, tail_ahead.ClipRows.get, \
        derive_module.dissolve

    def drained_derive(*args, **kwargs):
        seen["draining"] = 1
        while tails[0].run_one():  # all the work ahead done, whatever the timing of the parse
            pass
        return real_derive(*args, **kwargs)

    def counted_get(self, region_set, wkb):
        row = real_get(self, region_set, wkb)
        seen["asked"] += 1
        seen["found"] += row is not None
        return row

    def counted_dissolve(parts):
        seen["tail_dissolves"] += 1
        return real_dissolve(parts)

    ahead = SQLiteStore(tmp / "ahead.db")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline_module, "TailAhead", Recorded)
        mp.setattr(pipeline_module, "derive_layers", drained_derive)
        mp.setattr(tail_ahead.ClipRows, "get", counted_get)
        mp.setattr(derive_module, "dissolve", counted_dissolve)
        service.ingest(ahead, "isw", [isw_folder], workers=2, **options)
    return plain, ahead, seen


@pytest.mark.realdata
def test_work_ahead_is_used(both) -> None:
    _, _, seen = both
    assert seen["idle_calls"] >= 1  # the parse loop gave the waiting main process work (the first file takes ~0.1 s)
    assert seen["queued_first"] == 1  # the first layer of an empty timeline
    assert seen["tail_dissolves"] == 0  # neither derive_layers nor the region table dissolved it again
    # every clip the tail needed was found: the first layer whole, gained and lost of each step that has them
    assert seen["asked"] >= len(ISW_DAYS) and seen["found"] == seen["asked"]


@pytest.mark.realdata
def test_figures_are_those_of_the_tail_bit_for_bit(both) -> None:
    plain, ahead, _ = both
    assert_same_tables(plain, ahead, len(ISW_DAYS))


@pytest.mark.realdata
def test_oblast_rows_equal_the_plain_overlay(both) -> None:
    _, ahead, _ = both
    ids = oblast_tables(ahead)[2]
    assert_oblast_rows_plain(ahead, [ids[0], ids[-1]])  # the first clipped whole, the last stepped from the clips of the steps


@pytest.mark.realdata
def test_only_large_layers_are_worked_ahead(isw_folder: Path, tmp_path: Path) -> None:
    from frontlines.sources._payloads import payload_files

    isw = payload_files([isw_folder], ("*.geojson",))
    small = tmp_path / "small"
    small.mkdir()
    for day in range(3):
        (small / f"deepstatemap_data_2024050{day + 1}.geojson").write_bytes(b"{}" * 1000)
    assert pipeline_module._large_layers(isw)  # 1.5 MB of JSON a layer (gzip counts its content)
    assert not pipeline_module._large_layers(payload_files([small], ("*.geojson",)))
    assert not pipeline_module._large_layers([])  # payloads in memory: no processes to wait for
