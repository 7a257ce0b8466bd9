"""Stores built from the real data, once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontlines import service
from tests.conftest import require_data


def _history_files(folder: Path, start: int, end: int) -> list[Path]:
    return [p for p in sorted(folder.glob("*.geojson")) if start <= int(p.stem) <= end]


@pytest.fixture(scope="session")
def kharkiv_store(tmp_path_factory, deepstate_history_dir):
    """DeepState history 2022-09-01 .. 2022-09-16 and 2022-11-05 .. 2022-11-16 (Kharkiv, Kherson)."""
    folder = tmp_path_factory.mktemp("history-2022")
    for p in _history_files(deepstate_history_dir, 1661990400, 1663372800) + _history_files(
        deepstate_history_dir, 1667606400, 1668643200
    ):
        (folder / p.name).symlink_to(p)
    store = service.open_writer(tmp_path_factory.mktemp("stores") / "kharkiv.db")
    service.ingest(store, "deepstate-history", [folder])
    return store


@pytest.fixture(scope="session")
def overlap_store(tmp_path_factory, deepstate_history_dir):
    """Daily files (all) and history snapshots 2024-07-25 .. 2025-08-03, in one store."""
    folder = tmp_path_factory.mktemp("history-2024")
    for p in _history_files(deepstate_history_dir, 1721865600, 1754265600):
        (folder / p.name).symlink_to(p)
    store = service.open_writer(tmp_path_factory.mktemp("stores") / "overlap.db")
    service.ingest(store, "deepstate-history", [folder])
    service.ingest(store, "deepstate-daily", [require_data("deepstate-daily-2024-2026.tar.xz")])
    return store
