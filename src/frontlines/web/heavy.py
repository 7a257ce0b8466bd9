"""Expensive requests run in their own bounded pool of processes, with a queue and a time budget.

Breakdowns by region (``by=``), change with ``depth``, settlements and long weekly or
daily series can take seconds. They run in :class:`HeavyPool`: at most ``workers``
processes compute (each with its own read connection, caches and interpreter, so they
never slow the server's own threads through the GIL, and at a lower CPU priority), at most ``queue`` more requests
wait; any further one is answered at once with 503 and ``Retry-After``. A request whose
answer is not ready within ``budget`` seconds (waiting included) gets 504, and its
computation is stopped (the process is replaced). Everything else (health, sources,
timeline, area without ``by``, answers already in the response cache) never enters the
pool: it stays on the fast path.

A computation runs :func:`run_task` in a worker process: one of :data:`TASKS` on the
worker's reader, its result serialised to JSON bytes there.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import orjson
from pebble import ProcessExpired, ProcessPool
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontlines import service

__all__ = ["DEFAULT_BUDGET", "DEFAULT_QUEUE", "DEFAULT_WORKERS", "TASKS", "HeavyPool", "run_task"]

#: Default processes computing expensive requests (per server process).
DEFAULT_WORKERS = 1
#: Default expensive requests waiting for a process (more get 503).
DEFAULT_QUEUE = 6
#: Default seconds an expensive request may take, waiting included (then 504).
DEFAULT_BUDGET = 60.0
#: Seconds a client is told to wait (Retry-After) when the pool is full.
RETRY_AFTER = 5
#: How much lower the CPU priority of the worker processes is (``nice``) than the server's.
WORKER_NICE = 10
ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY

#: The computations a worker can run: name -> service function of (store, **kwargs).
TASKS: dict[str, Callable[..., Any]] = {
    "area": service.area,
    "change": service.change,
    "series": service.series,
    "settlements": service.settlements,
}

# The worker process's reader, opened once by _init_worker (one per process, never shared).
_READER: dict[str, Any] = {}


def _init_worker(store_path: str) -> None:
    # Lower CPU priority: on a busy machine the server's own threads (the fast path) go first.
    os.nice(WORKER_NICE)
    _READER["store"] = service.open_reader(store_path)


def run_task(name: str, kwargs: dict[str, Any]) -> bytes:
    """In a worker: ``TASKS[name](store, **kwargs)`` (a typed result) as the JSON bytes of its ``as_dict()``."""
    return orjson.dumps(TASKS[name](_READER["store"], **kwargs).as_dict(), option=ORJSON_OPTIONS)


class HeavyPool:
    """A bounded pool of worker processes for expensive requests (started on first use).

    Parameters
    ----------
    store_path : Path
        The store each worker opens read-only.
    workers, queue : int
        Processes computing, and requests allowed to wait for one.
    budget : float
        Seconds a request may take from admission to answer.
    """

    def __init__(self, store_path: Path, *, workers: int = DEFAULT_WORKERS, queue: int = DEFAULT_QUEUE,
                 budget: float = DEFAULT_BUDGET) -> None:
        if workers < 1 or queue < 0 or not budget > 0:
            raise ValueError("heavy pool: workers >= 1, queue >= 0 and budget > 0 are required")
        self.store_path, self.workers, self.queue, self.budget = store_path, workers, queue, budget
        self._slots = threading.BoundedSemaphore(workers + queue)
        self._lock = threading.Lock()
        self._pool: ProcessPool | None = None

    def _started(self) -> ProcessPool:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPool(max_workers=self.workers, initializer=_init_worker,
                                         initargs=(str(self.store_path),),
                                         context=multiprocessing.get_context("spawn"))
            return self._pool

    def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in a worker process (a picklable, top-level function).

        Raises
        ------
        HTTPException
            503 with ``Retry-After`` when ``workers + queue`` requests are already in;
            504 past the budget (the computation is stopped); 503 when the worker died.
        """
        if not self._slots.acquire(blocking=False):
            raise StarletteHTTPException(
                503, f"busy: {self.workers + self.queue} expensive requests are running or waiting; retry later",
                headers={"Retry-After": str(RETRY_AFTER)})
        try:
            try:
                future = self._started().schedule(function, args=args)
                return future.result(timeout=self.budget)
            except concurrent.futures.TimeoutError:
                future.cancel()  # a running task: pebble ends its process and starts another
                raise StarletteHTTPException(
                    504, f"the request took longer than the server's budget of {self.budget:g} s; "
                         f"ask for a shorter period or a coarser breakdown") from None
            except ProcessExpired as exc:  # the worker died (pebble starts another)
                raise StarletteHTTPException(503, f"the computation's worker process ended ({exc}); retry later",
                                             headers={"Retry-After": str(RETRY_AFTER)}) from None
            except BrokenProcessPool:  # workers cannot start: a new pool next time
                self.close()
                raise StarletteHTTPException(503, "the worker processes of expensive requests could not start; "
                                                  "retry later", headers={"Retry-After": str(RETRY_AFTER)}) from None
        finally:
            self._slots.release()

    def close(self) -> None:
        """Stop the worker processes."""
        with self._lock:
            if self._pool is not None:
                self._pool.stop()
                self._pool.join(timeout=10)
                self._pool = None
