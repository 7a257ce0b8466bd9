"""A store file's pages sent to the disk while a long write goes on (store.writeback)."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from frontlines.store import writeback
from frontlines.store.sqlite import SQLiteStore

#: Where the kernel can be asked (``sync_file_range``, ``/proc/self/fd``); elsewhere the module does nothing.
LINUX = sys.platform.startswith("linux")


def test_the_descriptor_another_object_opened_is_found(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    with open(path, "wb") as f:
        fd = writeback._open_fd(path)
        if LINUX:
            assert fd is not None and os.path.samestat(os.fstat(fd), os.fstat(f.fileno()))
        else:
            assert fd is None
    assert writeback._open_fd(path) is None  # closed: none open any more
    assert writeback._open_fd(tmp_path / "missing") is None


def test_writes_are_started_as_the_file_grows_and_the_content_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "grows.bin"
    chunk = os.urandom(1 << 20)
    with open(path, "wb") as f, writeback.early_writeback(path, every_bytes=2 << 20, poll_seconds=0.005) as wb:
        for _ in range(12):
            f.write(chunk)
            f.flush()
            wb._stop.wait(0.02)  # the thread looks every 5 ms
    assert wb.requests >= 2 if LINUX else wb.requests == 0  # 12 MB in steps of 2 MB, seen by a thread that looks often
    assert not wb._thread.is_alive()
    assert path.read_bytes() == chunk * 12


def test_nothing_is_asked_for_a_file_not_open(tmp_path: Path) -> None:
    path = tmp_path / "closed.bin"
    path.write_bytes(os.urandom(4 << 20))
    with writeback.early_writeback(path, every_bytes=1, poll_seconds=0.005) as wb:
        wb._stop.wait(0.05)
    assert wb.requests == 0


def test_a_stores_first_filling_is_written_back_as_it_goes_and_committed(tmp_path: Path, monkeypatch) -> None:
    import frontlines.store.sqlite as sqlite_module

    seen: list[writeback.Writeback] = []
    real = writeback.early_writeback

    @contextlib.contextmanager
    def recorded(path):
        with real(path, every_bytes=1 << 20, poll_seconds=0.002) as wb:
            seen.append(wb)
            yield wb

    monkeypatch.setattr(sqlite_module, "early_writeback", recorded)
    store = SQLiteStore(tmp_path / "s.db")
    blobs = [os.urandom(1 << 20) for _ in range(8)]  # incompressible: 8 MB of pages, spilled to the file as they come
    with store.transaction():  # the first filling (rollback journal)
        for k, blob in enumerate(blobs):
            store.put_payload(f"h{k}", blob, source="test", base=None)
            seen[0]._stop.wait(0.02)
    assert len(seen) == 1 and not seen[0]._thread.is_alive()
    assert seen[0].requests >= 1 if LINUX else seen[0].requests == 0
    store.close()
    reader = SQLiteStore(tmp_path / "s.db", readonly=True)
    assert [reader.get_payload(f"h{k}") for k in range(8)] == blobs  # committed, whole
    reader.close()
