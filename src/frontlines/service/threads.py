"""Derive work shared between threads: GEOS releases the GIL, so a second core helps without forking.

Derive stages repeat the same computation for many independent items, most of it in GEOS
(dissolving each snapshot's layer, drawing it for display, classifying each step's redraws).
Two ways to share them:

* :func:`thread_map`: the caller reads the inputs from the store (its connection stays in its
  thread) and the threads only compute on them;
* :func:`map_with_readers`: the threads read too, each through a reader of its own
  (:meth:`~frontlines.store.StoreWriter.committed_reader`, with a cache of its own, so no
  geometry is ever shared between threads while in use), in one read view per chunk. The
  readers see the store's committed state, so this is only offered while that is all the
  writer sees: a writer whose transaction has written gives no reader, and the caller
  computes in its own thread as before.

The results are the same either way (same data, same code, in the items' order).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from frontlines.store import StoreReader, StoreWriter

__all__ = ["DEFAULT_THREADS", "map_with_readers", "thread_map"]

#: Threads of a derive stage by default (GEOS work in two threads: ~1.5x on two cores).
DEFAULT_THREADS = min(2, os.cpu_count() or 1)

Item = TypeVar("Item")
Result = TypeVar("Result")


def thread_map(fn: Callable[[Item], Result], items: Sequence[Item], workers: int) -> list[Result]:
    """``[fn(item) for item in items]``, in ``workers`` threads when there are two or more items."""
    if workers < 2 or len(items) < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(min(workers, len(items))) as pool:
        return list(pool.map(fn, items))


def map_with_readers(store: StoreWriter, chunks: Sequence[Sequence[Item]],
                     work: Callable[[StoreReader, Item], Result], workers: int) -> dict[Item, Result] | None:
    """``work(reader, item)`` of every item of ``chunks``, in ``workers`` threads with a reader each.

    Parameters
    ----------
    store : StoreWriter
        The store; its committed state must be what it sees (else None is returned at once).
    chunks : sequence of sequences
        The items, in chunks that one thread takes whole (in one read view, in order: neighbouring
        items share what the thread's cache holds); thread ``k`` of ``n`` takes chunks ``k``, ``k + n``, ...
    work : callable
        ``work(reader, item)``; must only read.
    workers : int
        Threads (at most one per chunk).

    Returns
    -------
    dict or None
        item -> result; None when the store cannot give readers of what it sees.
    """
    threads = max(1, min(workers, len(chunks)))
    readers: list[StoreReader] = []
    try:
        for _ in range(threads):
            rd = store.committed_reader()
            if rd is None:
                return None
            readers.append(rd)

        def run(rd: StoreReader, mine: Sequence[Sequence[Item]]) -> dict[Item, Result]:
            done: dict[Item, Result] = {}
            for chunk in mine:
                with rd.read_view():
                    done.update((item, work(rd, item)) for item in chunk)
            return done

        out: dict[Item, Result] = {}
        with ThreadPoolExecutor(threads) as pool:  # thread k takes chunks k, k + threads, ...
            for part in pool.map(run, readers, [chunks[k::threads] for k in range(threads)]):
                out.update(part)
        return out
    finally:
        for rd in readers:
            rd.close()
