"""Where two sources disagree: a map of the symmetric difference of one layer at one time.

Drawn from a :class:`~frontlines.results.SideBySideInputs` (the report's "Sources side by
side"): ground only source A counts (``only_a``) in one colour, ground only B counts
(``only_b``) in another, on the same furniture as every map.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from frontlines.core.geodesy import area_km2
from frontlines.errors import FrontlinesError
from frontlines.reports.maps import MapCanvas
from frontlines.reports.style import attribution, day_text, fmt_km2, source_label
from frontlines.reports.words import layer_phrase
from frontlines.results import SideBySideInputs

__all__ = ["ONLY_A", "ONLY_B", "disagreement_map"]

#: Colours of the ground only one source counts (orange: A, the report's source; teal: B).
ONLY_A = "#e66101"
ONLY_B = "#1b9e77"


def _before(boundary: str) -> str:
    t = dt.datetime.fromisoformat(boundary.replace("Z", "+00:00")) - dt.timedelta(seconds=1)
    return t.isoformat().replace("+00:00", "Z")


def disagreement_map(item: SideBySideInputs, *, size: tuple[float, float] = (10.0, 8.0), dpi: int = 100) -> Figure:
    """The last boundary's disagreement of ``item.compare`` (``only_a`` / ``only_b``)."""
    cmp = item.compare
    if cmp.only_a is None or cmp.only_b is None:
        raise FrontlinesError("disagreement map: the comparison has no geometry; call compare(..., geometry=True)")
    doc = cmp.as_dict()
    last = next((r for r in reversed(doc["rows"]) if r["only_a_km2"] is not None), None)
    # a period-end state belongs to the day before the boundary
    when = day_text(_before(last["at"])) if last else day_text(doc["to"])
    furniture: dict[str, Any] = dict(item.furniture)
    sides = furniture.get("sides", {})
    a, b = source_label(cmp.source_a), source_label(cmp.source_b)
    a_km2, b_km2 = area_km2(cmp.only_a), area_km2(cmp.only_b)
    canvas = MapCanvas(
        item.extent, width_in=size[0], height_in=size[1], dpi=dpi,
        title=f"Where {a} and {b} disagree",
        subtitle=f"{layer_phrase(cmp.layer, sides)} at the end of {when}: {fmt_km2(a_km2 + b_km2)} km² counted by only one",
        credit=attribution(cmp.source_a, cmp.source_b, boundaries=True), legend_entries=4,
    )
    canvas.basemap(furniture, None)
    canvas.background(outline=furniture["outline"], regions=furniture.get("regions"),
                      region_names=furniture.get("region_names", ()), subregions=furniture.get("subregions"))
    canvas.polygon(cmp.only_a, facecolor=ONLY_A, alpha=0.9, zorder=2.5)
    canvas.polygon(cmp.only_b, facecolor=ONLY_B, alpha=0.9, zorder=2.5)
    canvas.scale_bar()
    canvas.legend([Patch(facecolor=ONLY_A, label=f"only {a} ({fmt_km2(a_km2)} km²)"),
                   Patch(facecolor=ONLY_B, label=f"only {b} ({fmt_km2(b_km2)} km²)")])
    return canvas.fig
