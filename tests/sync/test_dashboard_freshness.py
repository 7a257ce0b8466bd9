"""The dashboard header shows the selected source's freshness (Debian chromium via Playwright)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from frontlines.service.sync import SyncOptions, sync
from frontlines.sources.fetch.http import FetchSettings
from frontlines.store import SQLiteStore
from frontlines.web import create_app
from tests.sync.conftest import published_figures, version_ids
from tests.sync.server import Recorded, RecordedServer
from tests.web.conftest import LiveServer
from tests.web.test_browser import _ready, browser  # noqa: F401 - the fixture

pytestmark = [pytest.mark.realdata, pytest.mark.browser]


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


def test_header_shows_newest_map_time_last_sync_and_stale(browser, history_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    ids = version_ids(history_dir)[:2]
    rec = Recorded(versions={i: ((history_dir / f"{i}.geojson").read_bytes(), published_figures(i)) for i in ids})
    with RecordedServer(rec) as upstream, SQLiteStore(tmp_path / "live.db") as st:
        rep = sync(st, "deepstate", options=SyncOptions(base_url=upstream.url, fetch=FetchSettings(rate=0)))
        assert rep.ok and rep.added == 2
        synced_at = st.sync_state("deepstate-history")["last_success"]
    newest = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(ids[-1]))
    with LiveServer(create_app(tmp_path / "live.db")) as srv:
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        page = ctx.new_page()
        page.goto(srv.url + "/")
        _ready(page)
        el = page.locator("#freshness")
        text = el.inner_text()
        day = lambda iso: f"{int(iso[8:10])} {MONTH_NAMES[int(iso[5:7]) - 1]} {iso[:4]}"  # noqa: E731  (plain dates)
        assert f"latest map {day(newest)}" in text and f"synced {day(synced_at)}" in text and "stale" in text
        assert "Z" not in text.replace("latest", "")  # no ISO timestamps for readers
        assert el.get_attribute("data-stale") == "yes"  # a 2022-2025 map is older than two days
        assert "DeepStateMap" in (el.get_attribute("title") or "")
        ctx.close()
