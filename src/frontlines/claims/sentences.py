"""Split text into sentences, keeping abbreviations ("Sept.", "sq. km", "U.S.") intact."""

from __future__ import annotations

import re

__all__ = ["split_sentences", "strip_dateline"]

_ABBREV = re.compile(
    r"(?:\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Gen|Lt|Col|Maj|Mr|Mrs|Ms|Dr|St|"
    r"approx|vs|No|Jr|Sr|Rep|Sen|Gov|Pres|Col|Brig|Adm|Capt|Sgt|Corp|Inc|Ltd|etc|c|тис|тыс|кв|обл|н|п|м|с|р|г)|\b(?:U\.S|U\.K|e\.g|i\.e|a\.m|p\.m)"
    r"|\b[A-Z])\.$"
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)»]*\s+(?=[\"“‘(«]?[A-Z0-9А-ЯІЇЄҐЁ])")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order (lines are always separate).

    Examples
    --------
    >>> split_sentences("Troops took 12 sq. km on Sept. 3. They held it.")
    ['Troops took 12 sq. km on Sept. 3.', 'They held it.']
    """
    out: list[str] = []
    for line in re.split(r"\n+", text):
        line = line.strip()
        if not line:
            continue
        pieces: list[str] = []
        last = 0
        for m in _BOUNDARY.finditer(line):
            chunk = line[last : m.start()]
            if _ABBREV.search(chunk.rstrip("\"”’)")):
                continue
            pieces.append(line[last : m.end()].strip())
            last = m.end()
        pieces.append(line[last:].strip())
        out.extend(p for p in pieces if p)
    return out


def strip_dateline(sentence: str) -> str:
    """Remove an agency dateline ("KYIV, Sept 11 (Reuters) - ") from the start of a sentence."""
    sentence = re.sub(r"^\s*(?:\d{1,2}\s+[A-Z][a-z]+\.?\s+\d{4}|[A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2})\s*[|\u2014\u2013]\s*", "", sentence)
    return re.sub(
        r"^[A-Z][A-Za-z .'\-]{1,40},\s+(?:[A-Z][A-Za-z .'\-]{1,30},\s+)?[A-Za-z]{3,9}\.?\s+\d{1,2}"
        r"(?:,?\s+\d{4})?\s*\([^)]{1,40}\)\s*[-\u2013\u2014]+\s*",
        "",
        sentence,
    )
