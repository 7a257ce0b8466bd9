"""Places named by a claim: oblasts (normalised), directions, towns.

The parser keeps the place as written; it normalises oblast names only
("Donetsk region", "Donetsk oblast", "Donetska oblast" -> ``Donetsk``).  Towns
and directions are resolved later by the measurer
(:meth:`frontlines.claims.evaluate.Measurer.resolve_region`).
"""

from __future__ import annotations

import re

from frontlines.claims.conflicts import ConflictInfo
from frontlines.claims.types import Place

__all__ = ["find_place"]

_NAME = r"[A-Z][A-Za-z'’\-]+(?:\s+[A-Z][A-Za-z'’\-]+)?"
_OWNER = r"(?i:(?:russia|ukraine)(?:'s|’s)\s+|(?:russian|ukrainian)\s+)?"
_OBLAST = re.compile(
    rf"(?:\bthe\s+)?{_OWNER}(?P<name>{_NAME})\s+(?i:region|oblast|province|administrative\s+region|People(?:'|’)s\s+Republic)s?\b",
)
_OF_OBLAST = re.compile(rf"\bthe\s+(?:region|oblast|province)\s+of\s+(?P<name>{_NAME})")
_DIRECTION = re.compile(
    rf"\bthe\s+(?P<name>{_NAME})\s+(?:direction|front|axis|sector|salient|bridgehead|pocket)\b"
)
_PREP_PLACE = re.compile(
    r"\b(?:near|around|outside|towards?|in\s+the\s+direction\s+of|in\s+the\s+vicinity\s+of|"
    r"on\s+the\s+outskirts\s+of|close\s+to|in|into|at|of|across)\s+"
    rf"(?:the\s+(?:town|city|village|city\s+of|town\s+of|village\s+of)\s+)?(?:of\s+)?(?P<name>{_NAME})"
)
_NOT_PLACES = re.compile(
    r"^(?:Ukraine|Russia|Ukrainian|Russian|Kyiv|Kiev|Moscow|Kremlin|The|This|That|It|They|We|Our|"
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|ISW|DeepState|DeepStateMap|"
    r"Reuters|AFP|AP|NATO|Europe|Western|West|East|General|President|Defence|Defense|Ministry|"
    r"Institute|Study|War|Army|Armed|Forces|Staff|Spring|Summer|Autumn|Fall|Winter|Zelensky|Zelenskiy|"
    r"Putin|Syrskyi|Wagner|Crimea's|Ukraine's|Russia's|Kyiv's|Moscow's|Critical|Threats|BBC|CNN)\b"
)


def find_place(text: str, conflict: ConflictInfo, near: int | None = None) -> Place | None:
    """The place a clause names, or None.

    The raw string is the place mention nearest the figure (the first without
    ``near``); ``region`` is the normalised oblast of that mention, else of the
    nearest oblast mention of the clause.  "In Ukraine" is the whole country: no place.

    Parameters
    ----------
    text : str
        One clause of a sentence (case matters: place names are capitalised).
    conflict : ConflictInfo
        Supplies the oblast spellings.
    near : int, optional
        Position of the figure: the mentions nearest to it win (else the first).

    Examples
    --------
    >>> from frontlines.claims.conflicts import UKRAINE
    >>> find_place("gains in the Donetska oblast", UKRAINE)
    Place(raw='the Donetska oblast', region='Donetsk', kind='oblast')
    """
    mentions: list[tuple[int, int, str, str | None, str]] = []  # start, end, raw, region, kind
    for rx in (_OBLAST, _OF_OBLAST):
        for m in rx.finditer(text):
            name = m.group("name")
            stem = re.sub(r"(?:ska|skaya|s'ka|’ska)$", "", name, flags=re.I)
            region = conflict.region_for(name) or conflict.region_for(stem)
            if region is None and _NOT_PLACES.match(name):
                continue
            mentions.append((m.start(), m.end(), m.group(0).strip(), region, "oblast" if region else "place"))
    for m in _DIRECTION.finditer(text):
        if _NOT_PLACES.match(m.group("name")) or _overlaps(m, mentions):
            continue
        mentions.append((m.start(), m.end(), m.group(0).strip(), None, "direction"))
    for m in _PREP_PLACE.finditer(text):
        name = m.group("name")
        if _NOT_PLACES.match(name) or _overlaps(m, mentions, "name"):
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
