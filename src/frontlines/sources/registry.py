"""Adapter registry: name -> adapter instance."""

from __future__ import annotations

from frontlines.errors import SourceError
from frontlines.sources.base import Adapter
from frontlines.sources.deepstate import DeepStateDaily, DeepStateHistory
from frontlines.sources.files import Files
from frontlines.sources.isw import ISW
from frontlines.sources.nzz import NZZ

__all__ = ["ADAPTERS", "get_adapter"]

ADAPTERS: dict[str, Adapter] = {
    a.name: a for a in (DeepStateHistory(), DeepStateDaily(), ISW(), NZZ(), Files())
}


def get_adapter(name: str) -> Adapter:
    """The adapter called ``name`` (``deepstate-history``, ``deepstate-daily``, ``isw``, ``nzz``, ``files``)."""
    try:
        return ADAPTERS[name]
    except KeyError:
        raise SourceError(f"unknown source {name!r}; known: {', '.join(sorted(ADAPTERS))}") from None
