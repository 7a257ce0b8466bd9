"""Which keyframe each new raw payload is compressed against.

Payloads are zstd-compressed against a *keyframe* of the same source (see
:mod:`frontlines.store.payloads`); a keyframe serves at most
:data:`~frontlines.store.payloads.KEYFRAME_EVERY` payloads, then the next payload is
stored on its own and becomes the keyframe. The closer in time the keyframe, the
smaller and cheaper the delta: input read in time order always uses the newest
keyframe, but an archive's members can come in any order (the shared DeepState history
archive is in none), so each payload is compressed against the keyframe nearest to it
in map time among those that still have room.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from frontlines.store import StoreWriter
from frontlines.store.payloads import KEYFRAME_EVERY

__all__ = ["PayloadBases"]


@dataclass
class _Frame:
    hash: str
    data: bytes
    when: dt.datetime | None  # map time of its snapshot (None: unknown, used only when nothing else is)
    uses: int


class PayloadBases:
    """Stores the raw payloads of one ingest, each against the nearest keyframe with room."""

    def __init__(self, store: StoreWriter) -> None:
        self._store = store
        self._frames: dict[str, list[_Frame]] = {}

    def _frames_of(self, source: str) -> list[_Frame]:
        if source not in self._frames:
            frames = []
            found = self._store.latest_keyframe(source)
            if found is not None and found[1] < KEYFRAME_EVERY:
                when = next((s.shown_at for s in self._store.snapshots(source) if s.content_hash == found[0]), None)
                frames.append(_Frame(found[0], self._store.get_payload(found[0]), when, found[1]))
            self._frames[source] = frames
        return self._frames[source]

    def put(self, source: str, content_hash: str, data: bytes, *, when: dt.datetime) -> None:
        """Store ``data`` (nothing if a payload with this hash is stored)."""
        if self._store.has_payload(content_hash):
            return
        frames = self._frames_of(source)
        best = min(frames,
                   key=lambda f: abs((f.when - when).total_seconds()) if f.when else float("inf"), default=None)
        if best is None:
            self._store.put_payload(content_hash, data, source=source, base=None)
            frames.append(_Frame(content_hash, data, when, 0))
            return
        self._store.put_payload(content_hash, data, source=source, base=(best.hash, best.data))
        best.uses += 1
        if best.uses >= KEYFRAME_EVERY:  # full: its bytes are not needed any more
            frames.remove(best)
