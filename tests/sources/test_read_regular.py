"""``read_regular`` reads a file's bytes exactly, and refuses a file that grows past the limit while read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from frontlines.errors import InputTooLargeError
from frontlines.sources import _payloads
from frontlines.sources._payloads import read_regular


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 65537, 1024 * 1024])
def test_reads_exactly_the_file(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f.geojson"
    data = os.urandom(size).replace(b"\x1f", b"x")  # never the gzip magic
    path.write_bytes(data)
    assert read_regular(path, limit=1024 * 1024) == data


def _shrunk_fstat(monkeypatch: pytest.MonkeyPatch, by: int) -> None:
    """``os.fstat`` as seen by the reader reports ``by`` bytes fewer: the file grew after it was looked at."""
    real = os.fstat

    def fstat(fd: int) -> os.stat_result:
        st = list(real(fd))
        st[6] = max(0, st[6] - by)  # st_size
        return os.stat_result(st)

    monkeypatch.setattr(_payloads.os, "fstat", fstat)


def test_a_file_that_grew_is_read_to_its_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.geojson"
    data = b"{" + b"a" * 9_999 + b"}"
    path.write_bytes(data)
    _shrunk_fstat(monkeypatch, 5_000)
    assert read_regular(path, limit=20_000) == data


def test_a_file_that_grew_past_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.geojson"
    path.write_bytes(b"x" * 10_001)
    _shrunk_fstat(monkeypatch, 5_000)
    with pytest.raises(InputTooLargeError, match=r"exceeds the limit of 10,000 bytes"):
        read_regular(path, limit=10_000)
    path.write_bytes(b"x" * 10_000)  # exactly the limit: read
    assert len(read_regular(path, limit=10_000)) == 10_000
