"""Giving the memory a stage of the ingest freed back to the operating system.

glibc's ``malloc`` keeps freed memory in its heap for later allocations: after a stage
that allocated and freed many geometries (the parse of a batch, the region tables), the
process stays as large as at its peak although most of it is free (on the W1 rebuild,
~100 MB of the main process's 220 MB peak was free heap). :func:`release_memory` hands
those free pages back (``malloc_trim``).

(Serving large buffers from their own mappings, ``mallopt(M_MMAP_THRESHOLD)``, was tried in
the parse workers: ~20 MB less on the W3 rebuild, but +20 % system time in page faults.)

It does nothing where the C library is not glibc (macOS, musl): the figures never depend on it.
"""

from __future__ import annotations

import ctypes

__all__ = ["free_heap_bytes", "release_memory"]


def _libc() -> ctypes.CDLL | None:
    """The C library when it is glibc (it has ``malloc_trim``), else None.

    ``CDLL(None)``: the symbols already loaded into the process (no file is searched for or opened).
    """
    try:
        libc = ctypes.CDLL(None)
    except OSError:  # platforms without dlopen(NULL)
        return None
    return libc if hasattr(libc, "malloc_trim") else None


class _MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (glibc >= 2.33)."""

    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def free_heap_bytes() -> int | None:
    """Bytes the C heap holds free (glibc's ``mallinfo2().fordblks``, every arena), or None where unknown."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return None
    libc.mallinfo2.restype = _MallInfo2
    return int(libc.mallinfo2().fordblks)


def release_memory() -> bool:
    """Return the free pages of the C heap to the operating system (``malloc_trim(0)``).

    Costs well under a millisecond, plus the page faults when the pages are used again (a
    parse worker trimming after each batch spends ~2 % more CPU). Returns whether anything
    was released (False also where the C library is not glibc).
    """
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
