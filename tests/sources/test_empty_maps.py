"""A map with no measurable area is refused (naming the file) unless --allow-empty."""

from __future__ import annotations

import json

import pytest

from frontlines import service
from frontlines.errors import SourceFormatError
from frontlines.store import MemoryStore

POINTS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [37.5, 48.0]}},
    {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [37.6, 48.1]}},
]}
NULLS = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": None}]}
EMPTY = {"type": "FeatureCollection", "features": []}


@pytest.mark.parametrize("doc", [POINTS, NULLS, EMPTY], ids=["points", "nulls", "empty"])
def test_empty_daily_map_is_refused_naming_the_file(tmp_path, doc) -> None:
    path = tmp_path / "deepstatemap_data_20250102.geojson"
    path.write_text(json.dumps(doc))
    store = MemoryStore()
    with pytest.raises(SourceFormatError, match=r"deepstatemap_data_20250102\.geojson: .*no measurable area.*--allow-empty"):
        service.ingest(store, "deepstate-daily", [path], workers=1)
    assert store.snapshot_count() == 0 and store.data_version == 0


def test_points_only_map_is_refused_by_the_cli_in_one_line(tmp_path, capsys) -> None:
    from frontlines.cli import main

    path = tmp_path / "deepstatemap_data_20250102.geojson"
    path.write_text(json.dumps(POINTS))
    rc = main(["ingest", "deepstate-daily", str(path), "--store", str(tmp_path / "s.db")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "deepstatemap_data_20250102.geojson" in err and "ignored points 2" in err
    assert len(err.strip().splitlines()) == 1
    rc = main(["ingest", "deepstate-daily", str(path), "--store", str(tmp_path / "s.db"), "--allow-empty", "--json"])
    assert rc == 0
    # refused again (another day) on a store that holds data: the file is byte for byte as it was
    before = (tmp_path / "s.db").read_bytes()
    later = tmp_path / "deepstatemap_data_20250103.geojson"
    later.write_text(json.dumps(POINTS))
    assert main(["ingest", "deepstate-daily", str(later), "--store", str(tmp_path / "s.db")]) == 1
    assert (tmp_path / "s.db").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("s.db")) == ["s.db"]


def test_allow_empty_ingests_a_zero_area_snapshot(tmp_path) -> None:
    path = tmp_path / "deepstatemap_data_20250102.geojson"
    path.write_text(json.dumps(POINTS))
    store = MemoryStore()
    import datetime as dt

    opts = service.IngestOptions(now=dt.datetime.now(dt.timezone.utc), allow_empty=True)
    report = service.ingest(store, "deepstate-daily", [path], options=opts, workers=1)
    assert report.added == 1
    assert service.area(store, at="2025-01-01").area_km2 == 0.0
