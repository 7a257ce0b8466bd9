"""Words of one language that the claim reader looks for (English).

The extractor only ever reads the tables of a :class:`Lexicon`; a Ukrainian or
Russian reader is another instance of it (plus its own number words and dates),
not a change to :mod:`frontlines.claims.extract`.

A lexicon holds no side's words: :func:`bind` adds a conflict's (its sides' names,
adjectives and armed-forces words in the lexicon's language, from the conflict
definition) and fills the ``{SIDE_ADJ}`` placeholders of the tables.

All patterns are regular expressions matched case-insensitively unless noted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from frontlines.claims.lexicon_cyrillic import (
    CYRILLIC_NUMBER_RE,
    RUSSIAN_TABLES,
    UKRAINIAN_TABLES,
    detect_language,
)
from frontlines.claims.numbers import NUMBER_RE
from frontlines.conflicts.definition import Conflict

__all__ = ["ENGLISH", "LEXICONS", "RUSSIAN", "UKRAINIAN", "Lexicon", "bind", "lexicon_for", "side_words"]

#: Placeholder in table patterns for the adjectives of every side ("Ukrainian|Russian").
SIDE_ADJ = "{SIDE_ADJ}"


@dataclass(frozen=True)
class Lexicon:
    """Word tables of one language.

    Parameters
    ----------
    language : str
        ISO 639-1 code.
    units : tuple of (pattern, unit)
        Unit spellings after a figure; ``unit`` is a key of
        :data:`frontlines.claims.numbers.UNIT_FACTORS`.
    qualifiers : tuple of (pattern, qualifier)
        Words just before a figure; the canonical qualifier (see :data:`QUALIFIERS`).
    actors : tuple of (pattern, role)
        Role is ``pronoun`` (resolved to the nearest actor), ``enemy`` (the
        speaker's opponent) or ``own`` (the speaker's side); :func:`bind` puts
        the sides' own patterns (role = side id) in front.
    actions : tuple of (pattern, action)
        Verb and noun phrases; action is ``gain``, ``loss`` or ``held``.
        ``occupied`` is ``held?``: held without a time window, gain with one.
    speech : str
        Pattern of reporting verbs ("said", "according to") that mark a speaker.
    non_advance_after : str
        After a distance, words that make it a location, not an advance
        ("20 km from the border").
    modal : str
        Words before an action that make it an intention, not a claim.
    forces : str
        Pattern of words for armed forces ("troops", "army") after a side's name.
    institutions : str
        Pattern of words for a side's institutions after its adjective ("defence ministry").
    side_adjectives, region_words : str
        Set by :func:`bind`: the sides' adjectives, and the words of the conflict's
        first region level ("oblast"), as regex alternations.
    number_re : str
        Pattern of a figure (digits with the language's separators, number words).
    months : tuple of (pattern, month)
        Month names in every case (Ukrainian and Russian; English months live in
        :mod:`frontlines.claims.timeexpr`).
    time : mapping
        Time words of the language (Ukrainian and Russian, see
        :mod:`frontlines.claims.timeexpr_cyrillic`).
    front_before, share_after, place_before, direction, level, object_before : str
        Words before a front-line length, after a share ("of the territory"), before a
        place name, naming a direction, naming a first-level region, and before a side
        named as an object rather than an actor ("into Russia").
    more_than, less_than : str
        The language's own comparison words ("більше, ніж"), for languages other than English.
    quantity_words : tuple of (kind, pattern)
        Words of a comparison naming what it compares ("more territory than" -> area).
    """

    language: str
    units: tuple[tuple[str, str], ...]
    qualifiers: tuple[tuple[str, str], ...]
    actors: tuple[tuple[str, str], ...]
    actions: tuple[tuple[str, str], ...]
    speech: str
    non_advance_after: str
    modal: str
    forces: str = r"(?!)"
    institutions: str = r"(?!)"
    side_adjectives: str = r"(?!)"
    region_words: str = r"(?!)"
    number_re: str = NUMBER_RE
    months: tuple[tuple[str, int], ...] = ()
    time: Mapping[str, Any] = field(default_factory=dict)
    front_before: str = r"(?!)"
    share_after: str = r"(?!)"
    place_before: str = r"(?!)"
    direction: str = r"(?!)"
    level: str = r"(?!)"
    object_before: str = r"\b(?:into|in|to|from|of|against|with|inside|across|on|over|toward|towards)\s+$"
    more_than: str = r"(?!)"
    less_than: str = r"(?!)"
    quantity_words: tuple[tuple[str, str], ...] = (
        ("settlements", r"villages|towns|settlements|localities"),
        ("depth", r"deeper|further|farther"),
        ("area", r"ground|territory|land|area|square|km"),
    )


_FORCES = (
    r"(?:armed\s+forces|forces|troops|army|military|soldiers|units|servicemen|brigades?|"
    r"fighters|assault\s+groups|defenders|marines|paratroopers|offensive|counter-?offensive)"
)

_INSTITUTIONS = (
    r"(?:general\s+staff|defen[cs]e\s+ministry|ministry|government|president|"
    r"command|officials?|commanders?|authorities|spokes(?:man|woman|person))"
)

ENGLISH = Lexicon(
    language="en",
    units=(
        (r"(?:square|sq\.?)\s*(?:kilomet(?:re|er)s?|kms?)\b", "km2"),
        (r"km\s*(?:²|2\b|sq\b)|kilomet(?:re|er)s?\s+squared", "km2"),
        (r"(?:square|sq\.?)\s*mi(?:les?)?\b", "sqmi"),
        (r"hectares?\b|ha\b", "ha"),
        (r"kilomet(?:re|er)s?\b|kms?\b", "km"),
        (r"miles?\b", "mi"),
        (r"met(?:re|er)s\b", "m"),
        (
            r"(?:(?:more|other|small|smaller|frontline|front-line|key|border|new|additional|"
            r"further|{SIDE_ADJ}|nearby|strategic|tiny|major|separate)\s+){0,2}"
            r"(?:villages?|towns?|settlements?|localities|locality|hamlets?|cities|"
            r"communities|(?:populated|inhabited)\s+(?:areas|places|localities|points))\b",
            "count",
        ),
        (r"%|per\s?cent\b|percent\b|pc\b", "percent"),
    ),
    qualifiers=(
        (r"more\s+than|over|in\s+excess\s+of|upwards\s+of|above|just\s+over|slightly\s+more\s+than|north\s+of", "over"),
        (r"at\s+least|no\s+(?:less|fewer)\s+than|not\s+less\s+than|a\s+minimum\s+of", "at_least"),
        (r"up\s+to|as\s+(?:much|many|far)\s+as|a\s+maximum\s+of|no\s+more\s+than|not\s+more\s+than", "up_to"),
        (r"about|around|approximately|approx\.?|roughly|some|an\s+estimated|circa|~|c\.", "about"),
        (r"nearly|almost|close\s+to|just\s+under|just\s+shy\s+of|not\s+quite", "nearly"),
        (r"less\s+than|fewer\s+than|under|below", "less_than"),
        (r"exactly|precisely", "exactly"),
    ),
    actors=(
        (rf"(?:the\s+)?enemy(?:\s+{_FORCES})?|the\s+adversary|the\s+opponent", "enemy"),
        (rf"our\s+{_FORCES}|\bwe\b", "own"),
        (rf"(?:its|their|his)\s+{_FORCES}|(?:the\s+)?{_FORCES}\b|\bthey\b|\bit\b", "pronoun"),
    ),
    actions=(
        (r"\blost\s+control\s+(?:of|over)\b|\blos(?:e|es|ing)\s+control\s+(?:of|over)\b", "loss"),
        (r"\b(?:taken|took|take|takes|taking|gained|gain|seized|seize|established|establish|assumed|won)\s+(?:full\s+)?control\s+(?:of|over)\b", "gain"),
        (r"(?:were|was|been|being|had\s+been|have\s+been)\s+(?:pushed|driven|forced)\s+back", "loss"),
        (r"(?:were|was|been|have\s+been|had\s+been)\s+forced\s+to\s+(?:withdraw|retreat|cede)", "loss"),
        (r"\blos(?:t|e|es|ing)\b|\bceded?\b|\bceding\b|\bwithdr[ae]w(?:n|ing)?\b|\bwithdraws?\b"
         r"|\bretreat(?:ed|ing|s)?\b|\bpulled\s+back\b|\bfell\s+back\b|\babandon(?:ed|ing)?\b"
         r"|\bsurrender(?:ed|ing)?\b|\bg[ai]ve\s+up\b|\bgiven\s+up\b|\blosses\b", "loss"),
        (r"\bcaptur(?:ed|es?|ing)\b|\bseiz(?:ed|es?|ing)\b|\btook\b|\btak(?:en|es?|ing)\b(?!\s+(?:part|place))"
         r"|\bliberat(?:ed|es?|ing)\b|\bretook\b|\bretak(?:en|ing)\b|\brecaptur(?:ed|es?|ing)\b"
         r"|\bregain(?:ed|s|ing)?\b|\breclaim(?:ed|s|ing)?\b|\bwon\s+back\b|\bclaw(?:ed|ing)?\s+back\b"
         r"|\bfree[ds]?\b|\bfreeing\b|\bconquer(?:ed|s|ing)?\b|\bover(?:ran|run|running)\b"
         r"|\bgain(?:ed|s|ing)?\b|\badvanc(?:ed|es?|ing)\b|\bpush(?:ed|es|ing)?\b|\bprogress(?:ed)?\b"
         r"|\bmoved\s+forward\b|\bpenetrat(?:ed|ing)\b|\bbroke\s+through\b|\bbreakthrough\b"
         r"|\bmade\s+(?:territorial\s+)?gains\b|\bexpand(?:ed|ing)\b|\bdrove\b|\bdriven\b|\bpushed\s+back\b"
         r"|\bforced\s+(?:{SIDE_ADJ})\s+(?:troops|forces)\s+back\b", "gain"),
        (r"\boccupied\b", "held?"),
        (r"\bcontrol(?:s|led|ling)?\b|\bhold(?:s|ing)?\b|\bheld\b|\boccup(?:ies|y|ying)\b"
         r"|\bremains?\s+under\b|\bunder\s+(?:the\s+)?(?:control|occupation)\b|\bin\s+(?:{SIDE_ADJ})\s+hands\b",
         "held"),
    ),
    speech=r"\b(?:said|says|claimed|claims|reported|reports|announced|stated|told|wrote|according\s+to)\b",
    non_advance_after=(
        r"^\s*(?:away\s+)?(?:from|of|short\s+of|outside|behind|beyond|off|inside|in\s+range|range|"
        r"(?:to\s+the\s+)?(?:north|south|east|west)(?:[\s-]?(?:east|west))?(?:ward)?\s+of|(?:north|south|east|west)"
        r"(?:east|west)?\s+from)\b"
    ),
    modal=r"\b(?:aims?|aiming|plans?|planning|wants?|wanting|seeks?|seeking|intends?|hopes?|hoping|threaten(?:s|ed)?|"
    r"tries|trying|tried|attempt(?:s|ed|ing)?|could|would|might|may|will|shall|going)\s+(?:to\s+)?(?:\w+\s+)?$",
    forces=_FORCES,
    institutions=_INSTITUTIONS,
)




def _cyrillic(language: str, t: dict[str, Any]) -> Lexicon:
    return Lexicon(
        language=language,
        units=t["units"],
        qualifiers=t["qualifiers"],
        actors=((rf"(?:{t['enemy']})", "enemy"), (rf"(?:{t['own']})", "own"), (rf"(?:{t['pronoun']})", "pronoun")),
        actions=t["actions"],
        speech=t["speech"],
        non_advance_after=t["non_advance_after"],
        modal=t["modal"],
        forces=t["forces"],
        institutions=t["institutions"],
        number_re=CYRILLIC_NUMBER_RE,
        months=t["months"],
        time=t["time"],
        front_before=t["front_before"],
        share_after=t["share_after"],
        place_before=t["place_before"],
        direction=t["direction"],
        level=t["level"],
        object_before=t["object_before"],
        more_than=t["more_than"],
        less_than=t["less_than"],
        quantity_words=t["quantity_words"],
    )


UKRAINIAN = _cyrillic("uk", {**UKRAINIAN_TABLES, "object_before": r"(?:^|\s)(?:в|у|з|із|до|на|проти|від)\s+$",
                             "quantity_words": (("settlements", r"населених|сіл|міст"), ("depth", r"глибше|далі"),
                                                ("area", r"територі|площ|земл|км")),
                             "more_than": r"більше(?:\s+(?:території|площі|землі|населених\s+пунктів))?\s*,?\s*ніж",
                             "less_than": r"менше(?:\s+(?:території|площі|землі))?\s*,?\s*ніж"})
RUSSIAN = _cyrillic("ru", {**RUSSIAN_TABLES, "object_before": r"(?:^|\s)(?:в|во|из|с|на|против|от|к)\s+$",
                           "quantity_words": (("settlements", r"населенных|сел|городов"), ("depth", r"глубже|дальше"),
                                              ("area", r"территори|площад|земл|км")),
                           "more_than": r"больше(?:\s+(?:территории|площади|земли|населенных\s+пунктов))?\s*,?\s*чем",
                           "less_than": r"меньше(?:\s+(?:территории|площади|земли))?\s*,?\s*чем"})

#: Every lexicon by language code.
LEXICONS: dict[str, Lexicon] = {"en": ENGLISH, "uk": UKRAINIAN, "ru": RUSSIAN}


def lexicon_for(text: str) -> Lexicon:
    """The lexicon of the text's language (English, Ukrainian or Russian)."""
    return LEXICONS[detect_language(text)]


# ------------------------------------------------------------------ conflict words
def alternation(words: Iterable[str]) -> str:
    r"""A regex alternation of plain words, longest first; spaces match any whitespace.

    >>> alternation(["Russia", "Russian", "the Kremlin"])
    'the\\s+Kremlin|Russian|Russia'
    """
    ws = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    if not ws:
        return r"(?!)"
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ws)


def side_words(conflict: Conflict, language: str, *, names: bool = True, adjectives: bool = True,
               forces: bool = False) -> tuple[str, ...]:
    """Words of every side of ``conflict`` in ``language`` (names, adjectives, forces words)."""
    out: list[str] = []
    for side in conflict.sides:
        if names:
            out.extend(side.names.get(language, ()))
        if adjectives:
            out.extend(side.adjectives.get(language, ()))
        if forces:
            out.extend(side.forces.get(language, ()))
    return tuple(out)


def _side_actors(lex: Lexicon, conflict: Conflict) -> tuple[tuple[str, str], ...]:
    lang = lex.language
    adj = {s.id: alternation(s.adjectives.get(lang, ())) for s in conflict.sides}
    names = {s.id: alternation(s.names.get(lang, ())) for s in conflict.sides}
    both = {s.id: alternation((*s.names.get(lang, ()), *s.adjectives.get(lang, ()))) for s in conflict.sides}
    forces = {s.id: alternation(s.forces.get(lang, ())) for s in conflict.sides}
    own = r"(?:'s|’s)?"
    out: list[tuple[str, str]] = []
    for a in conflict.side_ids:  # "Russian and Ukrainian forces": the first adjective is not the actor alone
        for b in conflict.side_ids:
            if a != b:
                out.append((rf"(?:{adj[a]})(?=\s+and\s+(?:{adj[b]}))", a))
    for a in conflict.side_ids:
        out.append((rf"(?:the\s+)?(?:{adj[a]})(?:\s+[A-Za-z]+){{0,2}}?\s+{lex.institutions}", a))
    for a in conflict.side_ids:  # "Russian monthly gains": the adjective of a gain names its side
        out.append((rf"(?:{adj[a]})(?=\s+(?:(?:daily|weekly|monthly|yearly|annual|territorial|overall|net|recent)\s+)*"
                    r"(?:gains?|advances?|losses|progress)\b)", a))
    for a in conflict.side_ids:
        out.append((rf"(?:pro-)?(?:{both[a]}){own}\s+{lex.forces}", a))
    for a in conflict.side_ids:
        out.append((rf"(?:the\s+)?(?:(?:{adj[a]})\s+)?(?:{forces[a]})", a))
    for a in conflict.side_ids:
        out.append((rf"(?:the\s+)?(?:{names[a]}){own}", a))
    return tuple(out)


def bind(lex: Lexicon, conflict: Conflict) -> Lexicon:
    """The lexicon with ``conflict``'s side words: side actors first, ``{SIDE_ADJ}`` filled in."""
    adjectives = alternation(side_words(conflict, lex.language, names=False))

    def fill(table: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((p.replace(SIDE_ADJ, adjectives), v) for p, v in table)

    return replace(
        lex,
        units=fill(lex.units),
        actions=fill(lex.actions),
        actors=_side_actors(lex, conflict) + fill(lex.actors),
        side_adjectives=adjectives,
        region_words=alternation((conflict.levels[0].kind, *conflict.levels[0].names.get(lex.language, ()))),
    )
