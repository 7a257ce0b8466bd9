"""Content hashes used to address payloads and geometry parts."""

from __future__ import annotations

import hashlib

__all__ = ["content_hash", "part_hash"]


def content_hash(data: bytes) -> str:
    """SHA-256 hex digest of a raw payload."""
    return hashlib.sha256(data).hexdigest()


def part_hash(wkb: bytes) -> str:
    """Short, collision-safe id of a normalised polygon (BLAKE2b-128 of its WKB)."""
    return hashlib.blake2b(wkb, digest_size=16).hexdigest()
