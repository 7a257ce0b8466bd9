"""Giving the memory a stage of the ingest freed back to the operating system.

glibc's ``malloc`` keeps freed memory in its heap for later allocations: after a stage
that allocated and freed many geometries (the parse of a batch, the region tables), the
process stays as large as at its peak although most of it is free (on the W1 rebuild,
~100 MB of the main process's 220 MB peak was free heap). :func:`release_memory` hands
those free pages back (``malloc_trim``), and :func:`bound_heap` makes a parse worker serve
large buffers (raw payloads, pickled results) from their own mappings, returned when freed,
rather than from the heap, where they would leave holes the size of a payload.

Both do nothing where the C library is not glibc (macOS, musl): the figures never depend on them.
"""

from __future__ import annotations

import ctypes

__all__ = ["MMAP_THRESHOLD", "bound_heap", "release_memory"]

#: Allocations at least this large get their own mapping in a parse worker (glibc's initial
#: threshold, which it otherwise raises up to 32 MB after the first large buffer is freed).
MMAP_THRESHOLD = 128 * 1024

_M_TRIM_THRESHOLD = -1  # mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3


def _libc() -> ctypes.CDLL | None:
    """The C library when it is glibc (it has ``malloc_trim``), else None.

    ``CDLL(None)``: the symbols already loaded into the process (no file is searched for or opened).
    """
    try:
        libc = ctypes.CDLL(None)
    except OSError:  # platforms without dlopen(NULL)
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def release_memory() -> bool:
    """Return the free pages of the C heap to the operating system (``malloc_trim(0)``).

    Costs about a millisecond per 100 MB of heap. Returns whether anything was released
    (False also where the C library is not glibc).
    """
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


def bound_heap(threshold: int = MMAP_THRESHOLD) -> bool:
    """Serve allocations of ``threshold`` bytes or more from their own mappings, and trim the heap's top eagerly.

    Meant for a process of our own (a parse worker): it sets the malloc options of the whole
    process. Returns whether the options were set (False where the C library is not glibc).
    """
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, threshold)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 2 * threshold))
