"""Expensive requests in their own bounded pool: 503 + Retry-After when full, 504 past the budget; cheap ones untouched."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException

from frontlines.web import create_app
from frontlines.web.heavy import RETRY_AFTER, HeavyPool

from .conftest import BASE_URL

pytestmark = pytest.mark.realdata
HEAVY = ["/api/area?at=2025-01-10&by=oblast", "/api/change?from=2025-01-03&to=2025-01-12&depth=true",
         "/api/settlements?from=2025-01-03&to=2025-01-12", "/api/series?from=2025-01-01&to=2025-01-12&freq=week&by=oblast",
         "/api/series?from=2025-01-01&to=2025-01-12&freq=day"]  # 12 days: cheap; see test below
CHEAP = ["/api/health", "/api/sources", "/api/timeline", "/api/area?at=2025-01-10", "/api/change?from=2025-01-03&to=2025-01-12"]


def test_pool_full_is_503_with_retry_after(small_store: Path) -> None:
    pool = HeavyPool(small_store, workers=1, queue=0, budget=30)
    try:
        started = threading.Event()

        def slow() -> None:
            started.set()
            pool.run(time.sleep, 3)

        t = threading.Thread(target=slow)
        t.start()
        started.wait()
        time.sleep(0.3)
        with pytest.raises(HTTPException) as err:
            pool.run(time.sleep, 0)
        assert err.value.status_code == 503 and err.value.headers == {"Retry-After": str(RETRY_AFTER)}
        t.join()
        assert pool.run(abs, -4) == 4  # free again
    finally:
        pool.close()


def test_past_the_budget_is_504_and_the_pool_recovers(small_store: Path) -> None:
    pool = HeavyPool(small_store, workers=1, queue=2, budget=60)
    try:
        pool.run(abs, -1)  # the worker is up (a spawned process takes a few seconds)
        pool.budget = 1.0
        t0 = time.monotonic()
        with pytest.raises(HTTPException) as err:
            pool.run(time.sleep, 30)
        assert err.value.status_code == 504 and "budget of 1 s" in err.value.detail
        assert time.monotonic() - t0 < 5  # answered at the budget, not when the work would have ended
        pool.budget = 60
        assert pool.run(abs, -7) == 7  # the stopped worker was replaced
    finally:
        pool.close()


@pytest.mark.parametrize("bad", [{"workers": 0}, {"queue": -1}, {"budget": 0}])
def test_pool_options_are_checked(small_store: Path, bad: dict) -> None:
    with pytest.raises(ValueError):
        HeavyPool(small_store, **bad)


def test_expensive_requests_go_to_the_pool_cheap_ones_do_not(small_store: Path) -> None:
    app = create_app(small_store, heavy_workers=1, heavy_queue=0)
    with TestClient(app, base_url=BASE_URL) as c:
        ctx = app.state.context
        for url in CHEAP:
            assert c.get(url).status_code == 200, url
        assert ctx.heavy._pool is None  # never started by cheap requests
        first = c.get(HEAVY[0])
        assert first.status_code == 200 and ctx.heavy._pool is not None
        # Fill the pool: every slot taken.
        while ctx.heavy._slots.acquire(blocking=False):
            pass
        for url in HEAVY[1:4]:
            r = c.get(url)
            assert r.status_code == 503 and r.headers["retry-after"] == str(RETRY_AFTER), url
            assert set(r.json()) == {"error"} and "busy" in r.json()["error"]
        # Cheap requests and cached answers stay on the fast path meanwhile.
        for url in [*CHEAP, HEAVY[4]]:
            assert c.get(url).status_code == 200, url
        again = c.get(HEAVY[0])
        assert again.status_code == 200 and again.content == first.content
        ctx.heavy._slots.release()


def test_pool_answers_equal_in_process_answers(small_store: Path) -> None:
    """The worker computes what the server would (same JSON as service on the same store)."""
    from frontlines import service

    with TestClient(create_app(small_store), base_url=BASE_URL) as c:
        doc = c.get(HEAVY[0]).json()
    direct = service.area(service.open_reader(small_store), at="2025-01-10", by="oblast").as_dict()
    assert doc["area_km2"] == pytest.approx(direct["area_km2"])
    assert [(r["id"], r["area_km2"]) for r in doc["regions"]] == [(r["id"], r["area_km2"]) for r in direct["regions"]]
