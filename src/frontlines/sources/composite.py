"""Composite sources: one continuous series made of several sources' snapshots.

A provider may publish the same map in several forms over time. DeepState's map comes
as raw history snapshots (``deepstate-history``, 2022-04 .. 2025-08) and as dissolved
daily files (``deepstate-daily``, 2024-07 ..): the composite ``deepstate`` reads the
history for maps before the switch time and the daily files from it on, so a question
such as 2023-01-01 -> 2026-01-01 is answered by one query.

Rules
    Members are listed oldest first, each with the map time from which it is used
    (``since``; the first member's is ``None``). A snapshot of member *i* belongs to the
    composite when ``since_i <= map_time < since_{i+1}``. Members must describe the
    same layers the same way; :func:`frontlines.service.compare.overlap` measures how
    well they agree where both exist (the offset is reported, never hidden).
Switch time of ``deepstate``
    2025-08-01 00:00 Kyiv time (2025-07-31T21:00:00Z): the history covers every day
    until then (the daily files miss 2025-01-01 and 2025-03-31/04-01), and the daily
    files go on after the history stops (2025-08-03).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["COMPOSITES", "CompositeSource", "composite"]


@dataclass(frozen=True)
class CompositeSource:
    """A named sequence of member sources, each used from a map time on.

    Parameters
    ----------
    name : str
        The composite's source id (what ``--source`` takes).
    members : tuple of (str, datetime or None)
        ``(source id, since)`` oldest first; ``since`` is the first map time (UTC) the
        member is used for, ``None`` for the first member.
    note : str
        One line shown to users: what the composite is made of.
    """

    name: str
    members: tuple[tuple[str, dt.datetime | None], ...]
    note: str = ""

    @property
    def sources(self) -> tuple[str, ...]:
        """Member source ids, oldest first."""
        return tuple(s for s, _ in self.members)

    def window(self, member: str) -> tuple[dt.datetime | None, dt.datetime | None]:
        """``[since, until)`` map times of one member (``None`` = open)."""
        names = self.sources
        i = names.index(member)
        until = self.members[i + 1][1] if i + 1 < len(self.members) else None
        return self.members[i][1], until

    def switches(self) -> list[dict[str, str]]:
        """JSON-ready list of the switch points."""
        out = []
        for (a, _), (b, since) in zip(self.members, self.members[1:]):
            out.append({"from_source": a, "to_source": b,
                        "at": since.isoformat().replace("+00:00", "Z") if since else ""})
        return out


#: DeepState: history snapshots, then the daily files from 2025-08-01 00:00 Kyiv.
DEEPSTATE_SWITCH = dt.datetime(2025, 7, 31, 21, 0, 0, tzinfo=dt.timezone.utc)

COMPOSITES: dict[str, CompositeSource] = {
    "deepstate": CompositeSource(
        name="deepstate",
        members=(("deepstate-history", None), ("deepstate-daily", DEEPSTATE_SWITCH)),
        note="DeepState history snapshots until 2025-08-01 00:00 Kyiv, daily files from then on",
    ),
}


def composite(name: str | None) -> CompositeSource | None:
    """The composite source called ``name``, or ``None``."""
    return COMPOSITES.get(name) if name else None
