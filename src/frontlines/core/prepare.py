"""Thread safety for prepared shapely geometries.

``shapely.prepare`` builds an index inside a geometry object, and GEOS fills further
indexes lazily on first use. Geometries here are shared between threads (the web
server's readers share decoded parts; region layers and the outline are cached per
process), and two threads preparing or querying one prepared geometry at once crash
GEOS. Every preparation goes through :func:`prepare`, and functions that query shared
prepared geometries run under :data:`LOCK` (decorate them with :func:`serialised`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import shapely

__all__ = ["LOCK", "prepare", "serialised"]

#: Held while shared prepared geometries are prepared or queried (re-entrant).
LOCK = threading.RLock()

F = TypeVar("F", bound=Callable[..., Any])


def prepare(geoms: Any) -> None:
    """``shapely.prepare`` on a geometry or an array of them, one thread at a time."""
    with LOCK:
        shapely.prepare(geoms)


def serialised(func: F) -> F:
    """Run ``func`` under :data:`LOCK`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with LOCK:
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
