"""The CLI's redraw stage and flags: ``ingest`` classifies new steps, ``derive --redraws``,
``change`` / ``series`` / ``settlements`` leave redraws out unless ``--include-redraws``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontlines import service
from frontlines.cli import main
from tests.conftest import require_data


@pytest.fixture(scope="module")
def crimea_store(tmp_path_factory, deepstate_history_dir) -> Path:
    """DeepState history 2022-09-17 .. 09-19: the Crimean coast redrawn on 09-18."""
    folder = tmp_path_factory.mktemp("hist-0918")
    for p in sorted(deepstate_history_dir.glob("*.geojson")):
        if 1663372800 <= int(p.stem) <= 1663632000:
            (folder / p.name).symlink_to(p)
    path = tmp_path_factory.mktemp("s") / "s.db"
    assert main(["ingest", "deepstate-history", str(folder), "--store", str(path), "--workers", "1", "--json"]) == 0
    return path


def test_ingest_stores_the_classification(crimea_store, capsys) -> None:
    with service.open_reader(crimea_store) as st:
        sel = service.select(st, "deepstate-history", None)
        ids = [s for s, _, _ in sel.timeline]
        rows = st.redraws(sel.layer, ids)
    assert set(rows) == set(ids[1:])  # every step classified, after the ingest's own transaction
    assert sum(a for row in rows.values() for d, _, a, _ in row[2] if d == "gained") > 700
    assert main(["derive", "--redraws", "--store", str(crimea_store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["redraw_steps"] == 0  # nothing left to classify


def test_change_flags_and_geojson(crimea_store, tmp_path, capsys) -> None:
    capsys.readouterr()
    args = ["change", "--from", "2022-09-17", "--to", "2022-09-19", "--store", str(crimea_store), "--json"]
    assert main(args) == 0
    net = json.loads(capsys.readouterr().out)
    assert main([*args, "--include-redraws"]) == 0
    raw = json.loads(capsys.readouterr().out)
    assert net["redraws_excluded"] and not raw["redraws_excluded"]
    assert net["gained_km2"] + net["redraw_gained_km2"] == pytest.approx(raw["gained_km2"], abs=0.01)
    assert net["redraw_gained_km2"] > 700 and net["gained_km2"] < 100
    out = tmp_path / "c.geojson"
    assert main([*args, "--geojson", str(out)]) == 0
    features = json.loads(out.read_text())["features"]
    redraws = [f["properties"] for f in features if f["properties"]["kind"] == "redraw"]
    assert {r["reason"] for r in redraws} >= {"far-from-front"}
    assert sum(r["area_km2"] for r in redraws) == pytest.approx(net["redraw_km2"], abs=0.01)
    assert main(["change", "--from", "2022-09-17", "--to", "2022-09-19", "--store", str(crimea_store)]) == 0
    assert "map redraws left out" in capsys.readouterr().out


def test_series_and_settlements_flags(crimea_store, capsys) -> None:
    capsys.readouterr()
    base = ["--from", "2022-09-17", "--to", "2022-09-19", "--store", str(crimea_store), "--json"]
    assert main(["series", "--freq", "day", *base]) == 0
    net = json.loads(capsys.readouterr().out)
    assert main(["series", "--freq", "day", *base, "--include-redraws"]) == 0
    raw = json.loads(capsys.readouterr().out)
    for n, r in zip(net["periods"], raw["periods"]):
        if r["gained_km2"] is not None:
            assert n["gained_km2"] + n["redraw_gained_km2"] == pytest.approx(r["gained_km2"], abs=0.01)
    assert main(["settlements", *base]) == 0
    places = json.loads(capsys.readouterr().out)
    assert places["redraw_count"] > 0 and all(r["kind"] == "redraw" for r in places["redraw_settlements"])
    assert main(["settlements", *base, "--include-redraws"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == places["count"] + places["redraw_count"]


@pytest.mark.realdata
def test_ingest_of_a_source_without_its_primary_layer_classifies_nothing(tmp_path, capsys) -> None:
    """ISW's advance layer alone: the source has no ``russia:control`` timeline, so the stage has nothing to do
    (it used to fail after the ingest had committed)."""
    layer = require_data("isw-2022/layers/20220910_RussianAssessedAdvanceinUkraine.geojson.gz")
    store = tmp_path / "s.db"
    capsys.readouterr()
    assert main(["ingest", "isw", str(layer), "--store", str(store), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["snapshots_added"] == 1 and doc["redraw_steps"] == 0
    with service.open_reader(store) as st:
        assert [str(k) for k in st.source_layers("isw")] == ["russia:advance"]


def test_ingest_again_completes_an_unfinished_redraw_stage(deepstate_history_dir, tmp_path, capsys) -> None:
    """The library's ingest leaves the stage out (as an ingest stopped during it would): the CLI's ingest of the
    same files, all stored already, classifies every step."""
    folder = tmp_path / "files"
    folder.mkdir()
    for p in sorted(deepstate_history_dir.glob("*.geojson"))[:4]:
        (folder / p.name).symlink_to(p)
    store = tmp_path / "s.db"
    with service.open_writer(store) as st:
        assert service.ingest(st, "deepstate-history", [folder], workers=1).added == 4
    capsys.readouterr()
    assert main(["ingest", "deepstate-history", str(folder), "--store", str(store), "--workers", "1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["snapshots_added"] == 0 and doc["duplicates_skipped"] == 4 and doc["redraw_steps"] == 3
    with service.open_reader(store) as st:
        sel = service.select(st, "deepstate-history", None)
        assert set(st.redraws(sel.layer, [s for s, _, _ in sel.timeline])) == {s for s, _, _ in sel.timeline[1:]}
