"""Which keyframe each new raw payload is compressed against.

Payloads are zstd-compressed against a *keyframe* of the same source (see
:mod:`frontlines.store.payloads`); a keyframe serves at most
:data:`~frontlines.store.payloads.KEYFRAME_EVERY` payloads. The more alike the keyframe,
the smaller and cheaper the delta. Input in time order uses the newest keyframe until
it is full, then the next payload is stored on its own and becomes the keyframe. An
archive's members can come in any order (the shared DeepState history archive is in
none): once a payload comes earlier than one before it, each payload is compressed
against the keyframe with room whose polygon parts are most like its own (the share of
the WKB bytes of their parts they have in common; nearest in map time on a tie), and is
stored on its own, becoming a keyframe, when no keyframe has room or the best shares
less than :data:`MIN_SHARED` (against the latest keyframe, the shuffled history stored
105 MB of payloads instead of 17.5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from frontlines.store import StoreWriter
from frontlines.store.payloads import KEYFRAME_EVERY

__all__ = ["MIN_SHARED", "PayloadBases"]

#: A payload whose parts share less than this (by WKB bytes) with every keyframe's becomes a keyframe.
MIN_SHARED = 0.3


@dataclass
class _Frame:
    hash: str
    data: bytes
    when: dt.datetime | None  # map time of its snapshot (None: unknown)
    uses: int
    parts: Mapping[str, int] = field(default_factory=dict)  # part hash -> WKB bytes (empty: unknown)


def _shared(a: Mapping[str, int], b: Mapping[str, int]) -> float:
    if not a or not b:
        return 1.0  # unknown: do not rule the frame out
    common = sum(n for h, n in a.items() if h in b)
    return common / (sum(a.values()) + sum(b.values()) - common)


class PayloadBases:
    """Stores the raw payloads of one ingest, each against the keyframe most like it."""

    def __init__(self, store: StoreWriter) -> None:
        self._store = store
        self._frames: dict[str, list[_Frame]] = {}
        self._latest: dict[str, dt.datetime] = {}  # latest map time stored per source
        self._shuffled: set[str] = set()  # sources whose payloads came out of time order

    def _frames_of(self, source: str) -> list[_Frame]:
        if source not in self._frames:
            frames = []
            found = self._store.latest_keyframe(source)
            if found is not None and found[1] < KEYFRAME_EVERY:
                when = next((s.shown_at for s in self._store.snapshots(source) if s.content_hash == found[0]), None)
                frames.append(_Frame(found[0], self._store.get_payload(found[0]), when, found[1]))
            self._frames[source] = frames
        return self._frames[source]

    def put(self, source: str, content_hash: str, data: bytes, *, when: dt.datetime,
            parts: Mapping[str, int] | None = None) -> None:
        """Store ``data`` (nothing if a payload with this hash is stored).

        ``parts``: the payload's polygon parts (hash -> WKB bytes), to compare with keyframes'.
        """
        if self._store.has_payload(content_hash):
            return
        parts = parts or {}
        frames = self._frames_of(source)
        if source in self._latest and when < self._latest[source]:
            self._shuffled.add(source)
        self._latest[source] = max(when, self._latest.get(source, when))
        if source not in self._shuffled:  # in time order: the newest keyframe until it is full
            self._store_against(source, content_hash, data, when, parts, frames[-1] if frames else None)
            return
        scored = [(_shared(parts, f.parts), -abs((f.when - when).total_seconds()) if f.when else float("-inf"), i)
                  for i, f in enumerate(frames)]
        best = frames[max(scored)[2]] if scored and max(scored)[0] >= MIN_SHARED else None
        self._store_against(source, content_hash, data, when, parts, best)

    def _store_against(self, source: str, content_hash: str, data: bytes, when: dt.datetime,
                       parts: Mapping[str, int], frame: _Frame | None) -> None:
        frames = self._frames[source]
        if frame is None:
            self._store.put_payload(content_hash, data, source=source, base=None)
            frames.append(_Frame(content_hash, data, when, 0, dict(parts)))
            return
        self._store.put_payload(content_hash, data, source=source, base=(frame.hash, frame.data))
        frame.uses += 1
        if frame.uses >= KEYFRAME_EVERY:  # full: its bytes are not needed any more
            frames.remove(frame)
