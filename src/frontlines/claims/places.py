"""Places named by a claim: first-level regions (normalised), directions, towns.

The parser keeps the place as written; it normalises names of the conflict's
first region level only (for Ukraine: "Donetsk region", "Donetsk oblast",
"Donetska oblast" -> ``Donetsk``).  Towns
and directions are resolved later by the measurer
(:meth:`frontlines.claims.evaluate.Measurer.resolve_region`).
"""

from __future__ import annotations

import re
from typing import Any

from frontlines.claims.lexicon import alternation, side_words
from frontlines.claims.types import Place
from frontlines.conflicts.definition import Conflict

__all__ = ["find_place", "find_place_cyrillic"]

_NAME = r"[A-Z][A-Za-z'’\-]+(?:\s+[A-Z][A-Za-z'’\-]+)?"
_REGION_WORDS = ("region", "province", "administrative region")


def _region_patterns(conflict: Conflict) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """"(the) [Side's] NAME region" and "the region of NAME", with the conflict's first-level words."""
    names = alternation(side_words(conflict, "en", adjectives=False))
    adjectives = alternation(side_words(conflict, "en", names=False))
    owner = rf"(?i:(?:{names})(?:'s|’s)\s+|(?:{adjectives})\s+)?"
    kinds = alternation((*_REGION_WORDS, *conflict.levels[0].names.get("en", ()), conflict.levels[0].kind))
    region = re.compile(
        rf"(?:\bthe\s+)?{owner}(?P<name>{_NAME})\s+(?i:{kinds}|People(?:'|’)s\s+Republic)s?\b",
    )
    of_region = re.compile(rf"\bthe\s+(?:{kinds})\s+of\s+(?P<name>{_NAME})")
    return region, of_region

_DIRECTION = re.compile(
    rf"\bthe\s+(?P<name>{_NAME})\s+(?:direction|front|axis|sector|salient|bridgehead|pocket)\b"
)
_PREP_PLACE = re.compile(
    r"\b(?:near|around|outside|towards?|in\s+the\s+direction\s+of|in\s+the\s+vicinity\s+of|"
    r"on\s+the\s+outskirts\s+of|close\s+to|in|into|at|of|across)\s+"
    rf"(?:the\s+(?:town|city|village|city\s+of|town\s+of|village\s+of)\s+)?(?:of\s+)?(?P<name>{_NAME})"
)
_NOT_PLACES = re.compile(
    r"^(?:The|This|That|It|They|We|Our|"
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|ISW|DeepState|DeepStateMap|"
    r"Reuters|AFP|AP|NATO|Europe|Western|West|East|General|President|Defence|Defense|Ministry|"
    r"Institute|Study|War|Army|Armed|Forces|Staff|Spring|Summer|Autumn|Fall|Winter|"
    r"Critical|Threats|BBC|CNN)\b"
)


_COMPARED_WITH = re.compile(
    r"\b(?:size|area|twice|times|half|as\s+(?:large|big)\s+as|bigger\s+than|larger\s+than|smaller\s+than)\s*$", re.I
)


def _not_place(name: str, conflict: Conflict) -> bool:
    """Words that start a capitalised phrase but name no place: months, agencies, the sides' words."""
    if _NOT_PLACES.match(name):
        return True
    sides = alternation(side_words(conflict, "en", forces=True))
    return re.match(rf"^(?:{sides})(?:'s|’s)?\b", name) is not None


def find_place(text: str, conflict: Conflict, near: int | None = None) -> Place | None:
    """The place a clause names, or None.

    The raw string is the place mention nearest the figure (the first without
    ``near``); ``region`` is the normalised first-level region of that mention, else of the
    nearest region mention of the clause.  A side's name ("in Ukraine") is no place.

    Parameters
    ----------
    text : str
        One clause of a sentence (case matters: place names are capitalised).
    conflict : Conflict
        Supplies the region spellings and words, and the sides' names.
    near : int, optional
        Position of the figure: the mentions nearest to it win (else the first).

    Examples
    --------
    >>> from frontlines.conflicts import default_registry
    >>> find_place("gains in the Donetska oblast", default_registry().get("ukraine"))
    Place(raw='the Donetska oblast', region='Donetsk', kind='oblast', names=())
    """
    mentions: list[tuple[int, int, str, str | None, str]] = []  # start, end, raw, region, kind
    kind = conflict.levels[0].kind
    for rx in _region_patterns(conflict):
        for m in rx.finditer(text):
            name = m.group("name")
            stem = re.sub(r"(?:ska|skaya|s'ka|’ska)$", "", name, flags=re.I)
            region = conflict.region_for(name) or conflict.region_for(stem)
            if region is None and _not_place(name, conflict):
                continue
            mentions.append((m.start(), m.end(), m.group(0).strip(), region, kind if region else "place"))
    for m in _DIRECTION.finditer(text):
        if _not_place(m.group("name"), conflict) or _overlaps(m, mentions):
            continue
        mentions.append((m.start(), m.end(), m.group(0).strip(), None, "direction"))
    for m in _PREP_PLACE.finditer(text):
        name = m.group("name")
        if _not_place(name, conflict) or _overlaps(m, mentions, "name"):
            continue
        if _COMPARED_WITH.search(text[: m.start()]):
            continue  # "roughly the size of Washington DC": a yardstick, not where the claim is
        # Trailing capitalised words that are not part of the name ("Bakhmut On").
        mentions.append((m.start("name"), m.end("name"), name, None, "place"))
    if not mentions:
        return None
    def dist(mm: tuple[int, int, str, str | None, str]) -> int:
        if near is None:
            return mm[0]
        return max(mm[0] - near, near - mm[1], 0)

    mentions.sort(key=lambda mm: (dist(mm), mm[0]))
    first = mentions[0]
    region = first[3] or next((r for *_, r, k in mentions if r), None)
    return Place(raw=first[2], region=region, kind=first[4])


def _overlaps(m: re.Match[str], mentions: list[tuple[int, int, str, str | None, str]], group: str = "0") -> bool:
    a, b = (m.start(), m.end()) if group == "0" else (m.start(group), m.end(group))
    return any(not (b <= s or a >= e) for s, e, *_ in mentions)


_CAP = r"[А-ЯІЇЄҐЁ]"
_CYR_NAME = rf"(?-i:{_CAP}[а-яіїєґё'’ʼ\-]+(?:[\s\-]{_CAP}[а-яіїєґё'’ʼ\-]+)?)"


def _stem_region(word: str, conflict: Conflict, language: str, *, alone: bool) -> str | None:
    """The first-level region a declined word names, from the definition's ``region_stems``."""
    w = word.lower().replace("’", "'")
    best: tuple[int, str] | None = None
    for stem, region in conflict.region_stems.get(language, {}).items():
        star = stem.endswith("*")
        s = stem.rstrip("*")
        if (star or not alone) and w.startswith(s) and (best is None or len(s) > best[0]):
            best = (len(s), region)
    return best[1] if best else None


def find_place_cyrillic(text: str, conflict: Conflict, lex: Any, near: int | None = None) -> Place | None:
    """The place a Ukrainian or Russian clause names, or None (see :func:`find_place`).

    Regions by their declined adjective before the level word ("в Донецькій області",
    "Харьковской области") or by a land name ("на Донеччині"), through the conflict
    definition's ``region_stems``; directions ("на Покровському напрямку") and places
    after a preposition or a settlement word ("під Покровськом", "населенный пункт
    Бердычи") keep the words as written and their possible dictionary forms in ``names``.

    >>> from frontlines.conflicts import default_registry
    >>> from frontlines.claims.lexicon import UKRAINIAN
    >>> find_place_cyrillic("бої в Донецькій області", default_registry().get("ukraine"), UKRAINIAN).region
    'Donetsk'
    """
    from frontlines.claims.lexicon_cyrillic import lemmas

    lang = lex.language
    level_kind = conflict.levels[0].kind
    sides = {w.lower() for w in side_words(conflict, lang, forces=True)}
    mentions: list[tuple[int, int, Place]] = []
    for m in re.finditer(rf"(?P<name>{_CAP}[а-яіїєґё'’\-]+)\s+(?:{lex.level})", text):
        region = _stem_region(m.group("name"), conflict, lang, alone=False)
        if region:
            mentions.append((m.start(), m.end(), Place(m.group(0), region, level_kind)))
    for m in re.finditer(rf"(?<![\w])(?P<name>{_CAP}[а-яіїєґё'’\-]+)", text):
        if any(a <= m.start() < b for a, b, _ in mentions):
            continue
        region = _stem_region(m.group("name"), conflict, lang, alone=True)
        if region:
            mentions.append((m.start(), m.end(), Place(m.group(0), region, level_kind)))
    for m in re.finditer(rf"(?P<name>{_CAP}[а-яіїєґё'’\-]+)\s+(?:{lex.direction})", text):
        if any(a <= m.start() < b for a, b, _ in mentions):
            continue
        mentions.append((m.start(), m.end(), Place(m.group(0), None, "direction", lemmas(m.group("name")))))
    for m in re.finditer(rf"(?<![\w])(?:{lex.place_before})\s+(?P<name>{_CYR_NAME})", text, re.I):
        name = m.group("name")
        if not re.match(_CAP, name) or any(a <= m.start("name") < b for a, b, _ in mentions):
            continue
        forms = lemmas(name.split()[0]) if " " not in name else (name,)
        if {f.lower() for f in forms} & sides or _month_like(name, lex):
            continue
        mentions.append((m.start("name"), m.end("name"), Place(name, None, "place", forms)))
    if not mentions:
        return None

    def dist(mm: tuple[int, int, Place]) -> int:
        return mm[0] if near is None else max(mm[0] - near, near - mm[1], 0)

    mentions.sort(key=lambda mm: (dist(mm), mm[0]))
    first = mentions[0][2]
    if first.region is None:
        region = next((p.region for *_, p in mentions if p.region), None)
        if region is not None:
            first = Place(first.raw, region, first.kind, first.names)
    return first


def _month_like(name: str, lex: Any) -> bool:
    return any(re.fullmatch(pat, name, re.I) for pat, _ in lex.months)
