"""CPU per request of each endpoint of the mixed HTTP scenario, in process (issue 18).

    PYTHONPATH=src python bench/endpoint_cpu.py STORE [ROUNDS]

Each round sends one first-time (uncached) request of ``/api/change``, ``/api/area``,
``/api/layer.geojson`` and ``/api/change.geojson`` (random days, seed 5) through FastAPI's
``TestClient`` and charges the process CPU time (``getrusage``) to it (the client's share
included: ~1 ms per request). The last column is the part spent in the redraw split
(``service.redraws.window_redraws`` and ``window_has_redraws`` as ``service.measure`` calls them).
"""

from __future__ import annotations

import random
import resource
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

import frontlines.service.measure as measure
from frontlines.web.app import create_app


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


#: CPU seconds spent in the redraw split since the start (a one-element list: the wrappers add to it).
_SPLIT = [0.0]


def _charged(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn``, adding the process CPU it takes to :data:`_SPLIT` (requests run one at a time)."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        c0 = _cpu()
        try:
            return fn(*args, **kwargs)
        finally:
            _SPLIT[0] += _cpu() - c0
    return wrapper


def main(store: str, rounds: int = 25) -> None:
    for name in ("window_redraws", "window_has_redraws"):
        if hasattr(measure, name):
            setattr(measure, name, _charged(getattr(measure, name)))
    with TestClient(create_app(store), client=("127.0.0.1", 5000), base_url="http://127.0.0.1") as c:
        days = sorted({w[:10] for _, w, _ in c.get("/api/timeline").json()["snapshots"]})
        rng = random.Random(5)
        c.get("/api/area", params={"at": days[0]})  # warm: region layers, timeline
        c.get("/api/change", params={"from": days[0], "to": days[5]})
        reqs = []
        for _ in range(rounds):
            a, b = sorted(rng.sample(days, 2))
            reqs += [("change", "/api/change", {"from": a, "to": b}), ("area", "/api/area", {"at": rng.choice(days)}),
                     ("layer.geojson", "/api/layer.geojson", {"at": rng.choice(days), "tolerance": "0.3"}),
                     ("change.geojson", "/api/change.geojson", {"from": a, "to": b, "tolerance": "0.1"})]
        out: dict[str, list[float]] = defaultdict(list)
        split: dict[str, float] = defaultdict(float)
        for name, path, params in reqs:
            c0, s0 = _cpu(), _SPLIT[0]
            r = c.get(path, params=params)
            out[name].append((_cpu() - c0) * 1000)
            split[name] += (_SPLIT[0] - s0) * 1000
            if r.status_code != 200:
                raise SystemExit(f"{path} {params}: HTTP {r.status_code}: {r.text[:200]}")
    for k, v in out.items():
        v.sort()
        print(f"{k:15s} n={len(v)} CPU mean {sum(v) / len(v):.1f} ms, p50 {v[len(v) // 2]:.1f}, max {v[-1]:.1f}; "
              f"of which redraw split mean {split[k] / len(v):.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
