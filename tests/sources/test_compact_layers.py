"""The compact region files: the same features as the GeoJSON, byte for byte, and only when current."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import orjson
import pytest
import shapely

from frontlines.conflicts import ConflictRegistry
from frontlines.core.geodesy import areas_km2
from frontlines.core.regions import TILE_DEG, RegionLayer, layer_centre, tile_regions
from frontlines.sources import boundaries
from frontlines.sources.compact_layers import (
    compact_path,
    read_compact,
    read_compact_layer,
    write_compact,
)


def _shipped_files() -> list[Path]:
    registry = ConflictRegistry.shipped()
    c = registry.get("ukraine")
    return sorted({c.level(k).file for k in c.level_kinds} | {c.outline})


def _plain(path: Path):
    """The GeoJSON parsed with the json module and shapely.geometry.shape (not the program's reader)."""
    import json

    from shapely.geometry import shape

    fc = json.loads(gzip.decompress(path.read_bytes()))
    return [f["properties"] for f in fc["features"]], [shape(f["geometry"]) for f in fc["features"]]


@pytest.mark.parametrize("path", _shipped_files(), ids=lambda p: p.name)
def test_shipped_compact_files_are_current_and_exact(path: Path) -> None:
    found = read_compact(path)
    assert found is not None, f"{compact_path(path)} is missing or stale: run scripts/build_compact_layers.py"
    props, geoms = found
    plain_props, plain_geoms = _plain(path)
    assert props == plain_props
    assert len(geoms) == len(plain_geoms)
    # the same coordinates to the last bit, the same types, rings and order
    assert shapely.to_wkb(geoms).tolist() == [shapely.to_wkb(g) for g in plain_geoms]
    # the land areas it keeps are those a region layer computes from the GeoJSON's geometries, bit for bit
    kept = read_compact_layer(path)
    plain = np.array(plain_geoms, dtype=object)
    assert kept.centre == layer_centre(plain)
    np.testing.assert_array_equal(kept.areas, areas_km2(plain, kept.centre))
    # and the tiles a region layer of them cuts (only the oblasts are large enough; the outline is no level)
    names = tuple(map(str, range(len(plain))))
    cut = tile_regions(RegionLayer(name="plain", ids=names, names=names, geometries=plain))
    if path.name.startswith("outline"):
        assert kept.tiles is None
    elif cut is None:
        assert kept.tiles is None and not path.name.startswith("oblasts")
    else:
        assert kept.tile_deg == TILE_DEG and len(kept.tiles.tiles) == len(cut.tiles) > len(plain)
        assert shapely.to_wkb(kept.tiles.tiles).tolist() == shapely.to_wkb(cut.tiles).tolist()
        np.testing.assert_array_equal(kept.tiles.region, cut.region)
        np.testing.assert_array_equal(kept.tiles.areas, cut.areas)


def test_read_level_takes_the_compact_file(monkeypatch) -> None:
    c = ConflictRegistry.shipped().get("ukraine")
    level = c.level("raion")
    fast = boundaries.read_level(level)
    assert "areas" in fast._cache  # given by the compact file, not computed
    monkeypatch.setattr(boundaries, "read_compact_layer", lambda *a: None)  # the GeoJSON path
    slow = boundaries.read_level(level)
    assert "areas" not in slow._cache
    assert fast.ids == slow.ids and fast.names == slow.names and fast.parents == slow.parents
    assert fast.local_names == slow.local_names
    assert shapely.to_wkb(fast.geometries).tolist() == shapely.to_wkb(slow.geometries).tolist()
    np.testing.assert_array_equal(fast.areas, slow.areas)


def test_read_level_takes_the_tiles_of_the_compact_file(monkeypatch) -> None:
    level = ConflictRegistry.shipped().get("ukraine").level("oblast")
    fast = boundaries.read_level(level)
    assert "cells" in fast._cache  # given by the compact file, not cut
    monkeypatch.setattr(boundaries, "read_compact_layer", lambda *a: None)  # the GeoJSON path
    slow = boundaries.read_level(level)
    assert "cells" not in slow._cache
    assert shapely.to_wkb(fast.cells.tiles).tolist() == shapely.to_wkb(slow.cells.tiles).tolist()
    np.testing.assert_array_equal(fast.cells.region, slow.cells.region)
    np.testing.assert_array_equal(fast.cells.areas, slow.cells.areas)


def test_given_tiles_are_taken_only_for_the_grid_the_centre_and_a_tiled_layer() -> None:
    level = ConflictRegistry.shipped().get("ukraine").level("oblast")
    shipped = boundaries.read_level(level)
    tiles = shipped.cells

    def fresh(geoms: np.ndarray = shipped.geometries) -> RegionLayer:
        return RegionLayer(name="t", ids=shipped.ids[: len(geoms)], names=shipped.names[: len(geoms)],
                           geometries=geoms)

    assert fresh().with_cells(tiles, TILE_DEG, shipped.centre)._cache["cells"] is tiles
    for deg, centre in ((TILE_DEG / 2, shipped.centre), (TILE_DEG, (0.0, 0.0))):
        assert "cells" not in fresh().with_cells(tiles, deg, centre)._cache  # another grid or centre: cut on use
    small = fresh(np.array([shapely.box(30, 48, 31, 49)], dtype=object))
    small.with_cells(tiles, TILE_DEG, small.centre)
    assert small.cells is None  # a layer of small regions is clipped whole


def test_positions_off_the_decimal_grid_are_kept_exactly(tmp_path: Path) -> None:
    # most positions have 5 decimals, two do not (as where the tiles' grid cuts an edge): integers and doubles
    ring = [[30.12345, 48.0], [31.5, 48.0], [31.5, 48.333333333333336], [31.0, 49.0],
            [30.12345, 49.0], [30.0, 48.71428571428571], [30.12345, 48.0]]
    src = tmp_path / "odd.geojson"
    src.write_bytes(orjson.dumps({"type": "FeatureCollection",
                                  "features": [_feature("O", {"type": "Polygon", "coordinates": [ring]})]}))
    side = _write(src)
    with np.load(side) as z:
        assert int(z["decimals"]) == 5 and z["odd"].tolist() == [2, 5]
    _, geoms = read_compact(src)
    assert shapely.get_coordinates(geoms[0]).tolist() == ring


def _write(path: Path) -> Path:
    return write_compact(path, *boundaries._read_geojson(path.read_bytes(), str(path)))


def _write_fc(path: Path, features: list[dict]) -> None:
    path.write_bytes(gzip.compress(orjson.dumps({"type": "FeatureCollection", "features": features})))


def _feature(rid: str, geometry: dict) -> dict:
    return {"type": "Feature", "properties": {"id": rid, "name": rid.lower()}, "geometry": geometry}


def test_a_stale_or_missing_compact_file_is_ignored(tmp_path: Path) -> None:
    src = tmp_path / "cells.geojson.gz"
    box = {"type": "Polygon", "coordinates": [[[30, 48], [31, 48], [31, 49], [30, 49], [30, 48]]]}
    _write_fc(src, [_feature("A", box)])
    assert read_compact(src) is None  # none written yet
    side = _write(src)
    assert side == tmp_path / "cells.compact.npz"
    props, geoms = read_compact(src)
    assert props == [{"id": "A", "name": "a"}] and shapely.get_type_id(geoms[0]) == 3
    # the GeoJSON changes: the compact file no longer describes it
    moved = {"type": "Polygon", "coordinates": [[[32, 48], [33, 48], [33, 49], [32, 49], [32, 48]]]}
    _write_fc(src, [_feature("A", moved)])
    assert read_compact(src) is None
    props, geoms = boundaries._read_file(src)
    assert shapely.bounds(geoms[0]).tolist() == [32.0, 48.0, 33.0, 49.0]
    side.write_bytes(b"not a zip file")
    assert read_compact(src) is None


def test_mixed_types_many_decimals_and_holes_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "mixed.geojson"
    holed = {"type": "Polygon", "coordinates": [[[30, 48], [31, 48], [31, 49], [30, 49], [30, 48]],
                                                 [[30.2, 48.2], [30.2, 48.4], [30.4, 48.4], [30.2, 48.2]]]}
    multi = {"type": "MultiPolygon", "coordinates": [
        [[[32.123456789012, 48.1], [33.1, 48.1], [33.1, 49.1], [32.123456789012, 48.1]]],
        [[[34.0, 48.0], [34.5, 48.0], [34.5, 48.5], [34.0, 48.0]]]]}
    src.write_bytes(orjson.dumps({"type": "FeatureCollection",
                                  "features": [_feature("H", holed), _feature("M", multi)]}))
    _write(src)  # 12 decimals: stored as plain doubles
    props, geoms = read_compact(src)
    _, plain = boundaries._read_geojson(src.read_bytes(), str(src))
    assert shapely.to_wkb(geoms).tolist() == shapely.to_wkb(plain).tolist()
    assert [shapely.get_type_id(g) for g in geoms] == [3, 6]


def test_only_polygons_are_written(tmp_path: Path) -> None:
    src = tmp_path / "line.geojson"
    src.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": [
        _feature("L", {"type": "LineString", "coordinates": [[30, 48], [31, 49]]})]}))
    with pytest.raises(ValueError, match="only Polygons"):
        _write(src)
    assert not compact_path(src).exists()


def test_copied_shipped_file_keeps_its_compact_form(tmp_path: Path) -> None:
    # a conflict folder copied elsewhere with its compact files still loads fast and the same
    path = next(p for p in _shipped_files() if p.name.startswith("oblasts"))
    shutil.copy(path, tmp_path / path.name)
    shutil.copy(compact_path(path), tmp_path / compact_path(path).name)
    assert read_compact(tmp_path / path.name) is not None


def _gazetteer_fields(g) -> dict:
    import dataclasses

    out = {f.name: getattr(g, f.name) for f in dataclasses.fields(g) if f.init}
    return {k: (v.tolist(), str(v.dtype)) if isinstance(v, np.ndarray) else v for k, v in out.items()}


def test_shipped_compact_gazetteer_is_current_and_the_same(monkeypatch) -> None:
    from frontlines.sources import gazetteer as gz
    from frontlines.sources.compact_gazetteer import (
        compact_gazetteer_path,
        read_compact_gazetteer,
    )

    path = ConflictRegistry.shipped().get("ukraine").gazetteer
    assert read_compact_gazetteer(path, path.read_bytes()) is not None, \
        f"{compact_gazetteer_path(path)} is missing or stale: run scripts/build_compact_layers.py"
    fast = gz.read_gazetteer(path)
    monkeypatch.setattr(gz, "read_compact_gazetteer", lambda *a: None)  # the CSV itself
    slow = gz.read_gazetteer(path)
    assert _gazetteer_fields(fast) == _gazetteer_fields(slow)
    assert len(fast) == 29_707 and fast.display_name(123) == slow.display_name(123)


def test_a_stale_compact_gazetteer_is_ignored(tmp_path: Path) -> None:
    from frontlines.sources import gazetteer as gz
    from frontlines.sources.compact_gazetteer import write_compact_gazetteer

    header = ",".join(gz.REQUIRED_COLUMNS)
    row = "UA1,Lyman,Лиман,Лиман,Krasnyi Lyman|Красный Лиман,48.98,37.81,20066,UA-14,UA1400,Donetsk,Kramatorsk"
    src = tmp_path / "places.csv"
    src.write_text(f"{header}\n{row}\n", encoding="utf-8")
    side = write_compact_gazetteer(src, gz.read_gazetteer(src))
    assert side == tmp_path / "places.compact.npz"
    again = gz.read_gazetteer(src)
    assert again.alternates == (("Krasnyi Lyman", "Красный Лиман"),) and again.population.tolist() == [20066]
    src.write_text(f"{header}\n{row.replace('20066', '20100')}\n", encoding="utf-8")  # the CSV changes
    assert gz.read_gazetteer(src).population.tolist() == [20100]
    side.write_bytes(b"garbage")
    assert gz.read_gazetteer(src).population.tolist() == [20100]


def test_given_areas_are_taken_only_for_the_layers_centre_and_count() -> None:
    geoms = np.array([shapely.box(30, 48, 31, 49), shapely.box(31, 48, 32, 49)], dtype=object)

    def layer() -> RegionLayer:
        return RegionLayer(name="t", ids=("a", "b"), names=("A", "B"), geometries=geoms)

    assert layer().with_areas(np.array([1.0, 2.0]), (31.0, 48.0)).areas.tolist() == [1.0, 2.0]  # its centre
    for areas, centre in ((np.array([1.0, 2.0]), (30.0, 48.0)), (np.array([1.0]), (31.0, 48.0))):
        got = layer().with_areas(areas, centre).areas  # another centre, or another count: computed
        np.testing.assert_allclose(got, [8217.73, 8217.73], atol=0.01)  # the zone between two parallels / 360
