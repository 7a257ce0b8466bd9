"""Compression of raw payloads.

Consecutive snapshots of a map differ little, so a payload is compressed with
zstandard against a recent *keyframe* of the same source (the keyframe's raw bytes
are the dictionary). Every :data:`KEYFRAME_EVERY`-th payload of a source is stored
on its own. Decompressing any payload needs at most its keyframe: there are no chains.
The full DeepState history (635 MB of GeoJSON) stores in about 25 MB.

Loading a dictionary costs more than compressing with it, so a store keeps the
(de)compressors of recent keyframes in its own cache (:func:`compressor`,
:func:`decompressor` make them); nothing is cached here.
"""

from __future__ import annotations

import zstandard as zstd

__all__ = ["KEYFRAME_EVERY", "LEVEL", "compress", "compressor", "decompress", "decompressor"]

KEYFRAME_EVERY = 32
#: zstd level of the raw payloads (an adapter may set ``payload_level``: see ``service.pipeline``).
LEVEL = 3


def compressor(base: bytes | None, *, level: int = LEVEL) -> zstd.ZstdCompressor:
    """A compressor, against the raw bytes ``base`` of a keyframe when given (zstd ``level``; any level
    decompresses the same way)."""
    if base is None:
        return zstd.ZstdCompressor(level=level)
    dictionary = zstd.ZstdCompressionDict(base, dict_type=zstd.DICT_TYPE_RAWCONTENT)
    dictionary.precompute_compress(level=level)
    return zstd.ZstdCompressor(level=level, dict_data=dictionary)


def decompressor(base: bytes | None) -> zstd.ZstdDecompressor:
    """The decompressor matching :func:`compressor` with the same ``base``."""
    if base is None:
        return zstd.ZstdDecompressor()
    return zstd.ZstdDecompressor(dict_data=zstd.ZstdCompressionDict(base, dict_type=zstd.DICT_TYPE_RAWCONTENT))


def compress(data: bytes, base: bytes | None = None, *, level: int = LEVEL) -> bytes:
    """Compress ``data``, against ``base`` when given."""
    return compressor(base, level=level).compress(data)


def decompress(blob: bytes, base: bytes | None = None) -> bytes:
    """Inverse of :func:`compress` (give the same ``base``)."""
    return decompressor(base).decompress(blob)
