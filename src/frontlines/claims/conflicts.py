"""Per-conflict constants the claim reader needs: sides, key dates, regions.

Everything that is specific to one war lives here, so that another conflict is
one more :class:`ConflictInfo` and not a change to the parser.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = ["ConflictInfo", "UKRAINE", "Event"]


@dataclass(frozen=True)
class Event:
    """A named event a text can count time from ("since the start of the invasion").

    Parameters
    ----------
    key : str
        Short id, e.g. ``invasion``.
    date : datetime.date
        The day the event began.
    patterns : tuple of str
        Regular expressions (lower case) naming the event in text.
    """

    key: str
    date: dt.date
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class ConflictInfo:
    """Constants of one conflict.

    Parameters
    ----------
    name : str
        Conflict id (as in :class:`frontlines.model.Snapshot`).
    sides : tuple of str
        The two sides, as layer side ids.
    start : datetime.date
        Start of the war as texts count it ("since the start of the invasion").
    land_area_km2 : float
        Land area of the contested country, the fallback denominator and the
        ceiling for absurd figures when the measurer does not know it.
    events : tuple of Event
        Named events, latest match before the publication date wins.
    regions : dict
        Normalised region name -> spellings (lower case) of the name stem.
    """

    name: str
    sides: tuple[str, str]
    start: dt.date
    land_area_km2: float
    events: tuple[Event, ...] = ()
    regions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def opponent(self, side: str) -> str:
        """The other side of ``side``."""
        a, b = self.sides
        return b if side == a else a

    def region_for(self, stem: str) -> str | None:
        """Normalised region name for a spelling of an oblast stem, or None."""
        s = stem.strip().lower().replace("’", "'").replace("'", "")
        for name, spellings in self.regions.items():
            if s in spellings:
                return name
        return None


def _oblasts() -> dict[str, tuple[str, ...]]:
    base = {
        "Cherkasy": "cherkasy cherkasy cherkasky cherkaska cherkassy cherkasskaya",
        "Chernihiv": "chernihiv chernihivska chernigov chernigovskaya",
        "Chernivtsi": "chernivtsi chernivetska chernovtsy",
        "Dnipropetrovsk": "dnipropetrovsk dnipropetrovska dnepropetrovsk dnepropetrovskaya dnipro",
        "Donetsk": "donetsk donetska donetskaya donetsk peoples republic",
        "Ivano-Frankivsk": "ivano-frankivsk ivano-frankivska ivano frankivsk",
        "Kharkiv": "kharkiv kharkivska kharkov kharkovskaya",
        "Kherson": "kherson khersonska khersonskaya",
        "Khmelnytskyi": "khmelnytskyi khmelnytska khmelnytsky khmelnitsky",
        "Kirovohrad": "kirovohrad kirovohradska kirovograd kirovogradskaya kropyvnytskyi",
        "Kyiv": "kyiv kyivska kiev kievskaya",
        "Luhansk": "luhansk luhanska lugansk luganskaya",
        "Lviv": "lviv lvivska lvov",
        "Mykolaiv": "mykolaiv mykolaivska nikolaev nikolayev",
        "Odesa": "odesa odeska odessa",
        "Poltava": "poltava poltavska",
        "Rivne": "rivne rivnenska rovno",
        "Sumy": "sumy sumska",
        "Ternopil": "ternopil ternopilska",
        "Vinnytsia": "vinnytsia vinnytska vinnitsa",
        "Volyn": "volyn volynska",
        "Zakarpattia": "zakarpattia zakarpatska transcarpathia transcarpathian",
        "Zaporizhzhia": "zaporizhzhia zaporizhia zaporizka zaporozhye zaporizhzhya zaporozhzhia",
        "Zhytomyr": "zhytomyr zhytomyrska zhitomir",
        "Crimea": "crimea crimean",
        "Sevastopol": "sevastopol",
        # Russian border oblasts where Ukrainian forces have held ground.
        "Kursk": "kursk kurskaya",
        "Belgorod": "belgorod belgorodskaya",
        "Bryansk": "bryansk bryanskaya",
    }
    out: dict[str, tuple[str, ...]] = {}
    for name, spellings in base.items():
        words = spellings.split(" ")
        # multi-word spellings are written with spaces in the table only for
        # "ivano frankivsk" and "donetsk peoples republic"; keep them joined.
        joined = set(words)
        joined.add(name.lower())
        if name == "Ivano-Frankivsk":
            joined.add("ivano frankivsk")
        out[name] = tuple(sorted(joined))
    return out


#: Russia's war against Ukraine (full-scale invasion from 24 February 2022).
UKRAINE = ConflictInfo(
    name="ukraine",
    sides=("ukraine", "russia"),
    start=dt.date(2022, 2, 24),
    # Land area of Ukraine in its internationally recognised borders.
    land_area_km2=603_550.0,
    events=(
        Event(
            "invasion",
            dt.date(2022, 2, 24),
            (
                r"(?:full[- ]scale |russian )?invasion",
                r"(?:full[- ]scale )?war",
                r"special military operation",
                r"russia'?s? (?:full[- ]scale )?(?:invasion|war|attack)",
                r"february 24,? 2022",
                r"24 february 2022",
            ),
        ),
        Event("kharkiv-counteroffensive", dt.date(2022, 9, 6), (r"counter-?offensive",)),
        Event("counteroffensive-2023", dt.date(2023, 6, 4), (r"counter-?offensive",)),
        Event(
            "kursk-incursion",
            dt.date(2024, 8, 6),
            (r"incursion", r"kursk (?:incursion|operation|offensive)", r"cross-border (?:incursion|operation|offensive)"),
        ),
        Event("kharkiv-offensive-2024", dt.date(2024, 5, 10), (r"russian kharkiv offensive",)),
    ),
    regions=_oblasts(),
)
