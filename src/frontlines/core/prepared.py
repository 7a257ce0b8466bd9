"""Private prepared copies: the cores never prepare a geometry they were given.

``shapely.prepare`` builds a GEOS index inside the geometry object itself, and GEOS
fills further indexes lazily while a prepared geometry is queried: two threads using one
prepared geometry at once corrupt it (the web server segfaulted so). Geometries handed to
the cores are often shared (decoded parts cached by a store reader, region layers and the
country outline loaded once per process), so no function of :mod:`frontlines.core`
prepares its inputs. One that wants a prepared geometry prepares a copy of its own,
which no other thread can reach.

Beware that shapely's :func:`shapely.contains_xy` and :func:`shapely.intersects_xy`
prepare their geometry argument *in place* (shapely 2.x): give them a copy made here,
never a geometry you were given.
"""

from __future__ import annotations

from typing import Any

import shapely

__all__ = ["prepared_copy"]


def prepared_copy(geom: Any) -> Any:
    """A prepared copy of a geometry (or of an array of them); the original is left as it was.

    The copy is exact (through WKB) and costs about a tenth of what the prepared
    predicates it serves save; keep it local to the call that made it.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = box(0, 0, 1, 1)
    >>> c = prepared_copy(g)
    >>> bool(shapely.is_prepared(c)), bool(shapely.is_prepared(g)), bool(c.equals_exact(g, 0))
    (True, False, True)
    """
    copy = shapely.from_wkb(shapely.to_wkb(geom))
    shapely.prepare(copy)
    return copy
