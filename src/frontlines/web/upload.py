"""Uploads for ``POST /api/ingest``: the token check, streaming the body to a file, and ingesting it.

The body (raw, or the field ``file`` of a multipart form) is streamed to a private
temporary folder and counted as it arrives: past the limit the upload stops with 413.
One ingest runs at a time: a lock in this process and a ``flock`` on a side file of
the store for the server's other worker processes (409 while either is held).
"""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from fastapi import Request
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontlines import service
from frontlines.errors import FrontlinesError, InputTooLargeError, StoreError
from frontlines.web.geo import BadParameter

__all__ = ["BUSY", "check_declared_size", "check_token", "ingest_file", "process_lock", "receive_upload", "safe_filename"]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
#: Message of the 409 answer while another ingest runs.
BUSY = "another ingest is running; try again when it has finished"


def safe_filename(name: str | None) -> str:
    """The base name of an uploaded file, reduced to harmless characters.

    >>> safe_filename("../../etc/passwd"), safe_filename(r"C:\\x\\a b.zip"), safe_filename(None)
    ('passwd', 'a_b.zip', 'upload.bin')
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = _SAFE_NAME.sub("_", base).lstrip(".")[:200]
    return base or "upload.bin"


def check_token(request: Request, token: str | None) -> None:
    """Refuse the request unless ingest is enabled and it carries ``Authorization: Bearer <token>``."""
    if token is None:
        raise StarletteHTTPException(403, "ingest is disabled: this server is read-only (start it with --token to allow uploads)")
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise StarletteHTTPException(401, "missing bearer token: send 'Authorization: Bearer <token>'",
                                     headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise StarletteHTTPException(403, "wrong token")


def check_declared_size(request: Request, limit: int) -> None:
    """413 when the Content-Length already exceeds ``limit`` (400 when it is not a number)."""
    declared = request.headers.get("content-length")
    if declared is None:
        return
    try:
        size = int(declared)
    except ValueError:
        raise StarletteHTTPException(400, "bad Content-Length") from None
    if size > limit:
        raise InputTooLargeError(f"upload of {size:,} bytes exceeds the limit of {limit:,} bytes")


class _Counter:
    """Bytes received so far; 413 past ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.received = 0

    def add(self, n: int) -> None:
        self.received += n
        if self.received > self.limit:
            raise InputTooLargeError(f"upload exceeds the limit of {self.limit:,} bytes")


class _FileField:
    """Callbacks of python-multipart's parser that write the first ``file`` field to ``workdir``."""

    def __init__(self, workdir: Path, fallback_name: str | None) -> None:
        self.workdir, self.fallback_name = workdir, fallback_name
        self.headers: list[tuple[bytes, bytes]] = []
        self.header_name = b""
        self.field: str | None = None
        self.out: IO[bytes] | None = None
        self.path: Path | None = None

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {"on_part_begin": self.on_part_begin, "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value, "on_headers_finished": self.on_headers_finished,
                "on_part_data": self.on_part_data, "on_part_end": self.on_part_end}

    def on_part_begin(self) -> None:
        self.headers = []

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.headers.append((self.header_name.lower(), data[start:end]))
        self.header_name = b""

    def on_headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, opts = parse_options_header(dict(self.headers).get(b"content-disposition", b""))
        self.field = opts.get(b"name", b"").decode("utf-8", "replace")
        if self.field == "file" and self.out is None:
            raw = opts.get(b"filename", b"")
            if any(c < 0x20 or c == 0x7F for c in raw):
                raise StarletteHTTPException(400, "malformed multipart body: control character in the file name")
            name = safe_filename(raw.decode("utf-8", "replace") or self.fallback_name)
            self.path = self.workdir / name
            self.out = open(self.path, "wb")  # noqa: SIM115 - closed in on_part_end or close()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.field == "file" and self.out is not None and not self.out.closed:
            self.out.write(data[start:end])

    def on_part_end(self) -> None:
        if self.field == "file" and self.out is not None:
            self.out.close()

    def close(self) -> None:
        if self.out is not None:
            self.out.close()


async def receive_upload(request: Request, workdir: Path, filename: str | None, limit: int) -> Path:
    """Stream the request body (raw or multipart) to a file in ``workdir``, at most ``limit`` bytes.

    Returns
    -------
    Path
        The file, named after the multipart file name or ``filename`` (made safe).
    """
    counter = _Counter(limit)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        from python_multipart.multipart import MultipartParser, parse_options_header

        _, params = parse_options_header(ctype)
        boundary = params.get(b"boundary")
        if not boundary:
            raise StarletteHTTPException(400, "multipart body without boundary")
        from python_multipart.exceptions import FormParserError

        sink = _FileField(workdir, filename)
        parser = MultipartParser(boundary, sink.callbacks())  # type: ignore[arg-type]
        try:
            async for chunk in request.stream():
                counter.add(len(chunk))
                parser.write(chunk)
            parser.finalize()
        except FormParserError as exc:  # boundary mismatch, oversized part header, truncated body ...
            raise StarletteHTTPException(400, f"malformed multipart body: {exc}") from None
        finally:
            sink.close()
        if sink.path is None:
            raise BadParameter("multipart upload without a 'file' field")
        return sink.path

    path = workdir / safe_filename(filename)
    with open(path, "wb") as out:
        async for chunk in request.stream():
            counter.add(len(chunk))
            out.write(chunk)
    if counter.received == 0:
        raise BadParameter("empty upload: send the file as the request body")
    return path


@contextlib.contextmanager
def process_lock(store_path: Path | str) -> Iterator[None]:
    """An exclusive lock on ``<store>.ingest-lock`` (409 when another process holds it).

    A side file, never the store itself: closing another descriptor of the SQLite file
    would drop SQLite's own POSIX locks in this process. A PostgreSQL store needs none:
    its writers take turns by an advisory lock on the server.
    """
    if isinstance(store_path, str):
        yield
        return
    lock_path = store_path.with_name(store_path.name + ".ingest-lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot create the ingest lock next to the store: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StarletteHTTPException(409, BUSY) from None
        yield
    finally:
        os.close(fd)  # releases the flock


def ingest_file(store_path: Path | str, adapter: str, path: Path, workdir: Path,
                options: service.IngestOptions | None = None) -> dict[str, Any]:
    """Check and ingest one uploaded file with its own writer connection; then, as the CLI's ``ingest``, classify
    the new steps' redraws and bring the change faces up to date (a stage of its own). Returns the CLI's
    ``ingest --json`` document (with ``redraw_steps``)."""
    try:
        with service.open_writer(store_path, create=False) as writer:
            report = service.ingest(writer, adapter, [path], options=options)
            doc = report.as_dict()
            doc["redraw_steps"] = service.derive_store_redraws(writer, sources=list(report.sources))
    except FrontlinesError as exc:
        # Do not leak the server's temporary path in messages.
        raise type(exc)(str(exc).replace(f"{workdir}/", "")) from exc
    return doc
