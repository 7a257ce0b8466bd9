"""Fixtures of the web tests: real DeepState daily maps in a store, an app over it."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontlines import service

#: TestClient's default Host (testserver) is refused by the Host check: use a loopback name.
BASE_URL = "http://127.0.0.1"
#: Daily files up to this date go into the base store; later ones are left for ingest tests.
SPLIT = "20250601"


def daily_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("deepstatemap_data_*.geojson"))


@pytest.fixture(scope="session")
def daily_split(deepstate_daily_dir: Path) -> tuple[list[Path], list[Path]]:
    """(files for the base store, files published after it)."""
    files = daily_files(deepstate_daily_dir)
    base = [p for p in files if p.stem.rsplit("_", 1)[-1] < SPLIT]
    rest = [p for p in files if p.stem.rsplit("_", 1)[-1] >= SPLIT]
    assert len(base) > 100 and len(rest) > 100
    return base, rest


@pytest.fixture(scope="session")
def base_store(tmp_path_factory: pytest.TempPathFactory, daily_split: tuple[list[Path], list[Path]]) -> Path:
    """A store of the DeepState daily maps before June 2025 (read-only use: copy before writing)."""
    path = tmp_path_factory.mktemp("web-store") / "base.db"
    st = service.open_writer(path)
    folder = tmp_path_factory.mktemp("web-base-files")
    for p in daily_split[0]:
        os.symlink(p, folder / p.name)
    service.ingest(st, "deepstate-daily", [folder])
    service.derive_store_redraws(st)  # as `frontlines ingest` does: the server reads stored redraws
    st.close()
    return path


@pytest.fixture()
def store_copy(base_store: Path, tmp_path: Path) -> Path:
    """A private copy of the base store, for tests that write."""
    dst = tmp_path / "copy.db"
    shutil.copy(base_store, dst)
    return dst


@pytest.fixture(scope="session")
def client(base_store: Path) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from frontlines.web import create_app

    with TestClient(create_app(base_store), base_url=BASE_URL) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving an app on a loopback port in a thread."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory, daily_split: tuple[list[Path], list[Path]]) -> Path:
    """A store of 12 DeepState daily maps of January 2025 (fast to build; read-only use)."""
    path = tmp_path_factory.mktemp("web-small-store") / "small.db"
    folder = tmp_path_factory.mktemp("web-small-files")
    for p in [p for p in daily_split[0] if "_202501" in p.name][:12]:
        os.symlink(p, folder / p.name)
    with service.open_writer(path) as st:
        service.ingest(st, "deepstate-daily", [folder])
    return path
