"""Find checkable territorial claims in text and turn them into :class:`Claim` objects.

Reading rules (English lexicon, see :mod:`frontlines.claims.lexicon`):

* A claim needs a figure with a territorial unit: km² / sq km / square miles /
  hectares (area), km / miles / metres (depth of an advance, length of the front,
  width of an advance), villages / towns / settlements (count), or a percentage
  "of" a territory (share).  Figures with other units (troops, tanks, dead) are
  never claims.
* Area, depth, width, count and share figures also need an action (gain, loss,
  held) in the sentence; an action after "aims to", "could", "plans to" ... is an
  intention, not a claim.  A distance followed by "from", "of", "outside",
  "north of" ... is a location ("20 km from the border"), not an advance.
  "A 1,000 km front line" is a ``front_length`` claim and needs no action.
* Actor: the nearest actor before the action (or the agent of a passive,
  "by Ukrainian forces").  Pronouns and generic words ("it", "they", "its
  troops", "the army") take the nearest side named before them in the sentence,
  else the previous sentence's side when that sentence named exactly one side.
  "The enemy" is the opponent of the speaker ("..., Ukraine's army said"), or in a
  comparison of the claim's actor; "our troops" is the speaker's side.
* Time window: each time expression belongs to the figure nearest to it; a
  figure without one takes the nearest in its sentence; a gain or loss without any
  takes the previous sentence's window.
* Comparisons ("twice as fast as last month", "more ground than the enemy took
  in the whole of last year", "the largest monthly gain since autumn 2022") are
  attached to the sentence's figures, or form a ``comparison`` claim of their own
  (an area gain) when the sentence has no figure.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from frontlines.claims.lexicon import Lexicon, bind, lexicon_for
from frontlines.claims.lexicon_cyrillic import lemmas, parse_cyrillic_number
from frontlines.claims.numbers import NUMBER_RE, parse_number, to_canonical
from frontlines.claims.places import find_place, find_place_cyrillic
from frontlines.claims.sentences import split_sentences, strip_dateline
from frontlines.claims.timeexpr import DATE, WindowMatch, parse_date
from frontlines.claims.timeexpr import find_windows as _find_windows_en
from frontlines.claims.timeexpr_cyrillic import find_windows_cyrillic
from frontlines.claims.types import Claim, Comparison, Place, TimeWindow
from frontlines.conflicts.definition import Conflict
from frontlines.errors import ClaimParseError

__all__ = ["extract_claims", "find_operation_start"]


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    role: str  # side id / pronoun / enemy / own  (actors) or gain / loss / held / held? (actions)
    text: str
    object: bool = False  # a side named as a place or an object ("into Russia")


@dataclass(frozen=True)
class _Figure:
    start: int
    end: int
    value: float
    value_max: float | None
    unit: str
    kind: str
    qualifier: str | None
    text: str
    per: str | None = None


@dataclass
class _Context:
    """What earlier sentences tell a later one."""

    sides: tuple[str, ...] = ()
    speaker: str | None = None
    window: TimeWindow | None = None


# ---------------------------------------------------------------- figures

def _unit_regex(lex: Lexicon) -> str:
    return "|".join(f"(?:{p})" for p, _ in lex.units)


def _unit_of(text: str, lex: Lexicon) -> str | None:
    for pat, unit in lex.units:
        if re.fullmatch(pat, text.strip(), re.I):
            return unit
    return None


def _qualifier(before: str, lex: Lexicon) -> tuple[str | None, int]:
    """Qualifier ending ``before`` and its length."""
    for pat, q in lex.qualifiers:
        m = re.search(rf"(?:^|(?<=[\s(\-]))(?:{pat})\s*$", before, re.I)
        if m:
            return q, len(before) - m.start()
    return None, 0


_FRONT_LINE_AFTER = re.compile(r"^[\s-]*(?:long\s+)?(?:front[\s-]?lines?|frontlines?|line\s+of\s+contact|contact\s+line)\b", re.I)
_FRONT_AFTER = re.compile(r"^[\s-]*(?:long\s+)?front\b", re.I)
_STRETCH_AFTER = re.compile(r"^[\s-]*(?:long\s+|wide\s+)?(?:front|stretch|section|sector|frontage|swath|strip|corridor|segment)\b", re.I)
_PER_AFTER = re.compile(r"^\s*(?:(?P<a>daily|a\s+day|per\s+day|each\s+day|every\s+day)|(?P<b>a\s+week|per\s+week|weekly|each\s+week|every\s+week)"
                        r"|(?P<c>a\s+month|per\s+month|monthly|each\s+month|every\s+month))\b", re.I)
_DEFINITE_BEFORE = re.compile(r"\b(?:the|these|those|both|all|its|their|of\s+the)\s+$", re.I)
_WIDE_AFTER = re.compile(r"^[\s-]*wide\b", re.I)
_FRONT_BEFORE = re.compile(
    r"(?:front[\s-]?lines?|frontlines?|line\s+of\s+contact|contact\s+line|\bfront)\b[^.;]{0,40}?"
    r"(?:stretch(?:es|ing)?|spans?|spanning|runs?|running|extends?|extending|measur(?:es|ing)|is|of)\s+(?:\w+\s+){0,3}$",
    re.I,
)
_MOVE_BEFORE = re.compile(
    r"\b(?:advanc(?:ed|ing|es?)|retreat(?:ed|ing|s)?|withdr[ae]w(?:n)?|pulled\s+back|fell\s+back|pushed(?:\s+forward|\s+back)?"
    r"|moved\s+forward|penetrated|driven\s+back|progressed)\s+(?:by\s+)?$",
    re.I,
)
_WIDTH_BEFORE = re.compile(r"\b(?:along|across|on|over)\s+(?:a|an|the)\s+$", re.I)
_DEPTH_AFTER = re.compile(r"^[\s-]*(?:deep|deeper|into|forward|inside|behind\s+enemy)\b", re.I)


def _find_figures(sentence: str, lex: Lexicon) -> list[_Figure]:
    rx = re.compile(
        rf"(?<![\w.,])(?P<num>{lex.number_re})"
        rf"(?:\s*(?:-|–|to|and)\s*(?P<num2>{lex.number_re}))?"
        rf"(?:[\s-]*|\s*-\s*)(?P<unit>{_unit_regex(lex)})",
        re.I,
    )
    out: list[_Figure] = []
    for m in rx.finditer(sentence):
        unit = _unit_of(m.group("unit"), lex)
        if unit is None:
            continue
        try:
            value = _parse_number(m.group("num"), lex)
            value2 = _parse_number(m.group("num2"), lex) if m.group("num2") else None
        except (ClaimParseError, KeyError, ValueError):
            continue
        if value != value:  # "кілька": not a figure
            continue
        before = sentence[: m.start()]
        if m.group("num2") and re.search(r"\band\s", m.group(0)) and not re.search(r"\bbetween\s+$", before, re.I):
            continue
        if value2 is not None and value2 < value:
            continue
        qualifier, qlen = _qualifier(before, lex)
        if re.search(r"\bbetween\s+$", before, re.I):
            qualifier, qlen = None, len("between ")
        after = sentence[m.end() :]
        v, canonical = to_canonical(value, unit)
        vmax = to_canonical(value2, unit)[0] if value2 is not None else None
        kind = {"km2": "area", "count": "settlements", "percent": "share", "km": "depth"}[canonical]
        q_before = before[: len(before) - qlen]
        if canonical == "km":
            moved = _MOVE_BEFORE.search(q_before) is not None
            if _FRONT_LINE_AFTER.search(after) or _FRONT_BEFORE.search(before) or re.search(lex.front_before, q_before, re.I):
                kind = "front_length"
            elif _WIDE_AFTER.search(after) or (_STRETCH_AFTER.search(after) and _WIDTH_BEFORE.search(before)):
                kind = "width"
            elif _FRONT_AFTER.search(after):
                kind = "front_length"
            elif _STRETCH_AFTER.search(after):
                continue  # "the 2 km stretch of road": a description, not a claim
            elif re.search(lex.non_advance_after, after, re.I) and not _DEPTH_AFTER.search(after) and not moved:
                continue  # a location ("20 km from the border"), not an advance
            elif re.search(r"\b(?:within|range\s+of|radius\s+of|distance\s+of)\s+(?:\w+\s+)?$", before, re.I):
                continue
        if canonical == "percent" and not (_share_of_territory(after, lex) or re.search(lex.share_after, after, re.I)):
            continue
        if kind not in ("front_length", "width") and _DEFINITE_BEFORE.search(q_before):
            continue  # "the two villages": a reference, not a figure
        per = _PER_AFTER.search(after)
        per_unit = None if per is None else "day" if per.group("a") else "week" if per.group("b") else "month"
        start = m.start() - qlen
        out.append(_Figure(start, m.end(), v, vmax, canonical, kind, qualifier, sentence[start : m.end()].strip(), per_unit))
    return out


def _parse_number(text: str, lex: Lexicon) -> float:
    return parse_number(text) if lex.number_re == NUMBER_RE else parse_cyrillic_number(text)


def _windows(text: str, published: dt.date, conflict: Conflict, anchor: dt.date | None, lex: Lexicon) -> list[WindowMatch]:
    """Time expressions in the lexicon's language."""
    if lex.months:
        return find_windows_cyrillic(text, published, conflict, lex, anchor)
    return _find_windows_en(text, published, conflict, anchor)


_SHARE_OF = (
    r"^\s*(?:of\s+(?:the\s+|its\s+|their\s+|all\s+(?:of\s+)?)?"
    r"(?:(?:internationally[\s-]recogni[sz]ed\s+|occupied\s+|(?i:{SIDE_ADJ})\s+)?(?:territory|land|country|area)"
    r"|[A-Z][\w'’\-]+(?:\s+(?:region|province|{LEVEL}))?|\w+\s+(?:region|province|{LEVEL})))"
)


def _share_of_territory(after: str, lex: Lexicon) -> bool:
    m = re.search(_SHARE_OF.replace("{SIDE_ADJ}", lex.side_adjectives).replace("{LEVEL}", lex.region_words), after)
    if not m:
        return False
    tail = after[m.end() : m.end() + 30]
    return not re.match(r"[’']?s?\s*(?:population|people|residents|troops|economy|gdp|budget|exports|men|forces)", tail, re.I)


# ---------------------------------------------------------------- actors and actions

def _spans(sentence: str, table: tuple[tuple[str, str], ...]) -> list[_Span]:
    taken: list[_Span] = []
    for pat, role in table:
        for m in re.finditer(rf"(?<![\w-])(?:{pat})(?![\w-])", sentence, re.I):
            if m.end() == m.start():
                continue
            if any(not (m.end() <= s.start or m.start() >= s.end) for s in taken):
                continue
            taken.append(_Span(m.start(), m.end(), role, m.group(0)))
    return sorted(taken, key=lambda s: s.start)


#: Actor roles that are not a side.
_GENERIC_ROLES = frozenset({"pronoun", "enemy", "own"})


def _speaker(sentence: str, actors: list[_Span], lex: Lexicon) -> str | None:
    for a in actors:
        if a.role in _GENERIC_ROLES:
            continue
        after = sentence[a.end : a.end + 60]
        before = sentence[max(0, a.start - 20) : a.start]
        if re.match(rf"^(?:[\s,]+(?:[\w'’\-]+\s+){{0,5}}?)?{lex.speech}", after, re.I) or re.search(
            r"according\s+to\s+(?:the\s+)?$", before, re.I
        ):
            return a.role
    return None


def _resolve(span: _Span, actors: list[_Span], speaker: str | None, ctx: _Context, conflict: Conflict) -> str | None:
    if span.role in conflict.side_ids:
        return span.role
    if span.role == "enemy":
        return conflict.opponent(speaker) if speaker else None
    if span.role == "own":
        return speaker
    earlier = [a.role for a in actors if a.end <= span.start and a.role in conflict.side_ids and not a.object]
    if earlier:
        return earlier[-1]
    if len(set(ctx.sides)) == 1:
        return ctx.sides[0]
    return None


def _action_for(fig: _Figure, actions: list[_Span], limit: int) -> _Span | None:
    before = [a for a in actions if a.end <= fig.start]
    if before:
        return before[-1]
    after = [a for a in actions if a.start >= fig.end and a.start < limit]
    return after[0] if after else None


def _actor_for(
    action: _Span | None,
    fig: _Figure,
    sentence: str,
    actors: list[_Span],
    speaker: str | None,
    ctx: _Context,
    conflict: Conflict,
) -> str | None:
    if action is not None:
        passive = not action.text.lower().endswith(("ing", "s")) and re.search(
            r"\b(?:been|were|was|be|being|is|are)\s+(?:\w+\s+)?$", sentence[: action.start], re.I
        )
        agent = re.match(r"^\s+by\s+", sentence[action.end :], re.I)
        if agent or passive:
            by = [a for a in actors if a.start >= action.end and re.match(r"^\s*by\s+$", sentence[action.end : a.start] or "", re.I)]
            if not by:
                by = [a for a in actors if a.start >= action.end and re.search(r"\bby\s+$", sentence[action.end : a.start], re.I)]
            if by:
                return _resolve(by[0], actors, speaker, ctx, conflict)
            if passive:
                return None
        pivot = action.start
    else:
        pivot = fig.start
    before = [a for a in actors if a.end <= pivot and not _is_speaker_only(a, sentence) and not a.object]
    if before:
        return _resolve(before[-1], actors, speaker, ctx, conflict)
    return None


def _is_object(a: _Span, sentence: str, lex: Lexicon) -> bool:
    """A side named as a place or an object ("into Russia", "to Ukraine"), not an actor."""
    return a.role not in _GENERIC_ROLES and re.search(lex.object_before, sentence[: a.start], re.I) is not None


def _is_speaker_only(a: _Span, sentence: str) -> bool:
    return bool(re.search(r"according\s+to\s+(?:the\s+)?$", sentence[: a.start], re.I))


# ---------------------------------------------------------------- comparisons

_FACTORS = {"twice": 2.0, "double": 2.0, "triple": 3.0, "half": 0.5, "thrice": 3.0}


def _find_comparison(
    sentence: str,
    published: dt.date,
    conflict: Conflict,
    anchor: dt.date | None,
    lex: Lexicon,
) -> tuple[str, float, bool, str | None, int, int, str] | None:
    """(kind, factor, rate, period, start, rest_start, raw) of a comparison, or None."""
    for pat, kind in ((lex.more_than, "more_than"), (lex.less_than, "less_than")):
        m = re.search(pat, sentence, re.I)
        if m:  # the lexicon's own "більше, ніж" / "больше, чем"
            return kind, 1.0, False, None, m.start(), m.end(), m.group(0).strip()
    num_words = rf"(?:{NUMBER_RE})"
    m = re.search(
        r"\b(?:more|larger|bigger|greater|faster)\s+than\s+(?:in\s+)?any\s+(?:other\s+)?(?:previous\s+)?"
        r"(?P<per>day|week|month|year)\b",
        sentence,
        re.I,
    )
    if m:
        return "largest_since", 1.0, False, m.group("per").lower(), m.start(), m.end(), m.group(0).strip()
    m = re.search(
        rf"\b(?P<f>twice|double|triple|thrice|half|(?P<n>{num_words})\s+times)\s+"
        r"(?:as\s+(?P<w1>much|many|fast|quickly|large|big|great|far)(?:\s+(?:ground|territory|land|area|villages))?\s+as"
        r"|(?P<w2>more|faster|larger|bigger|greater|quicker)\s+(?:(?:ground|territory|land|area|villages)\s+)?than"
        r"|(?:the|that)\s+(?:(?P<w3>pace|rate|speed|amount|area|total)\s+)?(?:of|seen\s+in|recorded\s+in|achieved\s+in))\s+",
        sentence,
        re.I,
    )
    if m:
        f = m.group("f").lower()
        factor = float(parse_number(m.group("n"))) if m.group("n") else _FACTORS[f]
        word = (m.group("w1") or m.group("w2") or m.group("w3") or "").lower()
        rate = word in ("fast", "quickly", "faster", "quicker", "pace", "rate", "speed")
        bound = re.search(r"\b(?P<b>more\s+than|over|at\s+least|less\s+than|under|almost|nearly)\s+$", sentence[: m.start()], re.I)
        if bound is not None:
            b = bound.group("b").lower()
            kind = "less_than" if b in ("less than", "under") else "ratio" if b in ("almost", "nearly") else "more_than"
            return kind, factor, rate, None, bound.start(), m.end(), sentence[bound.start() : m.end()].strip()
        return "ratio", factor, rate, None, m.start(), m.end(), m.group(0).strip()
    m = re.search(
        r"\b(?P<c>more|less|fewer|faster|slower|greater|larger|bigger|smaller)\s+"
        r"(?:(?:ground|territory|land|area|villages|settlements|towns|progress|gains?|square\s+kilomet(?:re|er)s)\s+"
        r"(?:(?!than\b)[\w'’-]+\s+){0,6}?)?"
        rf"than\s+(?!{num_words}\b|ever\b)",
        sentence,
        re.I,
    )
    if m:
        c = m.group("c").lower()
        kind = "less_than" if c in ("less", "fewer", "slower", "smaller") else "more_than"
        rate = c in ("faster", "slower")
        return kind, 1.0, rate, None, m.start(), m.end(), m.group(0).strip()
    m = re.search(
        r"\b(?:the\s+)?(?:largest|biggest|greatest|fastest|highest|most\s+significant|most\s+rapid)\s+"
        r"(?:(?P<per>daily|weekly|monthly|annual|yearly|single-day|one-day|single-month)\s+)?"
        r"(?:[\w-]+\s+){0,2}?(?:gains?|advances?|progress|pace|increase|expansion|total|haul|land\s+grab)\b",
        sentence,
        re.I,
    )
    if m:
        rest = sentence[m.end() :]
        if re.search(r"^\s*(?:\w+\s+){0,4}?(?:since|in\s+(?:more\s+than\s+|over\s+|almost\s+|nearly\s+)?(?:a|\w+)\s+(?:years?|months?))\b", rest, re.I):
            per = (m.group("per") or "").lower()
            period = {
                "daily": "day", "single-day": "day", "one-day": "day", "weekly": "week",
                "monthly": "month", "single-month": "month", "annual": "year", "yearly": "year",
            }.get(per)
            return "largest_since", 1.0, False, period, m.start(), m.end(), m.group(0).strip()
    return None


def _other_window_for_largest(rest: str, published: dt.date, conflict: Conflict, anchor: dt.date | None) -> TimeWindow | None:
    ws = _find_windows_en(rest, published, conflict, anchor)
    if ws:
        return ws[0].window
    m = re.search(rf"\bin\s+(?:more\s+than\s+|over\s+|almost\s+|nearly\s+)?(?P<n>a|{NUMBER_RE})\s+(?P<u>years?|months?)", rest, re.I)
    if m:
        n = 1 if m.group("n").lower() == "a" else int(parse_number(m.group("n")))
        days = 365 * n if m.group("u").lower().startswith("year") else 30 * n
        return TimeWindow(m.group(0).strip(), published - dt.timedelta(days=days), published, days)
    return None


# ---------------------------------------------------------------- document

def find_operation_start(text: str, published: dt.date) -> dt.date | None:
    """The start date of "the operation" when the text states it.

    Examples
    --------
    >>> find_operation_start("The incursion, launched on Aug. 6, ...", dt.date(2024, 8, 20))
    datetime.date(2024, 8, 6)
    """
    pats = [
        rf"(?:operation|incursion|offensive|counter-?offensive|assault)[^.;]{{0,60}}?(?:launched|began|started|begun|kicked\s+off)\s+(?:on\s+)?(?P<d>{DATE})",
        rf"(?:launched|began|started)\s+(?:the|its|an?|their)\s+(?:[\w-]+\s+){{0,3}}?(?:operation|incursion|offensive|counter-?offensive)(?:\s+[\w'’-]+){{0,3}}?\s+on\s+(?P<d>{DATE})",
        rf"since\s+(?:its|the)\s+(?:launch|start)\s+on\s+(?P<d>{DATE})",
    ]
    for pat in pats:
        m = re.search(pat, text, re.I)
        if m:
            try:
                return parse_date(m.group("d"), published)
            except ClaimParseError:
                continue
    return None


def extract_claims(
    text: str,
    published: dt.date,
    *,
    conflict: Conflict,
    lexicon: Lexicon | None = None,
) -> list[Claim]:
    """Every checkable territorial claim of ``text``, in text order.

    Parameters
    ----------
    text : str
        An article, a statement or a single sentence.
    published : datetime.date
        Publication date P; relative time expressions resolve against it.
    conflict : Conflict
        Sides and their words, events and region spellings (:mod:`frontlines.conflicts`).
    lexicon : Lexicon, optional
        Word tables of the text's language (default: English, Ukrainian or Russian,
        detected from the text, see :func:`frontlines.claims.lexicon.lexicon_for`).

    Returns
    -------
    list of Claim
        Empty when the text has no checkable figure.

    Raises
    ------
    ClaimParseError
        When ``text`` is empty or only whitespace.

    Examples
    --------
    >>> from frontlines.conflicts import default_registry
    >>> ukraine = default_registry().get("ukraine")
    >>> c = extract_claims("Russian forces captured more than 1,000 sq km in October.", dt.date(2024, 11, 3),
    ...                    conflict=ukraine)[0]
    >>> c.kind, c.value, c.qualifier, c.actor, c.action, str(c.window.start)
    ('area', 1000.0, 'over', 'russia', 'gain', '2024-10-01')
    """
    if not isinstance(text, str) or not text.strip():
        raise ClaimParseError("no text to check: the text is empty (pass an article or a sentence)")
    anchor = find_operation_start(text, published)
    lexicon = bind(lexicon if lexicon is not None else lexicon_for(text), conflict)
    ctx = _Context()
    claims: list[Claim] = []
    for raw_sentence in split_sentences(text):
        sentence = strip_dateline(raw_sentence)
        new = _sentence_claims(sentence, published, conflict, lexicon, anchor, ctx)
        claims.extend(new)
    return claims


def _sentence_claims(
    sentence: str,
    published: dt.date,
    conflict: Conflict,
    lex: Lexicon,
    anchor: dt.date | None,
    ctx: _Context,
) -> list[Claim]:
    actors = [_Span(a.start, a.end, a.role, a.text, _is_object(a, sentence, lex)) for a in _spans(sentence, lex.actors)]
    actions = [a for a in _spans(sentence, lex.actions)]
    speaker = _speaker(sentence, actors, lex) or ctx.speaker or _default_speaker(conflict, lex)
    cmp = _find_comparison(sentence, published, conflict, anchor, lex)
    limit = len(sentence)
    rest = ""
    if cmp is not None:
        kind, factor, rate, period, c_start, rest_start, c_raw = cmp
        limit = c_start
        rest = sentence[rest_start:]
    figures = [f for f in _find_figures(sentence, lex) if f.start < limit or f.kind == "front_length"]
    w_limit = len(sentence) if cmp is None else cmp[5] if cmp[0] in ("more_than", "less_than") else cmp[4]
    windows = [w for w in _windows(sentence, published, conflict, anchor, lex) if w.end <= w_limit]
    main_actions = [a for a in actions if a.start < limit]

    explicit = tuple(a.role for a in actors if a.role in conflict.side_ids and not a.object)
    claims: list[Claim] = []
    assigned = _assign_windows(figures, windows)
    clauses = [(m.start(), m.end()) for m in re.finditer(r"[^;]+", sentence[:limit])] or [(0, limit)]

    def make(fig: _Figure | None) -> Claim | None:
        anchor_fig = fig or _Figure(limit, limit, 0.0, None, "km2", "comparison", None, "")
        action = _action_for(anchor_fig, main_actions, limit)
        if fig is not None and fig.kind == "front_length":
            action = None
        elif action is None:
            return None
        if action is not None and re.search(lex.modal, sentence[: action.start], re.I):
            return None
        if action is not None and re.search(r"\b(?:fail(?:ed|s)?|unable)\s+to\s+$", sentence[: action.start], re.I):
            return None
        actor = _actor_for(action, anchor_fig, sentence, actors, speaker, ctx, conflict) if action else None
        window = assigned.get(id(fig)) if fig is not None else (windows[0].window if windows else None)
        if window is None and windows and fig is not None:
            window = min(windows, key=lambda w: _gap(fig, w)).window
        act = action.role if action else None
        if act == "held?":
            act = "gain" if window is not None and window.start != window.end else "held"
        if window is None and act in ("gain", "loss") and ctx.window is not None:
            window = ctx.window
        comparison = None
        if cmp is not None and (fig is None or fig is target):
            comparison = _comparison(cmp, rest, actor, window, published, conflict, anchor, lex, speaker)
            comparison = replace(comparison, quantity=fig.kind if fig is not None else "area")
        if comparison is not None and comparison.rate and window is None and comparison.other_window is not None:
            ow = comparison.other_window
            if ow.resolved:
                days = (ow.end - ow.start).days  # type: ignore[operator]
                window = TimeWindow("(assumed: the same length up to publication)", published - dt.timedelta(days=days), published, days)
        pl = _place_for(fig, sentence, clauses, limit, conflict, lex)
        if fig is None:
            return Claim("comparison", None, None, "km2", None, actor, act, window, pl, comparison, "", sentence)
        return Claim(
            fig.kind, fig.value, fig.value_max, fig.unit, fig.qualifier,
            actor if fig.kind != "front_length" else None, act, window,
            pl if fig.kind != "front_length" else None, comparison, fig.text, sentence, fig.per,
        )

    target = _compared_figure(figures, cmp, sentence, lex) if cmp is not None else None
    for fig in figures:
        c = make(fig)
        if c is None:
            continue
        if c.comparison is not None:
            # One sentence, several claims: the figure, then its comparison as a claim of its own.
            claims.append(replace(c, comparison=None))
            claims.append(replace(c, kind="comparison"))
        else:
            claims.append(c)
    if not figures and cmp is not None:
        c = make(None)
        if c is not None and c.actor is not None:
            claims.append(c)
    if not figures and cmp is None:
        named = _named_settlement(sentence, main_actions, conflict, lex)
        if named is not None and not re.search(lex.modal, sentence[: named[0].start], re.I):
            action, place = named
            region = find_place_cyrillic(sentence, conflict, lex) if lex.language != "en" else find_place(sentence, conflict)
            if region is not None and region.region is not None:
                place = Place(place.raw, region.region, place.kind, place.names)
            probe = _Figure(action.start, action.end, 0.0, None, "count", "settlement", None, place.raw)
            actor = _actor_for(action, probe, sentence, actors, speaker, ctx, conflict)
            window = windows[0].window if windows else None
            act = "gain" if action.role == "held?" else action.role  # "окупували X": taken
            claims.append(Claim("settlement", None, None, None, None, actor, act, window, place, None,
                                place.raw, sentence))

    ctx.speaker = speaker
    if explicit:
        ctx.sides = tuple(dict.fromkeys(explicit))
    elif claims and claims[-1].actor:
        ctx.sides = (claims[-1].actor,)
    last_windows = [c.window for c in claims if c.window is not None]
    ctx.window = last_windows[-1] if last_windows else (windows[-1].window if windows else None)
    return claims




def _compared_figure(
    figures: list[_Figure], cmp: tuple[str, float, bool, str | None, int, int, str], sentence: str, lex: Lexicon
) -> _Figure | None:
    """The one figure a comparison compares ("more territory than" -> the area, not the depth)."""
    cands = [f for f in figures if f.kind in ("area", "depth", "settlements", "share") and f.start < cmp[4]]
    if not cands:
        return None
    words = sentence[cmp[4] : cmp[5]]
    for kind, pat in lex.quantity_words:
        if re.search(pat, words, re.I):
            same = [f for f in cands if f.kind == kind]
            if same:
                return same[-1]
    return cands[-1]


def _place_for(
    fig: _Figure | None, sentence: str, clauses: list[tuple[int, int]], limit: int, conflict: Conflict,
    lex: Lexicon,
) -> Place | None:
    """The place of a figure: in its clause (between semicolons), nearest to it."""
    if lex.language != "en":
        a, b = (0, limit) if fig is None else next(((a, b) for a, b in clauses if a <= fig.start < b), (0, limit))
        return find_place_cyrillic(sentence[a:b], conflict, lex, near=None if fig is None else fig.start - a)
    if fig is None:
        return find_place(sentence[:limit], conflict)
    a, b = next(((a, b) for a, b in clauses if a <= fig.start < b), (0, limit))
    if fig.kind == "share":
        m = re.match(r"\s*of\s+((?:the\s+)?[A-Z][^,;.]*?)(?=\s+(?:and|in|since|over|during|this|last|by|at|as|,)\b|[,;.]|$)",
                     sentence[fig.end : b])
        if m is None:
            return None
        pl = find_place("in " + m.group(1), conflict)
        if pl is not None and pl.region is None and conflict.region_for(pl.raw):
            pl = Place(pl.raw, conflict.region_for(pl.raw), conflict.levels[0].kind)
        return pl
    return find_place(sentence[a:b], conflict, near=fig.start - a)


def _default_speaker(conflict: Conflict, lex: Lexicon) -> str | None:
    """The side a text in this language speaks for when it names no speaker (conflict vocabulary)."""
    words = conflict.vocabulary.get(lex.language, {}).get("default_speaker", ())
    return words[0] if words and words[0] in conflict.side_ids else None


#: Words before a settlement's name after a verb of taking ("captured the village of X").
_SETTLEMENT_WORDS = {
    "en": r"(?:the\s+)?(?:(?:village|town|city|settlement|hamlet)\s+of\s+)?",
}


def _named_settlement(
    sentence: str, main_actions: list[_Span], conflict: Conflict, lex: Lexicon
) -> tuple[_Span, Place] | None:
    """A verb of taking followed by a place's name ("captured Novoselivka", "освободили населенный пункт Бердычи")."""
    sides = {w.lower() for w in (*(w for s in conflict.sides for w in s.words(lex.language)),)}
    for action in main_actions:
        if action.role not in ("gain", "loss", "held?"):
            continue
        after = sentence[action.end :]
        if lex.language == "en":
            m = re.match(rf"\s+{_SETTLEMENT_WORDS['en']}(?P<name>[A-Z][a-z'’\-]+(?:[\s\-][A-Z][a-z'’\-]+)?)", after)
            if m is None or m.group("name").split()[0].lower() in sides:
                continue
            name = m.group("name")
            if find_place(f"in {name}", conflict) is None:
                continue
            return action, Place(name, None, "place")
        m = re.match(rf"\s+(?:(?:{lex.place_before})\s+)?(?P<name>(?-i:[А-ЯІЇЄҐЁ][а-яіїєґё'’ʼ\-]+(?:[\s\-][А-ЯІЇЄҐЁ][а-яіїєґё'’ʼ\-]+)?))",
                     after, re.I)
        if m is None or not re.match(r"[А-ЯІЇЄҐЁ]", m.group("name")):
            continue
        name = m.group("name")
        forms = lemmas(name) if " " not in name else (name,)
        if {f.lower() for f in forms} & sides:
            continue
        return action, Place(name, None, "place", forms)
    return None


def _gap(fig: _Figure, w: WindowMatch) -> int:
    if w.end <= fig.start:
        return fig.start - w.end
    if w.start >= fig.end:
        return w.start - fig.end
    return 0


def _assign_windows(figures: list[_Figure], windows: list[WindowMatch]) -> dict[int, TimeWindow]:
    """Give each window to its nearest figure."""
    out: dict[int, TimeWindow] = {}
    if not figures:
        return out
    best: dict[int, int] = {}
    for w in windows:
        fig = min(figures, key=lambda f: _gap(f, w))
        gap = _gap(fig, w)
        if id(fig) not in best or gap < best[id(fig)]:
            best[id(fig)] = gap
            out[id(fig)] = w.window
    return out


def _comparison(
    cmp: tuple[str, float, bool, str | None, int, int, str],
    rest: str,
    actor: str | None,
    window: TimeWindow | None,
    published: dt.date,
    conflict: Conflict,
    anchor: dt.date | None,
    lex: Lexicon,
    speaker: str | None,
) -> Comparison:
    kind, factor, rate, period, _, _, raw = cmp
    if kind == "largest_since":
        other_window = _other_window_for_largest(rest, published, conflict, anchor)
        return Comparison(kind, factor, None, other_window, rate, period, raw)
    # The compared clause ends at the next clause break.
    clause = re.split(r"[;]|,\s+(?:while|whereas|but|and|according|said|the)\b", rest)[0]
    ws = _windows(clause, published, conflict, anchor, lex)
    other_window = ws[0].window if ws else None
    other_actor = None
    for a in _spans(clause, lex.actors):
        if a.role in conflict.side_ids:
            other_actor = a.role
        elif a.role == "enemy":
            other_actor = conflict.opponent(actor) if actor else None
        elif a.role == "own":
            other_actor = speaker
        else:
            continue
        break
    if other_actor == actor:
        other_actor = None
    return Comparison(kind, factor, other_actor, other_window, rate, period, f"{raw} {clause.strip()}".strip().rstrip(".,"))
