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

__all__ = ["KEYFRAME_EVERY", "PARAMETERS", "compress", "compressor", "decompress", "decompressor"]

KEYFRAME_EVERY = 32
#: zstd parameters of the raw payloads unless a level is asked for (an adapter may set ``payload_level``:
#: see ``service.pipeline``): level 3's tables with zstd's ``fast`` strategy (one hash table instead of
#: two). A payload repeats nearly all of its keyframe in long runs, found either way: the DeepState
#: history's 635 MB compress in 0.44 s of CPU instead of 0.58 s, to 20.2 MB instead of 19.7 MB
#: (the keyframes +1 %, the others +5 %).
PARAMETERS = zstd.ZstdCompressionParameters.from_level(3, strategy=zstd.STRATEGY_FAST)


def compressor(base: bytes | None, *, level: int | None = None) -> zstd.ZstdCompressor:
    """A compressor, against the raw bytes ``base`` of a keyframe when given (zstd ``level``, or
    :data:`PARAMETERS` when None; every setting decompresses the same way)."""
    settings = {"compression_params": PARAMETERS} if level is None else {"level": level}
    if base is None:
        return zstd.ZstdCompressor(**settings)  # type: ignore[arg-type]
    dictionary = zstd.ZstdCompressionDict(base, dict_type=zstd.DICT_TYPE_RAWCONTENT)
    dictionary.precompute_compress(**settings)  # type: ignore[arg-type]
    return zstd.ZstdCompressor(dict_data=dictionary, **settings)  # type: ignore[arg-type]


def decompressor(base: bytes | None) -> zstd.ZstdDecompressor:
    """The decompressor matching :func:`compressor` with the same ``base``."""
    if base is None:
        return zstd.ZstdDecompressor()
    return zstd.ZstdDecompressor(dict_data=zstd.ZstdCompressionDict(base, dict_type=zstd.DICT_TYPE_RAWCONTENT))


def compress(data: bytes, base: bytes | None = None, *, level: int | None = None) -> bytes:
    """Compress ``data``, against ``base`` when given."""
    return compressor(base, level=level).compress(data)


def decompress(blob: bytes, base: bytes | None = None) -> bytes:
    """Inverse of :func:`compress` (give the same ``base``)."""
    return decompressor(base).decompress(blob)
