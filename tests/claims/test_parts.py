"""Unit tests of the pure parts: numbers, dates, windows, places, sentences."""

from __future__ import annotations

import datetime as dt
import doctest

import pytest

import frontlines.claims.check
import frontlines.claims.evaluate
import frontlines.claims.extract
import frontlines.claims.lexicon_cyrillic
import frontlines.claims.numbers
import frontlines.claims.places
import frontlines.claims.sentences
from frontlines.claims import extract_claims, find_dateline
from frontlines.claims.numbers import parse_number
from frontlines.claims.places import find_place
from frontlines.claims.timeexpr import find_windows
from frontlines.conflicts import default_registry
from frontlines.errors import ClaimParseError

UKRAINE = default_registry().get("ukraine")

P = dt.date(2024, 8, 14)  # a Wednesday


@pytest.mark.parametrize(
    "module",
    [frontlines.claims.numbers, frontlines.claims.places, frontlines.claims.sentences,
     frontlines.claims.extract, frontlines.claims.evaluate, frontlines.claims.check, frontlines.claims.lexicon_cyrillic],
)
def test_doctests(module) -> None:
    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,000", 1000), ("2.5", 2.5), ("1.2 million", 1.2e6), ("twenty-five", 25), ("a dozen", 12),
     ("half a dozen", 6), ("two hundred and fifty", 250), ("a thousand", 1000), ("40k", 40000)],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == value


def test_parse_number_rejects_words() -> None:
    with pytest.raises(ClaimParseError):
        parse_number("dozens")


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("since March 3", "2024-03-03", "2024-08-14"),
        ("since December 3", "2023-12-03", "2024-08-14"),
        ("in the past ten days", "2024-08-04", "2024-08-14"),
        ("over the last week", "2024-08-07", "2024-08-14"),
        ("within a fortnight", "2024-07-31", "2024-08-14"),
        ("in October", "2023-10-01", "2023-10-31"),
        ("in August", "2024-08-01", "2024-08-14"),
        ("this year", "2024-01-01", "2024-08-14"),
        ("since the start of the invasion", "2022-02-24", "2024-08-14"),
        ("since the full-scale invasion began", "2022-02-24", "2024-08-14"),
        ("in five days", "2024-08-09", "2024-08-14"),
        ("yesterday", "2024-08-13", "2024-08-13"),
        ("last month", "2024-07-01", "2024-07-31"),
        ("last week", "2024-08-05", "2024-08-11"),
        ("in the whole of last year", "2023-01-01", "2023-12-31"),
        ("since autumn 2022", "2022-09-01", "2024-08-14"),
        ("on Tuesday", "2024-08-13", "2024-08-13"),
        ("since Tuesday", "2024-08-13", "2024-08-14"),
        ("over the weekend", "2024-08-10", "2024-08-11"),
        ("in the first half of 2024", "2024-01-01", "2024-06-30"),
        ("since the start of the counteroffensive", "2023-06-04", "2024-08-14"),
        ("since the start of the incursion", "2024-08-06", "2024-08-14"),
    ],
)
def test_windows(phrase: str, start: str, end: str) -> None:
    (w,) = find_windows(phrase, P, UKRAINE)
    assert (str(w.window.start), str(w.window.end)) == (start, end)


@pytest.mark.parametrize(
    "phrase",
    [
        "in the first 999999 weeks of the invasion",  # past datetime's last day: OverflowError
        "in the first 99999999999 days of the invasion",  # not even a C int
        "in the past 5000 years",  # before year 1
        "over the last 99999999999 months",
        "between February 30 and March 3",
    ],
)
def test_windows_outside_the_calendar_are_not_windows(phrase: str) -> None:
    """A period no calendar holds is no time window (and no traceback)."""
    assert find_windows(phrase, P, UKRAINE) == []


def test_counteroffensive_depends_on_publication_date() -> None:
    (w,) = find_windows("since the start of the counteroffensive", dt.date(2022, 10, 1), UKRAINE)
    assert w.window.start == dt.date(2022, 9, 6)


def test_operation_days_need_a_start() -> None:
    (w,) = find_windows("during the first three days of the operation", P, UKRAINE)
    assert not w.window.resolved and w.window.duration_days == 3
    (w,) = find_windows("during the first three days of the operation", P, UKRAINE, anchor=dt.date(2024, 8, 6))
    assert (w.window.start, w.window.end) == (dt.date(2024, 8, 6), dt.date(2024, 8, 8))


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("KYIV, Sept 11 (Reuters) - Ukraine's army ...", "2024-09-11"),
        ("WASHINGTON, Nov. 3, 2023 (AP) - ...", "2023-11-03"),
        ("11 September 2022 | The Ukrainian army ...", "2022-09-11"),
        ("Published: 2024-08-14\nRussian forces ...", "2024-08-14"),
        ("By A. Writer\nUpdated Aug. 14, 2024 10:00 GMT\n...", "2024-08-14"),
    ],
)
def test_datelines(text: str, date: str) -> None:
    assert str(find_dateline(text, dt.date(2024, 12, 1))) == date


def test_no_dateline() -> None:
    assert find_dateline("Russian forces captured 500 km2 on 3 March 2024.", P) is None


@pytest.mark.parametrize(
    ("text", "raw", "region", "kind"),
    [
        ("in the Donetsk region", "the Donetsk region", "Donetsk", "oblast"),
        ("in Donetsk oblast", "Donetsk oblast", "Donetsk", "oblast"),
        ("in Donetska oblast", "Donetska oblast", "Donetsk", "oblast"),
        ("in the Zaporozhye region", "the Zaporozhye region", "Zaporizhzhia", "oblast"),
        ("near Kharkiv", "Kharkiv", None, "place"),
        ("around Bakhmut", "Bakhmut", None, "place"),
        ("in the Pokrovsk direction", "the Pokrovsk direction", None, "direction"),
        ("near Pokrovsk in the Donetsk region", "Pokrovsk", "Donetsk", "place"),
        ("in Ukraine", None, None, None),
    ],
)
def test_places(text: str, raw: str | None, region: str | None, kind: str | None) -> None:
    p = find_place(text, UKRAINE)
    got = (p.raw, p.region, p.kind) if p else (None, None, None)
    assert got == (raw, region, kind)


def test_pronouns_across_sentences() -> None:
    text = "Russian forces pressed on near Pokrovsk. They captured three villages in the past week."
    (c,) = extract_claims(text, P, conflict=UKRAINE)
    assert (c.actor, c.action, c.value) == ("russia", "gain", 3.0)
    ambiguous = "Russian and Ukrainian forces clashed. They captured three villages in the past week."
    (c,) = extract_claims(ambiguous, P, conflict=UKRAINE)
    assert c.actor is None


def test_window_carries_to_next_sentence() -> None:
    text = "Russian forces captured 300 km2 in July. They also advanced 5 km near Toretsk."
    a, b = extract_claims(text, P, conflict=UKRAINE)
    assert b.window == a.window and b.actor == "russia"


def test_enemy_follows_speaker() -> None:
    (c,) = extract_claims("The enemy captured 5 villages last week, Russia's defence ministry said.", P, conflict=UKRAINE)
    assert c.actor == "ukraine"


def test_empty_text_raises() -> None:
    with pytest.raises(ClaimParseError, match="empty"):
        extract_claims("  ", P, conflict=UKRAINE)
