"""Thread safety of the read path: 16 threads sharing one read-only store get the single-threaded answers.

GEOS prepared geometries and lazily built STRtrees must never be used by two threads at
once (it segfaulted the web server). The geometry core takes no lock, so this runs the
web server's kind of load: mixed queries from many threads on one shared store, shared
region layers, the shared gazetteer and outline, and compares every result with the
same query answered by one thread alone (exact equality: the work is deterministic).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from frontlines import service
from frontlines.conflicts import default_registry
from frontlines.core.frontline import frontline as core_frontline
from frontlines.core.measure import change_geoms, dissolve
from frontlines.core.regions import RegionLayer, clip_areas, clip_pieces
from frontlines.core.settlements import settlement_status

THREADS = 16
#: DeepState daily maps of these days (inclusive) make the store: 45 days.
FIRST, LAST = "20250501", "20250614"


def _doc(x: Any) -> Any:
    """A service result as plain data: typed results by ``as_dict()``, core results and arrays as they are."""
    return x.as_dict() if hasattr(x, "as_dict") else x


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory, deepstate_daily_dir: Path) -> Path:
    files = [p for p in sorted(deepstate_daily_dir.glob("deepstatemap_data_*.geojson"))
             if FIRST <= p.stem.rsplit("_", 1)[-1] <= LAST]
    assert len(files) == 45
    folder = tmp_path_factory.mktemp("threads-files")
    for p in files:
        (folder / p.name).symlink_to(p)
    path = tmp_path_factory.mktemp("threads-store") / "daily.db"
    with service.open_writer(path) as st:
        service.ingest(st, "deepstate-daily", [folder])
    return path


def _service_queries() -> dict[str, Callable[[Any], Any]]:
    return {
        "area by hromada": lambda st: _doc(service.area(st, at="2025-05-20", by="hromada")),
        "area by raion": lambda st: _doc(service.area(st, at="2025-06-12", by="raion")),
        "change with depth": lambda st: _doc(service.change(st, start="2025-05-03", end="2025-06-13", depth=True)),
        "change with depth by oblast": lambda st: _doc(
            service.change(st, start="2025-05-12", end="2025-05-30", depth=True, by="oblast")),
        "settlements over a window": lambda st: _doc(service.settlements(st, start="2025-05-02", end="2025-06-14")),
        "settlements in Donetsk": lambda st: _doc(
            service.settlements(st, start="2025-05-10", end="2025-06-10", region="Donetsk")),
        "settlements at a date": lambda st: _doc(service.settlements(st, at="2025-05-25", min_population=100)),
        "frontline": lambda st: _doc(service.frontline(st, at="2025-05-25")),
        "frontline inner": lambda st: _doc(service.frontline(st, at="2025-06-05", mode="inner", tolerance_km=2.0)),
    }


def _core_queries(control: Any, gained: Any) -> dict[str, Callable[[Any], Any]]:
    """Direct calls of the cores on geometries every thread shares."""
    hromadas, raions = default_registry().region_layer("ukraine", "hromada"), default_registry().region_layer("ukraine", "raion")
    oblasts = default_registry().region_layer("ukraine", "oblast")
    gaz = default_registry().gazetteer("ukraine")
    kramatorsk = raions.geometries[raions.names.index("Kramatorsk Raion")]
    return {
        "clip_areas by hromada": lambda st: clip_areas(hromadas, control).tolist(),
        "clip_areas of pieces by hromada": lambda st: clip_areas(hromadas, gained).tolist(),
        "clip_areas of pieces by oblast (tiles)": lambda st: clip_areas(oblasts, gained).tolist(),
        "clip_areas of a batch by oblast (tiles)": lambda st: clip_areas(oblasts, [control, gained]).tolist(),
        "clip_pieces by raion": lambda st: [(i, shapely.to_wkb(g)) for i, g in clip_pieces(raions, control)],
        "core frontline with the outline": lambda st: core_frontline(control, outline=default_registry().outline("ukraine")).as_dict(),
        "settlement_status": lambda st: settlement_status(gaz.lon, gaz.lat, {"control": control}).tolist(),
        "gazetteer within a raion": lambda st: gaz.within(kramatorsk).tolist(),
    }


@pytest.mark.realdata
def test_threads_get_the_single_threaded_answers(store_path: Path) -> None:
    with service.open_reader(store_path) as ref_store:
        sel = service.select(ref_store)
        first, last = sel.timeline[0][0], sel.timeline[-1][0]
        control = dissolve(list(ref_store.layer_parts(last, sel.layer).values()))
        gained, _ = change_geoms(dissolve(list(ref_store.layer_parts(first, sel.layer).values())), control)
        queries = {**_service_queries(), **_core_queries(control, gained)}
        # One thread alone, on a store object of its own: the shared one below starts cold.
        expected = {name: q(ref_store) for name, q in queries.items()}
    assert len(shapely.get_parts(gained)) > 20  # clip_areas takes its many-pieces path
    assert expected["settlements over a window"]["count"] > 0
    assert sum(expected["clip_areas by hromada"]) > 50_000

    shared = service.open_reader(store_path)
    start = threading.Barrier(THREADS, timeout=120)  # a thread that failed breaks it: no hang

    def worker(seed: int) -> list[tuple[str, Any]]:
        order = list(queries)
        random.Random(seed).shuffle(order)
        start.wait()  # all threads begin together, on a cold shared store
        return [(name, queries[name](shared)) for name in order]

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(worker, i) for i in range(THREADS)]
        results = [r for f in futures for r in f.result()]  # an error in a thread is raised here
    shared.close()
    assert len(results) == THREADS * len(queries)
    differ = sorted({name for name, got in results if got != expected[name]})
    assert differ == []


@pytest.mark.realdata
def test_shared_geometries_stay_unprepared(store_path: Path) -> None:
    """Queries prepare nothing shared between threads: the store's parts, region layers, outline."""
    shipped = np.array([*(g for kind in ("oblast", "raion", "hromada") for g in default_registry().region_layer("ukraine", kind).geometries),
                        default_registry().outline("ukraine")], dtype=object)
    before = shapely.is_prepared(shipped)  # process-wide: another test may have left one prepared
    with service.open_reader(store_path) as st:
        service.settlements(st, start="2025-05-02", end="2025-06-14", region="Kharkiv")
        service.change(st, start="2025-05-03", end="2025-06-13", depth=True, by="raion")
        service.area(st, at="2025-05-20", by="hromada")
        sel = service.select(st)
        parts = [g for sid, _, _ in sel.timeline for g in st.layer_parts(sid, sel.layer).values()]
        assert not shapely.is_prepared(np.array(parts, dtype=object)).any()
    assert np.flatnonzero(shapely.is_prepared(shipped) & ~before).tolist() == []


def test_each_thread_has_its_own_region_tree() -> None:
    layer = default_registry().region_layer("ukraine", "oblast")
    mine = layer.tree
    other: list[shapely.STRtree] = []
    t = threading.Thread(target=lambda: other.append(layer.tree))
    t.start()
    t.join()
    assert layer.tree is mine
    assert other[0] is not mine
    point = shapely.Point(37.8, 48.0)  # Donetsk oblast
    assert [layer.ids[i] for i in other[0].query(point, predicate="within")] == ["UA-14"]


@pytest.mark.realdata
def test_many_threads_meet_fresh_shared_geometries_at_once(store_path: Path) -> None:
    """Round after round, all threads query a geometry no one has used yet, at the same moment.

    GEOS builds its indexes lazily on first use: this is when sharing a prepared geometry
    (or an STRtree) between threads corrupts it. Each round gets a fresh copy of the map
    and a fresh region layer, and every thread's answer must equal the single-threaded one.
    """
    with service.open_reader(store_path) as st:
        sel = service.select(st)
        control = dissolve(list(st.layer_parts(sel.timeline[-1][0], sel.layer).values()))
    raions = default_registry().region_layer("ukraine", "raion")
    oblasts = default_registry().region_layer("ukraine", "oblast")
    gaz = default_registry().gazetteer("ukraine")

    def fresh() -> tuple[Any, RegionLayer, RegionLayer]:
        copy = shapely.from_wkb(shapely.to_wkb(control))
        layer = RegionLayer("raion", raions.ids, raions.names, shapely.from_wkb(shapely.to_wkb(raions.geometries)))
        # a layer of large regions: clip_areas cuts its tiles and prepares it per thread on first use
        coarse = RegionLayer("oblast", oblasts.ids, oblasts.names, shapely.from_wkb(shapely.to_wkb(oblasts.geometries)))
        return copy, layer, coarse

    def answers(geom: Any, layer: RegionLayer, coarse: RegionLayer) -> tuple[Any, ...]:
        return (
            settlement_status(gaz.lon, gaz.lat, {"control": geom}).tolist(),
            gaz.within(geom).tolist(),
            clip_areas(layer, geom).tolist(),
            [int(i) for i in layer.tree.query(geom, predicate="intersects")],
            clip_areas(coarse, geom).tolist(),
        )

    expected = answers(*fresh())
    rounds = 8
    shared = [fresh() for _ in range(rounds)]
    start = threading.Barrier(THREADS, timeout=120)  # a thread that failed breaks it: no hang

    def worker() -> list[tuple[Any, ...]]:
        out = []
        for geom, layer, coarse in shared:
            start.wait()
            out.append(answers(geom, layer, coarse))
        return out

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(worker) for _ in range(THREADS)]
        results = [r for f in futures for r in f.result()]
    assert len(results) == THREADS * rounds
    assert all(r == expected for r in results)
