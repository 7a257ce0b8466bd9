"""Schema 1 -> 2 (map_time): a writer migrates, a reader is told what to do."""

from __future__ import annotations

import sqlite3

import pytest

from frontlines.errors import StoreError
from frontlines.model import LayerKey
from frontlines.store import sqlite as sq
from tests.helpers import apply_migrations


def _v1_store(path) -> None:
    db = sqlite3.connect(path)
    db.executescript(sq._SCHEMA_V1)
    db.execute("INSERT INTO meta VALUES('schema_version', '1')")
    db.execute("INSERT INTO payloads VALUES('h', 'deepstate-daily', NULL, 1, x'00')")
    db.execute(
        "INSERT INTO snapshots(source, conflict, published_at, file_name, content_hash, url, adapter, adapter_version,"
        " options, primary_layer, notes, ingested_at) VALUES('deepstate-daily', 'ukraine', '2025-04-02T03:00:00Z',"
        " 'deepstatemap_data_20250402.geojson', 'h', NULL, 'deepstate-daily', 1, '{}', 'russia:control', '{}',"
        " '2025-04-02T04:00:00Z')"
    )
    db.commit()
    db.close()


def test_reader_on_old_store_is_told_to_open_it_writable(tmp_path) -> None:
    path = tmp_path / "old.db"
    _v1_store(path)
    with pytest.raises(StoreError, match=r"schema version 1 .*open it writable.*reindex"):
        sq.SQLiteStore(path, readonly=True)
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)  # untouched
    db.close()


def test_writer_migrates_and_keeps_the_snapshot(tmp_path) -> None:
    path = tmp_path / "old.db"
    _v1_store(path)
    with sq.SQLiteStore(path, create=False) as st:
        assert st.schema_version == sq.SCHEMA_VERSION == 11
        (info,) = st.snapshots()
        assert st.redraws(LayerKey("russia", "control"), [info.id]) == {}  # version 4: the redraw tables exist
        assert st.change_faces("src", LayerKey("russia", "control")) is None  # version 8: the change-face table
        # until `frontlines reindex`, a migrated snapshot's map time is its publication time
        assert info.map_time == info.published_at
        assert info.as_dict()["fetched_at"] == "2025-04-02T03:00:00Z"
    with sq.SQLiteStore(path, readonly=True) as st:
        assert st.snapshot_count() == 1


def test_reindex_recomputes_map_times_of_a_migrated_store(tmp_path, deepstate_daily_dir) -> None:
    from frontlines.hashing import content_hash
    from frontlines.service.reindex import reindex
    from frontlines.store import payloads as codec

    raw = (deepstate_daily_dir / "deepstatemap_data_20250402.geojson").read_bytes()
    path = tmp_path / "old.db"
    _v1_store(path)
    db = sqlite3.connect(path)
    h = content_hash(raw)
    db.execute("INSERT INTO payloads VALUES(?, 'deepstate-daily', NULL, ?, ?)", (h, len(raw), codec.compress(raw)))
    db.execute("UPDATE snapshots SET content_hash=?", (h,))
    db.execute("DELETE FROM payloads WHERE hash='h'")
    db.commit()
    db.close()
    with sq.SQLiteStore(path, create=False) as st:
        assert st.snapshots()[0].map_time.isoformat() == "2025-04-02T03:00:00+00:00"
        reindex(st)
        (info,) = st.snapshots()
        assert info.file_name == "deepstatemap_data_20250402.geojson"
        assert info.map_time.isoformat() == "2025-04-01T20:59:59+00:00"  # end of 1 April, Kyiv (UTC+3)
        assert info.published_at.isoformat() == "2025-04-02T03:00:00+00:00"


def test_version_9_drops_the_part_areas_and_keeps_the_parts(tmp_path) -> None:
    """A store of version 8 holds parts with their areas; migrated, the parts (hash, WKB) stay and
    the layers read the same polygons."""
    import shapely
    from shapely.geometry import box

    path = tmp_path / "v8.db"
    _v1_store(path)
    db = sqlite3.connect(path)
    apply_migrations(db, 2, 8)  # up to version 8, as a store of that version was written
    db.execute("UPDATE meta SET value='8' WHERE key='schema_version'")
    square = box(36.0, 48.0, 36.5, 48.5)
    db.execute("INSERT INTO parts VALUES('p1', ?, 2054.4)", (shapely.to_wkb(square),))
    db.execute("INSERT INTO layer_parts VALUES(1, 'russia:control', 'p1')")
    db.execute("INSERT INTO snapshot_layers VALUES(1, 'russia:control', NULL, 1)")
    db.commit()
    assert [r[1] for r in db.execute("PRAGMA table_info(parts)")] == ["hash", "wkb", "area_km2"]
    db.close()
    with sq.SQLiteStore(path, create=False) as st:
        assert st.schema_version == sq.SCHEMA_VERSION
        (info,) = st.snapshots()
        assert shapely.equals_exact(st.layer_parts(info.id, LayerKey("russia", "control"))["p1"], square, 0)
    db = sqlite3.connect(path)
    assert [r[1] for r in db.execute("PRAGMA table_info(parts)")] == ["hash", "wkb"]
    db.close()


def test_version_11_keeps_each_layers_parts_in_one_row(tmp_path) -> None:
    """A store of version 10 holds a row per part of a layer; migrated, each layer is one row of
    its sorted hashes, the layers read the same polygons in the same (hash) order, and deleting
    the snapshot still removes its lists."""
    import shapely
    from shapely.geometry import box

    path = tmp_path / "v10.db"
    _v1_store(path)
    db = sqlite3.connect(path)
    apply_migrations(db, 2, 10)
    db.execute("UPDATE meta SET value='10' WHERE key='schema_version'")
    squares = {h: box(36.0 + i, 48.0, 36.5 + i, 48.5) for i, h in enumerate(["p3", "p1", "p2"])}
    db.executemany("INSERT INTO parts VALUES(?, ?)", [(h, shapely.to_wkb(g)) for h, g in squares.items()])
    rows = [(1, "russia:control", "p3"), (1, "russia:control", "p1"), (1, "russia:contested", "p2")]
    db.executemany("INSERT INTO layer_parts VALUES(?, ?, ?)", rows)
    db.executemany("INSERT INTO snapshot_layers VALUES(1, ?, NULL, ?)", [("russia:control", 2), ("russia:contested", 1)])
    db.commit()
    db.close()
    with sq.SQLiteStore(path, create=False) as st:
        assert st.schema_version == sq.SCHEMA_VERSION == 11
        (info,) = st.snapshots()
        control = st.layer_parts(info.id, LayerKey("russia", "control"))
        assert list(control) == ["p1", "p3"]
        assert all(shapely.equals_exact(control[h], squares[h], 0) for h in control)
        assert list(st.layer_parts(info.id, LayerKey("russia", "contested"))) == ["p2"]
    db = sqlite3.connect(path)
    assert [r[1] for r in db.execute("PRAGMA table_info(layer_parts)")] == ["snapshot_id", "layer", "part_hashes"]
    assert sorted(db.execute("SELECT layer, part_hashes FROM layer_parts")) == [
        ("russia:contested", "p2"), ("russia:control", "p1 p3")]
    db.close()
    with sq.SQLiteStore(path, create=False) as st:
        with st.transaction():
            st.delete_snapshot(info.id)
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM layer_parts").fetchone() == (0,)
    db.close()
