"""The shipped settlement gazetteer: every settlement of Ukraine, its names, place and size.

Built by ``scripts/build_shipped_data.py`` from the full KATOTTH gazetteer
(29,707 settlements of Ukraine's official codifier; coordinates from GeoNames,
CC BY 4.0; populations from OpenStreetMap, ODbL 1.0); see
``frontlines/data/NOTICE.md``. Stored as ``data/gazetteer.csv.gz`` and read with
the standard library only. Other conflicts ship gazetteers with the first twelve
columns only (:data:`REQUIRED_COLUMNS`); the others default to ``""``.

Name look-ups (:meth:`Gazetteer.lookup`, :meth:`Gazetteer.resolve`) accept

* the English (KMU-2010), Ukrainian and Russian names, GeoNames' Latin name, the
  codifier's former name and the other recorded names (older names such as
  Artemivsk / Артемовск for Bakhmut, Dnipropetrovsk for Dnipro, Russian variants);
* any romanisation that :func:`fold` or, failing that, :func:`loose` brings to the
  same key (``Kharkov``, ``Kiev``, ``Avdiyivka``);
* declined Ukrainian and Russian forms, failing an exact match, through
  :func:`stem` (``Харкова``, ``Харькове``, ``у Бахмуті``, ``Великої Комишувахи``,
  ``Олександрівці``): case endings are cut from each word and vowel alternations
  (і/о/е, ї/є/и) and doubled letters are ignored. Declined *Latin* forms are not
  understood.

Ukrainian is romanised with the official national system (Cabinet of Ministers
resolution 55 of 2010, used by GeoNames and most English-language maps):
``Харків`` -> ``Kharkiv``; Russian-only letters are mapped too, so that
:func:`fold` gives comparable keys for English, Ukrainian and Russian spellings.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from frontlines.core.geodesy import WGS84
from frontlines.core.prepared import prepared_copy
from frontlines.errors import SourceFormatError
from frontlines.sources.compact_gazetteer import read_compact_gazetteer

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "Candidate",
    "Gazetteer",
    "PlaceMatch",
    "fold",
    "is_cyrillic",
    "loose",
    "read_gazetteer",
    "stem",
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
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’ʼ`\"]", "", text.lower())
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


#: ``str.translate`` table keeping only ASCII digits and lower-case letters (and NUL, a separator).
_ALNUM_ONLY = {c: None for c in range(1, 128) if not (48 <= c <= 57 or 97 <= c <= 122)}


def loose(text: str) -> str:
    """Looser key than :func:`fold`: romanisation variants collapse (y/i/j, kh/h, doubled letters).

    ``"Ostrytsya"``, ``"Ostrytsia"`` and ``"Остриця"`` give the same key; so do
    ``"Kadiyivka"`` and ``"Kadiivka"``.
    """
    key = fold(text)
    key = key.replace("kh", "h").replace("y", "i").replace("j", "i").replace("'", "")
    return re.sub(r"(.)\1+", r"\1", key)


#: Case endings cut by :func:`stem`, longest first (Ukrainian and Russian nouns and adjectives).
_ENDINGS = tuple(sorted({
    "ого", "ому", "его", "ему", "ими", "ами", "ями", "ої", "ій", "ою", "ею", "ий", "ый", "ой", "ая", "ое",
    "ую", "ей", "ые", "ых", "ым", "ом", "ем", "им", "ім", "ах", "ях", "ою", "ею", "ія", "ії", "ію", "ия", "ии",
    "ию", "а", "у", "і", "и", "е", "є", "я", "ю", "о", "ы", "й",
}, key=lambda e: (-len(e), e)))  # fmt: skip
_VOWELS = str.maketrans({c: "*" for c in "іоеєїиыэ"})
_WORD = re.compile(r"[\w'ʼ’`]+")


def _stem_word(word: str) -> str:
    w = re.sub(r"['ʼ’`ьъ]", "", word.lower().replace("ё", "е"))
    for e in _ENDINGS:
        if w.endswith(e) and len(w) - len(e) >= 3:
            w = w[: -len(e)]
            break
    if w.endswith("ц"):  # Олександрівці (locative of Олександрівка)
        w = w[:-1] + "к"
    w = re.sub(r"(.)\1+", r"\1", w)
    return w.translate(_VOWELS)


def stem(text: str) -> str:
    """Key that declined Ukrainian and Russian forms of a Cyrillic name share.

    Each word loses one case ending; vowels that alternate between cases or
    languages (і/о/е/є/ї/и/ы) become ``*``; doubled letters and soft signs go.
    Latin text gives ``""``. Used only when no name matches exactly: different
    names can share a stem (``Покровськ``, ``Покровське``).

    Examples
    --------
    >>> stem("Харків") == stem("Харкова") == stem("Харькове") == stem("Харковом")
    True
    >>> stem("Велика Комишуваха") == stem("Великої Комишувахи")
    True
    >>> stem("Олександрівка") == stem("Олександрівці") == stem("Олександрівкою")
    True
    >>> stem("Kharkiv")
    ''
    """
    if not is_cyrillic(text):
        return ""
    return " ".join(_stem_word(w) for w in _WORD.findall(text))


#: Columns every gazetteer CSV has.
REQUIRED_COLUMNS = ("id", "name", "name_uk", "name_ru", "alt", "lat", "lon", "population",
                    "oblast_id", "raion_id", "oblast", "raion")  # fmt: skip
#: Further columns of the shipped Ukrainian gazetteer (optional; ``""`` when absent).
OPTIONAL_COLUMNS = ("category", "former", "hromada", "hromada_id", "population_source", "coord")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: Rough km per degree (equirectangular) for ranking namesakes by distance.
_KM_PER_DEG = 111.2


@dataclass(frozen=True)
class Candidate:
    """One place a name may mean, with what the context says about it.

    Attributes
    ----------
    index : int
        Row of the gazetteer.
    id, display_name : str
        Its id (the KATOTTH code for Ukraine) and disambiguated name.
    population : int
    distance_km : float or None
        Distance to the ``near`` geometry (see :meth:`Gazetteer.distances_km`).
    matches : tuple of str
        Context it agrees with: ``"oblast"``, ``"raion"``, ``"hromada"``.
    """

    index: int
    id: str
    display_name: str
    population: int
    distance_km: float | None
    matches: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON: id, display_name, population, distance_km, matches."""
        return {"id": self.id, "display_name": self.display_name, "population": self.population,
                "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
                "matches": list(self.matches)}


@dataclass(frozen=True)
class PlaceMatch:
    """The places a name may mean, ranked, and whether the context decides between them.

    Attributes
    ----------
    query : str
    how : str
        How the name matched: ``"exact"`` (a name form after :func:`fold`),
        ``"loose"`` (romanisation variants), ``"declined"`` (:func:`stem`) or ``"none"``.
    candidates : tuple of Candidate
        Best first.
    best : int or None
        Gazetteer row of the place meant, or None when undecidable (or no match).
    reason : str
        Why ``best`` was chosen, or the "which one?" question when it was not.
    """

    query: str
    how: str
    candidates: tuple[Candidate, ...]
    best: int | None
    reason: str

    @property
    def decided(self) -> bool:
        """True when the name and its context single out one place."""
        return self.best is not None

    def as_dict(self) -> dict[str, Any]:
        """JSON: query, how, decided, best (id or null), reason, candidates."""
        best = None if self.best is None else next(c.id for c in self.candidates if c.index == self.best)
        return {"query": self.query, "how": self.how, "decided": self.decided, "best": best, "reason": self.reason,
                "candidates": [c.as_dict() for c in self.candidates]}


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """Settlements as parallel arrays (one entry per place).

    Parameters
    ----------
    ids : tuple of str
        KATOTTH codes (``UA65100150010064384``) in the shipped gazetteer.
    names, names_uk, names_ru : tuple of str
        English (KMU-2010 romanisation of the official name); Ukrainian (official)
        and Russian (``""`` when unknown).
    alternates : tuple of tuple of str
        Other names: older names (Артемівськ for Bakhmut), Russian variants, GeoNames' Latin name.
    lon, lat : numpy.ndarray
        WGS84 degrees.
    population : numpy.ndarray
        Integers; 0 when unknown.
    oblasts, raions : tuple of str
        English names of the oblast (``"Donetsk"``) and raion (``"Kramatorsk"``).
    oblast_ids, raion_ids : tuple of str
        Ids of the shipped region layers (``"UA-14"``, KATOTTH codes).
    categories : tuple of str
        ``city``, ``urban-type settlement``, ``rural settlement`` or ``village``.
    formers : tuple of str
        The codifier's 2020-23 name when it has changed since.
    hromadas, hromada_ids : tuple of str
        Hromada (``"Khersonska"``) and its KATOTTH code (the shipped hromada layer's id).
    population_sources : tuple of str
        ``OSM`` (tag, 2023-05 snapshot, mostly 2001 census for villages) or ``GeoNames``.
    coords : tuple of str
        How exact the point is: ``exact`` (GeoNames point of the place), ``nearby``
        (a station or locality of the same name within 10 km), ``hromada`` or
        ``raion`` (median of the other settlements of its hromada / raion: about
        8 km off at the median, 19 km at the 95th percentile).

    The optional columns may be given as empty tuples: they are then ``""`` everywhere.
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
    categories: tuple[str, ...] = ()
    formers: tuple[str, ...] = ()
    hromadas: tuple[str, ...] = ()
    hromada_ids: tuple[str, ...] = ()
    population_sources: tuple[str, ...] = ()
    coords: tuple[str, ...] = ()
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    _OPTIONAL = ("categories", "formers", "hromadas", "hromada_ids", "population_sources", "coords")

    def __post_init__(self) -> None:
        n = len(self.ids)
        for f in self._OPTIONAL:
            if len(getattr(self, f)) == 0:
                object.__setattr__(self, f, ("",) * n)
        lengths = {len(getattr(self, f)) for f in ("names", "names_uk", "names_ru", "alternates",
                                                   "lon", "lat", "population", "oblasts", "raions",
                                                   "oblast_ids", "raion_ids", *self._OPTIONAL)}  # fmt: skip
        if lengths != {n}:
            raise SourceFormatError(f"gazetteer columns differ in length: {sorted(lengths | {n})}")

    def __len__(self) -> int:
        return len(self.ids)

    # ----------------------------------------------------------------- names
    def name_forms(self, i: int) -> tuple[str, ...]:
        """Every recorded name of place ``i``: English, Ukrainian, Russian, former, others."""
        forms = (self.names[i], self.names_uk[i], self.names_ru[i], self.formers[i], *self.alternates[i])
        return tuple(dict.fromkeys(f for f in forms if f))

    def describe(self, i: int) -> dict[str, Any]:
        """What a result row says about place ``i`` beyond name, position and regions.

        Keys: ``category``, ``name_uk``, ``name_ru``, ``former_name``, ``other_names``
        (tuple), ``population_source``, ``coord_precision`` (the keyword
        arguments of :class:`frontlines.results.SettlementRow` of those names).
        """
        return {"category": self.categories[i], "name_uk": self.names_uk[i], "name_ru": self.names_ru[i],
                "former_name": self.formers[i], "other_names": self.alternates[i],
                "population_source": self.population_sources[i], "coord_precision": self.coords[i]}

    def _index(self) -> dict[str, list[int]]:
        if "index" not in self._cache:
            index: dict[str, list[int]] = {}
            memo: dict[str, str] = {}  # names repeat a lot (108 Oleksandrivkas)
            for i in range(len(self)):
                keys = set()
                for f in self.name_forms(i):
                    k = memo.get(f)
                    if k is None:
                        k = memo[f] = fold(f)
                    keys.add(k)
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

    def _stem_index(self) -> dict[str, list[int]]:
        if "stem" not in self._cache:
            index: dict[str, set[int]] = {}
            memo: dict[str, str] = {}
            for i in range(len(self)):
                for f in self.name_forms(i):
                    k = memo.get(f)
                    if k is None:
                        k = memo[f] = stem(f)
                    if k:
                        index.setdefault(k, set()).add(i)
            self._cache["stem"] = {k: sorted(v) for k, v in index.items()}
        return self._cache["stem"]

    def _namesakes(self) -> dict[str, list[int]]:
        """Places by folded name (each distinct name folded once)."""
        if "namesakes" not in self._cache:
            by_name: dict[str, list[int]] = {}
            for i, n in enumerate(self.names):
                by_name.setdefault(n, []).append(i)
            groups: dict[str, list[int]] = {}
            for n, idx in by_name.items():
                groups.setdefault(fold(n), []).extend(idx)
            self._cache["namesakes"] = {k: sorted(v) for k, v in groups.items()}
        return self._cache["namesakes"]

    def _namesakes_of(self, i: int) -> list[int]:
        """The places whose folded name is that of place ``i`` (itself included)."""
        key = fold(self.names[i])
        if "namesakes" in self._cache or len(self._cache.get("display", ())) >= 4:  # many names: group them all
            return self._namesakes()[key]
        # Without the whole grouping: an ASCII name folds to its letters and digits (lower case)
        # with spaces between runs, so only names with the key's letters and digits can match.
        if "squeezed" not in self._cache:
            # every place's name by its letters and digits (lower case), in one pass over all of them
            # (joined by NUL, which the table keeps); a name that is not ASCII is always a candidate
            joined = "\0".join(self.names)
            if joined.count("\0") == max(len(self.names) - 1, 0):
                squeezed = np.array(joined.lower().translate(_ALNUM_ONLY).split("\0"))
                other = (np.zeros(len(self.names), dtype=bool) if joined.isascii()
                         else np.array([not n.isascii() for n in self.names], dtype=bool))
            else:  # a name holding NUL: no squeezing, every place a candidate
                squeezed, other = np.array([""] * len(self.names)), np.ones(len(self.names), dtype=bool)
            self._cache["squeezed"] = squeezed, other
        squeezed, other = self._cache["squeezed"]
        candidates = np.flatnonzero((squeezed == key.replace(" ", "")) | other).tolist()
        return [j for j in candidates if fold(self.names[j]) == key]

    def _display_of(self, i: int) -> str:
        same = self._namesakes_of(i)
        if len(same) < 2:
            return self.names[i]
        raion, oblast = self.raions[i], self.oblasts[i]
        where = f"{raion} raion, {oblast}" if raion and self.raion_ids[i] != self.oblast_ids[i] \
            else (oblast or "Ukraine")
        same_raion = [j for j in same if self.raions[j] == raion and self.oblasts[j] == oblast]
        if len(same_raion) > 1:
            hromada = self.hromadas[i]
            if hromada:
                where = f"{hromada} hromada, {where}"
            same_hromada = [j for j in same_raion if self.hromadas[j] == hromada]
            cat = self.categories[i]
            if hromada and cat and [self.categories[j] for j in same_hromada].count(cat) == 1 \
                    and len(same_hromada) > 1:
                where += f"; {cat}"  # the town among villages of its name
            elif not hromada or len(same_hromada) > 1:
                # an approximate point may be shared (the hromada's median): the id then
                where += f"; {self.ids[i]}" if self.coords[i] in ("hromada", "raion") \
                    else f"; {self.lat[i]:.3f}N {self.lon[i]:.3f}E"
        return f"{self.names[i]} ({where})"

    def display_name(self, i: int) -> str:
        """Name, disambiguated by raion and oblast when several places share it.

        Examples: ``"Kramatorsk"``, ``"Lyman (Kramatorsk raion, Donetsk)"``; places
        sharing name and raion get their hromada too (``"Lyman (Slobozhanska
        hromada, Chuhuiv raion, Kharkiv)"``); when even that is shared, their
        category if it alone differs (``"Shevchenkove (Shevchenkivska hromada,
        Kupiansk raion, Kharkiv; urban-type settlement)"``), else their coordinates
        (or, for an approximate point, their id).
        """
        memo = self._cache.setdefault("display", {})
        if i not in memo:
            memo[i] = self._display_of(i)
        return memo[i]  # type: ignore[no-any-return]

    def _matches(self, name: str) -> tuple[str, list[int]]:
        hits = self._index().get(fold(name), [])
        if hits:
            return "exact", list(hits)
        hits = self._loose_index().get(loose(name), [])
        if hits:
            return "loose", list(hits)
        hits = self._stem_index().get(stem(name), []) if stem(name) else []
        if hits:
            return "declined", list(hits)
        return "none", []

    @staticmethod
    def _is(value: str, name: str, ident: str) -> bool:
        v = fold(value)
        return bool(v) and (value == ident or v == fold(name) or v == fold(name + " raion")
                            or v == fold(name + " hromada"))

    def lookup(self, name: str, *, oblast: str | None = None, raion: str | None = None,
               hromada: str | None = None) -> list[int]:
        """Indices of the places called ``name``, most populous first.

        Matches every recorded name form (English, Ukrainian, Russian, former and
        other names) after :func:`fold` (``"Kiev"``, ``"Київ"``, ``"Киев"`` and
        ``"Kyiv"`` are the same key); when nothing matches exactly, romanisation
        variants are tried (:func:`loose`: ``"Avdiyivka"`` finds ``"Avdiivka"``),
        then declined Cyrillic forms (:func:`stem`: ``"Харкова"``). The optional
        ``oblast``, ``raion`` and ``hromada`` (English name or id) narrow it.
        Returns an empty list when nothing matches.
        """
        hits = self._matches(name)[1]
        for value, names, ids in ((oblast, self.oblasts, self.oblast_ids), (raion, self.raions, self.raion_ids),
                                  (hromada, self.hromadas, self.hromada_ids)):
            if value is not None:
                hits = [i for i in hits if self._is(value, names[i], ids[i])]
        hits.sort(key=lambda i: (-int(self.population[i]), self.ids[i]))
        return hits

    def distances_km(self, idx: Any, near: Any) -> np.ndarray:
        """Distance (km) from places ``idx`` to a lon/lat geometry.

        Geodesic (WGS84) to a point; to any other geometry, equirectangular around the
        geometry's centroid latitude, good to about 1 % within a few hundred km: meant
        for ranking namesakes. ``near`` is not modified.
        """
        idx = np.asarray(idx, dtype=np.intp)
        if near is None or shapely.is_empty(near) or idx.size == 0:
            return np.full(idx.size, np.inf)
        if shapely.get_type_id(near) == 0:  # Point
            x, y = shapely.get_x(near), shapely.get_y(near)
            _, _, d = WGS84.inv(np.full(idx.size, x), np.full(idx.size, y), self.lon[idx], self.lat[idx])
            return np.asarray(d) / 1000.0
        k = np.cos(np.radians(shapely.get_y(shapely.centroid(near))))
        scaled = shapely.transform(near, lambda xy: xy * np.array([k, 1.0]))
        pts = shapely.points(self.lon[idx] * k, self.lat[idx])
        return shapely.distance(pts, scaled) * _KM_PER_DEG

    def resolve(self, name: str, *, oblast: str | None = None, raion: str | None = None,
                hromada: str | None = None, near: Any = None, near_km: float = 50.0,
                limit: int = 10) -> PlaceMatch:
        """The place ``name`` means, given what the context says; or the question "which one?".

        Candidates are all places with a matching name form (see :meth:`lookup`),
        ranked by: agreement with the named ``oblast`` / ``raion`` / ``hromada``
        (English name or id; any of them, most specific first), then distance to
        ``near`` (a lon/lat shapely geometry: a point, the front line at the date,
        a claim's area), then population. The place is decided when

        * only one candidate is left (alone, or alone in the named region), or
        * ``near`` is given, the nearest candidate lies within ``near_km`` of it and
          the next one at least twice as far and 10 km further, or
        * without ``near``, the first is a city or urban-type settlement with at least
          ten times the population of the next (``Kharkiv`` the city, not the villages).

        Otherwise ``best`` is None and ``reason`` asks which one, listing the first
        candidates. Deterministic: ties are broken by id.
        """
        how, hits = self._matches(name)
        context = {"hromada": hromada, "raion": raion, "oblast": oblast}
        columns = {"oblast": (self.oblasts, self.oblast_ids), "raion": (self.raions, self.raion_ids),
                   "hromada": (self.hromadas, self.hromada_ids)}
        agree = {i: tuple(k for k, v in context.items() if v is not None and self._is(v, columns[k][0][i],
                                                                                    columns[k][1][i]))
                 for i in hits}
        if any(agree.values()):
            rank = {"hromada": 0, "raion": 1, "oblast": 2}
            best_rank = min(min(rank[k] for k in a) for a in agree.values() if a)
            pool = [i for i in hits if agree[i] and min(rank[k] for k in agree[i]) == best_rank]
        else:
            pool = list(hits)
        dist = dict(zip(pool, self.distances_km(pool, near).tolist(), strict=True)) if near is not None else {}
        pool.sort(key=lambda i: (dist.get(i, 0.0), -int(self.population[i]), self.ids[i]))
        rest = sorted(set(hits) - set(pool), key=lambda i: (-int(self.population[i]), self.ids[i]))
        cands = tuple(Candidate(i, self.ids[i], self.display_name(i), int(self.population[i]),
                                dist.get(i), agree.get(i, ())) for i in (pool + rest)[:limit])
        best, reason = self._decide(name, pool, dist, near_km, context)
        return PlaceMatch(query=name, how=how, candidates=cands, best=best, reason=reason)

    def _decide(self, name: str, pool: list[int], dist: dict[int, float], near_km: float,
                context: dict[str, str | None]) -> tuple[int | None, str]:
        named = ", ".join(f"{k} {v}" for k, v in context.items() if v is not None)
        if not pool:
            return None, f"no place called {name!r}"
        first = pool[0]
        if len(pool) == 1:
            return first, "the only place of that name" + (f" in {named}" if named else "")
        if dist:
            d1, d2 = dist[pool[0]], dist[pool[1]]
            if d1 <= near_km and d2 >= max(2 * d1, d1 + 10.0):
                return first, f"nearest of {len(pool)} namesakes ({d1:.0f} km; next {d2:.0f} km)"
        else:
            p1, p2 = int(self.population[first]), int(self.population[pool[1]])
            if self.categories[first] in ("city", "urban-type settlement", "") and p1 >= 10 * max(p2, 1) \
                    and p1 >= 10_000:
                return first, f"by far the largest of {len(pool)} namesakes ({p1:,} people; next {p2:,})"
        shown = "; ".join(self.display_name(i) for i in pool[:5])
        more = f" and {len(pool) - 5} more" if len(pool) > 5 else ""
        return None, f"{len(pool)} places called {name!r}" + (f" in {named}" if named else "") + \
            f"; which one? {shown}{more}"

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
        # Great-circle distances first (within 0.6 % of WGS84's geodesics): only the places
        # that could be the nearest are measured on the ellipsoid, each as it would be alone.
        plon, plat = np.radians(np.asarray(self.lon, dtype=float)), np.radians(np.asarray(self.lat, dtype=float))
        x, y = math.radians(float(lon)), math.radians(float(lat))
        h = np.sin((plat - y) / 2) ** 2 + math.cos(y) * np.cos(plat) * np.sin((plon - x) / 2) ** 2
        sphere_km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
        cand = np.flatnonzero(sphere_km <= sphere_km.min() * 1.02 + 1e-6)
        m = len(cand)
        _, _, d = WGS84.inv(np.full(m, float(lon)), np.full(m, float(lat)), np.asarray(self.lon)[cand],
                            np.asarray(self.lat)[cand])
        k = int(np.argmin(d))
        return int(cand[k]), float(d[k]) / 1000.0


def read_gazetteer(source: str | Path | bytes) -> Gazetteer:
    """Read a gazetteer CSV (plain or gzip).

    The twelve :data:`REQUIRED_COLUMNS` must be there; the shipped gazetteer's
    further columns (:data:`OPTIONAL_COLUMNS`: category, former name, hromada,
    population source, point precision) are read when present, else ``""``.

    Raises
    ------
    SourceFormatError
        Missing columns or unreadable numbers, naming the file and the row.
    """
    label = "<bytes>" if isinstance(source, bytes) else str(source)
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    if not isinstance(source, bytes):  # the same fields from the compact file beside it, when current (10x faster)
        found = read_compact_gazetteer(Path(source), raw)
        if found is not None:
            return Gazetteer(**found)
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise SourceFormatError(f"{label}: corrupt gzip: {exc}") from exc
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8")))
    fields = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in fields]
    if missing:
        raise SourceFormatError(f"{label}: gazetteer lacks columns {missing}")
    text = [c for c in COLUMNS if c in fields and c not in ("lat", "lon", "population")]
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for lineno, row in enumerate(reader, start=2):
        try:
            cols["lat"].append(float(row["lat"]))
            cols["lon"].append(float(row["lon"]))
            cols["population"].append(int(row["population"] or 0))
        except ValueError as exc:
            raise SourceFormatError(f"{label} line {lineno}: {exc}") from exc
        for c in text:
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
        categories=tuple(cols["category"]),
        formers=tuple(cols["former"]),
        hromadas=tuple(cols["hromada"]),
        hromada_ids=tuple(cols["hromada_id"]),
        population_sources=tuple(cols["population_source"]),
        coords=tuple(cols["coord"]),
    )
