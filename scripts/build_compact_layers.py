"""Write the compact form (``*.compact.npz``) of every shipped region file and gazetteer, beside it.

Run after ``scripts/build_shipped_data.py`` changed a region file (a stale compact file is
ignored, so forgetting costs only speed; ``tests/sources/test_compact_layers.py`` fails).

Usage (from the project root)::

    PYTHONPATH=src python scripts/build_compact_layers.py
"""

from __future__ import annotations

from pathlib import Path

from frontlines.conflicts import ConflictRegistry
from frontlines.sources.boundaries import _read_geojson
from frontlines.sources.compact_gazetteer import (
    compact_gazetteer_path,
    write_compact_gazetteer,
)
from frontlines.sources.compact_layers import write_compact
from frontlines.sources.gazetteer import read_gazetteer


def main() -> int:
    registry = ConflictRegistry.shipped()
    files: dict[Path, bool] = {}  # file -> whether it is a region level (its tiles are kept)
    for cid in registry.names():
        c = registry.get(cid)
        files.update((c.level(kind).file, True) for kind in c.level_kinds)
        if c.outline is not None:
            files.setdefault(c.outline, False)
    for path, level in sorted(files.items()):
        side = write_compact(path, *_read_geojson(path.read_bytes(), str(path)), tiles=level)
        print(f"{side} ({side.stat().st_size:,} bytes, from {path.name}: {path.stat().st_size:,} bytes)")
    for cid in registry.names():
        path = registry.get(cid).gazetteer
        if path is None:
            continue
        stale = compact_gazetteer_path(path)
        stale.unlink(missing_ok=True)  # read the CSV itself
        side = write_compact_gazetteer(path, read_gazetteer(path))
        print(f"{side} ({side.stat().st_size:,} bytes, from {path.name}: {path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
