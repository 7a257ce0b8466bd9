"""ISW payloads are stored at the adapter's zstd level (1) and read back as the files' content, byte for byte."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
import zstandard as zstd

from frontlines import service
from frontlines.sources.isw import ISW
from frontlines.store import payloads as codec
from frontlines.store.sqlite import SQLiteStore


def test_level_round_trip() -> None:
    data = b'{"type": "FeatureCollection", "features": [' + b'{"x": 1.25, "y": 2.5},' * 5000 + b"]}"
    base = data.replace(b"1.25", b"1.26")
    for level in (1, codec.LEVEL):
        assert codec.decompress(codec.compress(data, level=level)) == data
        assert codec.decompress(codec.compress(data, base, level=level), base) == data
    assert ISW.payload_level == 1
    # level 1 is what zstd itself makes at level 1 (the stored frame decodes with any decompressor)
    assert codec.compress(data, level=1) == zstd.ZstdCompressor(level=1).compress(data)


@pytest.mark.realdata
def test_isw_payloads_read_back_identical(isw_folder: Path, tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.db") as st:
        report = service.ingest(st, "isw", [isw_folder], workers=2, derive="primary", region_levels=1,
                                settlement_index=False, unions=False)
        files = sorted(isw_folder.iterdir())
        assert report.added == len(files)
        for p in files:
            content = gzip.decompress(p.read_bytes())
            assert st.get_payload(hashlib.sha256(content).hexdigest()) == content, p.name
        raw, stored = st.payload_bytes()
        assert stored < raw / 2
