"""Finding payloads on disk: plain files, gzip files, folders and tar archives.

A payload is one file's bytes (after gzip decompression) plus a name that
identifies it (its path, or ``archive.tar.xz!member``).
"""

from __future__ import annotations

import fnmatch
import gzip
import io
import re
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from frontlines.errors import InputTooLargeError, SourceFormatError

__all__ = ["Payload", "decompress", "iter_payloads", "load_json"]

#: Largest single payload accepted (after decompression).
MAX_PAYLOAD_BYTES = 512 * 1024 * 1024

_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2")


@dataclass(frozen=True)
class Payload:
    """One file's content and the name it is known by."""

    name: str
    data: bytes

    @property
    def basename(self) -> str:
        """File name without folders or archive prefix."""
        return re.split(r"[/!\\]", self.name)[-1]


def decompress(data: bytes, *, name: str) -> bytes:
    """Undo gzip compression when ``data`` starts with the gzip magic bytes."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        # Read at most one byte past the limit: a gzip bomb must not be expanded in memory.
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            out = gz.read(MAX_PAYLOAD_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceFormatError(f"{name}: corrupt or truncated gzip data ({exc})", path=name) from exc
    if len(out) > MAX_PAYLOAD_BYTES:
        raise InputTooLargeError(f"{name}: decompressed size exceeds the limit of {MAX_PAYLOAD_BYTES:,} bytes", path=name)
    return out


def load_json(data: bytes, *, name: str) -> object:
    """Parse JSON bytes, naming the file and the position of a syntax error."""
    if not data.strip():
        raise SourceFormatError(f"{name}: file is empty", path=name)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        hint = " (file looks truncated)" if "unexpected end" in str(exc).lower() or exc.pos >= len(data) - 2 else ""
        raise SourceFormatError(f"{name}: malformed JSON{hint}: {exc}", path=name) from exc


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(f"{path}: cannot read ({exc.strerror or exc})", path=str(path)) from exc


def _is_tar(path: Path) -> bool:
    return path.name.lower().endswith(_TAR_SUFFIXES)


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    base = name.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(base, p) for p in patterns)


def iter_payloads(paths: list[Path], patterns: tuple[str, ...]) -> Iterator[Payload]:
    """Yield payloads from files, folders (recursively) and tar archives.

    Parameters
    ----------
    paths : list of Path
        Files, folders or ``.tar[.gz|.xz]`` archives.
    patterns : tuple of str
        Glob patterns a file name must match inside folders and archives
        (``.gz`` variants are accepted automatically). Files named explicitly
        are always read.

    Raises
    ------
    SourceFormatError
        A path does not exist, an archive is corrupt, a gzip member is broken.
    """
    pats = tuple(patterns) + tuple(p + ".gz" for p in patterns)
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise SourceFormatError(f"{path}: no such file or folder", path=str(path))
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _matches(p.name, pats))
            if not found:
                raise SourceFormatError(f"{path}: folder holds no file matching {', '.join(patterns)}", path=str(path))
            for p in found:
                yield Payload(str(p), decompress(_read(p), name=str(p)))
        elif _is_tar(path):
            yield from _iter_tar(path, pats)
        else:
            yield Payload(str(path), decompress(_read(path), name=str(path)))


def _iter_tar(path: Path, pats: tuple[str, ...]) -> Iterator[Payload]:
    # Stream members in archive order: seeking backwards in a compressed tar re-reads it.
    found = 0
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for m in tar:
                if not (m.isfile() and _matches(m.name, pats)):
                    continue
                if m.size > MAX_PAYLOAD_BYTES:
                    raise InputTooLargeError(f"{path}!{m.name}: member of {m.size:,} bytes exceeds the limit", path=f"{path}!{m.name}")
                f = tar.extractfile(m)
                assert f is not None
                name = f"{path}!{m.name}"
                found += 1
                yield Payload(name, decompress(f.read(), name=name))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise SourceFormatError(f"{path}: corrupt or truncated archive ({exc})", path=str(path)) from exc
    if not found:
        raise SourceFormatError(f"{path}: archive holds no file matching {', '.join(pats)}", path=str(path))
