"""Words of one language that the claim reader looks for (English).

The extractor only ever reads the tables of a :class:`Lexicon`; a Ukrainian or
Russian reader is another instance of it (plus its own number words and dates),
not a change to :mod:`frontlines.claims.extract`.

All patterns are regular expressions matched case-insensitively unless noted.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ENGLISH", "Lexicon"]


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
        Role is a side id (``ukraine``, ``russia``), or ``pronoun`` (resolved to
        the nearest actor), ``enemy`` (the speaker's opponent) or ``own`` (the
        speaker's side).
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
    """

    language: str
    units: tuple[tuple[str, str], ...]
    qualifiers: tuple[tuple[str, str], ...]
    actors: tuple[tuple[str, str], ...]
    actions: tuple[tuple[str, str], ...]
    speech: str
    non_advance_after: str
    modal: str


_FORCES = (
    r"(?:armed\s+forces|forces|troops|army|military|soldiers|units|servicemen|brigades?|"
    r"fighters|assault\s+groups|defenders|marines|paratroopers|offensive|counter-?offensive)"
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
            r"further|Ukrainian|Russian|nearby|strategic|tiny|major|separate)\s+){0,2}"
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
        (r"russian(?=\s+and\s+ukrainian)", "russia"),
        (r"ukrainian(?=\s+and\s+russian)", "ukraine"),
        (r"(?:the\s+)?russian(?:\s+[A-Za-z]+){0,2}?\s+(?:general\s+staff|defen[cs]e\s+ministry|ministry|government|president|"
         r"command|officials?|commanders?|authorities|spokes(?:man|woman|person))", "russia"),
        (r"(?:the\s+)?ukrainian(?:\s+[A-Za-z]+){0,2}?\s+(?:general\s+staff|defen[cs]e\s+ministry|ministry|government|president|"
         r"command|officials?|commanders?|authorities|spokes(?:man|woman|person))", "ukraine"),
        (rf"(?:pro-)?russia(?:n|'s|’s)?\s+{_FORCES}", "russia"),
        (rf"ukrain(?:e'?s|e’s|ian)\s+{_FORCES}", "ukraine"),
        (rf"(?:moscow|kremlin|putin)(?:'s|’s)?\s+{_FORCES}", "russia"),
        (rf"(?:kyiv|kiev|zelensky[iy]?)(?:'s|’s)?\s+{_FORCES}", "ukraine"),
        (r"(?:the\s+)?(?:russian\s+)?(?:invaders|occupiers|occupying\s+forces|occupation\s+forces)", "russia"),
        (r"(?:the\s+)?wagner(?:\s+group)?(?:\s+mercenaries)?", "russia"),
        (r"(?:the\s+)?(?:afu|zsu)", "ukraine"),
        (r"(?:the\s+)?russians|russia(?:'s|’s)?|moscow(?:'s|’s)?|the\s+kremlin|putin(?:'s|’s)?", "russia"),
        (r"(?:the\s+)?ukrainians|ukraine(?:'s|’s)?|kyiv(?:'s|’s)?|kiev(?:'s|’s)?|zelensky[iy]?(?:'s|’s)?|syrskyi(?:'s|’s)?", "ukraine"),
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
         r"|\bforced\s+(?:russian|ukrainian)\s+(?:troops|forces)\s+back\b", "gain"),
        (r"\boccupied\b", "held?"),
        (r"\bcontrol(?:s|led|ling)?\b|\bhold(?:s|ing)?\b|\bheld\b|\boccup(?:ies|y|ying)\b"
         r"|\bremains?\s+under\b|\bunder\s+(?:the\s+)?(?:control|occupation)\b|\bin\s+(?:russian|ukrainian)\s+hands\b",
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
)
