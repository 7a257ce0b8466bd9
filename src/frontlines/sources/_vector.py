"""Handing user vector files to GDAL (through pyogrio) without indirection, network or surprises.

GDAL picks a driver by looking at a file's content, and some drivers read other
files or URLs named inside the file (an OGR VRT saved as ``map.geojson``, a GDALG
pipeline, ``/vsicurl/`` paths). So frontlines decides the format itself, from the
content, and gives GDAL only content of an allowed format:

========================  ==========================================================
format                    recognised by
========================  ==========================================================
GeoJSON                   valid JSON, a FeatureCollection or Feature (checked in Python
                          first, geometry structure included)
GeoPackage                the SQLite header and a GeoPackage ``application_id``
KML                       XML whose root element is ``kml``, without DOCTYPE / entities
KMZ                       a zip holding a ``.kml``: only that document is passed on
FlatGeobuf                its magic bytes
Shapefile in a zip        a zip holding a ``.shp``: only its ``.shp .shx .dbf .prj .cpg``
========================  ==========================================================

Content naming another data source (``OGRVRTDataSource``, ``gdal_streamed_alg``,
``/vsi...`` paths) is refused whatever the format, and GDAL's network file systems
and directory listings are switched off (:data:`GDAL_CONFIG`). Zip archives are
checked member by member (paths, counts, declared and real sizes) and re-packed from
what Python read, so GDAL never expands a member itself.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import orjson

from frontlines.core.validate import check_geojson_geometry
from frontlines.errors import InputTooLargeError, SourceFormatError
from frontlines.sources._geojson import features_of, properties_of
from frontlines.sources._payloads import Limits

__all__ = ["ALLOWED_DRIVERS", "GDAL_CONFIG", "check_zip", "prepare", "read_vector", "sniff", "zip_shapefile"]

#: Format -> the GDAL driver that reads it (the allow-list).
ALLOWED_DRIVERS = {
    "geojson": "GeoJSON",
    "gpkg": "GPKG",
    "kml": "KML",
    "fgb": "FlatGeobuf",
    "shpzip": "ESRI Shapefile",
}

#: GDAL configuration set before every read: no network access through /vsicurl/ and
#: friends (only URLs ending in an impossible extension would be tried), no retries,
#: no listing of the folder around the file, a smaller memory budget per GeoJSON object.
GDAL_CONFIG = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".frontlines-no-network",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_VSIL_CURL_HEADER_FILE_KVP_ENABLED": "NO",
    # GDAL's GeoJSON reader refuses an object it estimates to take more memory than this (MB)
    "OGR_GEOJSON_MAX_OBJ_SIZE": "64",
}

#: A zip bomb: a member expanding more than this ratio and larger than 10 MB.
MAX_ZIP_RATIO = 200

_INDIRECTION = re.compile(rb"OGRVRTDataSource|gdal_streamed_alg|/vsi[a-z0-9_]*/|<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_XML_SKIP = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->)", re.DOTALL)
_GPKG_IDS = (b"GPKG", b"GP10", b"GP11")


def sniff(data: bytes) -> str | None:
    """The format of ``data`` by its content: ``zip``, ``gpkg``, ``fgb``, ``geojson``, ``kml`` or None.

    >>> sniff(b'{"type": "FeatureCollection", "features": []}'), sniff(b"<OGRVRTDataSource/>")
    ('geojson', None)
    """
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"SQLite format 3\x00"):
        return "gpkg" if data[68:72] in _GPKG_IDS else None
    if data.startswith(b"fgb\x03"):
        return "fgb"
    head = data[:65536].removeprefix(b"\xef\xbb\xbf")
    stripped = head.lstrip()
    if stripped.startswith(b"{"):
        return "geojson"
    if stripped.startswith(b"<"):
        pos = 0
        while (m := _XML_SKIP.match(head, pos)) and m.end() > pos:
            pos = m.end()
        if re.match(rb"\s*<([A-Za-z_][\w.-]*:)?kml[\s>/]", head[pos:]):
            return "kml"
    return None


def _unsafe(member: str) -> bool:
    return member.startswith(("/", "\\")) or ".." in PurePosixPath(member.replace("\\", "/")).parts or ":" in member


def _real_size_exceeds(data: bytes, info: zipfile.ZipInfo) -> bool:
    """True when a member's compressed data expands past its declared size (read from the local header)."""
    start = info.header_offset
    header = data[start : start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return False  # zipfile reports the broken header itself
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    begin = start + 30 + name_len + extra_len
    raw = data[begin : begin + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        return info.compress_size > info.file_size
    if info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            out = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
        except zlib.error:
            return False  # zipfile reports corrupt data when the member is read
        return len(out) > info.file_size
    return False


def check_zip(data: bytes, *, name: str, limits: Limits | None = None) -> list[zipfile.ZipInfo]:
    """Check a zip / KMZ archive before anything is extracted from it.

    Refuses path traversal, too many members, members declared (or really) larger
    than the limits, members whose data expands past their declared size (forged
    headers), and bomb-like compression ratios.

    Returns
    -------
    list of zipfile.ZipInfo
    """
    limits = limits or Limits.from_env()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise SourceFormatError(f"{name}: corrupt zip/KMZ archive ({exc})", path=name) from exc
    if len(infos) > limits.zip_members:
        raise InputTooLargeError(f"{name}: archive has {len(infos)} members (limit {limits.zip_members})", path=name)
    total = 0
    for info in infos:
        member = info.filename
        if _unsafe(member):
            raise SourceFormatError(f"{name}: unsafe path {member!r} in archive", path=name, field=member)
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO and info.file_size > 10_000_000:
            raise InputTooLargeError(
                f"{name}: member {member!r} expands {info.file_size / info.compress_size:.0f}x (zip bomb?)", path=name
            )
        if info.file_size > limits.payload_bytes:
            raise InputTooLargeError(
                f"{name}: member {member!r} of {info.file_size:,} bytes exceeds the limit of {limits.payload_bytes:,} bytes",
                path=name,
            )
        if _real_size_exceeds(data, info):
            raise InputTooLargeError(
                f"{name}: member {member!r} expands past its declared size of {info.file_size:,} bytes (forged archive?)",
                path=name,
            )
    limit = min(limits.total_bytes, limits.payload_bytes)
    if total > limit:
        raise InputTooLargeError(f"{name}: archive expands to {total:,} bytes (limit {limit:,})", path=name)
    return infos


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, name: str, limit: int) -> bytes:
    chunks: list[bytes] = []
    got = 0
    try:
        with zf.open(info) as f:
            while chunk := f.read(1 << 20):
                got += len(chunk)
                if got > min(limit, info.file_size):
                    raise InputTooLargeError(f"{name}: member {info.filename!r} is larger than declared", path=name)
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise SourceFormatError(
            f"{name}: member {info.filename!r} cannot be read ({exc}); its data does not match its header", path=name
        ) from exc
    return b"".join(chunks)


def _unzip(data: bytes, *, name: str, limits: Limits) -> tuple[str, bytes]:
    infos = [i for i in check_zip(data, name=name, limits=limits) if not i.is_dir()]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        kmls = sorted((i for i in infos if i.filename.lower().endswith(".kml")),
                      key=lambda i: (i.filename.lower() != "doc.kml", i.filename.count("/"), i.filename))
        if kmls:
            return "kml", _extract(zf, kmls[0], name=name, limit=limits.payload_bytes)
        shps = sorted(i for i in infos if i.filename.lower().endswith(".shp"))
        if not shps:
            raise SourceFormatError(f"{name}: the archive holds no .kml document and no .shp file", path=name)
        stem = shps[0].filename[:-4]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
            for info in infos:
                if info.filename[: len(stem)] == stem and info.filename[len(stem) :].lower() in _SHP_PARTS:
                    base = "layer" + info.filename[len(stem) :].lower()
                    out.writestr(base, _extract(zf, info, name=name, limit=limits.payload_bytes))
        return "shpzip", buf.getvalue()


def _check_geojson(data: bytes, *, name: str, limits: Limits) -> None:
    try:
        doc = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))  # GDAL reads a UTF-8 BOM too
    except orjson.JSONDecodeError as exc:
        raise SourceFormatError(f"{name}: cannot read as a vector file (malformed JSON: {exc})", path=name) from exc
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and doc.get("features") == []:
        raise SourceFormatError(f"{name}: the file holds no features", path=name)
    for i, feat in enumerate(features_of(doc, name=name)):
        properties_of(feat, i, name=name)
        geom = feat.get("geometry")
        if geom is not None:
            check_geojson_geometry(geom, where=f"{name} feature {i}", max_positions=limits.positions)


def prepare(data: bytes, *, name: str, limits: Limits | None = None) -> tuple[str, bytes]:
    """Identify ``data`` and return ``(format, bytes for GDAL)``, or refuse it.

    Raises
    ------
    SourceFormatError
        Not one of the allowed formats, content naming another data source, a
        malformed GeoJSON document or zip archive.
    InvalidGeometryError
        A GeoJSON geometry of bad structure (see :func:`~frontlines.core.validate.check_geojson_geometry`).
    InputTooLargeError
        A zip member or archive over the limits.
    """
    limits = limits or Limits.from_env()
    kind = sniff(data)
    if kind == "zip":
        kind, data = _unzip(data, name=name, limits=limits)
    if kind is None or (kind == "kml" and sniff(data) != "kml"):
        raise SourceFormatError(
            f"{name}: cannot read as a vector file: not GeoJSON, GeoPackage, KML, KMZ, FlatGeobuf or a zipped Shapefile",
            path=name,
        )
    found = _INDIRECTION.search(data)
    if found:
        raise SourceFormatError(
            f"{name}: refusing a file that names another data source or declares XML entities "
            f"({found.group(0).decode('ascii', 'replace')!r})",
            path=name,
        )
    if kind == "geojson":
        _check_geojson(data, name=name, limits=limits)
    return kind, data


def read_vector(
    data: bytes, *, name: str, limits: Limits | None = None, layer: str | int | None = None
) -> tuple[dict[str, Any], np.ndarray | None, list[str], list[np.ndarray]]:
    """Read the first (or the named) layer of an allowed vector format with pyogrio.

    Returns
    -------
    meta, wkb array (None for a table without geometry), field names, field columns

    Raises
    ------
    SourceFormatError
        See :func:`prepare`; or GDAL cannot read the data.
    """
    import pyogrio
    import pyogrio.raw
    from pyogrio.errors import (
        DataLayerError,
        DataSourceError,
        FieldError,
        GeometryError,
    )

    _kind, clean = prepare(data, name=name, limits=limits)
    pyogrio.set_gdal_config_options(GDAL_CONFIG)
    try:
        meta, _fids, geometry, field_data = pyogrio.raw.read(io.BytesIO(clean), layer=layer)
    # IndexError: pyogrio's get_default_layer on a data source without any layer
    except (DataSourceError, DataLayerError, FieldError, GeometryError, ValueError, RuntimeError, IndexError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "too complex/large" in first:  # OGR_GEOJSON_MAX_OBJ_SIZE of GDAL_CONFIG
            first = (f"a GeoJSON object would take more than {GDAL_CONFIG['OGR_GEOJSON_MAX_OBJ_SIZE']} MB in GDAL; "
                     "split the features or convert the file to GeoPackage")
        raise SourceFormatError(f"{name}: cannot read as a vector file ({first})", path=name) from exc
    return meta, geometry, [str(f) for f in meta.get("fields", [])], list(field_data)


def zip_shapefile(shp: Path) -> bytes:
    """Bundle a Shapefile and its sidecar files into one zip payload."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for side in sorted(shp.parent.glob(shp.stem + ".*")):
            if side.suffix.lower() in _SHP_PARTS:
                zf.write(side, side.name)
    return buf.getvalue()
