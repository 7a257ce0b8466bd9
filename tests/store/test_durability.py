"""Durability and idempotency: killed and interrupted ingests, duplicates, byte-identical payloads."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from frontlines.cli import main
from frontlines.service import pipeline as ingest_mod
from frontlines.service.pipeline import ingest
from frontlines.store import SQLiteStore
from frontlines.store.payloads import KEYFRAME_EVERY
from tests.conftest import require_data
from tests.helpers import dump


def count(store: Path) -> int:
    con = sqlite3.connect(store)
    try:
        return con.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    finally:
        con.close()


def daily_doc(i: int) -> bytes:
    """A small daily file whose polygon grows a little every day (so consecutive payloads differ)."""
    ring = [[30.0, 48.0], [31.0 + 0.001 * i, 48.0], [31.0 + 0.001 * i, 49.0], [30.0, 49.0], [30.0, 48.0]]
    feats = [{"type": "Feature", "properties": {"day": i}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]
    # padding that repeats across days, like real files, so that delta compression has something to share
    feats += [
        {"type": "Feature", "properties": {"name": f"label {k}"}, "geometry": {"type": "Point", "coordinates": [30 + k / 100, 47]}}
        for k in range(200)
    ]
    return json.dumps({"type": "FeatureCollection", "features": feats}).encode()


def make_daily(folder: Path, n: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(start, start + n):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=i)
        p = folder / f"deepstatemap_data_{day:%Y%m%d}.geojson"
        p.write_bytes(daily_doc(i))
        out.append(p)
    return out


# ------------------------------------------------------------------ idempotency
def test_same_files_twice_adds_nothing(tmp_path, capsys):
    files = make_daily(tmp_path / "in", 10)
    store = tmp_path / "s.db"
    args = ["ingest", "deepstate-daily", str(tmp_path / "in"), "--store", str(store), "--json", "--workers", "1"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["snapshots_added"], first["duplicates_skipped"]) == (10, 0)
    before = dump(store)
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert (second["files_read"], second["snapshots_added"], second["duplicates_skipped"]) == (10, 0, 10)
    assert dump(store) == before
    assert count(store) == len(files)


def test_same_file_under_another_name_with_the_same_date_is_a_duplicate(tmp_path, capsys):
    store = tmp_path / "s.db"
    (f,) = make_daily(tmp_path / "a", 1)
    copy = tmp_path / "b" / f"copy_of_{f.name}"
    copy.parent.mkdir()
    shutil.copy(f, copy)
    assert main(["ingest", "deepstate-daily", str(f), "--store", str(store)]) == 0
    capsys.readouterr()
    before = dump(store)
    assert main(["ingest", "deepstate-daily", str(copy), "--store", str(store), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["snapshots_added"], report["duplicates_skipped"]) == (0, 1)
    assert dump(store) == before


def test_duplicate_inside_one_run_and_gzip_copy(tmp_path, capsys):
    folder = tmp_path / "in"
    (f,) = make_daily(folder, 1)
    (folder / "sub").mkdir()
    shutil.copy(f, folder / "sub" / f.name)
    (folder / "gz").mkdir()
    (folder / "gz" / (f.name + ".gz")).write_bytes(gzip.compress(f.read_bytes()))
    store = tmp_path / "s.db"
    assert main(["ingest", "deepstate-daily", str(folder), "--store", str(store), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["files_read"], report["snapshots_added"], report["duplicates_skipped"]) == (3, 1, 2)
    with SQLiteStore(store) as st:
        (info,) = st.snapshots()
        # the content hash is of the decompressed bytes, and those are what is stored
        assert info.content_hash == hashlib.sha256(f.read_bytes()).hexdigest()
        assert st.get_payload(info.content_hash) == f.read_bytes()


def test_same_bytes_on_another_date_is_a_new_snapshot_sharing_the_payload(tmp_path, capsys):
    (f,) = make_daily(tmp_path / "a", 1)
    other = tmp_path / "b" / "deepstatemap_data_20240301.geojson"
    other.parent.mkdir()
    shutil.copy(f, other)
    store = tmp_path / "s.db"
    for p in (f, other):
        assert main(["ingest", "deepstate-daily", str(p), "--store", str(store)]) == 0
    with SQLiteStore(store) as st:
        assert len(st.snapshots()) == 2
        assert st._db.execute("SELECT count(*) FROM payloads").fetchone()[0] == 1


# ------------------------------------------------------------------ payloads read back byte-identical
def test_payloads_read_back_identical_beyond_the_keyframe_interval(tmp_path):
    n = 2 * KEYFRAME_EVERY + 6
    files = make_daily(tmp_path / "in", n)
    store = tmp_path / "s.db"
    with SQLiteStore(store) as st:
        # two ingests, so that the second continues the first one's keyframe chain
        ingest(st, "deepstate-daily", files[:20], workers=1)
        report = ingest(st, "deepstate-daily", files[20:], workers=1)
        assert report.added == n - 20
        for p in files:
            h = hashlib.sha256(p.read_bytes()).hexdigest()
            assert st.get_payload(h) == p.read_bytes(), p.name
        rows = st._db.execute("SELECT base_hash IS NULL FROM payloads ORDER BY rowid").fetchall()
        keyframes = [i for i, (is_key,) in enumerate(rows) if is_key]
        assert keyframes == [0, KEYFRAME_EVERY + 1, 2 * KEYFRAME_EVERY + 2]
        raw, stored = st.payload_bytes()
        assert stored < raw / 10


@pytest.mark.realdata
def test_real_daily_payloads_read_back_identical(tmp_path):
    archive = require_data("deepstate-daily-2024-2026.tar.xz")
    folder = tmp_path / "daily"
    folder.mkdir()
    with tarfile.open(archive, "r|xz") as tar:
        for m in tar:
            if m.isfile() and m.name.endswith(".geojson"):
                (folder / Path(m.name).name).write_bytes(tar.extractfile(m).read())
                if len(list(folder.iterdir())) >= 40:
                    break
    files = sorted(folder.iterdir())
    with SQLiteStore(tmp_path / "s.db") as st:
        report = ingest(st, "deepstate-daily", [folder])
        assert report.added == 40
        for p in files:
            assert st.get_payload(hashlib.sha256(p.read_bytes()).hexdigest()) == p.read_bytes()
        assert st._db.execute("SELECT count(*) FROM payloads WHERE base_hash IS NULL").fetchone()[0] == 2


# ------------------------------------------------------------------ interrupted ingests
def test_exception_midway_leaves_the_store_as_it_was(tmp_path):
    files = make_daily(tmp_path / "in", 8)
    store = tmp_path / "s.db"
    with SQLiteStore(store) as st:
        ingest(st, "deepstate-daily", files[:3], workers=1)
    before = dump(store)

    def fail_at_6(n: int, name: str) -> None:
        if n == 6:
            raise RuntimeError("disk on fire")

    with SQLiteStore(store) as st:
        with pytest.raises(RuntimeError, match="disk on fire"):
            ingest(st, "deepstate-daily", files, workers=1, progress=fail_at_6)
        assert len(st.snapshots()) == 3
    assert dump(store) == before
    with SQLiteStore(store) as st:
        report = ingest(st, "deepstate-daily", files, workers=1)
        assert (report.added, report.duplicates) == (5, 3)


def _interrupt_at_fourth(monkeypatch) -> None:
    real_tally = ingest_mod._tally
    seen = []

    def tally(report, snapshot):
        seen.append(snapshot)
        if len(seen) == 4:
            raise KeyboardInterrupt
        real_tally(report, snapshot)

    monkeypatch.setattr(ingest_mod, "_tally", tally)


def test_ctrl_c_in_the_cli_writes_nothing(tmp_path, capsys, monkeypatch):
    files = make_daily(tmp_path / "in", 6)
    store = tmp_path / "s.db"
    assert main(["ingest", "deepstate-daily", str(files[0]), "--store", str(store)]) == 0
    before = dump(store)
    _interrupt_at_fourth(monkeypatch)
    main(["ingest", "deepstate-daily", str(tmp_path / "in"), "--store", str(store), "--workers", "1"])
    assert dump(store) == before
    assert count(store) == 1


def test_ctrl_c_in_the_cli_exits_130(tmp_path, capsys, monkeypatch):
    make_daily(tmp_path / "in", 6)
    _interrupt_at_fourth(monkeypatch)
    rc = main(["ingest", "deepstate-daily", str(tmp_path / "in"), "--store", str(tmp_path / "s.db"), "--workers", "1"])
    assert rc == 130
    assert "interrupted: the transaction under way was rolled back" in capsys.readouterr().err


HISTORY_FILES = 200


@pytest.fixture(scope="module")
def history_200(tmp_path_factory) -> Path:
    """The first 200 real DeepState history files (streamed out of the archive)."""
    archive = require_data("deepstate-history-2022-2025.tar.xz")
    folder = tmp_path_factory.mktemp("history200")
    n = 0
    with tarfile.open(archive, "r|xz") as tar:
        for m in tar:
            if m.isfile() and m.name.endswith(".geojson"):
                (folder / Path(m.name).name).write_bytes(tar.extractfile(m).read())
                n += 1
                if n == HISTORY_FILES:
                    break
    return folder


@pytest.mark.realdata
def test_sigkill_during_ingest_leaves_the_store_intact(history_200, tmp_path):
    files = sorted(history_200.iterdir())
    store = tmp_path / "s.db"
    first = tmp_path / "first20"
    first.mkdir()
    for p in files[:20]:
        os.symlink(p, first / p.name)
    with SQLiteStore(store) as st:
        ingest(st, "deepstate-history", [first], workers=1)
    assert count(store) == 20
    before = dump(store)
    wal = Path(str(store) + "-wal")
    assert not wal.exists()

    cmd = [sys.executable, "-m", "frontlines", "ingest", "deepstate-history", str(history_200), "--store", str(store)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        t0 = time.monotonic()
        # inside the transaction: the ingest parses first (outside any lock), then writes in
        # one transaction, whose uncommitted pages make the WAL appear
        while time.monotonic() - t0 < 180:
            if proc.poll() is not None:
                break
            if wal.exists():
                time.sleep(0.3)  # some pages written, the transaction not committed
                break
            time.sleep(0.02)
        assert proc.poll() is None, f"ingest ended before it could be killed: {proc.stderr.read().decode()[-500:]}"
        assert wal.exists()
        os.killpg(proc.pid, signal.SIGKILL)  # the ingest and its parser workers
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    con = sqlite3.connect(store)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 20
    finally:
        con.close()
    assert dump(store) == before

    with SQLiteStore(store) as st:
        report = ingest(st, "deepstate-history", [history_200])
        assert (report.added, report.duplicates) == (HISTORY_FILES - 20, 20)
        assert len(st.snapshots()) == HISTORY_FILES
        assert st._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # every layer of every snapshot got its area
        assert st._db.execute("SELECT count(*) FROM snapshot_layers WHERE area_km2 IS NULL").fetchone()[0] == 0
