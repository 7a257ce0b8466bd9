"""Reading ahead in threads: order kept, memory bounded, errors and early stops handled."""

from __future__ import annotations

import threading
import time

import pytest

from frontlines.errors import SourceFormatError
from frontlines.sources._payloads import in_thread, map_ahead


def test_in_thread_keeps_order_and_raises_after_the_items_before_the_error() -> None:
    def produce():
        yield from range(5)
        raise SourceFormatError("broken member", path="a.tar")

    got = []
    with pytest.raises(SourceFormatError, match="broken member"):
        for x in in_thread(produce, ahead=2):
            got.append(x)
    assert got == [0, 1, 2, 3, 4]


def test_in_thread_stays_at_most_ahead_items_in_advance_and_stops_when_closed() -> None:
    produced = []

    def produce():
        for i in range(1000):
            produced.append(i)
            yield i

    it = in_thread(produce, ahead=3)
    assert next(it) == 0
    time.sleep(0.3)
    assert len(produced) <= 1 + 3 + 1  # the one taken, the queue, the one waiting to be put
    it.close()  # joins the producer
    assert not [t for t in threading.enumerate() if t.name == "frontlines-reader"]
    assert len(produced) < 1000


def test_map_ahead_keeps_order_and_raises_at_the_failing_item() -> None:
    def f(x: int) -> int:
        if x == 7:
            raise SourceFormatError("bad 7")
        time.sleep(0.001 * (10 - x))  # later items finish first
        return x * x

    got = []
    with pytest.raises(SourceFormatError, match="bad 7"):
        for y in map_ahead(f, iter(range(10)), window=4):
            got.append(y)
    assert got == [x * x for x in range(7)]
