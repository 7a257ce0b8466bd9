"""Time expressions: article datelines and claim windows, resolved against a date.

Pure functions: the publication date is always passed in, never read from a clock.

Window rules (both days inclusive, the end never after the publication date P):

* "since March 3" -> March 3 (of P's year, or the year before if that is after P) .. P;
  "since the start of the invasion" -> the conflict's start date .. P (a named
  event: latest matching :class:`~frontlines.conflicts.Event` on or before P);
* "in/over the past|last N days|weeks|months", "in the past 24 hours",
  "within a fortnight", "in five days" -> P - N days .. P (months as calendar months);
* "in October" -> the last October that is not after P (end capped at P);
  "last month" / "last year" -> the previous calendar month / year; "this year",
  "so far this year" -> January 1 .. P; "in 2023" -> that year;
* "yesterday" -> P - 1; "today" -> P; "overnight" -> P - 1 .. P; "on Tuesday" -> the
  last Tuesday on or before P;
* "during the first three days of the operation" -> the event's start .. start + 2
  (unresolved, with only ``duration_days``, when the event is unknown);
* "between June 1 and August 31", "from June to August" -> those days;
* seasons: spring = Mar–May, summer = Jun–Aug, autumn/fall = Sep–Nov, winter = Dec–Feb.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from frontlines.claims.lexicon import alternation, side_words
from frontlines.claims.numbers import NUMBER_RE, parse_number
from frontlines.claims.types import TimeWindow
from frontlines.conflicts.definition import Conflict
from frontlines.errors import ClaimParseError

__all__ = ["WindowMatch", "find_dateline", "find_windows", "parse_date", "year_start_note"]


def year_start_note(p: dt.date) -> str | None:
    """The warning on "since the start of the year" read on 1 January (a one-day window)."""
    if p.month == 1 and p.day == 1:
        return (f"'since the start of the year' published on {p.isoformat()} is a one-day window: "
                f"the text probably means the year before ({p.year - 1}); give the publication date or the period.")
    return None

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
# Month names must be capitalised ("May", not the verb "may").
MONTH = (
    r"(?-i:(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|JAN|FEB|MAR|APR|MAY|JUNE?|JULY?"
    r"|AUG|SEPT?|OCT|NOV|DEC)\b)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}(?![,.]?\d)"
DATE = (
    rf"(?:{MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?\b"
    rf"|{_DAY}\s+(?:of\s+)?{MONTH}(?:,?\s+{_YEAR})?"
    r"|\d{4}-\d{2}-\d{2})"
)
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "hour": 1 / 24}


@dataclass(frozen=True)
class WindowMatch:
    """A time expression found in text, with its character span."""

    window: TimeWindow
    start: int
    end: int


def _month_num(text: str) -> int:
    return _MONTHS[text.strip(". ").lower()[:3]]


def parse_date(text: str, published: dt.date) -> dt.date:
    """A date as written ("March 3", "3 March 2024", "2024-03-03", "Sept. 11").

    Without a year, the latest such day on or before ``published``.

    Raises
    ------
    ClaimParseError
        When the text is not a date.
    """
    t = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", t)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(rf"({MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?", t, re.I)
    if not m:
        m2 = re.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTH})(?:,?\s+(\d{{4}}))?", t, re.I)
        if not m2:
            raise ClaimParseError(f"not a date: {text!r}")
        day, month, year = int(m2.group(1)), _month_num(m2.group(2)), m2.group(3)
    else:
        month, day, year = _month_num(m.group(1)), int(m.group(2)), m.group(3)
    try:
        if year:
            return dt.date(int(year), month, day)
        d = dt.date(published.year, month, day)
        return d if d <= published else dt.date(published.year - 1, month, day)
    except ValueError as exc:
        raise ClaimParseError(f"not a valid date: {text!r} ({exc})") from None


def find_dateline(text: str, reference: dt.date) -> dt.date | None:
    """The article's own publication date, when its first lines carry one.

    Recognises agency datelines ("KYIV, Sept 11 (Reuters) -"), "11 September 2022 |",
    "Published: 2024-08-14", "Updated Aug. 14, 2024", and a first line that is a date.

    Parameters
    ----------
    text : str
        The article.
    reference : datetime.date
        Supplies the year when the dateline has none (the latest such day on or
        before ``reference``).

    Returns
    -------
    datetime.date or None
    """
    head = text.lstrip()[:300]
    patterns = [
        rf"^[A-Z][A-Za-z .'\-]{{1,40}},\s+(?:[A-Z][A-Za-z .'\-]{{1,30}},\s+)?({DATE})\s*[(/-]",
        rf"^\s*({DATE})\s*[|\u2014\u2013-]",
        rf"(?:published|updated|posted|date)(?:\s+on)?\s*:?\s*({DATE})",
        rf"^\s*({DATE})\s*$",
    ]
    for pat in patterns:
        m = re.search(pat, head, re.I | re.M)
        if m:
            try:
                return parse_date(m.group(1), reference)
            except ClaimParseError:
                continue
    return None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _minus_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 - n, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _last_month_named(month: int, year: str | None, p: dt.date) -> tuple[dt.date, dt.date]:
    y = int(year) if year else (p.year if month <= p.month else p.year - 1)
    return dt.date(y, month, 1), min(_month_end(y, month), p)


def _count(text: str | None) -> int:
    if not text or text.strip().lower() in ("a", "an", "the", "one", "single"):
        return 1
    return int(parse_number(text))


def _season(name: str, year: str | None, p: dt.date) -> tuple[dt.date, dt.date]:
    a, b = _SEASONS[name.lower()]
    y = int(year) if year else p.year
    start = dt.date(y, a, 1)
    if start > p:
        y -= 1
        start = dt.date(y, a, 1)
    end = _month_end(y + 1 if b < a else y, b)
    return start, min(end, p)


def _event_date(words: str, p: dt.date, conflict: Conflict) -> dt.date | None:
    words = words.lower().strip()
    best: tuple[int, dt.date] | None = None
    for ev in conflict.events:
        if ev.date > p:
            continue
        for pat in ev.patterns:
            m = re.search(rf"\b{pat}\b", words)
            if m:
                key = (len(m.group(0)), ev.date)
                if best is None or key > best:
                    best = key
    return best[1] if best else None


_N = rf"(?:{NUMBER_RE}|a|an|the|single)"


def _event_words(conflict: Conflict) -> str:
    """An event phrase, optionally owned by a side ("Russia's full-scale invasion")."""
    owners = alternation(side_words(conflict, "en", adjectives=False))
    return (rf"(?:the\s+|its\s+|(?:{owners})'?s\s+)?(?:[a-z\-]+\s+){{0,3}}?"
            r"(?:invasion|war|counter-?offensive|incursion|operation|offensive)")


def _rules(p: dt.date, conflict: Conflict, anchor: dt.date | None):
    """(regex, resolver) pairs; a resolver returns (start, end, duration) or None."""
    _EVENT_WORDS = _event_words(conflict)

    def since_date(m: re.Match[str]):
        return parse_date(m.group("d"), p), p, None

    def since_month(m: re.Match[str]):
        start, _ = _last_month_named(_month_num(m.group("m")), m.group("y"), p)
        return start, p, None

    def since_season(m: re.Match[str]):
        start, _ = _season(m.group("s"), m.group("y"), p)
        return start, p, None

    def since_year_start(m: re.Match[str]):
        y = int(m.group("y")) if m.group("y") else p.year
        return dt.date(y, 1, 1), p, None

    def since_event(m: re.Match[str]):
        d = anchor if anchor and re.search(r"operation|incursion|offensive", m.group("e"), re.I) else None
        d = d or _event_date(m.group("e"), p, conflict)
        return (d, p, None) if d else None

    def past_n(m: re.Match[str]):
        n = _count(m.group("n"))
        unit = m.group("u").lower().rstrip("s")
        if unit == "month":
            return _minus_months(p, n), p, None
        if unit == "year":
            return dt.date(p.year - n, p.month, min(p.day, calendar.monthrange(p.year - n, p.month)[1])), p, None
        days = max(1, round(n * _UNIT_DAYS[unit]))
        return p - dt.timedelta(days=days), p, days

    def first_n_of_event(m: re.Match[str]):
        if not m.group("n"):
            return None, None, None  # "the first days of ...": no length
        n = _count(m.group("n"))
        unit = m.group("u").lower().rstrip("s")
        days = n * (30 if unit == "month" else int(_UNIT_DAYS.get(unit, 1)))
        d = anchor or _event_date(m.group("e"), p, conflict)
        if d is None:
            return None, None, days
        return d, min(d + dt.timedelta(days=days - 1), p), days

    def between_dates(m: re.Match[str]):
        a, b = parse_date(m.group("a"), p), parse_date(m.group("b"), p)
        if a > b:
            a = dt.date(a.year - 1, a.month, a.day)
        return a, b, None

    def between_months(m: re.Match[str]):
        y = m.group("y")
        ma, mb = _month_num(m.group("a")), _month_num(m.group("b"))
        _, end = _last_month_named(mb, y, p)
        ya = end.year if ma <= mb else end.year - 1
        return dt.date(ya, ma, 1), end, None

    def in_month(m: re.Match[str]):
        start, end = _last_month_named(_month_num(m.group("m")), m.group("y"), p)
        return start, end, None

    def in_season(m: re.Match[str]):
        return _season(m.group("s"), m.group("y"), p) + (None,)

    def in_year(m: re.Match[str]):
        y = int(m.group("y"))
        return dt.date(y, 1, 1), min(dt.date(y, 12, 31), p), None

    def this_year(m: re.Match[str]):
        return dt.date(p.year, 1, 1), p, None

    def since_this_year_start(m: re.Match[str]):
        return dt.date(p.year, 1, 1), p, None, year_start_note(p)

    def this_month(m: re.Match[str]):
        return dt.date(p.year, p.month, 1), p, None

    def last_month(m: re.Match[str]):
        prev = _minus_months(dt.date(p.year, p.month, 1), 1)
        return prev, _month_end(prev.year, prev.month), None

    def last_year(m: re.Match[str]):
        return dt.date(p.year - 1, 1, 1), dt.date(p.year - 1, 12, 31), None

    def first_half(m: re.Match[str]):
        y = int(m.group("y")) if m.group("y") else p.year
        n = 6 if m.group("h") else _count(m.group("n"))
        return dt.date(y, 1, 1), min(_month_end(y, n), p), None

    def yesterday(m: re.Match[str]):
        d = p - dt.timedelta(days=1)
        return d, d, None

    def today(m: re.Match[str]):
        return p, p, None

    def overnight(m: re.Match[str]):
        return p - dt.timedelta(days=1), p, None

    def weekday(m: re.Match[str]):
        wd = _WEEKDAYS.index(m.group("w").lower())
        d = p - dt.timedelta(days=(p.weekday() - wd) % 7)
        return d, d, None

    def on_date(m: re.Match[str]):
        d = parse_date(m.group("d"), p)
        return d, d, None

    def last_week(m: re.Match[str]):
        monday = p - dt.timedelta(days=p.weekday() + 7)
        return monday, monday + dt.timedelta(days=6), None

    def previous_n(m: re.Match[str]):
        unit = m.group("u").lower()
        days = {"day": 1, "week": 7, "fortnight": 14}.get(unit)
        if days is None:
            return last_month(m)
        return p - dt.timedelta(days=2 * days), p - dt.timedelta(days=days), days

    def weekend(m: re.Match[str]):
        sunday = p - dt.timedelta(days=(p.weekday() - 6) % 7)
        return sunday - dt.timedelta(days=1), sunday, None

    def since_weekday(m: re.Match[str]):
        start, _, _ = weekday(m)
        return start, p, None

    n_unit = rf"(?P<n>{_N})?[\s-]*(?P<u>days?|weeks?|months?|years?|fortnight|hours?)\b"
    season = r"(?P<s>spring|summer|autumn|fall|winter)"
    return [
        (rf"\bbetween\s+(?P<a>{DATE})\s+and\s+(?P<b>{DATE})", between_dates),
        (rf"\bfrom\s+(?P<a>{DATE})\s+(?:to|until|through)\s+(?P<b>{DATE})", between_dates),
        (rf"\b(?:from|between)\s+(?P<a>{MONTH})\s+(?:to|until|through|and)\s+(?P<b>{MONTH})(?:\s+(?P<y>{_YEAR}))?", between_months),
        (r"\bsince\s+(?:the\s+)?(?:start|beginning)\s+of\s+(?:the|this)\s+year\b", since_this_year_start),
        (rf"\bsince\s+(?:the\s+)?(?:start|beginning)\s+of\s+(?P<y>{_YEAR})", since_year_start),
        (rf"\bsince\s+(?:the\s+)?(?:start|beginning|launch|outbreak)\s+of\s+(?P<e>{_EVENT_WORDS})", since_event),
        (rf"\bsince\s+(?P<e>{_EVENT_WORDS})\s+(?:began|started|was\s+launched)", since_event),
        (r"\bsince\s+(?P<e>(?:the\s+)?(?:full[- ]scale\s+)?invasion)", since_event),
        (rf"\bsince\s+(?:the\s+)?(?:early\s+|late\s+)?{season}(?:\s+(?:of\s+)?(?P<y>{_YEAR}))?", since_season),
        (rf"\bsince\s+(?P<d>{DATE})", since_date),
        (rf"\bsince\s+(?:the\s+)?(?:start|beginning|launch)\s+of\s+{_EVENT_WORDS}\s+on\s+(?P<d>{DATE})", since_date),
        (r"\bsince\s+(?:last\s+)?(?P<w>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", since_weekday),
        (r"\bsince\s+the\s+(?:start|beginning)\s+of\s+the\s+month\b", this_month),
        (rf"\bsince\s+(?:early\s+|late\s+|mid-)?(?P<m>{MONTH})(?:\s+(?P<y>{_YEAR}))?", since_month),
        (rf"\bsince\s+(?:the\s+)?(?:start|beginning)\s+of\s+(?P<m>{MONTH})(?:\s+(?P<y>{_YEAR}))?", since_month),
        (rf"\b(?:during|in|over)\s+the\s+first\s+{n_unit}\s+of\s+(?P<e>{_EVENT_WORDS})", first_n_of_event),
        (rf"\b(?:in|over|during|within)\s+the\s+(?:past|last|previous|preceding)\s+{n_unit}", past_n),
        (rf"\b(?:within|in\s+(?:just|only|less\s+than)?|over)\s*(?:a\s+(?:single\s+)?|the\s+space\s+of\s+)?{n_unit}(?!\s+(?:ago|later|earlier|before|after))", past_n),
        (rf"\b(?:in|during)\s+(?:the\s+whole\s+of\s+)?the\s+first\s+(?:(?P<h>half)|(?P<n>{_N})\s+months?)\s+of\s+(?:the\s+year|(?P<y>{_YEAR}))", first_half),
        (r"\bin\s+the\s+(?:whole|course)\s+of\s+last\s+year|\b(?<!the\s)last\s+year\b|\bin\s+the\s+previous\s+year\b", last_year),
        (rf"\b(?:in\s+the\s+whole\s+of|in\s+all\s+of|(?:over|in|during)\s+the\s+course\s+of|throughout|during|in|for)\s+(?:early\s+|late\s+|mid-)?(?P<y>{_YEAR})\b", in_year),
        (r"\b(?:so\s+far\s+)?this\s+year\b|\bsince\s+january\b", this_year),
        (r"\b(?:so\s+far\s+)?this\s+month\b", this_month),
        (r"\b(?<!the\s)last\s+month\b|\bin\s+the\s+previous\s+month\b", last_month),
        (r"\b(?<!the\s)last\s+week\b", last_week),
        (r"\b(?:over|during|at)\s+the\s+(?:last\s+|past\s+)?weekend\b|\bthis\s+weekend\b", weekend),
        (r"\b(?:the|a)\s+(?:previous|preceding)\s+(?P<u>day|week|fortnight|month)\b", previous_n),
        (rf"\b(?:in|during|throughout|over)\s+(?:the\s+month\s+of\s+)?(?:early\s+|late\s+|mid-)?(?P<m>{MONTH})(?:\s+(?P<y>{_YEAR}))?(?!\s+\d)", in_month),
        (rf"\b(?:in|during|over|throughout)\s+(?:the\s+)?{season}(?:\s+(?:of\s+)?(?P<y>{_YEAR}))?", in_season),
        (r"\byesterday\b", yesterday),
        (r"\btoday\b", today),
        (r"\bovernight\b|\bin\s+the\s+past\s+day\b", overnight),
        (r"\bon\s+(?P<w>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", weekday),
        (rf"\bon\s+(?P<d>{DATE})", on_date),
    ]


def find_windows(
    text: str,
    published: dt.date,
    conflict: Conflict,
    anchor: dt.date | None = None,
) -> list[WindowMatch]:
    """Every time expression of ``text``, resolved against ``published``, in text order.

    Parameters
    ----------
    text : str
        A sentence (or clause).
    published : datetime.date
        Publication date P.
    conflict : Conflict
        Supplies named events ("the invasion").
    anchor : datetime.date, optional
        Start of "the operation" when the document states it.

    Returns
    -------
    list of WindowMatch
        Non-overlapping matches; where patterns overlap the longest wins.
    """
    found: list[WindowMatch] = []
    for pattern, resolve in _rules(published, conflict, anchor):
        for m in re.finditer(pattern, text, re.I):
            try:
                res = resolve(m)
            except (ClaimParseError, ValueError, OverflowError):
                # datetime's out-of-range signals: "the past 5000 years", "the first 999999 weeks of ..."
                continue
            if res is None:
                continue
            start, end, days, *note = res
            if start is not None and end is not None and start > end:
                continue
            raw = m.group(0).strip().rstrip(".,")
            found.append(WindowMatch(TimeWindow(raw, start, end, days, note[0] if note else None), m.start(), m.end()))
    found.sort(key=lambda w: (-(w.end - w.start), w.start))
    chosen: list[WindowMatch] = []
    for w in found:
        if all(w.end <= c.start or w.start >= c.end for c in chosen):
            chosen.append(w)
    return sorted(chosen, key=lambda w: w.start)
