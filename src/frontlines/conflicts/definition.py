"""What one conflict is, as data: sides, their words, events, region levels, shipped files.

Everything specific to one war lives in a definition folder
(``conflict.toml`` plus the files it names) read by :func:`read_definition`;
the code reads only these objects.  Ukraine's definition is shipped in
``frontlines/conflicts/ukraine/``; more are added with ``FRONTLINES_CONFLICTS``
(see :mod:`frontlines.conflicts.registry`).

A definition file looks like::

    id = "tri"
    name = "The Three-Sided War"
    start = 2024-03-01
    land_area_km2 = 15000.0
    outline = "outline.geojson"          # paths are relative to the folder
    gazetteer = "places.csv"

    [[sides]]
    id = "north"
    names.en = ["North", "the Northern Union", "Boreal"]   # official name first, then aliases
    adjectives.en = ["Northern"]
    forces.en = ["NDF"]                  # words naming the side's armed forces on their own

    [[levels]]                           # coarse -> fine
    kind = "province"
    names.en = ["province", "provinces"]
    file = "provinces.geojson"
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frontlines.errors import FrontlinesError, RegionLevelError

__all__ = ["Conflict", "ConflictDefinitionError", "Event", "RegionLevel", "Side", "read_definition"]

#: Layers a ``[basemap]`` table may name.
BASEMAP_LAYERS = ("countries", "water", "rivers")

#: The file a definition folder holds.
DEFINITION_FILE = "conflict.toml"


class ConflictDefinitionError(FrontlinesError, ValueError):
    """A conflict definition file is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class Event:
    """A named event a text can count time from ("since the start of the invasion").

    Parameters
    ----------
    key : str
        Short id, e.g. ``invasion``.
    date : datetime.date
        The day the event began.
    patterns : tuple of str
        Regular expressions (lower case) naming the event in text.
    """

    key: str
    date: dt.date
    patterns: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Side:
    """One party to a conflict and the words that name it, per language.

    Parameters
    ----------
    id : str
        Layer side id (``russia``, ``north``).
    names : mapping of str to tuple of str
        Language code -> official name first, then aliases: demonym, capital,
        government metonyms, leaders (``"Russia", "Russians", "Moscow", "Putin"``).
    adjectives : mapping of str to tuple of str
        Language code -> adjectives (``"Russian"``).
    forces : mapping of str to tuple of str
        Language code -> words naming the side's armed forces on their own
        (``"AFU"``, ``"Wagner Group"``, ``"occupiers"``).
    """

    id: str
    names: Mapping[str, tuple[str, ...]]
    adjectives: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    forces: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def name(self, language: str = "en") -> str:
        """Official name in ``language`` (falls back to English, then the id)."""
        for lang in (language, "en"):
            if self.names.get(lang):
                return self.names[lang][0]
        return self.id

    def words(self, language: str = "en") -> tuple[str, ...]:
        """Every word naming the side in ``language``: names, adjectives, forces."""
        return (*self.names.get(language, ()), *self.adjectives.get(language, ()), *self.forces.get(language, ()))


@dataclass(frozen=True, eq=False)
class RegionLevel:
    """One layer of administrative regions (``oblast``, ``raion``; ``province``).

    Parameters
    ----------
    kind : str
        Level id used on the command line (``--by oblast``) and in region ids (``oblast:UA-14``).
    names : mapping of str to tuple of str
        Language code -> (singular, plural) display names.
    file : Path
        GeoJSON FeatureCollection (``.geojson`` or ``.geojson.gz``).
    id_field, name_field, parent_field, local_name_field : str
        Feature properties holding the id, the English name, the id of the
        enclosing region one level up, and the name in the local language.
    aliases : tuple of str
        Other words accepted for ``kind`` (``oblasts``, ``adm1``).
    """

    kind: str
    names: Mapping[str, tuple[str, ...]]
    file: Path
    id_field: str = "id"
    name_field: str = "name"
    parent_field: str = "parent"
    local_name_field: str = "name_local"
    aliases: tuple[str, ...] = ()

    def display(self, language: str = "en", *, plural: bool = False) -> str:
        """Display name (``"oblast"``, ``"oblasts"``)."""
        words = self.names.get(language) or self.names.get("en") or (self.kind,)
        return words[min(1 if plural else 0, len(words) - 1)]


def _fold_stem(text: str) -> str:
    return text.strip().lower().replace("’", "'").replace("'", "")


@dataclass(frozen=True, eq=False)
class Conflict:
    """Everything the program knows about one conflict.

    Parameters
    ----------
    id : str
        Conflict id as stored with every snapshot (``ukraine``).
    name : str
        Display name.
    sides : tuple of Side
        Two or more sides.
    start : datetime.date
        Start of the war as texts count it.
    land_area_km2 : float
        Land area of the contested country (claim checking's fallback denominator).
    levels : tuple of RegionLevel
        Region levels, coarse to fine. The gazetteer's ``oblast`` / ``raion``
        columns hold names and ids of the first and second level.
    outline : Path
        Land outline GeoJSON (one feature).
    gazetteer : Path or None
        Settlement CSV in the shipped gazetteer's columns.
    events : tuple of Event
        Named events texts count time from.
    region_spellings : mapping of str to tuple of str
        Claim reader: normalised first-level region name -> lower-case spellings of its stem.
    region_words : tuple of str
        Type words dropped from region names before matching (``oblast``, ``district``).
    region_exonyms : mapping of str to str
        Folded foreign or old spellings -> the folded official name (``kiev`` -> ``kyiv``).
    default_source : str or None
        Source analytic commands use when none is given.
    basemap : mapping of str to Path
        Context drawn under every map, each optional: ``countries`` (polygons with
        ``name``, ``iso_a2``), ``water`` (seas, lakes, reservoirs; ``name``, ``kind``,
        optional ``until`` = the last day a body of water is drawn), ``rivers`` (lines with
        ``name``, ``scalerank``); ``home`` names the ``iso_a2`` of the conflict's own country.
    time_zone : str or None
        Local time zone (IANA name).
    vocabulary : mapping of str to mapping of str to tuple of str
        Claim reader: language -> word class -> words (``[vocabulary.uk]`` of the file,
        e.g. ``forces_russia``, ``forces_ukraine``, ``events_invasion``).
    region_stems : mapping of str to mapping of str to str
        Claim reader: language -> lower-case stem of a declined first-level region
        name -> the normalised region (``"донеччин" = "Donetsk"``).
    source_notes : mapping of str to tuple of (datetime.date, str)
        Source name -> (first reliable day, why): maps before that day are not a
        trustworthy start state (a map still being drawn).
    folder : Path
        Folder of the definition file.
    """

    id: str
    name: str
    sides: tuple[Side, ...]
    start: dt.date
    land_area_km2: float
    levels: tuple[RegionLevel, ...]
    outline: Path
    gazetteer: Path | None
    events: tuple[Event, ...] = ()
    region_spellings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    region_words: tuple[str, ...] = ()
    region_exonyms: Mapping[str, str] = field(default_factory=dict)
    default_source: str | None = None
    basemap: Mapping[str, Path] = field(default_factory=dict)
    basemap_home: str | None = None
    time_zone: str | None = None
    vocabulary: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    region_stems: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    source_notes: Mapping[str, tuple[dt.date, str]] = field(default_factory=dict)
    folder: Path = Path(".")

    def __post_init__(self) -> None:
        if len(self.sides) < 2:
            raise ConflictDefinitionError(f"conflict {self.id!r}: needs two or more sides, has {len(self.sides)}")
        ids = [s.id for s in self.sides]
        if len(set(ids)) != len(ids):
            raise ConflictDefinitionError(f"conflict {self.id!r}: duplicate side ids {ids}")
        if not self.levels:
            raise ConflictDefinitionError(f"conflict {self.id!r}: needs at least one region level")

    # ------------------------------------------------------------------ sides
    @property
    def side_ids(self) -> tuple[str, ...]:
        """Side ids in definition order."""
        return tuple(s.id for s in self.sides)

    def side(self, side_id: str) -> Side:
        """The side called ``side_id``."""
        for s in self.sides:
            if s.id == side_id:
                return s
        raise ConflictDefinitionError(f"conflict {self.id!r} has no side {side_id!r}; sides: {', '.join(self.side_ids)}")

    def opponents(self, side_id: str) -> tuple[str, ...]:
        """Every other side."""
        return tuple(s for s in self.side_ids if s != side_id)

    def opponent(self, side_id: str) -> str | None:
        """The other side when the conflict has exactly two, else None."""
        others = self.opponents(side_id)
        return others[0] if len(others) == 1 else None

    # ---------------------------------------------------------------- regions
    @property
    def level_kinds(self) -> tuple[str, ...]:
        """Region level ids, coarse to fine."""
        return tuple(lv.kind for lv in self.levels)

    def level(self, kind: str) -> RegionLevel:
        """The region level called ``kind`` (or one of its aliases).

        Raises
        ------
        RegionError
            Unknown level; the message lists this conflict's levels.
        """
        key = kind.strip().lower()
        for lv in self.levels:
            if key == lv.kind or key in lv.aliases:
                return lv
        raise RegionLevelError(
            f"unknown region level {kind!r} for conflict {self.id!r}: choose one of {', '.join(self.level_kinds)}"
        )

    def region_for(self, stem: str) -> str | None:
        """Normalised first-level region name for a spelling of its stem, or None (claim reader)."""
        s = _fold_stem(stem)
        for name, spellings in self.region_spellings.items():
            if s in spellings:
                return name
        return None


# ----------------------------------------------------------------------- reading
def _words(table: Any, where: str) -> dict[str, tuple[str, ...]]:
    if table is None:
        return {}
    if not isinstance(table, dict) or not all(isinstance(v, list) for v in table.values()):
        raise ConflictDefinitionError(f"{where}: expected a table of language = [words]")
    return {str(k): tuple(str(w) for w in v) for k, v in table.items()}


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConflictDefinitionError(f"{where}: not a date: {value!r}") from exc


def _spellings(table: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, spellings in table.items():
        words = {_fold_stem(w) for w in spellings} | {_fold_stem(name)}
        out[str(name)] = tuple(sorted(words))
    return out


def read_definition(folder: str | Path) -> Conflict:
    """Read ``conflict.toml`` of a definition folder.

    Raises
    ------
    ConflictDefinitionError
        Missing or malformed file, missing keys, files it names that do not exist.
    """
    folder = Path(folder)
    path = folder / DEFINITION_FILE
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConflictDefinitionError(f"{folder}: no {DEFINITION_FILE}") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConflictDefinitionError(f"{path}: cannot read ({exc})") from exc

    def need(table: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in table:
            raise ConflictDefinitionError(f"{where}: missing {key!r}")
        return table[key]

    def file(value: Any, where: str) -> Path:
        p = (folder / str(value)).resolve()
        if not p.exists():
            raise ConflictDefinitionError(f"{where}: no such file {p}")
        return p

    label = str(path)
    cid = str(need(doc, "id", label))
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", cid):
        raise ConflictDefinitionError(f"{label}: conflict id {cid!r} must be lower-case letters, digits, '-' or '_'")
    sides = tuple(
        Side(
            id=str(need(s, "id", f"{label} sides[{i}]")),
            names=_words(need(s, "names", f"{label} sides[{i}]"), f"{label} sides[{i}].names"),
            adjectives=_words(s.get("adjectives"), f"{label} sides[{i}].adjectives"),
            forces=_words(s.get("forces"), f"{label} sides[{i}].forces"),
        )
        for i, s in enumerate(doc.get("sides", []))
    )
    levels = tuple(
        RegionLevel(
            kind=str(need(lv, "kind", f"{label} levels[{i}]")),
            names=_words(lv.get("names"), f"{label} levels[{i}].names"),
            file=file(need(lv, "file", f"{label} levels[{i}]"), f"{label} levels[{i}]"),
            id_field=str(lv.get("id_field", "id")),
            name_field=str(lv.get("name_field", "name")),
            parent_field=str(lv.get("parent_field", "parent")),
            local_name_field=str(lv.get("local_name_field", "name_local")),
            aliases=tuple(str(a).lower() for a in lv.get("aliases", [])),
        )
        for i, lv in enumerate(doc.get("levels", []))
    )
    events = tuple(
        Event(str(need(e, "key", f"{label} events[{i}]")), _date(need(e, "date", f"{label} events[{i}]"), label),
              tuple(str(p) for p in need(e, "patterns", f"{label} events[{i}]")))
        for i, e in enumerate(doc.get("events", []))
    )  # fmt: skip
    regions = doc.get("regions", {})
    gazetteer = doc.get("gazetteer")
    basemap_doc = doc.get("basemap", {})
    basemap = {k: file(v, f"{label} basemap.{k}") for k, v in basemap_doc.items() if k in BASEMAP_LAYERS}
    return Conflict(
        id=cid,
        name=str(doc.get("name", cid)),
        sides=sides,
        start=_date(need(doc, "start", label), f"{label} start"),
        land_area_km2=float(need(doc, "land_area_km2", label)),
        levels=levels,
        outline=file(need(doc, "outline", label), f"{label} outline"),
        gazetteer=file(gazetteer, f"{label} gazetteer") if gazetteer else None,
        events=events,
        region_spellings=_spellings(regions.get("spellings", {})),
        region_words=tuple(str(w).lower() for w in regions.get("type_words", [])),
        region_exonyms={str(k): str(v) for k, v in regions.get("exonyms", {}).items()},
        default_source=doc.get("default_source"),
        basemap=basemap,
        basemap_home=basemap_doc.get("home"),
        time_zone=doc.get("time_zone"),
        vocabulary={str(lang): _words(words, f"{label} vocabulary.{lang}")
                    for lang, words in doc.get("vocabulary", {}).items()},
        region_stems={str(lang): {str(k).lower(): str(v) for k, v in stems.items()}
                      for lang, stems in doc.get("region_stems", {}).items()},
        source_notes={str(name): (_date(need(note, "reliable_from", f"{label} source_notes.{name}"), label),
                                  str(note.get("why", "")))
                      for name, note in doc.get("source_notes", {}).items()},
        folder=folder.resolve(),
    )
