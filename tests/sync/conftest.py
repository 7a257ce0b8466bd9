"""Fixtures of the sync tests: recorded responses built from ../shared/data, served on 127.0.0.1."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from tests.conftest import require_data
from tests.sync.server import Recorded, RecordedServer, arcgis_features

#: DeepState history versions served (the first members of the archive: quick to read).
N_VERSIONS = 5
#: ISW archive day served as the layers' current state, and its edit time (2022-09-01 20:00 UTC).
ISW_DAY = "20220901"
ISW_EDIT_MS = 1662062400000
#: ArcGIS service names as seen in SOURCES.md -> ISW file layer.
ISW_SERVICES = {
    "VIEW_RussiaCoTinUkraine_V3": "RussianAssessedCoTinUkraine",
    "MDS_AssessedRussianAdvanceInUkraine_view": "RussianAssessedAdvanceinUkraine",
    "VIEW_ClaimedRussianTerritoryinUkraine_V2": "RussianClaimedCoTinUkraine",
    "VIEW_ClaimedUkrainianCounteroffensives_V2": "UkrainianClaimedCounterOffensives",
}


@pytest.fixture(scope="session")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with N_VERSIONS (+1 spare) DeepState history files, copied unchanged."""
    archive = require_data("deepstate-history-2022-2025.tar.xz")
    out = tmp_path_factory.mktemp("history")
    n = 0
    with tarfile.open(archive, mode="r|*") as tar:
        for m in tar:
            if m.isfile() and m.name.endswith(".geojson"):
                f = tar.extractfile(m)
                assert f is not None
                (out / Path(m.name).name).write_bytes(f.read())
                n += 1
                if n > N_VERSIONS:
                    break
    return out


def published_figures(vid: int) -> list[dict]:
    """Made-up 'published' area figures of a version (the test checks they are stored and subtracted)."""
    return [
        {"hash": "#a52714", "area": 100000.0 + vid % 1000, "percent": 16.5, "type": "occupied_after_24_02_2022"},
        {"hash": "#880e4f", "area": 43000.25, "percent": 7.1, "type": "occupied_to_24_02_2022"},
        {"hash": "#bcaaa4", "area": 1500.5, "percent": 0.25, "type": "unspecified"},
        {"hash": "#0f9d58", "area": 20000.0, "percent": 3.3, "type": "liberated"},
    ]


def version_ids(history_dir: Path) -> list[int]:
    return sorted(int(p.stem) for p in history_dir.glob("*.geojson"))


@pytest.fixture
def recorded(history_dir: Path) -> Recorded:
    """N_VERSIONS DeepState versions and the ISW layers of ISW_DAY (the spare version is held back)."""
    rec = Recorded()
    for vid in version_ids(history_dir)[:N_VERSIONS]:
        rec.versions[vid] = ((history_dir / f"{vid}.geojson").read_bytes(), published_figures(vid))
    layers = require_data("isw-2022/layers")
    for i, (service, layer) in enumerate(ISW_SERVICES.items()):
        rec.services[service] = (49 + i % 2, arcgis_features(str(layers / f"{ISW_DAY}_{layer}.geojson.gz"), ISW_EDIT_MS), ISW_EDIT_MS)
    rec.other_services = ["Syria_Control_Map", "Sudan_Conflict_View"]
    return rec


@pytest.fixture
def server(recorded: Recorded):
    with RecordedServer(recorded) as srv:
        yield srv
