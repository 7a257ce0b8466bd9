"""Claim checking: read territorial claims in plain text and verify them against the maps.

Pure: nothing here reads files, the network, a database or the clock.

>>> import datetime as dt
>>> from frontlines.claims import extract_claims
>>> from frontlines.conflicts import default_registry
>>> ukraine = default_registry().get("ukraine")
>>> [c.kind for c in extract_claims("Russian troops took 12 villages last week.", dt.date(2024, 8, 14), conflict=ukraine)]
['settlements']

Languages: English, Ukrainian and Russian (:func:`lexicon_for` detects which).

Pipeline: :func:`extract_claims` (text -> :class:`Claim`), :func:`evaluate_claim`
(claim + :class:`Measurer` -> :class:`ClaimResult`), :func:`check_text` (both ->
:class:`CheckReport`). Every side, event and region word comes from the
:class:`~frontlines.conflicts.Conflict` the caller hands in.
"""

from frontlines.claims.check import NO_CLAIMS, CheckReport, check_text, publication_date
from frontlines.claims.evaluate import (
    VERDICTS,
    ClaimResult,
    ComparisonResult,
    Measurer,
    Reading,
    claim_interval,
    evaluate_claim,
)
from frontlines.claims.extract import extract_claims
from frontlines.claims.lexicon import (
    ENGLISH,
    LEXICONS,
    RUSSIAN,
    UKRAINIAN,
    Lexicon,
    lexicon_for,
)
from frontlines.claims.timeexpr import find_dateline
from frontlines.claims.types import Claim, Comparison, Place, TimeWindow

__all__ = [
    "ENGLISH",
    "LEXICONS",
    "NO_CLAIMS",
    "VERDICTS",
    "CheckReport",
    "Claim",
    "ClaimResult",
    "Comparison",
    "ComparisonResult",
    "Lexicon",
    "Measurer",
    "Place",
    "RUSSIAN",
    "Reading",
    "TimeWindow",
    "UKRAINIAN",
    "check_text",
    "claim_interval",
    "evaluate_claim",
    "extract_claims",
    "find_dateline",
    "lexicon_for",
    "publication_date",
]
