"""Queries never write: every query command leaves the store's bytes, mtime and folder as they were.

Tests run as root, and root ignores permission bits, so ``chmod -R a-w`` alone proves
nothing: the folder is made read-only AND its state (each file's bytes and mtime, the
folder listing) is compared after every command. The same commands then run in a child
process without root's permission override (``setpriv``), where the read-only bits
bind, and the service queries run on an ``immutable=1`` reader, which SQLite opens
without locks or any file of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import frontlines
from frontlines import service
from frontlines.cli import main
from frontlines.errors import StoreError
from frontlines.store import open_reader
from tests.conftest import require_data
from tests.helpers import skip_or_fail

N_FILES = 8


def _first_files(archive: str, n: int, folder: Path) -> list[Path]:
    with tarfile.open(require_data(archive), "r|xz") as tar:
        for m in tar:
            if m.isfile() and m.name.endswith(".geojson"):
                (folder / Path(m.name).name).write_bytes(tar.extractfile(m).read())
                if len(list(folder.iterdir())) >= n:
                    break
    return sorted(folder.iterdir())


@pytest.fixture(scope="module")
def built_store(tmp_path_factory) -> Path:
    """A small real store: the first DeepState daily files of the archive."""
    files = _first_files("deepstate-daily-2024-2026.tar.xz", N_FILES, tmp_path_factory.mktemp("daily-ro"))
    path = tmp_path_factory.mktemp("built") / "s.db"
    with service.open_writer(path) as st:
        assert service.ingest(st, "deepstate-daily", files, workers=1).added == N_FILES
    return path


def _state(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of the folder: bytes and mtime (ns)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def _chmod_tree(folder: Path, writable: bool) -> None:
    for p in [*folder.iterdir(), folder]:
        mode = p.stat().st_mode
        bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        p.chmod(mode | stat.S_IWUSR if writable else mode & ~bits)


@pytest.fixture()
def readonly_store(built_store, tmp_path) -> Iterator[Path]:
    """A copy of the built store in a folder made read-only (``chmod -R a-w``)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy2(built_store, folder / built_store.name)
    _chmod_tree(folder, writable=False)
    try:
        yield folder / built_store.name
    finally:
        _chmod_tree(folder, writable=True)


def _query_commands(store: Path, out: Path) -> list[list[str]]:
    """Every query command, with outputs going to ``out`` (outside the store's folder)."""
    with service.open_reader(store) as st:
        times = [t for _, t, _ in service.select(st).timeline]
    first, last = times[0].isoformat(), times[-1].isoformat()
    mid = times[len(times) // 2].isoformat()
    s = ["--store", str(store)]
    return [
        ["area", "--at", last, *s],
        ["area", "--at", last, "--by", "oblast", "--json", *s],
        ["area", "--at", mid, "--by", "hromada", *s],  # not stored: computed in memory
        ["change", "--from", first, "--to", last, "--by", "raion", "--geojson", str(out / "change.geojson"), *s],
        ["series", "--from", first, "--to", last, "--freq", "month", *s],
        ["series", "--from", first, "--to", last, "--freq", "year", "--by", "oblast", "--json", *s],
        ["snapshots", *s],
        ["sources", "--json", *s],
        ["frontline", "--at", last, "--geojson", str(out / "front.geojson"), *s],
        ["settlements", "--from", first, "--to", last, "--min-population", "1000", *s],
        ["settlements", "--at", last, "--limit", "5", *s],
        ["check", "--text", "Russian forces captured 300 square kilometres in Donetsk region last month.",
         "--published", times[-1].date().isoformat(), *s],
        ["export", "--format", "csv", "--out", str(out / "export.csv"), *s],
        ["export", "--format", "geojson", "--out", str(out / "export.geojson"), *s],
        ["chart", "area", "--from", first, "--to", last, "--out", str(out / "area.png"), *s],
        ["map", "--at", last, "--out", str(out / "map.png"), *s],
    ]


@pytest.mark.realdata
def test_every_query_command_leaves_the_store_untouched(readonly_store, tmp_path, capsys):
    folder = readonly_store.parent
    before = _state(folder)
    assert list(before) == [readonly_store.name]  # no -wal / -shm at rest
    out = tmp_path / "out"
    out.mkdir()
    for argv in _query_commands(readonly_store, out):
        rc = main(argv)
        captured = capsys.readouterr()
        assert rc == 0, (argv, captured.err)
        assert _state(folder) == before, argv
    assert {p.name for p in out.iterdir()} == {
        "change.geojson", "front.geojson", "export.csv", "export.geojson", "area.png", "map.png"
    }


_CHILD = """
import json, sys
from frontlines.cli import main
results = [main(argv) for argv in json.loads(sys.argv[1])]
print(json.dumps(results))
"""


def _without_dac(args: list[str]) -> subprocess.CompletedProcess[str]:
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        skip_or_fail("setpriv (util-linux) is needed to drop root's permission override")
    env = {**os.environ, "PYTHONPATH": str(Path(frontlines.__file__).parents[1])}
    return subprocess.run(
        [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", *args],
        capture_output=True, text=True, env=env, timeout=600,
    )


@pytest.mark.realdata
def test_query_commands_work_when_the_os_forbids_writing(readonly_store, tmp_path):
    folder = readonly_store.parent
    before = _state(folder)
    probe = _without_dac(["touch", str(folder / "probe")])
    assert probe.returncode != 0, "the child can still write the folder: the test would prove nothing"
    out = tmp_path / "out"
    out.mkdir()
    commands = [c for c in _query_commands(readonly_store, out) if c[0] in ("area", "change", "snapshots", "frontline")]
    done = _without_dac([sys.executable, "-c", _CHILD, json.dumps(commands)])
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [0] * len(commands), done.stderr[-2000:]
    assert _state(folder) == before


@pytest.mark.realdata
def test_service_queries_on_an_immutable_reader(built_store, tmp_path):
    """``immutable=1``: SQLite takes no lock and creates nothing; every write raises."""
    folder = built_store.parent
    before = _state(folder)
    with service.open_reader(built_store) as plain:
        sel = service.select(plain)
    first, last = sel.timeline[0][1].isoformat(), sel.timeline[-1][1].isoformat()
    with open_reader(built_store, immutable=True) as st:
        assert st.immutable
        with pytest.raises(StoreError, match="read-only"):
            with st.transaction():
                pass  # pragma: no cover
        assert service.area(st, at=last, by="oblast").as_dict()["regions"]
        assert service.area(st, at=last, by="hromada").as_dict()["regions"]
        assert service.change(st, start=first, end=last, by="raion").as_dict()["regions"]
        assert service.series(st, start=first, end=last, freq="month").as_dict()["periods"]
        assert service.frontline(st, at=last).as_dict()["length_km"] > 0
        assert isinstance(service.settlements(st, start=first, end=last).as_dict(), dict)
        assert service.snapshots(st) and service.sources(st)
        claim = service.check(st, "Russian forces captured 300 square kilometres in Donetsk region last month.",
                              published=dt.date.fromisoformat(last[:10]))
        assert claim is not None
        assert service.export(st, fmt="csv", out=tmp_path / "x.csv") > 0
    assert _state(folder) == before


def test_a_missing_store_is_one_line_naming_it_and_nothing_is_created(capsys):
    missing = Path("/no/such/dir/x.db")
    assert not Path("/no").exists()
    rc = main(["area", "--store", str(missing), "--at", "2025-01-01"])
    err = capsys.readouterr().err
    assert rc != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(missing) in lines[0] and "Traceback" not in err
    assert not Path("/no/such/dir").exists() and not Path("/no").exists()


@pytest.mark.parametrize("command", ["reindex", "derive"])
def test_writing_commands_that_need_a_store_refuse_a_missing_one(command, tmp_path, capsys):
    missing = tmp_path / "sub" / "x.db"
    rc = main([command, "--store", str(missing)])
    err = capsys.readouterr().err
    assert rc != 0
    assert f"store {missing} does not exist" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.realdata
def test_derive_command_makes_a_primary_only_store_queryable(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "db").mkdir()
    files = _first_files("deepstate-history-2022-2025.tar.xz", 3, tmp_path / "in")
    store = tmp_path / "db" / "h.db"
    assert main(["ingest", "deepstate-history", *map(str, files), "--store", str(store), "--derive", "primary"]) == 0
    with service.open_reader(store) as st:
        sel = service.select(st)
        other = next(k for k in st.source_layers(sel.source) if k != sel.layer)
        at = sel.timeline[-1][1].isoformat()
    capsys.readouterr()
    before = _state(store.parent)
    rc = main(["area", "--at", at, "--layer", str(other), "--store", str(store)])
    err = capsys.readouterr().err
    assert rc == 1 and f"frontlines derive --store {store}" in err
    assert _state(store.parent) == before
    assert main(["derive", "--store", str(store), "--regions", "oblast,raion", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["steps_computed"] >= 3 and summary["region_tables"] == 2
    assert main(["area", "--at", at, "--layer", str(other), "--store", str(store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["area_km2"] > 0
    assert main(["derive", "--store", str(store), "--regions", "counties"]) == 2  # a usage error
    assert "unknown region level 'counties'" in capsys.readouterr().err
