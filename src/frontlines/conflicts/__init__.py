"""Conflicts as data: sides, their words, events, region levels, outline and gazetteer.

>>> from frontlines.conflicts import default_registry
>>> ukraine = default_registry().get("ukraine")
>>> ukraine.side_ids, ukraine.level_kinds
(('ukraine', 'russia'), ('oblast', 'raion', 'hromada'))
"""

from frontlines.conflicts.definition import (
    Conflict,
    ConflictDefinitionError,
    Event,
    RegionLevel,
    Side,
    read_definition,
)
from frontlines.conflicts.registry import (
    ENV_VAR,
    ConflictRegistry,
    UnknownConflictError,
    default_registry,
)

__all__ = [
    "ENV_VAR",
    "Conflict",
    "ConflictDefinitionError",
    "ConflictRegistry",
    "Event",
    "RegionLevel",
    "Side",
    "UnknownConflictError",
    "default_registry",
    "read_definition",
]
