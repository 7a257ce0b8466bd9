"""Numbers written in digits or in English words, and unit conversion to km / km².

The regular expressions here find a figure; :func:`parse_number` turns its text
into a float.  Ambiguous or vague amounts ("dozens", "hundreds", "a few") are
deliberately *not* numbers: a claim needs a checkable figure.
"""

from __future__ import annotations

import re

from frontlines.errors import ClaimParseError

__all__ = ["NUMBER_RE", "UNIT_FACTORS", "parse_number", "to_canonical"]

_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}

_WORD = "|".join(sorted([*_UNITS_WORDS, *_TENS_WORDS], key=len, reverse=True))
_SCALE = "hundred|thousand|million"

#: A figure: digits (1,000 / 1 000 / 2.5 / 1.2 million) or words (twenty-five,
#: a dozen, half a dozen, two hundred, a thousand).
NUMBER_RE = (
    r"(?:"
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"          # 1,000 / 12,500.5
    r"|\d{1,3}(?:\u00a0\d{3})+"               # 1 000 with a no-break space
    r"|\d+(?:\.\d+)?"                         # 40 / 2.5
    r")(?:\s*(?:million|thousand|mn|k)\b)?"
    rf"|(?:half\s+a\s+dozen|a\s+dozen|(?:a|one)\s+(?:{_SCALE})"
    rf"|(?:{_WORD})(?:[\s-]+(?:and\s+)?(?:{_WORD}|{_SCALE}))*)\b"
)


def parse_number(text: str) -> float:
    """Value of a figure matched by :data:`NUMBER_RE`.

    Parameters
    ----------
    text : str
        E.g. ``"1,200"``, ``"2.5 million"``, ``"twenty-five"``, ``"a dozen"``.

    Returns
    -------
    float

    Raises
    ------
    ClaimParseError
        When the text is not a number.

    Examples
    --------
    >>> parse_number("1,200")
    1200.0
    >>> parse_number("two hundred and fifty")
    250.0
    >>> parse_number("1.5 thousand")
    1500.0
    """
    t = text.strip().lower().replace("\u00a0", "").replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(million|thousand|mn|k)?", t)
    if m:
        value = float(m.group(1))
        scale = {"million": 1e6, "mn": 1e6, "thousand": 1e3, "k": 1e3, None: 1.0}[m.group(2)]
        return value * scale
    if re.fullmatch(r"half\s+a\s+dozen", t):
        return 6.0
    if re.fullmatch(r"a\s+dozen", t):
        return 12.0
    tokens = [w for w in re.split(r"[\s-]+", t) if w and w != "and"]
    if not tokens:
        raise ClaimParseError(f"not a number: {text!r}")
    total = 0
    current = 0
    for w in tokens:
        if w in ("a", "one") and current == 0:
            current = 1
        elif w in _UNITS_WORDS:
            current += _UNITS_WORDS[w]
        elif w in _TENS_WORDS:
            current += _TENS_WORDS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in ("thousand", "million"):
            total += max(current, 1) * _SCALES[w]
            current = 0
        else:
            raise ClaimParseError(f"not a number: {text!r} (unknown word {w!r})")
    return float(total + current)


#: Canonical unit and factor of every unit spelling the parser knows.
UNIT_FACTORS: dict[str, tuple[str, float]] = {
    "km2": ("km2", 1.0),
    "sqmi": ("km2", 2.589988110336),
    "ha": ("km2", 0.01),
    "km": ("km", 1.0),
    "mi": ("km", 1.609344),
    "m": ("km", 0.001),
    "count": ("count", 1.0),
    "percent": ("percent", 1.0),
}


def to_canonical(value: float, unit: str) -> tuple[float, str]:
    """Convert a value in a parsed unit to the canonical unit (km², km, count, percent).

    Examples
    --------
    >>> to_canonical(2.5, "mi")
    (4.02336, 'km')
    """
    try:
        canonical, factor = UNIT_FACTORS[unit]
    except KeyError:
        raise ClaimParseError(f"unknown unit {unit!r}") from None
    return value * factor, canonical
