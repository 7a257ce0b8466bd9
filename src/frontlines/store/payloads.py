"""Compression of raw payloads.

Consecutive snapshots of a map differ little, so a payload is compressed with
zstandard against a recent *keyframe* of the same source (the keyframe's raw bytes
are the dictionary). Every :data:`KEYFRAME_EVERY`-th payload of a source is stored
on its own. Decompressing any payload needs at most its keyframe: there are no chains.
The full DeepState history (635 MB of GeoJSON) stores in about 25 MB.
"""

from __future__ import annotations

import zstandard as zstd

__all__ = ["KEYFRAME_EVERY", "compress", "decompress"]

KEYFRAME_EVERY = 32
_LEVEL = 3


def compress(data: bytes, base: bytes | None = None) -> bytes:
    """Compress ``data``, against ``base`` when given."""
    if base is None:
        return zstd.ZstdCompressor(level=_LEVEL).compress(data)
    dictionary = zstd.ZstdCompressionDict(base, dict_type=zstd.DICT_TYPE_RAWCONTENT)
    return zstd.ZstdCompressor(level=_LEVEL, dict_data=dictionary).compress(data)


def decompress(blob: bytes, base: bytes | None = None) -> bytes:
    """Inverse of :func:`compress` (give the same ``base``)."""
    if base is None:
        return zstd.ZstdDecompressor().decompress(blob)
    dictionary = zstd.ZstdCompressionDict(base, dict_type=zstd.DICT_TYPE_RAWCONTENT)
    return zstd.ZstdDecompressor(dict_data=dictionary).decompress(blob)
