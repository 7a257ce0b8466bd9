"""Compression of raw payloads.

Consecutive snapshots of a map differ little, so a payload is compressed with
zstandard against a recent *keyframe* of the same source (the keyframe's raw bytes
are the dictionary). Every :data:`KEYFRAME_EVERY`-th payload of a source is stored
on its own. Decompressing any payload needs at most its keyframe: there are no chains.
The full DeepState history (635 MB of GeoJSON) stores in about 25 MB.
"""

from __future__ import annotations

import functools

import zstandard as zstd

__all__ = ["KEYFRAME_EVERY", "compress", "decompress"]

KEYFRAME_EVERY = 32
_LEVEL = 3


@functools.lru_cache(maxsize=4)
def _compressor(base: bytes | None) -> zstd.ZstdCompressor:
    # Loading a dictionary costs more than compressing with it: keep the last few.
    if base is None:
        return zstd.ZstdCompressor(level=_LEVEL)
    dictionary = zstd.ZstdCompressionDict(base, dict_type=zstd.DICT_TYPE_RAWCONTENT)
    dictionary.precompute_compress(level=_LEVEL)
    return zstd.ZstdCompressor(level=_LEVEL, dict_data=dictionary)


@functools.lru_cache(maxsize=4)
def _decompressor(base: bytes | None) -> zstd.ZstdDecompressor:
    if base is None:
        return zstd.ZstdDecompressor()
    return zstd.ZstdDecompressor(dict_data=zstd.ZstdCompressionDict(base, dict_type=zstd.DICT_TYPE_RAWCONTENT))


def compress(data: bytes, base: bytes | None = None) -> bytes:
    """Compress ``data``, against ``base`` when given."""
    return _compressor(base).compress(data)


def decompress(blob: bytes, base: bytes | None = None) -> bytes:
    """Inverse of :func:`compress` (give the same ``base``)."""
    return _decompressor(base).decompress(blob)
