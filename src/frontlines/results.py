"""Typed results of the service layer: frozen dataclasses with ``as_dict()`` = the documented JSON.

Every analytic use case returns one of these. ``as_dict()`` gives exactly the document the
CLI prints with ``--json`` and the HTTP API returns (schemas in the README); geometries are
separate typed fields (``gained``, ``lost``, ``geometry``) and never part of the JSON.

For notebooks, the main results offer ``to_dataframe()`` (pandas) and ``to_geodataframe()``
(geopandas), optional dependencies that fail with :class:`~frontlines.errors.OptionalDependencyError`
naming the package when missing, and an HTML summary in Jupyter (``_repr_html_``).

>>> import datetime as dt
>>> from frontlines.model import LayerKey, SnapshotInfo
>>> info = SnapshotInfo(1, "demo", "ukraine", dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
...                     "a.geojson", "ab12", None, LayerKey("russia", "control"), (LayerKey("russia", "control"),), {})
>>> r = AreaResult(source="demo", layer="russia:control", at=dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc),
...                snapshot=info, area_km2=1234.5678)
>>> r.as_dict()["area_km2"], r.as_dict()["at"]
(1234.568, '2025-01-02T00:00:00Z')
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from frontlines.core.extent import Extent, Settlement
from frontlines.errors import OptionalDependencyError
from frontlines.model import SnapshotInfo
from frontlines.times import utc_text

__all__ = [
    "AnimationInputs",
    "AreaResult",
    "IngestReport",
    "ChangeMapInputs",
    "ChangeResult",
    "CompareResult",
    "CompareRow",
    "FrontlineResult",
    "GapEvent",
    "MapRef",
    "PeriodFigures",
    "PlacesResult",
    "QualityResult",
    "QualityStep",
    "Region",
    "RegionFigures",
    "ReportInputs",
    "ReversionEvent",
    "SeriesResult",
    "SettlementRow",
    "SettlementsResult",
    "SideBySideInputs",
    "SourceHealth",
    "SpikeEvent",
    "StateMapInputs",
    "Unit",
]

#: Units of the figures results carry.
Unit = Literal["km2", "km", "count", "percent"]
#: A grey-zone mode of the front line.
FrontMode = Literal["outer", "inner", "both", "centre"]
#: A period length of a series.
Freq = Literal["day", "week", "month", "quarter", "year"]

_ROUND_KM2 = 3


def _r(value: float | None, digits: int = _ROUND_KM2) -> float | None:
    return None if value is None else round(float(value), digits)


def _optional(module: str, purpose: str) -> Any:
    """Import an optional dependency or fail naming it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise OptionalDependencyError(
            f"{purpose} needs the optional package {module!r}: pip install 'frontlines[dataframe]'"
        ) from exc


def _html_table(title: str, summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]] = (), limit: int = 20) -> str:
    head = "".join(f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in summary.items())
    out = [f"<div><strong>{html.escape(title)}</strong><table>{head}</table>"]
    if rows:
        cols = list(rows[0].keys())
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in cols) + "</tr>"
                       for r in rows[:limit])
        more = f"<p>… {len(rows) - limit} more rows</p>" if len(rows) > limit else ""
        out.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + f"</tr>{body}</table>{more}")
    out.append("</div>")
    return "".join(out)


class _Tabular:
    """``to_dataframe`` / ``to_geodataframe`` / ``_repr_html_`` over a result's rows."""

    _title = "result"

    def as_dict(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _rows(self) -> list[dict[str, Any]]:
        return []

    def _summary(self) -> dict[str, Any]:
        return {k: v for k, v in self.as_dict().items() if not isinstance(v, (list, dict))}

    def _geo_rows(self) -> tuple[list[dict[str, Any]], list[Any]]:
        raise OptionalDependencyError(f"{type(self).__name__} has no geometry to put in a GeoDataFrame")

    def to_dataframe(self) -> Any:
        """The result's rows (regions, periods or settlements) as a :class:`pandas.DataFrame`."""
        pd = _optional("pandas", "to_dataframe()")
        rows = self._rows() or [self._summary()]
        return pd.DataFrame.from_records(rows)

    def to_geodataframe(self) -> Any:
        """The result's geometries with their figures as a :class:`geopandas.GeoDataFrame` (EPSG:4326)."""
        gpd = _optional("geopandas", "to_geodataframe()")
        rows, geoms = self._geo_rows()
        return gpd.GeoDataFrame(rows, geometry=list(geoms), crs="EPSG:4326")

    def _repr_html_(self) -> str:
        rows = self._rows()
        if rows and "land_area_km2" in rows[0]:  # regions: the ones that moved or hold most first
            rows = sorted(rows, key=lambda r: -max(abs(r.get(k) or 0) for k in ("area_km2", "gained_km2", "lost_km2")))
        return _html_table(self._title, self._summary(), rows)


# -------------------------------------------------------------------------- ingest
@dataclass(frozen=True)
class IngestReport:
    """What an ingest did (``frontlines ingest``)."""

    adapter: str
    sources: tuple[str, ...] = ()
    files_read: int = 0
    added: int = 0
    duplicates: int = 0
    #: Payloads parsed (the others were recognised as stored by their content hash, unparsed).
    parsed: int = 0
    repaired: int = 0
    unknown_classes: Mapping[str, int] = field(default_factory=dict)
    excluded_classes: Mapping[str, int] = field(default_factory=dict)
    ignored_points: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    seconds: float = 0.0
    snapshot_ids: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The documented ``ingest`` JSON."""
        return {
            "adapter": self.adapter,
            "sources": list(self.sources),
            "files_read": self.files_read,
            "snapshots_added": self.added,
            "duplicates_skipped": self.duplicates,
            "parsed": self.parsed,
            "geometries_repaired": self.repaired,
            "unknown_classes": dict(self.unknown_classes),
            "excluded_classes": dict(self.excluded_classes),
            "ignored_points": self.ignored_points,
            "first": utc_text(self.first) if self.first else None,
            "last": utc_text(self.last) if self.last else None,
            "seconds": round(self.seconds, 3),
        }


# ------------------------------------------------------------------------- regions
@dataclass(frozen=True)
class RegionFigures:
    """Figures of one region of a region layer (km²; ``share`` as a fraction of its land)."""

    id: str
    name: str
    land_area_km2: float
    parent: str | None = None
    area_km2: float | None = None
    gained_km2: float | None = None
    lost_km2: float | None = None
    net_km2: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON row: id, name[, parent], the figures present, land area[, share]."""
        out: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.parent:
            out["parent"] = self.parent
        for key in ("area_km2", "gained_km2", "lost_km2", "net_km2"):
            value = getattr(self, key)
            if value is not None:
                out[key] = _r(value)
        out["land_area_km2"] = _r(self.land_area_km2)
        if self.area_km2 is not None:
            out["share"] = round(self.area_km2 / self.land_area_km2, 5) if self.land_area_km2 > 0 else None
        return out


def _regions(rows: Iterable[RegionFigures]) -> list[dict[str, Any]]:
    return [r.as_dict() for r in rows]


# ---------------------------------------------------------------------------- area
@dataclass(frozen=True)
class AreaResult(_Tabular):
    """Area of a layer at a time (``frontlines area``)."""

    source: str
    layer: str
    at: dt.datetime
    snapshot: SnapshotInfo
    area_km2: float
    region_layer: str | None = None
    regions: tuple[RegionFigures, ...] = ()
    outside_regions_km2: float | None = None
    stale_days: float | None = None
    stale: bool = False
    warnings: tuple[str, ...] = ()
    unit: Unit = "km2"
    _title = "area"

    def as_dict(self) -> dict[str, Any]:
        """``{"source", "layer", "at", "snapshot", "area_km2", "stale_days", "stale", "warnings"[, "region_layer",
        "regions", "outside_regions_km2"]}``.

        ``stale_days`` is the age of the map at ``at`` (days); ``stale`` says it is older than
        the source's usual cadence allows (see :mod:`frontlines.service.freshness`).
        """
        out: dict[str, Any] = {"source": self.source, "layer": self.layer, "at": utc_text(self.at),
                               "snapshot": self.snapshot.as_dict(), "area_km2": _r(self.area_km2),
                               "stale_days": None if self.stale_days is None else round(self.stale_days, 2),
                               "stale": self.stale, "warnings": list(self.warnings)}
        if self.region_layer is not None:
            out["region_layer"] = self.region_layer
            out["regions"] = _regions(self.regions)
            out["outside_regions_km2"] = _r(self.outside_regions_km2)
        return out

    def _rows(self) -> list[dict[str, Any]]:
        return _regions(self.regions)


# -------------------------------------------------------------------------- change
@dataclass(frozen=True)
class ChangeResult(_Tabular):
    """Gained, lost and net area of a layer between two times (``frontlines change``).

    ``gained`` / ``lost`` are the lon/lat geometries (None unless asked for).
    """

    source: str
    layer: str
    start: dt.datetime
    end: dt.datetime
    from_snapshot: SnapshotInfo
    to_snapshot: SnapshotInfo
    area_from_km2: float
    area_to_km2: float
    gained_km2: float
    lost_km2: float
    region_layer: str | None = None
    regions: tuple[RegionFigures, ...] = ()
    outside_regions: Mapping[str, float] | None = None
    depth: Mapping[str, Any] | None = None
    #: ``{"start_stale_days", "stale_days", "stale", "warnings"}``: age of the maps at both ends.
    freshness: Mapping[str, Any] | None = None
    gained: Any = field(default=None, repr=False, compare=False)
    lost: Any = field(default=None, repr=False, compare=False)
    #: km² of the window's redraw ground (:mod:`frontlines.service.redraws`): left out of
    #: ``gained_km2`` / ``lost_km2`` when ``redraws_excluded`` (the default), part of them otherwise.
    redraw_gained_km2: float = 0.0
    redraw_lost_km2: float = 0.0
    redraws_excluded: bool = True
    #: :class:`frontlines.service.redraws.RedrawPiece` (direction, reason, km², geometry).
    redraw_pieces: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    unit: Unit = "km2"
    _title = "change"

    @property
    def net_km2(self) -> float:
        """Gained minus lost."""
        return self.gained_km2 - self.lost_km2

    @property
    def days(self) -> float:
        """Length of the window in days."""
        return (self.end - self.start).total_seconds() / 86400

    def as_dict(self) -> dict[str, Any]:
        """The documented ``change`` JSON (no geometry)."""
        g, l = _r(self.gained_km2), _r(self.lost_km2)
        net = round(self.gained_km2 - self.lost_km2, _ROUND_KM2)
        days = self.days
        out: dict[str, Any] = {
            "source": self.source,
            "layer": self.layer,
            "from": utc_text(self.start),
            "to": utc_text(self.end),
            "from_snapshot": self.from_snapshot.as_dict(),
            "to_snapshot": self.to_snapshot.as_dict(),
            "area_from_km2": _r(self.area_from_km2),
            "area_to_km2": _r(self.area_to_km2),
            "gained_km2": g,
            "lost_km2": l,
            "net_km2": net,
            "days": round(days, 4),
            "net_km2_per_day": round((self.gained_km2 - self.lost_km2) / days, 3) if days > 0 else None,
        }
        rg, rl = self.redraw_gained_km2, self.redraw_lost_km2
        out["redraws_excluded"] = self.redraws_excluded
        out["redraw_gained_km2"], out["redraw_lost_km2"], out["redraw_km2"] = _r(rg), _r(rl), _r(rg + rl)
        out["redraw_pieces"] = [p.as_dict() for p in self.redraw_pieces]
        if self.region_layer is not None:
            out["region_layer"] = self.region_layer
            out["regions"] = _regions(self.regions)
            out["outside_regions"] = {k: _r(v) for k, v in (self.outside_regions or {}).items()}
        if self.depth is not None:
            out["depth"] = dict(self.depth)
        if self.freshness is not None:
            out.update({k: list(v) if k == "warnings" else v for k, v in self.freshness.items()})
        return out

    def _rows(self) -> list[dict[str, Any]]:
        return _regions(self.regions)

    def _geo_rows(self) -> tuple[list[dict[str, Any]], list[Any]]:
        if self.gained is None or self.lost is None:
            raise OptionalDependencyError("this change was measured without geometry: call change(..., geometry=True)")
        base = {"source": self.source, "layer": self.layer, "from": utc_text(self.start), "to": utc_text(self.end)}
        rows = [{**base, "kind": "gained", "area_km2": _r(self.gained_km2)},
                {**base, "kind": "lost", "area_km2": _r(self.lost_km2)}]
        geoms = [self.gained, self.lost]
        for p in self.redraw_pieces:  # kind "redraw", with its direction and reason
            rows.append({**base, **p.as_dict()})
            geoms.append(p.geometry)
        return rows, geoms


# -------------------------------------------------------------------------- series
@dataclass(frozen=True)
class PeriodFigures:
    """One period of a series; figures are None when the period has no state at a boundary."""

    start: dt.datetime
    end: dt.datetime
    snapshots: int
    end_snapshot: int | None
    area_km2: float | None
    gained_km2: float | None = None
    lost_km2: float | None = None
    gained_steps_km2: float | None = None
    lost_steps_km2: float | None = None
    regions: tuple[RegionFigures, ...] | None = None
    start_snapshot: int | None = None
    start_lag_days: float | None = None
    end_lag_days: float | None = None
    gap_days: tuple[str, ...] = ()
    complete: bool | None = None
    #: km² of the period's redraw ground (left out of gained / lost unless the series includes redraws).
    redraw_gained_km2: float = 0.0
    redraw_lost_km2: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON row of ``series`` ``periods``.

        ``complete`` is false when a boundary state is stale (``start_lag_days`` /
        ``end_lag_days``: age of the map at each boundary) or days have no map
        (``gap_days``); ``start_snapshot`` / ``end_snapshot`` are the states compared.
        """
        days = (self.end - self.start).total_seconds() / 86400
        measured = self.gained_km2 is not None and self.lost_km2 is not None
        net = (self.gained_km2 - self.lost_km2) if measured else None  # type: ignore[operator]
        out: dict[str, Any] = {
            "start": utc_text(self.start),
            "end": utc_text(self.end),
            "snapshots": self.snapshots,
            "end_snapshot": self.end_snapshot,
            "area_km2": _r(self.area_km2),
            "gained_km2": _r(self.gained_km2),
            "lost_km2": _r(self.lost_km2),
            "net_km2": _r(net),
            "km2_per_day": round(net / days, 3) if net is not None else None,
            "gained_steps_km2": _r(self.gained_steps_km2),
            "lost_steps_km2": _r(self.lost_steps_km2),
            "complete": self.complete,
            "start_snapshot": self.start_snapshot,
            "start_lag_days": None if self.start_lag_days is None else round(self.start_lag_days, 2),
            "end_lag_days": None if self.end_lag_days is None else round(self.end_lag_days, 2),
            "gap_days": list(self.gap_days),
            "redraw_gained_km2": _r(self.redraw_gained_km2),
            "redraw_lost_km2": _r(self.redraw_lost_km2),
            "redraw_km2": _r(self.redraw_gained_km2 + self.redraw_lost_km2),
        }
        if self.regions is not None:
            out["regions"] = _regions(self.regions)
        return out


@dataclass(frozen=True)
class SeriesResult(_Tabular):
    """Per-period figures of a layer (``frontlines series``)."""

    source: str
    layer: str
    freq: str
    tz: str
    start: dt.datetime
    end: dt.datetime
    coverage: Mapping[str, Any]
    periods: tuple[PeriodFigures, ...]
    region_layer: str | None = None
    #: Map redraws left out of every period's figures (the default).
    redraws_excluded: bool = True
    unit: Unit = "km2"
    _title = "series"

    def as_dict(self) -> dict[str, Any]:
        """The documented ``series`` JSON."""
        out: dict[str, Any] = {"source": self.source, "layer": self.layer, "freq": self.freq, "tz": self.tz,
                               "from": utc_text(self.start), "to": utc_text(self.end),
                               "coverage": dict(self.coverage), "redraws_excluded": self.redraws_excluded,
                               "periods": [p.as_dict() for p in self.periods]}
        if self.region_layer is not None:
            out["region_layer"] = self.region_layer
        return out

    def _rows(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in p.as_dict().items() if k != "regions"} for p in self.periods]


# ------------------------------------------------------------------ source health
@dataclass(frozen=True)
class MapRef:
    """One snapshot named in a health event: id, map time and file."""

    id: int
    map_time: dt.datetime
    file_name: str
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        """``{"id", "source", "map_time", "file_name"}``."""
        return {"id": self.id, "source": self.source, "map_time": utc_text(self.map_time), "file_name": self.file_name}


@dataclass(frozen=True)
class GapEvent:
    """Consecutive maps further apart than the source's usual interval (missing days listed)."""

    before: MapRef
    after: MapRef
    interval_days: float
    missing_days: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """``{"before", "after", "interval_days", "missing_days"}``."""
        return {"before": self.before.as_dict(), "after": self.after.as_dict(),
                "interval_days": round(self.interval_days, 3), "missing_days": list(self.missing_days)}


@dataclass(frozen=True)
class SpikeEvent:
    """A step whose net area change is far beyond the source's usual daily change."""

    before: MapRef
    after: MapRef
    net_km2: float
    per_day_km2: float
    score: float

    def as_dict(self) -> dict[str, Any]:
        """``{"before", "after", "net_km2", "per_day_km2", "score"}`` (score: robust z, in MADs)."""
        return {"before": self.before.as_dict(), "after": self.after.as_dict(), "net_km2": _r(self.net_km2),
                "per_day_km2": _r(self.per_day_km2), "score": round(self.score, 1)}


@dataclass(frozen=True)
class ReversionEvent:
    """A change undone within a few days: ``before`` -> ``changed`` -> ``restored``."""

    before: MapRef
    changed: MapRef
    restored: MapRef
    change_km2: float
    undone_km2: float
    days: float

    def as_dict(self) -> dict[str, Any]:
        """``{"before", "changed", "restored", "change_km2", "undone_km2", "residual_km2", "days"}``."""
        return {"before": self.before.as_dict(), "changed": self.changed.as_dict(),
                "restored": self.restored.as_dict(), "change_km2": _r(self.change_km2),
                "undone_km2": _r(self.undone_km2), "residual_km2": _r(self.change_km2 + self.undone_km2),
                "days": round(self.days, 3)}


@dataclass(frozen=True)
class SourceHealth:
    """Gaps, spikes and reversions of one source's layer inside a window (``quality``'s ``health``)."""

    source: str
    layer: str
    cadence_days: float
    snapshots: int
    typical_per_day_km2: float
    spread_per_day_km2: float
    spike_threshold_per_day_km2: float
    gaps: tuple[GapEvent, ...] = ()
    spikes: tuple[SpikeEvent, ...] = ()
    reversions: tuple[ReversionEvent, ...] = ()

    @property
    def missing_days(self) -> list[str]:
        """Every missing day of every gap, in order."""
        return [d for g in self.gaps for d in g.missing_days]

    def as_dict(self) -> dict[str, Any]:
        """``{"source", "layer", "cadence_days", "snapshots", "typical_per_day_km2", "spread_per_day_km2",
        "spike_threshold_per_day_km2", "missing_days", "gaps", "spikes", "reversions"}``."""
        return {"source": self.source, "layer": self.layer, "cadence_days": round(self.cadence_days, 3),
                "snapshots": self.snapshots, "typical_per_day_km2": _r(self.typical_per_day_km2),
                "spread_per_day_km2": _r(self.spread_per_day_km2),
                "spike_threshold_per_day_km2": _r(self.spike_threshold_per_day_km2),
                "missing_days": self.missing_days, "gaps": [g.as_dict() for g in self.gaps],
                "spikes": [x.as_dict() for x in self.spikes], "reversions": [x.as_dict() for x in self.reversions]}


@dataclass(frozen=True)
class SideBySideInputs:
    """One pair of sources in a report's "Sources side by side" section.

    ``compare`` carries the per-period areas and the last boundary's disagreement
    geometry (``only_a`` / ``only_b``); ``extent`` / ``furniture`` frame its map.
    """

    compare: CompareResult
    extent: Extent
    furniture: Mapping[str, Any]
    #: What each source includes (Crimea, areas held before 2022, grey zone), by source id.
    includes: Mapping[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------------ compare
@dataclass(frozen=True)
class CompareRow:
    """Two sources' states at one boundary (``frontlines compare``)."""

    at: dt.datetime
    snapshot_a: int | None
    snapshot_b: int | None
    area_a_km2: float | None
    area_b_km2: float | None
    only_a_km2: float | None = None
    only_b_km2: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """``{"at", "snapshot_a", "snapshot_b", "area_a_km2", "area_b_km2", "diff_km2", "only_a_km2", "only_b_km2"}``."""
        both = self.area_a_km2 is not None and self.area_b_km2 is not None
        return {"at": utc_text(self.at), "snapshot_a": self.snapshot_a, "snapshot_b": self.snapshot_b,
                "area_a_km2": _r(self.area_a_km2), "area_b_km2": _r(self.area_b_km2),
                "diff_km2": _r(self.area_b_km2 - self.area_a_km2) if both else None,  # type: ignore[operator]
                "only_a_km2": _r(self.only_a_km2), "only_b_km2": _r(self.only_b_km2)}


@dataclass(frozen=True)
class CompareResult(_Tabular):
    """One layer in two sources, boundary by boundary (``frontlines compare``).

    ``only_a`` / ``only_b``: lon/lat geometry of the last boundary's disagreement (None unless asked for).
    """

    source_a: str
    source_b: str
    layer: str
    freq: str
    tz: str
    start: dt.datetime
    end: dt.datetime
    rows: tuple[CompareRow, ...]
    summary: Mapping[str, Any]
    only_a: Any = field(default=None, repr=False, compare=False)
    only_b: Any = field(default=None, repr=False, compare=False)
    _title = "compare"

    def as_dict(self) -> dict[str, Any]:
        """``{"sources": [A, B], "layer", "freq", "tz", "from", "to", "summary", "rows": [...]}``."""
        return {"sources": [self.source_a, self.source_b], "layer": self.layer, "freq": self.freq, "tz": self.tz,
                "from": utc_text(self.start), "to": utc_text(self.end), "summary": dict(self.summary),
                "rows": [r.as_dict() for r in self.rows]}

    def _rows(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.rows]


# ------------------------------------------------------------------------ quality
@dataclass(frozen=True)
class QualityStep:
    """One step (map to next map) of a layer, its pieces classified (``frontlines quality``).

    ``gained_km2`` / ``lost_km2`` are the fighting (advance / retreat pieces); redraws are apart.
    ``pieces`` are :class:`frontlines.core.redraws.Piece` (with geometry).
    """

    from_snapshot: int
    to_snapshot: int
    from_time: dt.datetime
    to_time: dt.datetime
    gained_km2: float
    lost_km2: float
    redraw_gained_km2: float
    redraw_lost_km2: float
    flagged: bool
    reasons: tuple[str, ...]
    pieces: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    source: str = ""
    layer: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON row of ``quality`` ``steps`` (pieces without geometry; ``map_url`` opens the change on the dashboard)."""
        return {
            "from_snapshot": self.from_snapshot, "to_snapshot": self.to_snapshot,
            "from_time": utc_text(self.from_time), "to_time": utc_text(self.to_time),
            "gained_km2": _r(self.gained_km2), "lost_km2": _r(self.lost_km2),
            "redraw_gained_km2": _r(self.redraw_gained_km2), "redraw_lost_km2": _r(self.redraw_lost_km2),
            "redraw_km2": _r(self.redraw_gained_km2 + self.redraw_lost_km2),
            "flagged": self.flagged, "reasons": list(self.reasons),
            "pieces": [p.as_dict() for p in self.pieces],
            "map_url": f"/#mode=compare&source={self.source}&layer={self.layer}"
                       f"&from={utc_text(self.from_time)}&to={utc_text(self.to_time)}",
        }


@dataclass(frozen=True)
class QualityResult(_Tabular):
    """The audit trail of a layer over a window (``frontlines quality``)."""

    source: str
    layer: str
    start: dt.datetime
    end: dt.datetime
    rules: Mapping[str, float]
    cadence_days: float
    gap_days: tuple[str, ...]
    steps: tuple[QualityStep, ...]
    #: Gaps, spikes and reversions per source (see :mod:`frontlines.service.source_health`).
    health: tuple[SourceHealth, ...] = ()
    _title = "quality"

    @property
    def redraw_km2(self) -> float:
        """Total redraw area of every step."""
        return sum(s.redraw_gained_km2 + s.redraw_lost_km2 for s in self.steps)

    def as_dict(self) -> dict[str, Any]:
        """``{"source", "layer", "from", "to", "rules", "cadence_days", "gap_days", "flagged_steps", "redraw_km2", "steps"}``."""
        return {"source": self.source, "layer": self.layer, "from": utc_text(self.start), "to": utc_text(self.end),
                "rules": dict(self.rules), "cadence_days": round(self.cadence_days, 3), "gap_days": list(self.gap_days),
                "flagged_steps": sum(1 for s in self.steps if s.flagged), "redraw_km2": _r(self.redraw_km2),
                "steps": [s.as_dict() for s in self.steps], "health": [h.as_dict() for h in self.health]}

    def _rows(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in s.as_dict().items() if k != "pieces"} for s in self.steps]


# ----------------------------------------------------------------------- front line
@dataclass(frozen=True)
class FrontlineResult(_Tabular):
    """The line of contact of a layer at a time (``frontlines frontline``)."""

    source: str
    layer: str
    at: dt.datetime
    snapshot: SnapshotInfo
    length_km: float
    mode: FrontMode
    tolerance_km: float
    parts: int
    geometry: Any = field(default=None, repr=False, compare=False)
    unit: Unit = "km"
    _title = "front line"

    def as_dict(self) -> dict[str, Any]:
        """The documented ``frontline`` JSON (no geometry)."""
        return {"source": self.source, "layer": self.layer, "at": utc_text(self.at),
                "snapshot": self.snapshot.as_dict(), "length_km": _r(self.length_km), "mode": self.mode,
                "tolerance_km": self.tolerance_km, "parts": self.parts}

    def _geo_rows(self) -> tuple[list[dict[str, Any]], list[Any]]:
        return [self._summary()], [self.geometry]


# ---------------------------------------------------------------------- settlements
@dataclass(frozen=True)
class SettlementRow:
    """A place and its status (at a time) or its change of status (over a window).

    ``id`` is the gazetteer's id: the KATOTTH codifier code for Ukraine. The fields
    after ``lost_by`` describe the place (empty when the conflict's gazetteer lacks
    them): ``category`` (city, urban-type settlement, rural settlement, village),
    names in Ukrainian and Russian, the codifier's former name and other recorded
    names (older names, variants), the ``population_source`` (OSM or GeoNames) and
    ``coord_precision``: ``exact``, ``nearby``, or the region level (``hromada`` /
    ``raion`` for Ukraine) whose settlements' median point stands in for the place,
    so its status there is approximate. A third region level (the hromada) comes
    in ``admin`` like the first two.
    """

    id: str
    name: str
    display_name: str
    population: int
    lon: float
    lat: float
    admin: Mapping[str, str]
    status: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    date: str | None = None
    gained_by: str | None = None
    lost_by: str | None = None
    category: str = ""
    name_uk: str = ""
    name_ru: str = ""
    former_name: str = ""
    other_names: tuple[str, ...] = ()
    population_source: str = ""
    coord_precision: str = ""
    #: For a change: ``fighting``, or ``redraw`` when the place lies in the window's map redraws.
    kind: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON row: id, names, population, the region names (e.g. oblast, raion), lon, lat, status fields.

        Then ``category``, ``name_uk``, ``name_ru``, ``former_name``, ``other_names``
        (``"|"``-joined, for flat tables), ``population_source`` and
        ``coord_precision`` (``""`` when unknown).
        """
        out: dict[str, Any] = {"id": self.id, "name": self.name, "display_name": self.display_name,
                               "population": self.population, **self.admin,
                               "lon": round(self.lon, 5), "lat": round(self.lat, 5)}
        if self.status is not None:
            out["status"] = self.status
        if self.from_status is not None:
            out.update(from_status=self.from_status, to_status=self.to_status, date=self.date)
            if self.gained_by is not None:
                out["gained_by"] = self.gained_by
            if self.lost_by is not None:
                out["lost_by"] = self.lost_by
            if self.kind is not None:
                out["kind"] = self.kind
        out.update(category=self.category, name_uk=self.name_uk, name_ru=self.name_ru, former_name=self.former_name,
                   other_names="|".join(self.other_names), population_source=self.population_source, coord_precision=self.coord_precision)
        return out


@dataclass(frozen=True)
class SettlementsResult(_Tabular):
    """Settlements under a layer at a time, or those whose status changed in a window."""

    source: str
    layer: str
    min_population: int
    region: str | None
    settlements: tuple[SettlementRow, ...]
    at: dt.datetime | None = None
    counts: Mapping[str, int] | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    #: For a change: places whose status changed only on map redraws (listed beside, not in
    #: ``settlements``, unless redraws are included).
    redraw_settlements: tuple[SettlementRow, ...] = ()
    redraws_excluded: bool = True
    _title = "settlements"

    @property
    def transitions(self) -> dict[str, int]:
        """``"from->to"`` -> number of places."""
        out: dict[str, int] = {}
        for r in self.settlements:
            key = f"{r.from_status}->{r.to_status}"
            out[key] = out.get(key, 0) + 1
        return out

    def as_dict(self) -> dict[str, Any]:
        """The documented ``settlements`` JSON."""
        base: dict[str, Any] = {"source": self.source, "layer": self.layer, "min_population": self.min_population,
                                "region": self.region}
        rows = [r.as_dict() for r in self.settlements]
        if self.at is not None:
            return {**base, "at": utc_text(self.at), "counts": dict(self.counts or {}), **self.breakdown(),
                    "settlements": rows}
        assert self.start is not None and self.end is not None
        return {**base, "from": utc_text(self.start), "to": utc_text(self.end), "count": len(rows),
                "transitions": self.transitions, **self.breakdown(), "settlements": rows,
                "redraws_excluded": self.redraws_excluded, "redraw_count": len(self.redraw_settlements),
                "redraw_settlements": [r.as_dict() for r in self.redraw_settlements]}

    def breakdown(self) -> dict[str, dict[str, dict[str, int]]]:
        """Rows counted by category and by first-level region, per status (``--at``) or transition.

        ``{"by_category": {"village": {"control->none": 12, ...}, ...}, "by_region":
        {"Kharkiv": {...}, ...}}``; a place without a category counts as ``""``.
        """
        by_cat: dict[str, dict[str, int]] = {}
        by_region: dict[str, dict[str, int]] = {}
        for r in self.settlements:
            key = r.status if r.status is not None else f"{r.from_status}->{r.to_status}"
            region = next(iter(r.admin.values()), "")
            for table, k in ((by_cat, r.category), (by_region, region)):
                inner = table.setdefault(k, {})
                inner[key] = inner.get(key, 0) + 1
        return {"by_category": {k: by_cat[k] for k in sorted(by_cat)},
                "by_region": {k: by_region[k] for k in sorted(by_region)}}

    def _rows(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.settlements]

    def _geo_rows(self) -> tuple[list[dict[str, Any]], list[Any]]:
        import shapely

        rows = self._rows()
        return rows, list(shapely.points([r["lon"] for r in rows], [r["lat"] for r in rows])) if rows else []


@dataclass(frozen=True)
class PlacesResult(_Tabular):
    """The settlements a name may mean, best first, and the one meant when the context decides.

    ``best`` is the id of the place meant, or None with ``reason`` asking "which
    one?"; ``how`` says how the name matched (``exact``, ``loose``, ``declined``,
    ``none``). With a date, each candidate has its ``status`` and its distance to the
    front line then.
    """

    query: str
    how: str
    best: str | None
    reason: str
    candidates: tuple[SettlementRow, ...]
    distances_km: tuple[float | None, ...] = ()
    matches: tuple[tuple[str, ...], ...] = ()
    source: str | None = None
    layer: str | None = None
    at: dt.datetime | None = None
    _title = "places"

    @property
    def decided(self) -> bool:
        """True when the name and its context single out one place."""
        return self.best is not None

    def as_dict(self) -> dict[str, Any]:
        """``{"query", "how", "decided", "best", "reason", "source", "layer", "at", "candidates": [row + "distance_km", "matches"]}``."""
        rows = []
        for k, r in enumerate(self.candidates):
            d = self.distances_km[k] if k < len(self.distances_km) else None
            rows.append({**r.as_dict(), "distance_km": None if d is None else round(float(d), 1),
                         "matches": list(self.matches[k]) if k < len(self.matches) else []})
        return {"query": self.query, "how": self.how, "decided": self.decided, "best": self.best,
                "reason": self.reason, "source": self.source, "layer": self.layer,
                "at": None if self.at is None else utc_text(self.at), "candidates": rows}

    def _rows(self) -> list[dict[str, Any]]:
        return self.as_dict()["candidates"]


# -------------------------------------------------------------------------- reports
@dataclass(frozen=True)
class Region:
    """A shipped region picked by name: its layer kind, id, name and geometry."""

    kind: str
    id: str
    name: str
    geometry: Any


@dataclass
class ReportInputs:
    """Everything a report shows, as results (no store inside)."""

    change: ChangeResult
    series: dict[str, Any]
    area_series: list[dict[str, Any]]
    snapshot_times: dict[str, list[dt.datetime]]
    held_before: Any
    extent: Extent
    furniture: dict[str, Any]
    conflict: Any = None  # the frontlines.conflicts.Conflict the maps belong to
    region: Region | None = None
    region_change: dict[str, Any] | None = None
    subregion_rows: list[dict[str, Any]] = field(default_factory=list)
    front_before: dict[str, Any] | None = None
    front_after: dict[str, Any] | None = None
    depth_gained: dict[str, Any] | None = None
    depth_lost: dict[str, Any] | None = None
    far_gained: dict[str, Any] | None = None
    far_lost: dict[str, Any] | None = None
    places: list[dict[str, Any]] = field(default_factory=list)
    context: list[Settlement] = field(default_factory=list)
    gaps: list[tuple[str, str, float]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    other_sources: list[dict[str, Any]] = field(default_factory=list)
    #: "Sources side by side": :class:`SideBySideInputs`, one per other source covering the window.
    side_by_side: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class StateMapInputs:
    """What a map of every layer on one date shows (``frontlines map --at``)."""

    source: str
    at: dt.datetime
    map_time: str  # the time of the map shown (ISO, UTC)
    layers: Mapping[str, Any]
    areas: Mapping[str, float]
    extent: Extent
    furniture: Mapping[str, Any]
    front: Any | None
    context: tuple[Settlement, ...]


@dataclass(frozen=True)
class ChangeMapInputs:
    """What a change map shows (``frontlines map --from --to``)."""

    change: ChangeResult
    held_before: Any
    extent: Extent
    furniture: Mapping[str, Any]
    front_before: Any | None
    front_after: Any | None
    places: tuple[Mapping[str, Any], ...]
    context: tuple[Settlement, ...]


@dataclass(frozen=True)
class AnimationInputs:
    """What an animation shows: the view and the layer's state at each frame time (lazy)."""

    source: str
    layer: str
    extent: Extent
    furniture: Mapping[str, Any]
    context: tuple[Settlement, ...]
    frames: Any  # iterator of (time, geometry)
