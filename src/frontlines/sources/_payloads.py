"""Finding payloads on disk: plain files, gzip files, folders and tar archives, within limits.

A payload is one file's bytes (after gzip decompression) plus a name that
identifies it (its path, or ``archive.tar.xz!member``).

Only regular files are read (not devices such as ``/dev/zero``, FIFOs or sockets).
Every read is bounded by :class:`Limits`, checked while reading, never after: a file
or archive member larger than ``payload_bytes`` is refused before it is read (or
as soon as its decompressed stream passes the limit), and an archive whose members
add up to more than ``total_bytes`` stops there.
"""

from __future__ import annotations

import fnmatch
import io
import os
import queue
import re
import stat
import tarfile
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import orjson
from isal import isal_zlib

from frontlines.errors import InputTooLargeError, SourceFormatError, UsageError

__all__ = ["Limits", "Payload", "PayloadFiles", "decompress", "in_thread", "is_archive", "iter_payloads", "load_json",
           "map_ahead", "open_regular", "payload_files", "read_regular"]

_T = TypeVar("_T")
_R = TypeVar("_R")

#: Threads that read (and hash) files ahead of their consumer; file reads and hashing release the GIL.
READ_THREADS = 2

_MIB = 1024 * 1024
#: Largest single payload accepted (after decompression), by default.
#: 16 MiB: four times the largest real map seen (3.6 MB); a JSON document of that size can
#: still take ~30 times its size as Python objects while parsed, which stays under 1 GB.
MAX_PAYLOAD_BYTES = 16 * _MIB
#: Largest sum of the members of one archive (read or skipped), by default.
MAX_TOTAL_BYTES = 4096 * _MIB
#: Most members in one zip / KMZ archive, by default.
MAX_ZIP_MEMBERS = 1000
#: Most positions in one geometry, by default.
MAX_POSITIONS = 5_000_000


@dataclass(frozen=True)
class Limits:
    """Size limits on what is read (see the README, "Limits").

    Parameters
    ----------
    payload_bytes : int
        Largest file or archive member, after decompression.
    total_bytes : int
        Largest sum of the members of one archive (tar or zip), after decompression.
    zip_members : int
        Most members in one zip or KMZ archive.
    positions : int
        Most positions (vertices) in one geometry.
    """

    # Defaults read when a Limits is made (the module constants are the documented defaults).
    payload_bytes: int = field(default_factory=lambda: MAX_PAYLOAD_BYTES)
    total_bytes: int = field(default_factory=lambda: MAX_TOTAL_BYTES)
    zip_members: int = field(default_factory=lambda: MAX_ZIP_MEMBERS)
    positions: int = field(default_factory=lambda: MAX_POSITIONS)

    #: Environment variable -> (field, unit in bytes or 1).
    ENV = {
        "FRONTLINES_MAX_PAYLOAD_MB": ("payload_bytes", _MIB),
        "FRONTLINES_MAX_ARCHIVE_MB": ("total_bytes", _MIB),
        "FRONTLINES_MAX_ZIP_MEMBERS": ("zip_members", 1),
        "FRONTLINES_MAX_POSITIONS": ("positions", 1),
    }

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        """Defaults, raised or lowered by ``FRONTLINES_MAX_PAYLOAD_MB``, ``FRONTLINES_MAX_ARCHIVE_MB``,
        ``FRONTLINES_MAX_ZIP_MEMBERS`` and ``FRONTLINES_MAX_POSITIONS``.

        >>> Limits.from_env({"FRONTLINES_MAX_PAYLOAD_MB": "100"}).payload_bytes
        104857600
        """
        env = os.environ if env is None else env
        values: dict[str, int] = {}
        for var, (name, unit) in cls.ENV.items():
            text = env.get(var)
            if text is None or not text.strip():
                continue
            if not text.strip().isdigit() or int(text) <= 0:
                raise UsageError(f"${var} must be a positive whole number, not {text!r}", field=var, value=text)
            values[name] = int(text) * unit
        return cls(**values)

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


def _too_large(name: str, limit: int, what: str = "size") -> InputTooLargeError:
    return InputTooLargeError(
        f"{name}: {what} exceeds the limit of {limit:,} bytes (raise it with $FRONTLINES_MAX_PAYLOAD_MB)", path=name
    )


#: Compressed bytes fed to zlib at a time by :func:`_gunzip`.
_GUNZIP_CHUNK = 1 << 20


def _gunzip(stream: IO[bytes], *, name: str, limit: int) -> bytes:
    """The content of the gzip data read from ``stream`` (every member, like :mod:`gzip`), at most ``limit`` bytes.

    ISA-L (:mod:`isal.isal_zlib`, zlib's interface) inflates the members directly and checks each
    member's CRC and length: ``gzip.GzipFile.read(limit + 1)`` allocated and filled a ``limit``-sized
    buffer for every file (the 59 ISW layers of W3: 0.39 s CPU; zlib directly 0.25 s, ISA-L 0.11 s).
    As :mod:`gzip` does, zero bytes after a member are padding; anything else must be another member.
    At most one byte past the limit is ever inflated: a gzip bomb is never expanded in memory.
    """
    pieces: list[bytes] = []
    held = 0
    inflater = isal_zlib.decompressobj(wbits=31)
    pending = b""  # input not inflated yet (a member's tail, or padding and the next member's start)
    try:
        while True:
            chunk = pending or stream.read(_GUNZIP_CHUNK)
            pending = b""
            if not chunk:
                break
            if inflater.eof:  # between members: skip zero padding, then a new member must start
                chunk = chunk.lstrip(b"\0")
                if not chunk:
                    continue
                if len(chunk) < 2:
                    chunk += stream.read(1)
                if chunk[:2] != b"\x1f\x8b":
                    raise OSError("not a gzipped member after the previous one")
                inflater = isal_zlib.decompressobj(wbits=31)
            piece = inflater.decompress(chunk, limit + 1 - held)
            pieces.append(piece)
            held += len(piece)
            if held > limit:
                raise _too_large(name, limit, "decompressed size")
            pending = inflater.unconsumed_tail or inflater.unused_data
    except (OSError, zlib.error, isal_zlib.error) as exc:
        raise SourceFormatError(f"{name}: corrupt or truncated gzip data ({exc})", path=name) from exc
    if not inflater.eof:
        raise SourceFormatError(f"{name}: corrupt or truncated gzip data (compressed data ended before the "
                                "end-of-stream marker)", path=name)
    return b"".join(pieces)


def decompress(data: bytes, *, name: str, limit: int | None = None) -> bytes:
    """Undo gzip compression when ``data`` starts with the gzip magic bytes (at most ``limit`` bytes out)."""
    if data[:2] != b"\x1f\x8b":
        return data
    return _gunzip(io.BytesIO(data), name=name, limit=MAX_PAYLOAD_BYTES if limit is None else limit)


def open_regular(path: Path) -> IO[bytes]:
    """Open ``path`` for reading if it is a regular file (never blocks on a FIFO, never reads a device).

    Raises
    ------
    SourceFormatError
        Missing, unreadable, or not a regular file (a folder, device, FIFO or socket).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise SourceFormatError(f"{path}: cannot read ({exc.strerror or exc})", path=str(path)) from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else \
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "special"
        raise SourceFormatError(f"{path}: not a regular file ({kind}); only regular files are read", path=str(path))
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_regular(path: Path, *, limit: int | None = None, gunzip: bool = True) -> bytes:
    """The bytes of a regular file (gzip undone when ``gunzip``), refusing more than ``limit`` bytes.

    The size is checked before reading and again while reading (a file may grow).
    ``limit`` defaults to :data:`MAX_PAYLOAD_BYTES`.
    """
    limit = MAX_PAYLOAD_BYTES if limit is None else limit
    with open_regular(path) as f:
        try:
            head = f.read(2)
            f.seek(0)
            if gunzip and head == b"\x1f\x8b":
                return _gunzip(f, name=str(path), limit=limit)
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                raise _too_large(str(path), limit)
            # The size plus one byte (a file that grew is read on, to one byte past the limit):
            # ``read(limit + 1)`` allocated a limit-sized buffer per file, 3x the CPU of the copy.
            data = f.read(size + 1)
            if len(data) > size:
                data += f.read(limit + 1 - len(data))
        except OSError as exc:
            raise SourceFormatError(f"{path}: cannot read ({exc.strerror or exc})", path=str(path)) from exc
    if len(data) > limit:
        raise _too_large(str(path), limit)
    return data


def load_json(data: bytes, *, name: str) -> object:
    """Parse JSON bytes, naming the file and the position of a syntax error."""
    if not data.strip():
        raise SourceFormatError(f"{name}: file is empty", path=name)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        hint = " (file looks truncated)" if "unexpected end" in str(exc).lower() or exc.pos >= len(data) - 2 else ""
        raise SourceFormatError(f"{name}: malformed JSON{hint}: {exc}", path=name) from exc


def map_ahead(fn: Callable[[_T], _R], items: Iterable[_T], *, window: int = 8,
              threads: int = READ_THREADS) -> Iterator[_R]:
    """``map(fn, items)`` in input order, with up to ``window`` calls running ahead in threads.

    Unlike :meth:`ThreadPoolExecutor.map` it takes ``items`` lazily, so at most ``window``
    results are held at a time (memory stays bounded). An exception raised by ``fn`` is
    raised here, at that item's turn.
    """
    with ThreadPoolExecutor(threads) as pool:
        pending: deque[Future[_R]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for fut in pending:
                fut.cancel()


def is_archive(path: Path) -> bool:
    """Whether ``path`` names a tar archive (``.tar``, ``.tar.gz``, ``.tgz``, ``.tar.xz``, ``.txz``, ``.tar.bz2``)."""
    return path.name.lower().endswith(_TAR_SUFFIXES)


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    base = name.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(base, p) for p in patterns)


def iter_payloads(paths: list[Path], patterns: tuple[str, ...], *, limits: Limits | None = None) -> Iterator[Payload]:
    """Yield payloads from files, folders (recursively) and tar archives.

    Parameters
    ----------
    paths : list of Path
        Files, folders or ``.tar[.gz|.xz]`` archives.
    patterns : tuple of str
        Glob patterns a file name must match inside folders and archives
        (``.gz`` variants are accepted automatically). Files named explicitly
        are always read.
    limits : Limits, optional
        Size limits (default :meth:`Limits.from_env`).

    Raises
    ------
    SourceFormatError
        A path does not exist or is not a regular file, an archive is corrupt, a gzip member is broken.
    InputTooLargeError
        A file, member or archive over the limits.
    """
    limits = limits or Limits.from_env()
    pats = tuple(patterns) + tuple(p + ".gz" for p in patterns)
    for path in paths:
        path = Path(path)
        if is_archive(path) and path.exists() and not path.is_dir():
            yield from _iter_tar(path, pats, limits)
        else:
            yield from PayloadFiles(_files_of(path, patterns, pats), limits.payload_bytes)


def _files_of(path: Path, patterns: tuple[str, ...], pats: tuple[str, ...]) -> tuple[Path, ...]:
    """The files ``path`` names: itself, or the matching files of a folder (recursively, sorted)."""
    if not path.exists():
        raise SourceFormatError(f"{path}: no such file or folder", path=str(path))
    if not path.is_dir():
        return (path,)
    found = sorted(_folder_files(path, pats), key=lambda p: p.parts)  # the order of sorted(Path)
    if not found:
        raise SourceFormatError(f"{path}: folder holds no file matching {', '.join(patterns)}", path=str(path))
    return tuple(found)


def _folder_files(folder: Path, pats: tuple[str, ...]) -> Iterator[Path]:
    """The files under ``folder`` (recursively) whose name matches one of ``pats``, as ``folder.rglob("*")``
    finds them: links to files are files, links to folders are not entered, unreadable folders are skipped.
    A directory entry tells whether it is a file without a ``stat`` (the history's 1,359 files listed and
    sorted in 8 ms instead of 16)."""
    todo = [str(folder)]
    while todo:
        try:
            with os.scandir(todo.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
                    elif _matches(entry.name, pats) and entry.is_file():
                        yield Path(entry.path)
        except PermissionError:
            continue


@dataclass(frozen=True)
class PayloadFiles:
    """Files to read as payloads, in order: iterating reads them (a few ahead, in threads).

    A parser process can be handed the paths instead of the bytes (it reads them itself
    with :func:`read_regular` and ``limit``). ``names``: each payload's name when it is not
    its path (an archive's members spooled to disk keep their ``archive!member`` names).
    """

    paths: tuple[Path, ...]
    limit: int
    names: tuple[str, ...] | None = None

    def named(self) -> list[tuple[Path, str]]:
        """(path, payload name) of each file, in order."""
        return list(zip(self.paths, self.names if self.names is not None else (str(p) for p in self.paths)))

    def __iter__(self) -> Iterator[Payload]:
        return map_ahead(lambda pn: Payload(pn[1], read_regular(pn[0], limit=self.limit)), self.named())

    def __len__(self) -> int:
        return len(self.paths)


def payload_files(paths: list[Path], patterns: tuple[str, ...], *, limits: Limits | None = None,
                  spool: Path | None = None) -> PayloadFiles | None:
    """The payloads :func:`iter_payloads` yields, as files (None when ``paths`` hold a tar archive and no ``spool``).

    With a ``spool`` folder, the members of each tar archive are written there (checked
    against ``limits`` as :func:`iter_payloads` checks them, gzip members decompressed) and
    taken in the order of their names, as a folder's files are: an archive's own order is
    often no time order at all, and parsers reuse most of the previous snapshot's work
    only when snapshots come in time order. Raises the errors of :func:`iter_payloads`.
    """
    limits = limits or Limits.from_env()
    pats = tuple(patterns) + tuple(p + ".gz" for p in patterns)
    named: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if is_archive(path) and path.exists() and not path.is_dir():
            if spool is None:
                return None
            named.extend(_spool_tar(path, pats, limits, spool, first=len(named)))
        else:
            named.extend((f, str(f)) for f in _files_of(path, patterns, pats))
    return PayloadFiles(tuple(p for p, _ in named), limits.payload_bytes, tuple(n for _, n in named))


def _spool_tar(path: Path, pats: tuple[str, ...], limits: Limits, spool: Path, *, first: int = 0,
               ) -> list[tuple[Path, str]]:
    """Write the matching members of a tar archive to files in ``spool`` (numbered from ``first``); (file, payload name), by name."""
    out = []
    for payload in _iter_tar(path, pats, limits):  # decompressed in a thread, overlapping the writes
        target = spool / f"{first + len(out):08d}.payload"
        target.write_bytes(payload.data)
        out.append((target, payload.name))
    return sorted(out, key=lambda pn: pn[1])


#: Archive members decompressed ahead of the parsers (bounded: at most this many payloads wait).
TAR_AHEAD = 16


def in_thread(produce: Callable[[], Iterator[_T]], *, ahead: int = TAR_AHEAD, name: str = "frontlines-reader") -> Iterator[_T]:
    """The items of ``produce()``, produced in a thread of their own, at most ``ahead`` in advance.

    For decompression (``lzma``, ``zlib`` and file reads release the GIL): it overlaps with
    whatever the consumer does. An exception in the producer is raised here, after the
    items produced before it; closing this generator early stops the producer.
    """
    q: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=max(1, ahead))
    stop = threading.Event()

    def put(item: tuple[str, object]) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in produce():
                if not put(("item", item)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            put(("error", exc))
            return
        put(("end", None))

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "item":
                yield value  # type: ignore[misc]
            elif kind == "error":
                raise value  # type: ignore[misc]
            else:
                return
    finally:
        stop.set()
        worker.join()


def _iter_tar(path: Path, pats: tuple[str, ...], limits: Limits) -> Iterator[Payload]:
    # Decompressed in a thread of its own, overlapping with parsing; members stream in archive order.
    return in_thread(lambda: _read_tar(path, pats, limits))


def _read_tar(path: Path, pats: tuple[str, ...], limits: Limits) -> Iterator[Payload]:
    # Stream members in archive order: seeking backwards in a compressed tar re-reads it.
    found = 0
    total = 0
    try:
        with open_regular(path) as raw, tarfile.open(fileobj=raw, mode="r|*") as tar:
            for m in tar:
                total += max(m.size, 0)
                if total > limits.total_bytes:
                    raise InputTooLargeError(
                        f"{path}: members add up to more than the limit of {limits.total_bytes:,} bytes "
                        "(raise it with $FRONTLINES_MAX_ARCHIVE_MB)", path=str(path))
                if not (m.isfile() and _matches(m.name, pats)):
                    continue
                name = f"{path}!{m.name}"
                if m.size > limits.payload_bytes:  # refused before reading it
                    raise InputTooLargeError(
                        f"{name}: member of {m.size:,} bytes exceeds the limit of {limits.payload_bytes:,} bytes "
                        "(raise it with $FRONTLINES_MAX_PAYLOAD_MB)", path=name)
                f = tar.extractfile(m)
                assert f is not None
                found += 1
                yield Payload(name, decompress(f.read(limits.payload_bytes + 1), name=name, limit=limits.payload_bytes))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise SourceFormatError(f"{path}: corrupt or truncated archive ({exc})", path=str(path)) from exc
    if not found:
        raise SourceFormatError(f"{path}: archive holds no file matching {', '.join(pats)}", path=str(path))
