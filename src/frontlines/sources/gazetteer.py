"""The shipped settlement gazetteer: names, positions and populations of Ukrainian places.

Built by ``scripts/build_shipped_data.py`` from GeoNames cities500 (CC BY 4.0)
plus OpenStreetMap settlement points that GeoNames lacks (ODbL 1.0); see
``frontlines/data/NOTICE.md``. Stored as ``data/gazetteer.csv.gz`` and read with
the standard library only.

Ukrainian is romanised with the official national system (Cabinet of Ministers
resolution 55 of 2010, used by GeoNames and most English-language maps):
``Харків`` -> ``Kharkiv``; Russian-only letters are mapped too, so that
:func:`fold` gives comparable keys for English, Ukrainian and Russian spellings.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from frontlines.core.geodesy import WGS84
from frontlines.core.prepared import prepared_copy
from frontlines.errors import SourceFormatError

if TYPE_CHECKING:
    pass

__all__ = [
    "Gazetteer",
    "fold",
    "is_cyrillic",
    "loose",
    "read_gazetteer",
    "transliterate",
]

_TABLE: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia", "ы": "y", "э": "e", "ё": "io", "ъ": "", "'": "", "ʼ": "", "’": "", "`": "",
}  # fmt: skip
#: Letters romanised differently at the start of a word.
_INITIAL: dict[str, str] = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya", "ё": "yo"}
_APOSTROPHES = "'ʼ’`"
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def is_cyrillic(text: str) -> bool:
    """True when ``text`` contains at least one Cyrillic letter."""
    return bool(_CYRILLIC.search(text))


def transliterate(text: str) -> str:
    """Romanise Ukrainian (or Russian) Cyrillic text, keeping capitalisation.

    Examples
    --------
    >>> transliterate("Запоріжжя")
    'Zaporizhzhia'
    >>> transliterate("Юр'ївка")
    'Yurivka'
    >>> transliterate("Згурівка")
    'Zghurivka'
    """
    out: list[str] = []
    in_word = False
    for i, ch in enumerate(text):
        low = ch.lower()
        if low not in _TABLE:
            out.append(ch)
            in_word = ch.isalpha()
            continue
        if not in_word and low in _INITIAL:
            rom = _INITIAL[low]
        elif low == "г" and i > 0 and text[i - 1].lower() == "з":
            rom = "gh"
        else:
            rom = _TABLE[low]
        if ch != low and rom:
            nxt = text[i + 1] if i + 1 < len(text) else ""
            rom = rom.upper() if (nxt.isupper() and len(rom) > 1) else rom.capitalize()
        out.append(rom)
        in_word = in_word or low not in _APOSTROPHES
    return "".join(out)


def fold(text: str) -> str:
    """Key for loose name matching: romanised, no accents or apostrophes, lower case.

    Examples
    --------
    >>> fold("Kramators'k") == fold("Краматорськ") == fold("KRAMATORSK") == "kramatorsk"
    True
    """
    if is_cyrillic(text):
        text = transliterate(text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’ʼ`\"]", "", text.lower())
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


def loose(text: str) -> str:
    """Looser key than :func:`fold`: romanisation variants collapse (y/i/j, kh/h, doubled letters).

    ``"Ostrytsya"``, ``"Ostrytsia"`` and ``"Остриця"`` give the same key; so do
    ``"Kadiyivka"`` and ``"Kadiivka"``.
    """
    key = fold(text)
    key = key.replace("kh", "h").replace("y", "i").replace("j", "i").replace("'", "")
    return re.sub(r"(.)\1+", r"\1", key)


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """Settlements as parallel arrays (one entry per place).

    Parameters
    ----------
    ids : tuple of str
        ``gn:<geonameid>`` or ``osm:node/<id>``.
    names, names_uk, names_ru : tuple of str
        English / romanised name; Ukrainian and Russian (``""`` when unknown).
    alternates : tuple of tuple of str
        Other spellings (historic names, other romanisations).
    lon, lat : numpy.ndarray
        WGS84 degrees.
    population : numpy.ndarray
        Integers; 0 when unknown.
    oblasts, raions : tuple of str
        English names of the oblast (``"Donetsk"``) and raion (``"Kramatorsk"``).
    oblast_ids, raion_ids : tuple of str
        Ids of the shipped region layers (``"UA-14"``, KATOTTH codes).
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    names_uk: tuple[str, ...]
    names_ru: tuple[str, ...]
    alternates: tuple[tuple[str, ...], ...]
    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray
    oblasts: tuple[str, ...]
    raions: tuple[str, ...]
    oblast_ids: tuple[str, ...]
    raion_ids: tuple[str, ...]
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        lengths = {len(getattr(self, f)) for f in ("names", "names_uk", "names_ru", "alternates",
                                                   "lon", "lat", "population", "oblasts", "raions",
                                                   "oblast_ids", "raion_ids")}  # fmt: skip
        if lengths != {n}:
            raise SourceFormatError(f"gazetteer columns differ in length: {sorted(lengths | {n})}")

    def __len__(self) -> int:
        return len(self.ids)

    # ----------------------------------------------------------------- names
    def _index(self) -> dict[str, list[int]]:
        if "index" not in self._cache:
            index: dict[str, list[int]] = {}
            for i in range(len(self)):
                keys = {fold(self.names[i]), fold(self.names_uk[i]), fold(self.names_ru[i])}
                keys.update(fold(a) for a in self.alternates[i])
                for k in keys - {""}:
                    index.setdefault(k, []).append(i)
            self._cache["index"] = index
        return self._cache["index"]

    def _loose_index(self) -> dict[str, list[int]]:
        if "loose" not in self._cache:
            index: dict[str, list[int]] = {}
            for key, hits in self._index().items():
                index.setdefault(loose(key), []).extend(hits)
            self._cache["loose"] = {k: sorted(set(v)) for k, v in index.items()}
        return self._cache["loose"]

    def _name_counts(self) -> dict[str, int]:
        if "counts" not in self._cache:
            counts: dict[str, int] = {}
            for n in self.names:
                counts[fold(n)] = counts.get(fold(n), 0) + 1
            self._cache["counts"] = counts
        return self._cache["counts"]

    def display_name(self, i: int) -> str:
        """Name, disambiguated by raion and oblast when several places share it.

        Examples: ``"Kramatorsk"``, ``"Lyman (Kramatorsk raion, Donetsk)"``;
        places sharing name and raion get their coordinates appended as well.
        """
        name = self.names[i]
        if self._name_counts().get(fold(name), 0) <= 1:
            return name
        raion, oblast = self.raions[i], self.oblasts[i]
        if raion and raion != oblast:
            where = f"{raion} raion, {oblast}"
        else:
            where = oblast or "Ukraine"
        same = [j for j in self._index().get(fold(name), []) if fold(self.names[j]) == fold(name)]
        if sum(1 for j in same if self.raions[j] == raion and self.oblasts[j] == oblast) > 1:
            where += f"; {self.lat[i]:.3f}N {self.lon[i]:.3f}E"
        return f"{name} ({where})"

    def lookup(self, name: str, *, oblast: str | None = None) -> list[int]:
        """Indices of the places called ``name``, most populous first.

        Matches English, romanised, Ukrainian, Russian and historic spellings
        after :func:`fold` (``"Kiev"``, ``"Київ"``, ``"Киев"`` and ``"Kyiv"`` are
        the same key); when nothing matches exactly, romanisation variants are
        tried (:func:`loose`: ``"Avdiivka"`` finds ``"Avdiyivka"``). An optional
        ``oblast`` (English name or id) narrows it. Returns an empty list when
        nothing matches.
        """
        hits = list(self._index().get(fold(name), [])) or list(self._loose_index().get(loose(name), []))
        if oblast is not None:
            o = fold(oblast)
            hits = [i for i in hits if fold(self.oblasts[i]) == o or self.oblast_ids[i] == oblast]
        hits.sort(key=lambda i: (-int(self.population[i]), self.ids[i]))
        return hits

    # -------------------------------------------------------------- geometry
    def within(self, geom: Any) -> np.ndarray:
        """Indices of the places inside (or on the boundary of) a lon/lat geometry.

        ``geom`` itself is not prepared (it may be shared with other threads): the
        points are tested against a prepared private copy.
        """
        if geom is None or shapely.is_empty(geom):
            return np.zeros(0, dtype=np.intp)
        xmin, ymin, xmax, ymax = shapely.bounds(geom)
        cand = np.flatnonzero(
            (self.lon >= xmin) & (self.lon <= xmax) & (self.lat >= ymin) & (self.lat <= ymax)
        )
        if cand.size == 0:
            return cand
        return cand[shapely.intersects_xy(prepared_copy(geom), self.lon[cand], self.lat[cand])]

    def nearest(self, lon: float, lat: float) -> tuple[int, float]:
        """The place nearest to a point, and its geodesic distance in km (WGS84)."""
        if len(self) == 0:
            raise SourceFormatError("the gazetteer is empty")
        n = len(self)
        _, _, d = WGS84.inv(np.full(n, float(lon)), np.full(n, float(lat)), self.lon, self.lat)
        i = int(np.argmin(d))
        return i, float(d[i]) / 1000.0


_COLUMNS = ("id", "name", "name_uk", "name_ru", "alt", "lat", "lon", "population",
            "oblast_id", "raion_id", "oblast", "raion")  # fmt: skip


def read_gazetteer(source: str | Path | bytes) -> Gazetteer:
    """Read a gazetteer CSV (plain or gzip) with the shipped file's columns.

    Raises
    ------
    SourceFormatError
        Missing columns or unreadable numbers, naming the file and the row.
    """
    label = "<bytes>" if isinstance(source, bytes) else str(source)
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise SourceFormatError(f"{label}: corrupt gzip: {exc}") from exc
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8")))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise SourceFormatError(f"{label}: gazetteer lacks columns {missing}")
    cols: dict[str, list[Any]] = {c: [] for c in _COLUMNS}
    for lineno, row in enumerate(reader, start=2):
        try:
            cols["lat"].append(float(row["lat"]))
            cols["lon"].append(float(row["lon"]))
            cols["population"].append(int(row["population"] or 0))
        except ValueError as exc:
            raise SourceFormatError(f"{label} line {lineno}: {exc}") from exc
        for c in _COLUMNS:
            if c not in ("lat", "lon", "population"):
                cols[c].append(row[c] or "")
    return Gazetteer(
        ids=tuple(cols["id"]),
        names=tuple(cols["name"]),
        names_uk=tuple(cols["name_uk"]),
        names_ru=tuple(cols["name_ru"]),
        alternates=tuple(tuple(a for a in s.split("|") if a) for s in cols["alt"]),
        lon=np.asarray(cols["lon"], dtype=float),
        lat=np.asarray(cols["lat"], dtype=float),
        population=np.asarray(cols["population"], dtype=np.int64),
        oblasts=tuple(cols["oblast"]),
        raions=tuple(cols["raion"]),
        oblast_ids=tuple(cols["oblast_id"]),
        raion_ids=tuple(cols["raion_id"]),
    )
