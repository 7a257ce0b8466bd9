"""Back-fill N DeepState versions from a recorded server on 127.0.0.1 and compare with a file ingest.

    PYTHONPATH=src:. python bench/sync_backfill.py [N]

Prints the sync summary, the time of a second (incremental) run, and the largest difference
between the synced figures and those of ingesting the same files from disk.
"""

from __future__ import annotations

import sys
import tarfile
import tempfile
import time
from pathlib import Path

from frontlines import service
from frontlines.store import SQLiteStore
from tests.sync.conftest import published_figures
from tests.sync.server import Recorded, RecordedServer


def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    files = []
    with tarfile.open(Path(__file__).resolve().parents[2] / "shared/data/deepstate-history-2022-2025.tar.xz", "r|*") as tar:
        for m in tar:
            if m.isfile() and m.name.endswith(".geojson"):
                p = tmp / Path(m.name).name
                p.write_bytes(tar.extractfile(m).read())  # type: ignore[union-attr]
                files.append(p)
                if len(files) == n:
                    break
    rec = Recorded(versions={int(p.stem): (p.read_bytes(), published_figures(int(p.stem))) for p in files})
    with RecordedServer(rec) as srv:
        opts = service.SyncOptions(base_url=srv.url, fetch=service.FetchSettings(rate=0, concurrency=2))
        with SQLiteStore(tmp / "sync.db") as st:
            rep = service.sync(st, "deepstate", options=opts)
            print(rep.as_dict() | {"warnings": len(rep.warnings), "unknown_classes": len(rep.unknown_classes)})
            t = time.perf_counter()
            again = service.sync(st, "deepstate", options=opts)
            print(f"second run: {again.added} new, not_modified={again.not_modified}, {again.requests} request(s), "
                  f"{time.perf_counter() - t:.2f} s")
            synced = {(w, str(layer)): a for layer in st.source_layers("deepstate-history")
                      for _, w, a in st.layer_timeline("deepstate-history", layer)}
    with SQLiteStore(tmp / "files.db") as st:
        t = time.perf_counter()
        service.ingest(st, "deepstate-history", files, workers=1)
        print(f"file ingest of the same {n} files: {time.perf_counter() - t:.1f} s")
        disk = {(w, str(layer)): a for layer in st.source_layers("deepstate-history")
                for _, w, a in st.layer_timeline("deepstate-history", layer)}
    assert synced.keys() == disk.keys()
    print(f"{len(disk)} (time, layer) areas; largest |synced - file| = {max(abs(synced[k] - disk[k]) for k in disk):.3g} km²")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
