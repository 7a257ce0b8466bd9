"""Two writers on one store: each parses before it takes the write lock and waits for the other's (issue 12).

Both ingests succeed, every snapshot is stored once; the wait is configurable
(``$FRONTLINES_BUSY_TIMEOUT``) and a writer that waits too little fails cleanly, store unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from frontlines import service
from frontlines.errors import StoreError
from frontlines.store.sqlite import BUSY_TIMEOUT_ENV, SQLiteStore, busy_timeout_ms

pytestmark = pytest.mark.realdata
SRC = Path(__file__).resolve().parents[1] / "src"


def _files(folder: Path, stamp: str, n: int) -> list[Path]:
    return sorted(folder.glob(f"deepstatemap_data_{stamp}*.geojson"))[:n]


def _link(files: list[Path], folder: Path) -> Path:
    folder.mkdir()
    for p in files:
        os.symlink(p, folder / p.name)
    return folder


def _ids(store: Path) -> list[tuple[str, str]]:
    st = service.open_reader(store)
    return [(s["source"], s["published_at"]) for s in service.snapshots(st)]


def test_two_concurrent_ingests_both_succeed(deepstate_daily_dir: Path, tmp_path: Path) -> None:
    jan, feb = _files(deepstate_daily_dir, "202501", 10), _files(deepstate_daily_dir, "202502", 10)
    assert len(jan) == len(feb) == 10
    store = tmp_path / "s.db"
    with service.open_writer(store) as st:  # the store exists before both start
        service.ingest(st, "deepstate-daily", [jan[0]])
    # The two inputs overlap in jan[5:]: those must not be stored twice.
    a, b = _link(jan, tmp_path / "a"), _link(jan[5:] + feb, tmp_path / "b")
    env = {**os.environ, "PYTHONPATH": str(SRC), BUSY_TIMEOUT_ENV: "120"}
    procs = [subprocess.Popen([sys.executable, "-m", "frontlines", "ingest", "deepstate-daily", str(folder),
                               "--store", str(store), "--json"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for folder in (a, b)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    ids = _ids(store)
    assert len(ids) == len(set(ids)) == 20  # jan (10) + feb (10), each once
    expected = {p.stem.rsplit("_", 1)[-1] for p in jan + feb}
    assert {t[:10].replace("-", "") for _, t in ids} == expected


def test_writer_waits_for_the_lock_then_writes(deepstate_daily_dir: Path, tmp_path: Path, monkeypatch) -> None:
    files = _files(deepstate_daily_dir, "202503", 3)
    store = tmp_path / "s.db"
    with service.open_writer(store) as st:
        service.ingest(st, "deepstate-daily", [files[0]])
    holder = service.open_writer(store)  # another writer, holding the write lock for 1.5 s
    holding = threading.Event()

    def hold() -> None:
        with holder.transaction():
            holder._db.execute("INSERT INTO meta(key, value) VALUES ('test-holder', '1')")
            holding.set()
            time.sleep(1.5)

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, "30")
    t0 = time.monotonic()
    with service.open_writer(store) as st:
        report = service.ingest(st, "deepstate-daily", files[1:])
    thread.join()
    holder.close()
    assert report.added == 2 and time.monotonic() - t0 >= 1.0
    assert len(_ids(store)) == 3


def test_short_wait_fails_cleanly(deepstate_daily_dir: Path, tmp_path: Path, monkeypatch) -> None:
    files = _files(deepstate_daily_dir, "202503", 2)
    store = tmp_path / "s.db"
    with service.open_writer(store) as st:
        service.ingest(st, "deepstate-daily", [files[0]])
    before = _ids(store)
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, "0.2")
    with service.open_writer(store) as holder, service.open_writer(store) as st:
        with holder.transaction():
            holder._db.execute("INSERT INTO meta(key, value) VALUES ('test-holder', '1')")
            with pytest.raises(StoreError, match="locked"):
                service.ingest(st, "deepstate-daily", files[1:])
    assert _ids(store) == before


@pytest.mark.parametrize(("seconds", "env", "expected"), [(2.5, None, 2500), (None, "0", 0), (None, "7.5", 7500)])
def test_busy_timeout_setting(monkeypatch, seconds, env, expected) -> None:
    if env is None:
        monkeypatch.delenv(BUSY_TIMEOUT_ENV, raising=False)
    else:
        monkeypatch.setenv(BUSY_TIMEOUT_ENV, env)
    assert busy_timeout_ms(seconds, SQLiteStore.BUSY_TIMEOUT_MS) == expected


@pytest.mark.parametrize("env", ["soon", "-1", "nan"])
def test_bad_busy_timeout_is_refused(monkeypatch, env) -> None:
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, env)
    with pytest.raises(StoreError, match="FRONTLINES_BUSY_TIMEOUT|busy timeout"):
        busy_timeout_ms(None, 1000)
