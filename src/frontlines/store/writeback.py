"""A store file's new pages sent to the disk while a long write goes on, so that its commit does not wait for them.

The first filling of a SQLite store is one transaction in rollback-journal mode (see
:class:`~frontlines.store.sqlite.SQLiteStore`): its pages reach the file as the transaction
goes, but the kernel keeps them in memory until the commit's ``fsync``, which then waits for
all of them to be written (the W1 history: ~78 MB, 0.05 s of the ingest's serial tail; W2:
0.03 s of 0.1 s). :func:`early_writeback` asks the kernel, every few megabytes the file
grows, to start writing what is there (Linux's ``sync_file_range`` with
``SYNC_FILE_RANGE_WRITE``: it starts the writes and returns), from a thread that sleeps
otherwise. The commit's ``fsync`` still makes the transaction durable; it only finds less
left to write. Nothing about the data or SQLite's locks changes: the call goes to the
file descriptor SQLite has open (found in ``/proc/self/fd``), and no descriptor is opened or
closed here (closing one would drop the process's POSIX locks on the file).

Where the platform has no ``/proc/self/fd`` or no ``sync_file_range`` (macOS), it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["EVERY_BYTES", "POLL_SECONDS", "Writeback", "early_writeback"]

#: The file grows by this much between two requests to write it.
EVERY_BYTES = 4 * 1024 * 1024
#: How often the thread looks at the file's size.
POLL_SECONDS = 0.05

_SYNC_FILE_RANGE_WRITE = 2  # <fcntl.h>: start writing the dirty pages of the range, do not wait


def _sync_file_range() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """libc's ``sync_file_range`` (Linux), or None."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    fn = getattr(libc, "sync_file_range", None)
    if fn is not None:
        fn.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
        fn.restype = ctypes.c_int
    return fn


def _open_fd(path: Path) -> int | None:
    """A file descriptor this process has open on the file ``path`` (the same device and inode), or None."""
    try:
        want = os.stat(path)
        names = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for name in names:
        try:
            st = os.fstat(int(name))
        except (OSError, ValueError):
            continue  # closed meanwhile (or the listing's own descriptor)
        if (st.st_dev, st.st_ino) == (want.st_dev, want.st_ino):
            return int(name)
    return None


class Writeback:
    """The thread of :func:`early_writeback` (its counts are read by tests).

    Attributes
    ----------
    requests : int
        How many times the kernel was asked to start writing the file.
    """

    def __init__(self, path: Path, every_bytes: int, poll_seconds: float) -> None:
        self.path, self.every_bytes, self.poll_seconds = Path(path), every_bytes, poll_seconds
        self.requests = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="frontlines-writeback", daemon=True)

    def _run(self) -> None:
        sync = _sync_file_range()
        if sync is None:
            return
        fd, ino, sent = None, None, 0
        while not self._stop.wait(self.poll_seconds):
            try:
                if fd is None or os.fstat(fd).st_ino != ino:  # (found again if SQLite reopened the file)
                    fd = _open_fd(self.path)
                    if fd is None:
                        continue
                    ino = os.fstat(fd).st_ino
                size = os.fstat(fd).st_size
            except OSError:
                fd = None
                continue
            if size - sent >= self.every_bytes:
                if sync(fd, 0, 0, _SYNC_FILE_RANGE_WRITE) == 0:
                    self.requests += 1
                sent = size

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def early_writeback(path: Path, *, every_bytes: int = EVERY_BYTES,
                    poll_seconds: float = POLL_SECONDS) -> Iterator[Writeback]:
    """While the block runs, have the kernel start writing the file ``path`` each time it grew by
    ``every_bytes`` (a file this process has open: see the module's doc). Yields the :class:`Writeback`."""
    writeback = Writeback(path, every_bytes, poll_seconds)
    writeback.start()
    try:
        yield writeback
    finally:
        writeback.stop()
