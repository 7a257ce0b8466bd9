"""Which conflicts the program knows, and their region layers, outline and gazetteer.

A :class:`ConflictRegistry` holds conflict definitions (:mod:`frontlines.conflicts.definition`):
the shipped ones (``frontlines/conflicts/*/conflict.toml``), folders given explicitly
(:meth:`ConflictRegistry.with_paths`) and folders listed in ``FRONTLINES_CONFLICTS``
(``os.pathsep``-separated), read when the default registry is built
(:func:`default_registry`). Adding a conflict needs no code: write a definition folder
and point ``FRONTLINES_CONFLICTS`` at it.

The region layers, outline and gazetteer of a conflict are read once per registry
object and shared (they are immutable).
"""

from __future__ import annotations

import difflib
import functools
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from frontlines.conflicts.definition import (
    DEFINITION_FILE,
    Conflict,
    ConflictDefinitionError,
    read_definition,
)
from frontlines.errors import FrontlinesError

__all__ = ["ENV_VAR", "ConflictRegistry", "UnknownConflictError", "default_registry"]

#: Environment variable listing extra definition folders.
ENV_VAR = "FRONTLINES_CONFLICTS"

T = TypeVar("T")


class UnknownConflictError(FrontlinesError, LookupError):
    """No conflict of that name is defined."""


def _shipped_folders() -> list[Path]:
    root = Path(str(resources.files("frontlines").joinpath("conflicts")))
    return sorted(p.parent for p in root.glob(f"*/{DEFINITION_FILE}"))


class ConflictRegistry:
    """Conflict definitions by id, with their loaded data memoised on the object.

    Parameters
    ----------
    conflicts : iterable of Conflict
        Later definitions with the same id replace earlier ones.
    """

    def __init__(self, conflicts: Iterable[Conflict]) -> None:
        self._conflicts: dict[str, Conflict] = {}
        for c in conflicts:
            self._conflicts[c.id] = c
        self._loaded: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------- building
    @classmethod
    def shipped(cls) -> ConflictRegistry:
        """Only the definitions shipped with the package."""
        return cls(read_definition(p) for p in _shipped_folders())

    @classmethod
    def with_paths(cls, paths: Iterable[str | Path], *, shipped: bool = True) -> ConflictRegistry:
        """The shipped definitions (unless ``shipped=False``) plus definition folders.

        A folder holding ``conflict.toml`` is one definition; a folder without one
        is searched one level down (``conflicts/tri/conflict.toml``).

        Raises
        ------
        ConflictDefinitionError
            A folder does not exist or holds no definition.
        """
        folders = _shipped_folders() if shipped else []
        for raw in paths:
            p = Path(raw).expanduser()
            if (p / DEFINITION_FILE).is_file():
                folders.append(p)
                continue
            found = sorted(q.parent for q in p.glob(f"*/{DEFINITION_FILE}")) if p.is_dir() else []
            if not found:
                raise ConflictDefinitionError(f"{p}: no {DEFINITION_FILE} here or in its subfolders")
            folders.extend(found)
        return cls(read_definition(f) for f in folders)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ConflictRegistry:
        """The shipped definitions plus the folders listed in ``FRONTLINES_CONFLICTS``."""
        env = os.environ if environ is None else environ
        return cls.with_paths(_env_paths(env.get(ENV_VAR, "")))

    # --------------------------------------------------------------- lookup
    def names(self) -> list[str]:
        """Conflict ids, sorted."""
        return sorted(self._conflicts)

    def __contains__(self, name: object) -> bool:
        return name in self._conflicts

    def get(self, name: str | Conflict) -> Conflict:
        """The conflict called ``name`` (a :class:`Conflict` is returned as is).

        Raises
        ------
        UnknownConflictError
            No such conflict; the message suggests close names and lists the known ones.
        """
        if isinstance(name, Conflict):
            return name
        try:
            return self._conflicts[name]
        except KeyError:
            pass
        close = difflib.get_close_matches(str(name), self.names(), n=2, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownConflictError(
            f"unknown conflict {name!r}{hint} (known: {', '.join(self.names())}; "
            f"add definition folders with ${ENV_VAR})"
        ) from None

    # ----------------------------------------------------------- loaded data
    def _memo(self, key: tuple[str, ...], load: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = load()
            return self._loaded[key]

    def region_layer(self, conflict: str | Conflict, kind: str) -> Any:
        """A region level of a conflict as a :class:`~frontlines.core.regions.RegionLayer` (read once).

        Raises
        ------
        UnknownConflictError, RegionError
            Unknown conflict, or a kind that is not one of its levels (the message lists them).
        """
        from frontlines.sources.boundaries import read_level

        c = self.get(conflict)
        level = c.level(kind)
        return self._memo(("layer", c.id, level.kind), lambda: read_level(level))

    def outline(self, conflict: str | Conflict) -> Any:
        """Land outline of a conflict's country (a shapely (Multi)Polygon, read once)."""
        from frontlines.sources.boundaries import read_outline

        c = self.get(conflict)
        return self._memo(("outline", c.id), lambda: read_outline(c.outline))

    def gazetteer(self, conflict: str | Conflict) -> Any:
        """Settlement gazetteer of a conflict (read once).

        Raises
        ------
        FrontlinesError
            The conflict has no gazetteer.
        """
        from frontlines.sources.gazetteer import read_gazetteer

        c = self.get(conflict)
        if c.gazetteer is None:
            raise FrontlinesError(f"conflict {c.id!r} has no gazetteer: settlements cannot be named")
        path = c.gazetteer
        return self._memo(("gazetteer", c.id), lambda: read_gazetteer(path))


    def basemap(self, conflict: str | Conflict) -> Any:
        """Countries, water and rivers under a conflict's maps (a :class:`~frontlines.sources.basemap.Basemap`, read once).

        A conflict whose definition names no basemap files gets empty layers.
        """
        from frontlines.sources.basemap import read_basemap

        c = self.get(conflict)
        return self._memo(("basemap", c.id), lambda: read_basemap(c.basemap, home=c.basemap_home))


def _env_paths(value: str) -> list[str]:
    return [p for p in value.split(os.pathsep) if p.strip()]


def default_registry() -> ConflictRegistry:
    """The registry of the shipped definitions plus ``$FRONTLINES_CONFLICTS``.

    Built once per value of the variable: changing it (a test, a long-running
    process) gives a registry that reads the new folders.
    """
    return _registry_for(os.environ.get(ENV_VAR, ""))


@functools.lru_cache(maxsize=4)
def _registry_for(env_value: str) -> ConflictRegistry:
    return ConflictRegistry.with_paths(_env_paths(env_value))
