"""Places named by a claim: first-level regions (normalised), directions, towns.

The parser keeps the place as written; it normalises names of the conflict's
first region level only (for Ukraine: "Donetsk region", "Donetsk oblast",
"Donetska oblast" -> ``Donetsk``).  Towns
and directions are resolved later by the measurer
(:meth:`frontlines.claims.evaluate.Measurer.resolve_region`).
"""

from __future__ import annotations

import re

from frontlines.claims.lexicon import alternation, side_words
from frontlines.claims.types import Place
from frontlines.conflicts.definition import Conflict

__all__ = ["find_place"]

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
