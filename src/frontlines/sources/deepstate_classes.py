"""Mapping of DeepStateMap class names (the ``name`` property) to layers.

DeepState's names are bilingual (``Ukrainian /// English``), carry typos, dates,
non-breaking spaces, stray newlines and, in a few snapshots, broken UTF-8 (U+FFFD).
From April 2024 an i18n key is appended (``/// geoJSON.status.occupied``).

:func:`classify` returns one of:

* ``("layer", LayerKey)`` for territory: occupied -> ``russia:control``; contested /
  unknown status / grey zone -> ``russia:contested``; liberated / taken back /
  recaptured -> ``ukraine:regained``;
* ``("excluded", reason)`` for polygons that are not Ukrainian territory or not a
  statement about it (Transnistria, Snake Island, joke layers such as Karelia or
  East Prussia, the Wagner mutiny);
* ``("unknown", None)`` for names no rule recognises (``Багатокутник 23`` = "Polygon 23",
  a bare date ``24.03``). They are reported in the ingest summary, never silently dropped.

Every name that occurs in the 1,359 snapshots of the public DeepState history
(2022-04 .. 2025-08) is covered by ``tests/sources/test_deepstate_classes.py``.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from frontlines.model import LayerKey

__all__ = ["CONTROL", "CONTESTED", "REGAINED", "classify", "normalise_name"]

CONTROL = LayerKey("russia", "control")
CONTESTED = LayerKey("russia", "contested")
REGAINED = LayerKey("ukraine", "regained")

Kind = Literal["layer", "excluded", "unknown"]

# Order matters: exclusions first (joke layers say "occupied" too), then contested
# (some say "not known whether liberated"), then regained, then occupied.
_EXCLUDED = [
    ("not Ukraine: Transnistria", r"transnistria|придністров"),
    ("Snake Island", r"snake island|зміїний|zmiinyi"),
    (
        "not Ukraine: joke layer",
        r"karelia|карелі|prussia|прусі|kuril|курил|petsamo|петсамо|salla|салла|estonia|естоні"
        r"|latvia|латві|abkhazia|абхаз|tskhinval|цхінвал|ichkeria|ічкері|pechorsk|печорськ"
        r"|вологі мрії",
    ),
    ("not Ukraine: Wagner mutiny in Russia", r"wagner|вагнер"),
]
_CONTESTED = (
    r"contest|contens|conteneses|contenesed|in doubt|under question|під питанням"
    r"|unknown|невідом|situation is unknown|ситуація невідома|сіра зона|gray area|grey area"
    r"|немає інфо|треба уточнення|начебто|невідомо|достеменно"
)
_REGAINED = (
    r"liberated|taken ?back|recaptured|pushed back|dismissed|звільн|відбиті|відкинуто"
    r"|під контролем зсу|орки відсутні|відстуність орків|відхід орків"
)
_CONTROL = (
    r"occupied|occupation|окуп|ордло|cadr|calr|крим|crimea|тузла|tuzla"
    r"|зайняті ворогом|контролюється ворогом|захоплено"
)
_ENEMY_HELD = r"контролюється ворогом"
_UNCLEAR = r"дорога "  # a road marked on 31.03.2022: neither territory nor status

_compiled_excluded = [(reason, re.compile(rx, re.IGNORECASE)) for reason, rx in _EXCLUDED]
_rx_contested = re.compile(_CONTESTED, re.IGNORECASE)
_rx_regained = re.compile(_REGAINED, re.IGNORECASE)
_rx_control = re.compile(_CONTROL, re.IGNORECASE)
_rx_unclear = re.compile(_UNCLEAR, re.IGNORECASE)
_rx_enemy_held = re.compile(_ENEMY_HELD, re.IGNORECASE)


def normalise_name(name: str | None) -> str:
    """Fold whitespace (including NBSP and newlines) and strip a name.

    Examples
    --------
    >>> normalise_name("Звільнено\\xa0/// Liberated\\n")
    'Звільнено /// Liberated'
    """
    if not name:
        return ""
    return re.sub(r"\s+", " ", name.replace("\ufffd", "")).strip()


@functools.lru_cache(maxsize=4096)
def classify(name: str | None) -> tuple[Kind, LayerKey | str | None]:
    """Classify one DeepState class name.

    Parameters
    ----------
    name : str or None
        The feature's ``name`` property, as published.

    Returns
    -------
    (kind, value)
        ``("layer", LayerKey)``, ``("excluded", reason)`` or ``("unknown", None)``.

    Examples
    --------
    >>> classify("Окуповано /// Occupied\\xa0/// geoJSON.status.occupied")
    ('layer', LayerKey(side='russia', status='control'))
    >>> classify("Під питанням /// Contensed")[1].status
    'contested'
    >>> classify("Тимчасово окупована територія Карелії.")
    ('excluded', 'not Ukraine: joke layer')
    >>> classify("Багатокутник 23")
    ('unknown', None)
    """
    text = normalise_name(name)
    # Broken UTF-8 may split a keyword ("Звіл�нено"): also try with the gap closed.
    candidates = (text, text.replace(" ", "")) if text else ()
    for reason, rx in _compiled_excluded:
        if any(rx.search(c) for c in candidates):
            return "excluded", reason
    if not text or _rx_unclear.search(text):
        return "unknown", None
    if _rx_enemy_held.search(text):  # "de facto held by the enemy, no news of him here"
        return "layer", CONTROL
    for rx, key in ((_rx_contested, CONTESTED), (_rx_regained, REGAINED), (_rx_control, CONTROL)):
        if rx.search(text):
            return "layer", key
    return "unknown", None
