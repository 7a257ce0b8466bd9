"""Extract and evaluate in one call: :func:`check_text` -> :class:`CheckReport`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from frontlines.claims.evaluate import ClaimResult, Measurer, evaluate_claim
from frontlines.claims.extract import extract_claims
from frontlines.claims.lexicon import Lexicon
from frontlines.claims.timeexpr import find_dateline
from frontlines.conflicts.definition import Conflict
from frontlines.errors import ClaimParseError

__all__ = ["NO_CLAIMS", "CheckReport", "check_text", "publication_date"]

#: The message of a report on a text without checkable claims.
NO_CLAIMS = "No checkable claims found: the text has no territorial figure (area, distance, settlements or share)."


@dataclass(frozen=True)
class CheckReport:
    """The claims of a text and their verdicts.

    Parameters
    ----------
    published : datetime.date
        The publication date the windows were resolved against.
    published_from : str
        ``argument`` (passed in), ``dateline`` (read from the text) or ``today``.
    results : tuple of ClaimResult
        One per claim, in text order; empty when the text has none.
    sources : tuple of str
        Sources the claims were checked against.
    """

    published: dt.date
    published_from: str
    results: tuple[ClaimResult, ...]
    sources: tuple[str, ...]

    @property
    def found(self) -> bool:
        """Whether the text had at least one checkable claim."""
        return bool(self.results)

    @property
    def message(self) -> str:
        """One line summing up the report."""
        if not self.results:
            return NO_CLAIMS
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.verdict] = counts.get(r.verdict, 0) + 1
        parts = ", ".join(f"{n} {v}" for v, n in counts.items())
        return f"{len(self.results)} claim{'s' if len(self.results) != 1 else ''} checked: {parts}."

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation."""
        return {
            "published": self.published.isoformat(),
            "published_from": self.published_from,
            "sources": list(self.sources),
            "found": self.found,
            "message": self.message,
            "claims": [r.as_dict() for r in self.results],
        }


def publication_date(
    text: str, published: dt.date | dt.datetime | None = None, today: dt.date | None = None
) -> tuple[dt.date, str]:
    """The date relative expressions count from, and where it came from.

    An explicit ``published`` wins; else the text's own dateline; else ``today``.

    Raises
    ------
    ClaimParseError
        When none of the three is available (the claims package never reads the clock).
    """
    if published is not None:
        return (published.date() if isinstance(published, dt.datetime) else published), "argument"
    # Without today, a dateline without a year cannot be placed: it resolves to 9999.
    found = find_dateline(text, today or dt.date(9999, 12, 31))
    if found is not None and found.year != 9999:
        return found, "dateline"
    if today is not None:
        return today, "today"
    raise ClaimParseError(
        "no publication date: the text has no dateline; pass published= (or today=) to resolve its time words"
    )


def check_text(
    text: str,
    measurer: Measurer,
    published: dt.date | dt.datetime | None = None,
    sources: Sequence[str] | None = None,
    *,
    today: dt.date | None = None,
    conflict: Conflict,
    lexicon: Lexicon | None = None,
) -> CheckReport:
    """Find the territorial claims of a text and check each against the maps.

    Parameters
    ----------
    text : str
        An article or a statement.
    measurer : Measurer
        Measures the stored maps (see :class:`frontlines.claims.evaluate.Measurer`).
    published : date or datetime, optional
        Publication date; default: the text's dateline, else ``today``.
    sources : sequence of str, optional
        Only these sources (default: every source of the measurer).
    today : datetime.date, optional
        The caller's today, the last fallback for ``published`` (this package reads no clock).
    conflict : Conflict
        The conflict the maps show: sides, their words, events, regions.
    lexicon : Lexicon, optional
        The text's language tables (default: detected, English, Ukrainian or Russian).

    Returns
    -------
    CheckReport
        With no results (and :data:`NO_CLAIMS` as message) when the text has no claim.

    Raises
    ------
    ClaimParseError
        When the text is empty, or no publication date is available.

    Examples
    --------
    ``check_text(article, measurer, today=datetime.date.today(), conflict=registry.get("ukraine")).as_dict()``
    """
    if not isinstance(text, str) or not text.strip():
        raise ClaimParseError("no text to check: the text is empty (pass an article or a sentence)")
    pub, origin = publication_date(text, published, today)
    claims = extract_claims(text, pub, conflict=conflict, lexicon=lexicon)
    chosen = tuple(sources) if sources is not None else tuple(measurer.sources())
    results = tuple(
        evaluate_claim(c, measurer, published=pub, sources=list(chosen), conflict=conflict) for c in claims
    )
    return CheckReport(pub, origin, results, chosen)
