"""Time expressions in Ukrainian and Russian, resolved against the publication date P.

The same rules as :mod:`frontlines.claims.timeexpr`, with the language's words from
its :class:`~frontlines.claims.lexicon.Lexicon` (``months`` in every case, ``time``):

* "з 6 вересня", "с 6 сентября" -> that day .. P; "з квітня", "с апреля" -> the 1st of that month .. P;
* "у вересні", "за вересень", "в сентябре" (+ "2022 року" / "2022 года") -> that month;
* "з 6 по 11 вересня", "с 6 по 11 сентября" -> those days;
* "за добу", "за сутки" -> P - 1 .. P; "за тиждень", "за неделю", "за останні 5 днів" -> P - N days .. P;
* "минулого тижня", "на прошлой неделе" -> last calendar week; "минулого місяця", "в прошлом месяце"
  -> last calendar month; "цього року", "з початку року", "с начала года" -> 1 January .. P;
  "у 2023 році", "за 2023 рік", "в 2023 году", "за весь 2023 год" -> that year;
* "з початку вторгнення", "с начала СВО" -> the conflict's event (the conflict definition's patterns).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from frontlines.claims.lexicon_cyrillic import NUMBER_WORDS_RE, parse_cyrillic_number
from frontlines.claims.timeexpr import (
    WindowMatch,
    _event_date,
    _minus_months,
    _month_end,
    year_start_note,
)
from frontlines.claims.types import TimeWindow
from frontlines.conflicts.definition import Conflict

__all__ = ["find_windows_cyrillic"]


def _month(word: str, months: tuple[tuple[str, int], ...]) -> int | None:
    for pat, n in months:
        if re.fullmatch(pat, word, re.I):
            return n
    return None


def find_windows_cyrillic(
    text: str, published: dt.date, conflict: Conflict, lex: Any, anchor: dt.date | None = None
) -> list[WindowMatch]:
    """Every time expression of a Ukrainian or Russian ``text``, in text order (longest wins on overlap)."""
    p = published
    t = lex.time
    month_alt = "|".join(pat for pat, _ in lex.months)
    M = rf"(?P<m>{month_alt})(?![\w])"
    Y = rf"(?:\s+(?P<y>(?:19|20)\d{{2}})(?:\s*{t['year_word']})?)?"
    N = rf"(?P<n>\d+|{NUMBER_WORDS_RE})"
    units = t["units"]
    found: list[tuple[int, int, TimeWindow]] = []

    def add(m: re.Match[str], start: dt.date | None, end: dt.date | None, days: int | None = None,
            note: str | None = None) -> None:
        if start is not None and end is not None and start > end:
            return
        found.append((m.start(), m.end(), TimeWindow(m.group(0).strip().rstrip(".,"), start, end, days, note)))

    def month_of(m: re.Match[str]) -> tuple[int, int]:
        n = _month(m.group("m"), lex.months) or 1
        y = int(m.group("y")) if m.groupdict().get("y") else (p.year if n <= p.month else p.year - 1)
        return y, n

    def unit_of(word: str) -> str | None:
        for u, pat in units.items():
            if re.fullmatch(pat, word, re.I):
                return u
        return None

    def count(word: str | None) -> int | None:
        if not word:
            return 1
        try:
            v = parse_cyrillic_number(word)
        except (KeyError, ValueError):
            return None
        return int(v) if v == v else None

    # "з 6 по 11 вересня" / "с 6 по 11 сентября"
    for m in re.finditer(rf"(?<![\w]){t['since']}\s+(?P<a>\d{{1,2}})\s+{t['to']}\s+(?P<b>\d{{1,2}})\s+{M}{Y}", text, re.I):
        y, n = month_of(m)
        try:
            add(m, dt.date(y, n, int(m.group("a"))), min(dt.date(y, n, int(m.group("b"))), p))
        except ValueError:
            continue
    # "з 6 вересня", "с 6 сентября 2022 года"
    for m in re.finditer(rf"(?<![\w]){t['since']}\s+(?P<d>\d{{1,2}})\s+{M}{Y}", text, re.I):
        n = _month(m.group("m"), lex.months) or 1
        d = int(m.group("d"))
        try:
            y = int(m.group("y")) if m.group("y") else (p.year if dt.date(p.year, n, d) <= p else p.year - 1)
            add(m, dt.date(y, n, d), p)
        except ValueError:
            continue
    # "з квітня", "с апреля"
    for m in re.finditer(rf"(?<![\w]){t['since']}\s+(?:початку\s+|начала\s+)?{M}{Y}", text, re.I):
        y, n = month_of(m)
        add(m, dt.date(y, n, 1), p)
    # "у вересні", "за вересень", "в сентябре 2022 года"
    for m in re.finditer(rf"(?<![\w]){t['in']}\s+{M}{Y}", text, re.I):
        y, n = month_of(m)
        add(m, dt.date(y, n, 1), min(_month_end(y, n), p))
    # "у 2023 році", "за 2023 рік", "за весь 2023 год"
    for m in re.finditer(rf"(?<![\w])(?:{t['all_of']}|{t['in']})\s+(?P<y>(?:19|20)\d{{2}})\s*{t['year_word']}", text, re.I):
        y = int(m.group("y"))
        add(m, dt.date(y, 1, 1), min(dt.date(y, 12, 31), p))
    for m in re.finditer(rf"(?<![\w]){t['this_year']}(?![\w])", text, re.I):
        add(m, dt.date(p.year, 1, 1), p, note=year_start_note(p))
    for m in re.finditer(rf"(?<![\w]){t['last_year']}(?![\w])", text, re.I):
        add(m, dt.date(p.year - 1, 1, 1), dt.date(p.year - 1, 12, 31))
    for m in re.finditer(rf"(?<![\w]){t['this_month']}(?![\w])", text, re.I):
        add(m, dt.date(p.year, p.month, 1), p)
    for m in re.finditer(rf"(?<![\w]){t['last_month']}(?![\w])", text, re.I):
        prev = _minus_months(dt.date(p.year, p.month, 1), 1)
        add(m, prev, _month_end(prev.year, prev.month))
    for m in re.finditer(rf"(?<![\w]){t['last_week']}(?![\w])", text, re.I):
        monday = p - dt.timedelta(days=p.weekday() + 7)
        add(m, monday, monday + dt.timedelta(days=6))
    for m in re.finditer(rf"(?<![\w]){t['day']}(?![\w])", text, re.I):
        add(m, p - dt.timedelta(days=1), p, 1)
    for m in re.finditer(rf"(?<![\w]){t['yesterday']}(?![\w])", text, re.I):
        add(m, p - dt.timedelta(days=1), p - dt.timedelta(days=1))
    for m in re.finditer(rf"(?<![\w]){t['today']}(?![\w])", text, re.I):
        add(m, p, p)
    # "за останні 5 днів", "за тиждень", "за п'ять днів", "за последние три месяца"
    for m in re.finditer(rf"(?<![\w]){t['past']}\s*(?:{N}\s+)?(?P<u>[\w]+)", text, re.I):
        u = unit_of(m.group("u"))
        n = count(m.group("n"))
        if u is None or n is None:
            continue
        if u == "month":
            add(m, _minus_months(p, n), p)
        elif u == "year":
            add(m, dt.date(p.year - n, p.month, min(p.day, calendar.monthrange(p.year - n, p.month)[1])), p)
        else:
            days = n * (7 if u == "week" else 1)
            add(m, p - dt.timedelta(days=days), p, days)
    # "з початку вторгнення", "с начала СВО": the fewest words that name one of the conflict's events
    for m in re.finditer(rf"(?<![\w]){t['start_of']}\s+(?P<e>(?:[\w'’-]+\s+){{0,3}}[\w'’-]+)", text, re.I):
        words = m.group("e").split()
        for n in range(1, len(words) + 1):
            d = _event_date(" ".join(words[:n]), p, conflict)
            if d is not None:
                end = m.start("e") + len(" ".join(words[:n]))
                found.append((m.start(), end, TimeWindow(text[m.start() : end], d, p)))
                break
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    chosen: list[tuple[int, int, TimeWindow]] = []
    for f in found:
        if all(f[1] <= c[0] or f[0] >= c[1] for c in chosen):
            chosen.append(f)
    return [WindowMatch(w, a, b) for a, b, w in sorted(chosen, key=lambda f: f[0])]
