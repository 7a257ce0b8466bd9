"""New timelines are derived as their snapshots are stored (service.early_steps), with the tail's figures.

Forty real DeepState daily maps are ingested into an empty store with two parse processes, with
every seventh snapshot's area computed whole (``FULL_EVERY`` lowered from 256 so that the full
dissolve is exercised) and the oblast rows written every sixth (``TABLE_CHUNK`` lowered to 6):
every step, area and oblast row but the last four is written while the parse runs (the tail
computes only those four), ``derive_layers`` computes nothing, and the figures equal, bit for bit,
those of the same ingest with the snapshots derived in the tail, and the plain overlays of the
stored parts measured with ``pyproj.Geod``. An ingest into a store that holds snapshots already
leaves them to the tail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

import frontlines.service.derive as derive_module
import frontlines.service.pipeline as pipeline_module
from frontlines import service
from frontlines.service import early_steps
from frontlines.store.sqlite import SQLiteStore
from tests.helpers import geodesic_km2

FILES = 40
OPTIONS = dict(derive="primary", region_levels=1, settlement_index=False, unions=False)  # as bench/engine.py


class _Off(early_steps.EarlySteps):
    """The ingest as it was: nothing derived before the tail."""

    def add(self, *args, **kwargs) -> None:
        return None


def _figures(store: SQLiteStore) -> tuple[list, dict, dict]:
    sel = service.select(store)
    ids = [sid for sid, _, _ in sel.timeline]
    steps = store.steps(sel.layer, ids, geometry=True)
    return ([area for _, _, area in sel.timeline], [steps[sid][1:] for sid in ids],
            [store.region_areas([sid], sel.layer, "oblast")[sid] for sid in ids])


@pytest.fixture(scope="module")
def daily(deepstate_daily_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("daily-a"), tmp_path_factory.mktemp("daily-b")
    files = sorted(deepstate_daily_dir.iterdir())[:FILES]
    for k, src in enumerate(files):
        ((first if k < FILES // 2 else second) / src.name).symlink_to(src)
    return first, second


@pytest.fixture(scope="module")
def runs(daily: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("early")
    first, second = daily
    calls = {"early": 0, "derive_layers": [], "tables": [], "rows": []}
    real_step, real_derive = early_steps.derive_step, pipeline_module.derive_layers
    real_tables, real_rows = early_steps.extend_region_tables, derive_module.store_region_table

    def counted_rows(*args, only=None, **kwargs):
        calls["rows"].append(len(only))
        return real_rows(*args, only=only, **kwargs)

    def counted_tables(store, touched, ids, **kwargs):
        calls["tables"].append(len(ids))
        return real_tables(store, touched, ids, **kwargs)

    def counted_step(*args, **kwargs):
        calls["early"] += 1
        return real_step(*args, **kwargs)

    def counted_derive(*args, **kwargs):
        n = real_derive(*args, **kwargs)
        calls["derive_layers"].append(n)
        return n

    stores = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(derive_module, "FULL_EVERY", 7)
        mp.setattr(early_steps, "TABLE_CHUNK", 6)  # the oblast rows of every 6 snapshots derived early
        mp.setattr(early_steps, "extend_region_tables", counted_tables)
        mp.setattr(derive_module, "store_region_table", counted_rows)
        mp.setattr(pipeline_module, "derive_layers", counted_derive)
        mp.setattr(early_steps, "derive_step", counted_step)
        both = [first, second]
        stores["early"] = SQLiteStore(tmp / "early.db")
        service.ingest(stores["early"], "deepstate-daily", both, workers=2, **OPTIONS)
        seen = dict(early=calls["early"], derive_layers=list(calls["derive_layers"]), tables=list(calls["tables"]),
                    rows=list(calls["rows"]))
        # the same files in two ingests: the second extends a timeline that held snapshots already
        stores["twice"] = SQLiteStore(tmp / "twice.db")
        service.ingest(stores["twice"], "deepstate-daily", [first], workers=2, **OPTIONS)
        before = calls["early"]
        service.ingest(stores["twice"], "deepstate-daily", [second], workers=2, **OPTIONS)
        seen["early_second"] = calls["early"] - before
        seen["derive_layers_second"] = calls["derive_layers"][-1]
        mp.setattr(pipeline_module, "EarlySteps", _Off)
        stores["tail"] = SQLiteStore(tmp / "tail.db")
        service.ingest(stores["tail"], "deepstate-daily", both, workers=2, **OPTIONS)
    return stores, seen


@pytest.mark.realdata
def test_an_empty_timeline_is_derived_while_parsing(runs) -> None:
    _, seen = runs
    assert seen["early"] == FILES  # every snapshot, the first one included
    assert seen["derive_layers"] == [0]  # the tail found every step up to date
    assert seen["tables"] == [6] * (FILES // 6)  # oblast rows written every 6 snapshots while parsing
    # the tail computes the oblast rows of the last 4 only (from the stored row before them)
    assert seen["rows"] == [6] * (FILES // 6) + [FILES % 6]
    # a timeline that held snapshots before the ingest: all left to the tail
    assert seen["early_second"] == 0 and seen["derive_layers_second"] >= 1


@pytest.mark.realdata
def test_figures_are_those_of_the_tail_bit_for_bit(runs) -> None:
    stores, _ = runs
    tail = _figures(stores["tail"])
    assert _figures(stores["early"]) == tail
    areas, steps, _ = _figures(stores["twice"])
    assert areas == tail[0]  # (the step into the second ingest's first map is computed in the tail)
    assert [s[:2] for s in steps] == [s[:2] for s in tail[1]]


@pytest.mark.realdata
def test_areas_and_steps_equal_the_plain_overlays(runs) -> None:
    stores, _ = runs
    store = stores["early"]
    sel = service.select(store)
    ids = [sid for sid, _, _ in sel.timeline]
    steps = store.steps(sel.layer, ids)
    unions = {sid: shapely.union_all(list(store.layer_parts(sid, sel.layer).values())) for sid in ids}
    for pos, (sid, _, area) in enumerate(sel.timeline):
        assert area == pytest.approx(geodesic_km2(unions[sid]), rel=1e-5)
        if pos:
            prev = ids[pos - 1]
            assert steps[sid][0] == prev
            gained, lost = unions[sid].difference(unions[prev]), unions[prev].difference(unions[sid])
            assert steps[sid][1] == pytest.approx(geodesic_km2(gained), rel=1e-4, abs=0.05)
            assert steps[sid][2] == pytest.approx(geodesic_km2(lost), rel=1e-4, abs=0.05)
