"""The multilingual corpus (Ukrainian, Russian, English compound claims) and the precision/recall figures."""

from __future__ import annotations

import datetime as dt

import pytest

from frontlines.claims import extract_claims
from frontlines.claims.lexicon_cyrillic import (
    detect_language,
    lemmas,
    parse_cyrillic_number,
)
from frontlines.conflicts import default_registry
from tests.claims.scoring import CORPORA, load, report, score_entry

ENTRIES = load("corpus_multilingual.jsonl")


def test_corpus_size_and_languages() -> None:
    every = [e for name in CORPORA for e in load(name)]
    assert len(every) >= 200
    langs = {e["lang"] for e in ENTRIES}
    assert langs == {"en", "uk", "ru"}
    assert sum(e["lang"] == "uk" for e in ENTRIES) >= 40 and sum(e["lang"] == "ru" for e in ENTRIES) >= 30
    kinds = {c["kind"] for e in ENTRIES for c in e["claims"]}
    assert {"area", "depth", "settlements", "share", "settlement", "comparison", "front_length"} <= kinds
    assert sum(not e["claims"] for e in ENTRIES) >= 8  # non-claims: losses of men, shelling, intentions, distances


@pytest.mark.parametrize("entry", ENTRIES, ids=[f"{i + 1}:{e['lang']}:{e['text'][:30]}" for i, e in enumerate(ENTRIES)])
def test_entry(entry: dict) -> None:
    tp, fp, fn = score_entry(entry)
    assert (fp, fn) == (0, 0), entry["claims"]
    assert tp == len(entry["claims"])


def test_precision_recall_figures() -> None:
    # The README quotes these (python -m tests.claims.scoring).
    r = report()
    assert r["all"]["sentences"] >= 200
    assert r["all"]["precision"] >= 0.95 and r["all"]["recall"] >= 0.95
    assert r["uk"]["expected"] >= 40 and r["ru"]["expected"] >= 30


def test_language_detection_and_numbers() -> None:
    assert detect_language("Ворог окупував понад 100 тис. кв. км") == "uk"
    assert detect_language("В августе ВС РФ освободили 477 кв. км.") == "ru"
    assert detect_language("Russian forces took 12 villages.") == "en"
    assert parse_cyrillic_number("2 500") == 2500.0
    assert parse_cyrillic_number("3,5 тис.") == 3500.0
    assert parse_cyrillic_number("100 тысяч") == 100000.0
    assert parse_cyrillic_number("дванадцять") == 12.0
    assert "Покровськ" in lemmas("Покровськом") and "Бердичі" in lemmas("Бердычи")


def test_actor_direction_whatever_the_speaker() -> None:
    """'освободили' in a Russian statement and 'окупували' in a Ukrainian one are both Russian gains."""
    ukraine = default_registry().get("ukraine")
    p = dt.date(2024, 9, 2)
    ru = extract_claims("ВС РФ освободили 12 населенных пунктов за неделю.", p, conflict=ukraine)
    uk = extract_claims("Окупанти захопили 12 населених пунктів за тиждень.", p, conflict=ukraine)
    en = extract_claims("The enemy took 12 villages in the past week, Ukraine's General Staff said.", p, conflict=ukraine)
    assert [(c.actor, c.action, c.value) for c in ru + uk + en] == [("russia", "gain", 12.0)] * 3
    liberated = extract_claims("ЗСУ звільнили 12 населених пунктів за тиждень.", p, conflict=ukraine)
    assert [(c.actor, c.action) for c in liberated] == [("ukraine", "gain")]


def test_start_of_year_on_new_year_warns() -> None:
    ukraine = default_registry().get("ukraine")
    (c,) = extract_claims("Since the start of the year, Russian forces captured 100 sq km.", dt.date(2025, 1, 1),
                          conflict=ukraine)
    assert c.window is not None and c.window.start == c.window.end == dt.date(2025, 1, 1)
    assert c.window.note and "one-day window" in c.window.note
    (later,) = extract_claims("Since the start of the year, Russian forces captured 100 sq km.", dt.date(2025, 3, 1),
                              conflict=ukraine)
    assert later.window is not None and later.window.note is None
