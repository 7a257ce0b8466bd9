"""The command line's error behaviour: one red line naming the problem, a non-zero exit, no traceback."""

from __future__ import annotations

import gzip
import io
import json
import os
import sqlite3
import tarfile
import tracemalloc
import zlib
from pathlib import Path

import pytest

from frontlines.cli import main
from frontlines.errors import InputTooLargeError
from frontlines.sources import _payloads
from frontlines.store import SCHEMA_VERSION, SQLiteStore
from tests.helpers import dump

SQUARE = [[30.0, 48.0], [31.0, 48.0], [31.0, 49.0], [30.0, 49.0], [30.0, 48.0]]
GOOD = json.dumps(
    {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}
    ]}
).encode()


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    return lines[0]



@pytest.fixture
def store(tmp_path, capsys) -> Path:
    f = tmp_path / "seed" / "deepstatemap_data_20240401.geojson"
    f.parent.mkdir()
    f.write_bytes(GOOD)
    path = tmp_path / "s.db"
    assert run(["ingest", "deepstate-daily", str(f), "--store", str(path)], capsys)[0] == 0
    return path


def _tar(path: Path, members: dict[str, bytes], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


# ------------------------------------------------------------------ ingest arguments and paths
@pytest.mark.parametrize(
    ("argv", "fragment", "status"),
    [
        (["ingest", "nowhere", "{f}"], "unknown source 'nowhere'; known: deepstate-daily, deepstate-history, files, isw, nzz", 2),
        (["ingest", "deepstate-daily", "{tmp}/missing.geojson"], "{tmp}/missing.geojson: no such file or folder", 1),
        (["ingest", "files", "{f}", "--layer", "russia:bogus", "--date", "2024-05-01"], "unknown layer status 'bogus'", 2),
        (["ingest", "files", "{f}", "--layer", "russia", "--date", "2024-05-01"], "layer 'russia' is not of the form SIDE:STATUS", 2),
        (["ingest", "files", "{f}", "--layer", "rus sia:control", "--date", "2024-05-01"], "invalid side 'rus sia'", 2),
        (["ingest", "files", "{f}", "--layer-field", "s", "--map", "occupied", "--date", "2024-05-01"], "--map 'occupied' is not VALUE=SIDE:STATUS", 2),
        (["ingest", "files", "{f}", "--layer-field", "s", "--map", "a=russia:bogus", "--date", "2024-05-01"], "--map 'a=russia:bogus': unknown layer status 'bogus'", 2),
        (["ingest", "files", "{f}", "--layer", "russia:control", "--date", "yesterday"], "--date: cannot read a date from 'yesterday'", 2),
        (["ingest", "files", "{f}", "--layer", "russia:control", "--date-from-name", "(\\d{8}"], "is not a valid regular expression", 2),
        (["ingest", "files", "{f}", "--layer", "russia:control", "--date-field", "when"], "no date field 'when'", 1),
    ],
)
def test_bad_ingest_arguments(argv, fragment, status, tmp_path, capsys, store):
    """Bad arguments are usage errors (2); a file that does not fit them is a data error (1)."""
    f = tmp_path / "map_20240501.geojson"
    f.write_bytes(GOOD)
    argv = [a.replace("{f}", str(f)).replace("{tmp}", str(tmp_path)) for a in argv] + ["--store", str(store)]
    before = dump(store)
    rc, _, err = run(argv, capsys)
    assert rc == status
    assert fragment.replace("{tmp}", str(tmp_path)) in one_line(err)
    assert dump(store) == before


def test_folder_without_matching_files(tmp_path, capsys, store):
    folder = tmp_path / "stuff"
    folder.mkdir()
    (folder / "readme.txt").write_text("nothing here")
    rc, _, err = run(["ingest", "deepstate-daily", str(folder), "--store", str(store)], capsys)
    assert rc == 1
    assert f"{folder}: folder holds no file matching deepstatemap_data_*.geojson" in one_line(err)


def test_corrupt_and_empty_tar_archives(tmp_path, capsys, store):
    before = dump(store)
    good = _tar(tmp_path / "good.tar.gz", {f"d/deepstatemap_data_2024050{i}.geojson": GOOD.replace(b"31.0", f"31.{i}".encode()) for i in range(1, 4)})
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(good.read_bytes()[:-60])
    rc, _, err = run(["ingest", "deepstate-daily", str(broken), "--store", str(store)], capsys)
    assert rc == 1
    assert f"{broken}: corrupt or truncated archive" in one_line(err)
    unrelated = _tar(tmp_path / "other.tar", {"notes.txt": b"hello"}, mode="w")
    rc, _, err = run(["ingest", "deepstate-daily", str(unrelated), "--store", str(store)], capsys)
    assert rc == 1
    assert f"{unrelated}: archive holds no file matching" in one_line(err)
    assert dump(store) == before
    rc, out, err = run(["ingest", "deepstate-daily", str(good), "--store", str(store), "--json"], capsys)
    assert rc == 0, err
    assert json.loads(out)["snapshots_added"] == 3


def test_bad_member_in_tar_names_the_member(tmp_path, capsys, store):
    before = dump(store)
    archive = _tar(tmp_path / "a.tar.xz", {
        "x/deepstatemap_data_20240501.geojson": GOOD,
        "x/deepstatemap_data_20240502.geojson": GOOD[:50],
        "x/deepstatemap_data_20240503.geojson": GOOD.replace(b"31.0", b"31.5"),
    }, mode="w:xz")
    rc, _, err = run(["ingest", "deepstate-daily", str(archive), "--store", str(store)], capsys)
    assert rc == 1
    assert f"{archive}!x/deepstatemap_data_20240502.geojson: malformed JSON" in one_line(err)
    assert dump(store) == before


def test_oversize_tar_member_and_gzip(tmp_path, capsys, store, monkeypatch):
    monkeypatch.setattr(_payloads, "MAX_PAYLOAD_BYTES", 200)
    before = dump(store)
    archive = _tar(tmp_path / "big.tar", {"deepstatemap_data_20240501.geojson": GOOD}, mode="w")
    rc, _, err = run(["ingest", "deepstate-daily", str(archive), "--store", str(store)], capsys)
    assert rc == 1
    assert f"{archive}!deepstatemap_data_20240501.geojson: member of {len(GOOD):,} bytes exceeds the limit" in one_line(err)
    gz = tmp_path / "deepstatemap_data_20240502.geojson.gz"
    gz.write_bytes(gzip.compress(GOOD))
    rc, _, err = run(["ingest", "deepstate-daily", str(gz), "--store", str(store)], capsys)
    assert rc == 1
    assert f"{gz}: decompressed size exceeds the limit of 200 bytes" in one_line(err)
    assert dump(store) == before


def test_gzip_bomb_is_refused_without_expanding_it(monkeypatch):
    """200 MB of zeros in 200 kB of gzip: refused after reading just past the limit."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    bomb = b"".join(comp.compress(chunk) for _ in range(200)) + comp.flush()
    assert len(bomb) < 400_000
    monkeypatch.setattr(_payloads, "MAX_PAYLOAD_BYTES", 2_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(InputTooLargeError, match="bomb.gz: decompressed size exceeds the limit of 2,000,000 bytes"):
            _payloads.decompress(bomb, name="bomb.gz")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


# ------------------------------------------------------------------ stores that cannot be used
def test_commands_on_a_missing_store(tmp_path, capsys):
    missing = tmp_path / "none.db"
    for cmd in (["snapshots"], ["sources"]):
        rc, _, err = run([*cmd, "--store", str(missing)], capsys)
        assert rc == 1
        assert f"store {missing} does not exist; ingest something first" in one_line(err)
    assert not missing.exists()


def test_commands_on_random_bytes(tmp_path, capsys):
    noise = tmp_path / "noise.db"
    noise.write_bytes(os.urandom(10_000))
    data = noise.read_bytes()
    f = tmp_path / "deepstatemap_data_20240501.geojson"
    f.write_bytes(GOOD)
    for argv in (["snapshots"], ["ingest", "deepstate-daily", str(f)]):
        rc, _, err = run([*argv, "--store", str(noise)], capsys)
        assert rc == 1
        assert f"cannot open store {noise}: file is not a database" in one_line(err)
    assert noise.read_bytes() == data


def test_commands_on_a_foreign_sqlite_file(tmp_path, capsys):
    foreign = tmp_path / "app.sqlite"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE users(id INTEGER)")
    con.commit()
    con.close()
    data = foreign.read_bytes()
    f = tmp_path / "deepstatemap_data_20240501.geojson"
    f.write_bytes(GOOD)
    for argv in (["snapshots"], ["ingest", "deepstate-daily", str(f)]):
        rc, _, err = run([*argv, "--store", str(foreign)], capsys)
        assert rc == 1
        assert f"{foreign} is an SQLite file but not a frontlines store" in one_line(err)
    assert foreign.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.sqlite", "deepstatemap_data_20240501.geojson"]


def test_commands_on_a_newer_store(store, tmp_path, capsys):
    con = sqlite3.connect(store)
    con.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 5),))
    con.commit()
    con.close()
    before = dump(store)
    f = tmp_path / "deepstatemap_data_20240502.geojson"
    f.write_bytes(GOOD)
    for argv in (["snapshots"], ["sources"], ["ingest", "deepstate-daily", str(f)]):
        rc, _, err = run([*argv, "--store", str(store)], capsys)
        assert rc == 1
        line = one_line(err)
        assert f"store {store} has schema version {SCHEMA_VERSION + 5}" in line
        assert f"reads up to {SCHEMA_VERSION}: upgrade frontlines" in line
    assert dump(store) == before


def test_store_path_is_a_folder(tmp_path, capsys):
    f = tmp_path / "deepstatemap_data_20240501.geojson"
    f.write_bytes(GOOD)
    rc, _, err = run(["ingest", "deepstate-daily", str(f), "--store", str(tmp_path)], capsys)
    assert rc == 1
    assert f"cannot open store {tmp_path}" in one_line(err)


def test_store_from_environment(tmp_path, capsys, monkeypatch):
    target = tmp_path / "env" / "s.db"
    monkeypatch.setenv("FRONTLINES_STORE", str(target))
    f = tmp_path / "deepstatemap_data_20240501.geojson"
    f.write_bytes(GOOD)
    rc, _, err = run(["ingest", "deepstate-daily", str(f)], capsys)
    assert rc == 0, err
    with SQLiteStore(target) as st:
        assert len(st.snapshots()) == 1


# ------------------------------------------------------------------ usage errors
@pytest.mark.parametrize("argv", [["ingest", "deepstate-daily"], ["snapshots", "--limit", "many"], ["no-such-command"]])
def test_usage_errors_exit_2_without_traceback(argv, capsys):
    rc = main(argv)
    assert rc == 2
    assert "Traceback" not in capsys.readouterr().err
