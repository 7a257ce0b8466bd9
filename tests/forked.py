"""Run a function in a forked child, so that a crash of native code (a segfault) is a test failure, not the end of the run."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["CRASH", "run_forked"]

#: Result kind of a child that died (a signal, or exit without an answer).
CRASH = "crash"


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        conn.send(("ok", fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent, which judges it
        conn.send(("raised", f"{type(exc).__module__}.{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
    finally:
        conn.close()


def run_forked(fn: Callable[..., Any], *args: Any, timeout: float = 120) -> tuple[str, Any]:
    """``("ok", value)``, ``("raised", text)``, or ``(CRASH, exit code)`` of ``fn(*args)`` run in a forked child."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args))
    proc.start()
    child.close()
    try:
        if parent.poll(timeout):
            try:
                return parent.recv()
            except EOFError:
                pass
    finally:
        proc.join(timeout)
        if proc.is_alive():
            proc.kill()
            proc.join()
        parent.close()
    return CRASH, proc.exitcode
