"""frontlines: turn dated control maps of armed conflicts into numbers people can trust."""

from __future__ import annotations

__version__ = "0.1.0"
