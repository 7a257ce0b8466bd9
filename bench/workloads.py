"""Benchmark workloads: which input files, in which order, under which time key.

Three workloads, each a list of snapshot files sorted by time:

* ``W1`` - the 1,359 raw DeepStateMap history snapshots
  (``deepstate-history/geojsons/<unix-seconds>.geojson``). Key: the unix seconds of
  the file name, as a string (``"1648989208"``). Occupied = features whose ``name``
  classifies as ``russia:control``.
* ``W2`` - the 769 daily DeepStateMap files (``deepstatemap_data_YYYYMMDD.geojson``),
  one dissolved MultiPolygon each. Key: the file date, ``"YYYY-MM-DD"``.
* ``W3`` - the ISW ``RussianAssessedCoTinUkraine`` layers
  (``isw-2022/layers/YYYYMMDD_RussianAssessedCoTinUkraine.geojson.gz``). Key: the file
  date, ``"YYYY-MM-DD"``. All features are the assessed-control polygon.

W1 and W2 ship as ``.tar.xz`` archives in the shared data directory; :func:`unpack`
extracts one into a directory (a fresh temporary one unless ``dest`` is given) and
returns the directory that holds the ``.geojson`` files.

The shared data root is ``$FRONTLINES_DATA`` if set, else ``../shared/data`` relative
to the project root.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tarfile
import tempfile
from pathlib import Path

__all__ = [
    "WORKLOADS",
    "ARCHIVES",
    "data_root",
    "default_oblasts",
    "unpack",
    "list_inputs",
    "time_key",
    "key_to_datetime",
    "w1_inputs",
    "w2_inputs",
    "w3_inputs",
]

WORKLOADS = ("W1", "W2", "W3")

#: archive (relative to the data root) holding each unpacked-directory workload
ARCHIVES = {
    "W1": "deepstate-history-2022-2025.tar.xz",
    "W2": "deepstate-daily-2024-2026.tar.xz",
}

_PROJECT_ROOT = Path(__file__).resolve().parent.parent

_RX_W1 = re.compile(r"^(\d+)\.geojson$")
_RX_W2 = re.compile(r"^deepstatemap_data_(\d{8})\.geojson$")
_RX_W3 = re.compile(r"^(\d{8})_RussianAssessedCoTinUkraine\.geojson(\.gz)?$")


def data_root() -> Path:
    """The shared real-data directory (``$FRONTLINES_DATA`` or ``../shared/data``)."""
    env = os.environ.get("FRONTLINES_DATA")
    if env:
        return Path(env)
    return (_PROJECT_ROOT.parent / "shared" / "data").resolve()


def default_oblasts() -> Path:
    """The oblast layer used until a land-clipped layer ships with the product."""
    return data_root() / "boundaries" / "osm_oblasts_simplified_level4.geojson.gz"


def unpack(archive: Path | str, dest: Path | str | None = None) -> Path:
    """Extract a ``.tar.xz`` archive and return the directory holding its GeoJSONs.

    Parameters
    ----------
    archive : path
        ``deepstate-history-2022-2025.tar.xz`` or ``deepstate-daily-2024-2026.tar.xz``.
    dest : path, optional
        Where to extract. Default: a new temporary directory (the caller removes it).
        If ``dest`` already holds GeoJSON files, nothing is extracted again.

    Returns
    -------
    Path
        The (deepest common) directory that contains the ``*.geojson`` files.
    """
    archive = Path(archive)
    if dest is None:
        dest = Path(tempfile.mkdtemp(prefix="frontlines-bench-"))
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if not any(dest.rglob("*.geojson")):
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(dest, filter="data")
    dirs = {p.parent for p in dest.rglob("*.geojson")}
    if not dirs:
        raise FileNotFoundError(f"no .geojson files in {archive}")
    if len(dirs) == 1:
        return dirs.pop()
    return Path(os.path.commonpath([str(d) for d in dirs]))


def time_key(workload: str, path: Path | str) -> str:
    """The time key of one input file (see the module docstring)."""
    name = Path(path).name
    if workload == "W1":
        m = _RX_W1.match(name)
        if m:
            return m.group(1)
    elif workload in ("W2", "W3"):
        m = (_RX_W2 if workload == "W2" else _RX_W3).match(name)
        if m:
            d = m.group(1)
            return f"{d[:4]}-{d[4:6]}-{d[6:]}"
    else:
        raise ValueError(f"unknown workload {workload!r}; expected one of {WORKLOADS}")
    raise ValueError(f"{name!r} is not a {workload} input file")


def key_to_datetime(workload: str, key: str) -> dt.datetime:
    """The key as an aware UTC datetime (W2/W3: midnight of the file date)."""
    if workload == "W1":
        return dt.datetime.fromtimestamp(int(key), tz=dt.timezone.utc)
    return dt.datetime.strptime(key, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)


def _sorted_inputs(workload: str, directory: Path, rx: re.Pattern, limit: int | None) -> list[Path]:
    directory = Path(directory)
    files = [p for p in directory.iterdir() if rx.match(p.name)]
    if not files:
        raise FileNotFoundError(f"no {workload} input files in {directory}")
    if workload == "W1":
        files.sort(key=lambda p: int(time_key(workload, p)))
    else:
        files.sort(key=lambda p: time_key(workload, p))
    return files[:limit] if limit is not None else files


def w1_inputs(directory: Path | str, limit: int | None = None) -> list[Path]:
    """Raw DeepState history snapshots, oldest first (``directory`` = ``.../geojsons``)."""
    return _sorted_inputs("W1", Path(directory), _RX_W1, limit)


def w2_inputs(directory: Path | str, limit: int | None = None) -> list[Path]:
    """Daily DeepState files, oldest first (``directory`` = ``.../deepstate-daily``)."""
    return _sorted_inputs("W2", Path(directory), _RX_W2, limit)


def w3_inputs(directory: Path | str | None = None, limit: int | None = None) -> list[Path]:
    """ISW ``RussianAssessedCoTinUkraine`` layers, oldest first.

    ``directory`` defaults to ``<data root>/isw-2022/layers``.
    """
    if directory is None:
        directory = data_root() / "isw-2022" / "layers"
    return _sorted_inputs("W3", Path(directory), _RX_W3, limit)


def list_inputs(workload: str, directory: Path | str | None = None, limit: int | None = None) -> list[Path]:
    """Inputs of ``workload`` sorted by time; the first ``limit`` if given.

    W1 and W2 need ``directory`` (an unpacked archive, see :func:`unpack`); W3 defaults
    to the shared ISW layer directory.
    """
    if workload == "W3":
        return w3_inputs(directory, limit)
    if directory is None:
        raise ValueError(f"{workload} needs the unpacked directory (see unpack())")
    if workload == "W1":
        return w1_inputs(directory, limit)
    if workload == "W2":
        return w2_inputs(directory, limit)
    raise ValueError(f"unknown workload {workload!r}; expected one of {WORKLOADS}")
