"""``service.places`` / ``frontlines places``: all name forms, namesakes ranked by context, status on a date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontlines import service
from frontlines.cli import main
from frontlines.conflicts import default_registry

KHARKIV = "UA63120270010096107"  # KATOTTH code of the city of Kharkiv


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("places") / "demo.db"
    with service.open_writer(path) as st:
        service.ingest_demo(st)
    return path


def test_kharkiv_code_is_the_city() -> None:
    gaz = default_registry().gazetteer("ukraine")
    [i] = gaz.lookup("Kharkiv")
    assert gaz.ids[i] == KHARKIV and gaz.categories[i] == "city"


def test_namesakes_with_status_and_front_distance(demo_store) -> None:
    st = service.open_reader(demo_store)
    res = service.places(st, "Новоселівка", at="2025-06-01", limit=15)
    doc = res.as_dict()
    assert not res.decided and doc["best"] is None and "which one?" in doc["reason"]
    assert len(doc["candidates"]) == 15
    dists = [c["distance_km"] for c in doc["candidates"]]
    assert dists == sorted(dists)  # nearest to the front line first
    # the statuses agree with the settlements query of the same date
    held = {r["id"]: r["status"] for r in service.settlements(st, at="2025-06-01").as_dict()["settlements"]}
    for c in doc["candidates"]:
        assert c["status"] == held.get(c["id"], "none"), c["display_name"]
        # the name, or a former one (Іверське was Новоселівка)
        assert "Новоселівка" in (c["name_uk"], c["former_name"], *c["other_names"].split("|")), c
        assert c["category"] and c["oblast"]
    assert doc["at"] == "2025-06-01T23:59:59Z" and doc["layer"] == "russia:control"


def test_region_named_nearby_decides(demo_store) -> None:
    st = service.open_reader(demo_store)
    res = service.places(st, "Oleksandrivka", oblast="Kherson", raion="Kherson")
    assert res.decided and res.best == "UA65100130020056823"
    assert res.as_dict()["candidates"][0]["matches"] == ["raion", "oblast"]


def test_cli_places_declined_form(demo_store, capsys) -> None:
    assert main(["places", "Харкова", "--store", str(demo_store), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["decided"] and doc["best"] == KHARKIV and doc["how"] == "declined"
    assert main(["places", "Artemivsk", "--store", str(demo_store)]) == 0
    out = capsys.readouterr().out
    assert "Bakhmut" in out and ("the only place of that name" in out or "by far the largest" in out)


def test_cli_places_bad_limit(demo_store, capsys) -> None:
    assert main(["places", "Kyiv", "--store", str(demo_store), "--limit", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "--limit" in err[0]
