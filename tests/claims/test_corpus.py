"""Extraction against a hand-checked corpus: every field of every claim is asserted."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from frontlines.claims import extract_claims
from frontlines.conflicts import default_registry

CORPUS = [json.loads(line) for line in (Path(__file__).parent / "corpus.jsonl").read_text("utf-8").splitlines() if line]

FIELDS = ("kind", "value", "value_max", "unit", "qualifier", "actor", "action", "window", "place", "comparison", "per", "figure_text")


def test_corpus_size_and_variety() -> None:
    with_claims = [e for e in CORPUS if e["claims"]]
    assert len(with_claims) >= 80
    assert len(CORPUS) - len(with_claims) >= 20  # tricky non-claims
    kinds = {c["kind"] for e in CORPUS for c in e["claims"]}
    assert kinds == {"area", "depth", "settlements", "share", "front_length", "width", "comparison"}
    qualifiers = {c["qualifier"] for e in CORPUS for c in e["claims"]}
    assert {"over", "at_least", "up_to", "about", "nearly", "less_than", "exactly", None} <= qualifiers
    assert {c["action"] for e in CORPUS for c in e["claims"]} == {"gain", "loss", "held", None}


@pytest.mark.parametrize("entry", CORPUS, ids=[f"{i + 1}:{e['text'][:40]}" for i, e in enumerate(CORPUS)])
def test_corpus_entry(entry: dict) -> None:
    got = [c.as_dict() for c in extract_claims(entry["text"], dt.date.fromisoformat(entry["published"]),
                                                  conflict=default_registry().get("ukraine"))]
    assert len(got) == len(entry["claims"]), [g["figure_text"] for g in got]
    for g, want in zip(got, entry["claims"]):
        assert set(want) == set(FIELDS)
        for f in FIELDS:
            assert g[f] == want[f], f"{f}: {g[f]!r} != {want[f]!r}"
        assert g["sentence"] in entry["text"] or entry["text"].endswith(g["sentence"][-20:])
