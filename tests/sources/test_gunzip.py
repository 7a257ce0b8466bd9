"""``read_regular`` / ``decompress`` undo gzip exactly as the standard library's ``gzip`` module reads it.

The reference is :func:`gzip.decompress` (every member, zero padding between members skipped);
corrupt, truncated or trailing non-gzip data is one clear error naming the file, and no more
than one byte past the limit is ever inflated.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from frontlines.errors import InputTooLargeError, SourceFormatError
from frontlines.sources import _payloads
from frontlines.sources._payloads import decompress, read_regular

TEXT = b'{"type": "FeatureCollection", "features": []}' * 2_000


@pytest.mark.parametrize(
    "blob",
    [
        gzip.compress(TEXT),
        gzip.compress(b""),
        gzip.compress(os.urandom(3_000_000)),  # incompressible: more than one chunk of input
        gzip.compress(TEXT[:5_000]) + gzip.compress(TEXT[5_000:]),  # two members
        gzip.compress(TEXT) + b"\0" * 7 + gzip.compress(b"tail") + b"\0" * 3,  # zero padding
    ],
    ids=["one", "empty", "large", "two-members", "padded"],
)
def test_content_is_what_gzip_reads(tmp_path: Path, blob: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_payloads, "_GUNZIP_CHUNK", 4096)  # members and padding across chunk edges
    path = tmp_path / "layer.geojson.gz"
    path.write_bytes(blob)
    assert read_regular(path) == gzip.decompress(blob)
    assert decompress(blob, name="layer") == gzip.decompress(blob)


@pytest.mark.parametrize(
    "blob",
    [
        gzip.compress(TEXT)[:-5],  # truncated trailer
        gzip.compress(TEXT)[:30],  # truncated data
        gzip.compress(TEXT) + b"junk",  # trailing data that is not a member
        bytes(bytearray(gzip.compress(TEXT))[:-8]) + b"\0\0\0\0" + gzip.compress(TEXT)[-4:],  # CRC wrong
    ],
    ids=["truncated-trailer", "truncated-data", "trailing-junk", "bad-crc"],
)
def test_bad_gzip_is_one_clear_error(tmp_path: Path, blob: bytes) -> None:
    with pytest.raises(gzip.BadGzipFile if blob.endswith(b"junk") else (EOFError, gzip.BadGzipFile)):
        gzip.decompress(blob)  # the reference refuses it too
    path = tmp_path / "layer.geojson.gz"
    path.write_bytes(blob)
    with pytest.raises(SourceFormatError, match=r"layer\.geojson\.gz: corrupt or truncated gzip data"):
        read_regular(path)


def test_limit_counts_the_content(tmp_path: Path) -> None:
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(b"0" * 100_000) + gzip.compress(b"1" * 100_000))
    assert len(read_regular(path, limit=200_000)) == 200_000
    with pytest.raises(InputTooLargeError, match=r"bomb\.gz: decompressed size exceeds the limit of 199,999 bytes"):
        read_regular(path, limit=199_999)
