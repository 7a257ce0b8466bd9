"""``frontlines.cache.Cache``: bounded by the bytes its values hold, each value sized once per put."""

from __future__ import annotations

import threading

from frontlines.cache import Cache


def test_each_value_is_sized_once_and_counted_exactly() -> None:
    calls: list[int] = []

    def sizer(value: list[int]) -> int:
        calls.append(len(value))
        return 10 * len(value)

    cache = Cache(max_bytes=100, sizer=sizer)
    cache.put("a", [1, 2, 3])
    assert calls == [3] and cache.bytes == 30
    cache.put("b", [1] * 5)
    assert calls == [3, 5] and cache.bytes == 80
    cache.put("c", [1] * 4)  # 80 + 40 > 100: the least recently used ("a") goes
    assert cache.get("a") is None and cache.get("b") == [1] * 5 and cache.bytes == 90
    cache.put("big", [0] * 11)  # alone over the budget: not kept, nothing evicted
    assert "big" not in cache and cache.bytes == 90 and len(cache) == 2
    cache.put("b", [1])  # replaced: its new size counts
    assert cache.bytes == 50


def test_sizes_stay_right_under_threads() -> None:
    cache = Cache(max_bytes=10**9, sizer=len)
    values = {f"k{i}": "x" * (i + 1) for i in range(400)}

    def put(keys: list[str]) -> None:
        for k in keys:
            cache.put(k, values[k])

    keys = list(values)
    threads = [threading.Thread(target=put, args=(keys[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.bytes == sum(len(v) for v in values.values()) and len(cache) == 400
