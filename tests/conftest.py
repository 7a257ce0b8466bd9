"""Shared fixtures: where the real data lives, and library versions in the header."""

from __future__ import annotations

import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pyproj
import pytest
import shapely

from tests import pgserver
from tests.helpers import skip_or_fail
from tests.pgserver import PgServer

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
        f"pyproj {pyproj.__version__} (PROJ {pyproj.proj_version_str})",
        f"real data: {_data_dir() or 'MISSING'}",
    ]


def _data_dir() -> Path | None:
    env = os.environ.get("FRONTLINES_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "data")
    for c in candidates:
        if (c / "README.md").exists():
            return c
    return None


#: Eight real ISW layers: the pre-invasion layer (146 overlapping parts), edits, the 09-11 -> 09-12
#: redraw (every vertex moved), Crimea missing on 09-29 and back on 09-30.
ISW_LAYER = "RussianAssessedCoTinUkraine"
ISW_DAYS = ["20220224", "20220909", "20220910", "20220911", "20220912", "20220928", "20220929", "20220930"]


@pytest.fixture(scope="session")
def isw_folder(tmp_path_factory) -> Path:
    """A folder holding links to the :data:`ISW_DAYS` layers of :data:`ISW_LAYER` (shared data)."""
    folder = tmp_path_factory.mktemp("isw-layers")
    for day in ISW_DAYS:
        src = require_data(f"isw-2022/layers/{day}_{ISW_LAYER}.geojson.gz")
        (folder / src.name).symlink_to(src)
    return folder


@pytest.fixture(scope="session")
def spread_history_files(tmp_path_factory) -> list[Path]:
    """Three real DeepState history files ~150 files apart (distant states: most parts differ)."""
    folder = tmp_path_factory.mktemp("spread")
    seen = 0
    with tarfile.open(require_data("deepstate-history-2022-2025.tar.xz"), "r|xz") as tar:
        for m in tar:
            if m.isfile() and m.name.endswith(".geojson"):
                if seen % 150 == 0:
                    (folder / Path(m.name).name).write_bytes(tar.extractfile(m).read())
                seen += 1
                if seen > 300:
                    break
    return sorted(folder.iterdir())


def require_data(relative: str = "") -> Path:
    """Path to a file or folder of the real data; skip (or fail in CI) when missing."""
    base = _data_dir()
    path = base / relative if base else None
    if path is None or not path.exists():
        msg = (
            f"real dataset {relative or 'folder'} not found: set FRONTLINES_DATA "
            "or put the shared data at ../shared/data"
        )
        skip_or_fail(msg)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public datasets (../shared/data or $FRONTLINES_DATA)."""
    return require_data()


def _unpack(tmp_root: Path, archive: str, inner: str) -> Path:
    target = tmp_root / inner
    if not target.exists():
        with tarfile.open(require_data(archive)) as tar:
            tar.extractall(tmp_root, filter="data")
    return target


@pytest.fixture(scope="session")
def deepstate_daily_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 769 daily DeepState files, unpacked once per session."""
    root = tmp_path_factory.getbasetemp() / "deepstate-daily-unpacked"
    return _unpack(root, "deepstate-daily-2024-2026.tar.xz", "deepstate-daily")


@pytest.fixture(scope="session")
def deepstate_history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 1,359 raw DeepState history snapshots, unpacked once per session (635 MB)."""
    root = tmp_path_factory.getbasetemp() / "deepstate-history-unpacked"
    return _unpack(root, "deepstate-history-2022-2025.tar.xz", "deepstate-history/geojsons")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throwaway PostgreSQL + PostGIS cluster (skips without one; fails under CI=true)."""
    try:
        server = pgserver.start()
    except pgserver.PgUnavailable as exc:
        skip_or_fail(f"PostgreSQL test cluster: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a new, empty database with PostGIS."""
    return pg_server.new_database()
