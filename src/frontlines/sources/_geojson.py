"""Shared GeoJSON reading for the provider adapters.

:class:`PartCache` remembers, by the hash of a feature's geometry JSON, the
validated polygon parts it produced. Consecutive snapshots of one map share most
features byte for byte, so a history of a thousand snapshots parses each distinct
polygon once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import shapely

from frontlines.core.validate import (
    MAX_POSITIONS,
    Repairs,
    check_geojson_geometry,
    polygon_parts,
    unreadable_geometry,
)
from frontlines.errors import SourceFormatError
from frontlines.hashing import content_hash
from frontlines.model import LayerKey, Provenance, Snapshot
from frontlines.sources._fastgeom import (
    coordinates_are_numbers,
    fast_polygon_parts_many,
    may_hold_booleans,
)
from frontlines.sources._payloads import Payload
from frontlines.sources._redrawn import SENTINEL, Drawn, coordinate_spans, redraw, skeleton

__all__ = ["LayerCollector", "PartCache", "features_of", "properties_of"]


@dataclass(frozen=True)
class FeatureOutcome:
    """What one feature adds to a snapshot: its kind, layer or label, parts and repairs."""

    kind: str  # "layer", "excluded", "unknown", "points", "empty"
    value: Any = None
    parts: tuple[Any, ...] = ()
    repaired: int = 0
    details: tuple[str, ...] = ()
    dropped: int = 0


_OPEN = b'{"type":"FeatureCollection","features":['
_FIRST = b'{"type":"Feature",'
_SEP = b'},{"type":"Feature",'
_CLOSE = b"}]}"


def split_minified_features(data: bytes) -> list[bytes] | None:
    """The bytes of each feature of a FeatureCollection written without whitespace.

    ``None`` when the payload is not laid out that way (the caller parses it whole).
    A chunk that is not a valid feature is caught when it is parsed.
    """
    body = data.strip()
    if not (body.startswith(_OPEN + _FIRST) and body.endswith(_CLOSE)):
        return None
    return [_FIRST + p + b"}" for p in _pieces(body)]


def _pieces(body: bytes) -> list[bytes]:
    """The features of a stripped minified FeatureCollection, without their common head and closing brace."""
    return body[len(_OPEN) + len(_FIRST) : -len(_CLOSE)].split(_SEP)


#: Default :attr:`PartCache.generation_positions` (about 6 MB of coordinates).
GENERATION_POSITIONS = 256_000


@dataclass
class PartCache:
    """geometry-JSON hash -> tuple of validated polygons (lon/lat), and feature outcomes.

    What was not used during the last :attr:`generation` to ``2 * generation`` snapshots
    (see :meth:`advance`) is forgotten, so an ingest of thousands of snapshots keeps only
    the features of recent ones in memory.
    """

    entries: dict[bytes, tuple[Any, ...]] = field(default_factory=dict)
    #: raw feature bytes hash -> what the feature contributed (see LayerCollector.add_raw_features)
    features: dict[bytes, FeatureOutcome] = field(default_factory=dict)
    #: the raw bytes of each feature of the last raw snapshot, in order, and their outcomes
    #: (a feature is compared byte for byte with the one at the same place, then with any of them)
    recent_pieces: list[bytes] = field(default_factory=list)
    recent_outcomes: list[FeatureOutcome] = field(default_factory=list)
    #: the polygons of each feature of the last text read by LayerCollector.add_redrawn, as read (None: not polygonal)
    recent_drawn: list[Drawn | None] = field(default_factory=list)
    hits: int = 0
    misses: int = 0
    #: Largest number of positions in one geometry.
    max_positions: int = MAX_POSITIONS
    #: Snapshots per generation of the caches.
    generation: int = 32
    #: Positions the polygons parsed anew in one generation may hold before the caches age early
    #: (layers redrawn whole, ISW's, would otherwise keep ~30 layers' polygons: ~20 MB per parser).
    generation_positions: int = GENERATION_POSITIONS
    _old_entries: dict[bytes, tuple[Any, ...]] = field(default_factory=dict, repr=False)
    _old_features: dict[bytes, FeatureOutcome] = field(default_factory=dict, repr=False)
    _snapshots: int = 0
    _positions: int = 0

    def advance(self) -> bool:
        """Count one more snapshot parsed; every :attr:`generation` snapshots (or sooner, once
        :attr:`generation_positions` new positions were parsed), age the caches. Returns whether they aged."""
        self._snapshots += 1
        if self._snapshots % self.generation == 0 or self._positions > self.generation_positions:
            self._old_entries, self.entries = self.entries, {}
            self._old_features, self.features = self.features, {}
            self._positions = 0
            return True
        return False

    def feature(self, key: bytes) -> FeatureOutcome | None:
        """The cached outcome of a feature by the hash of its raw bytes."""
        out = self.features.get(key)
        if out is None:
            out = self._old_features.pop(key, None)
            if out is not None:
                self.features[key] = out
        return out

    def _entry(self, key: bytes) -> tuple[Any, ...] | None:
        hit = self.entries.get(key)
        if hit is None:
            hit = self._old_entries.pop(key, None)
            if hit is not None:
                self.entries[key] = hit
        return hit

    def parts(
        self, geometry: dict[str, Any], *, where: str, repairs: Repairs, polygons: np.ndarray | None = None
    ) -> tuple[Any, ...]:
        """Validated polygon parts of a GeoJSON geometry object.

        ``polygons``: the geometry's polygons already built from its clean coordinates, in order
        (``fast_polygon_parts_many(..., unclean=)``: a Polygon or MultiPolygon whose structure and
        coordinates passed its checks): they are repaired as read, not checked and read again.
        """
        if polygons is None:
            check_geojson_geometry(geometry, where=where, max_positions=self.max_positions)  # before GEOS sees it
        raw = orjson.dumps(geometry)
        key = hashlib.blake2b(raw, digest_size=16).digest()
        hit = self._entry(key)
        if hit is not None:
            self.hits += 1
            return hit
        self.misses += 1
        if polygons is not None:  # the pieces polygon_parts takes from the geometry read from the JSON
            geom = shapely.multipolygons(polygons)
        else:
            try:
                geom = shapely.from_geojson(raw)
            except shapely.errors.GEOSException as exc:
                raise unreadable_geometry(exc, where=where) from exc
        parts = tuple(polygon_parts(geom, where=where, repairs=repairs))
        self.entries[key] = parts
        self._positions += int(shapely.get_num_coordinates(geom))
        return parts


def properties_of(feat: object, i: int, *, name: str) -> dict[str, Any]:
    """The ``properties`` of feature ``i`` (``{}`` when null), checking the feature is an object.

    Raises
    ------
    SourceFormatError
        The feature is not a JSON object, or its properties are neither an object nor null.
    """
    if not isinstance(feat, dict):
        raise SourceFormatError(f"{name}: feature {i} is not an object", path=name, field=f"features[{i}]")
    props = feat.get("properties")
    if props is None:
        return {}
    if not isinstance(props, dict):
        raise SourceFormatError(
            f"{name}: feature {i} has properties of type {type(props).__name__}, not an object",
            path=name, field=f"features[{i}].properties", value=props,
        )
    return props


def features_of(doc: object, *, name: str, allow_empty: bool = False) -> list[dict[str, Any]]:
    """The features of a GeoJSON FeatureCollection, with a clear error otherwise.

    An empty collection is an error unless ``allow_empty`` (``--allow-empty``).
    """
    if not isinstance(doc, dict):
        raise SourceFormatError(f"{name}: expected a GeoJSON object, found {type(doc).__name__}", path=name)
    if doc.get("type") == "Feature":
        return [doc]
    if doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise SourceFormatError(f"{name}: not a GeoJSON FeatureCollection (type={doc.get('type')!r})", path=name, field="type",
                                value=doc.get("type"))
    if not doc["features"] and not allow_empty:
        raise SourceFormatError(
            f"{name}: the FeatureCollection is empty: the map has no measurable area (use --allow-empty to ingest it anyway)",
            path=name, field="features",
        )
    return doc["features"]


@dataclass
class _Pending:
    """A clean layer feature whose polygons are not built yet (see :meth:`LayerCollector._resolve`)."""

    feat: Any
    i: int
    value: Any
    geom: dict[str, Any]
    key: bytes = b""
    outcome: FeatureOutcome | None = None
    #: its JSON holds no strings in its coordinates (:func:`~frontlines.sources._fastgeom.coordinates_are_numbers`)
    flat: bool = False


@dataclass
class LayerCollector:
    """Accumulates polygon parts per layer and the notes of one snapshot."""

    name: str
    cache: PartCache
    layers: dict[LayerKey, list[Any]] = field(default_factory=dict)
    repairs: Repairs = field(default_factory=Repairs)
    unknown: Counter[str] = field(default_factory=Counter)
    excluded: Counter[str] = field(default_factory=Counter)
    ignored_points: int = 0

    def _outcome(
        self, feat: Any, i: int, classify: Callable[[dict[str, Any]], tuple[str, Any]], fast: bool = False,
        flat: bool = False,
    ) -> FeatureOutcome | _Pending:
        """What feature ``i`` adds; ``fast``: its JSON holds no booleans (allows the fast geometry path);
        ``flat``: nor strings in its coordinates (they are read flat, see :class:`_Pending`).

        A clean layer feature (``fast``) comes back :class:`_Pending`: its polygons are built
        by :meth:`_resolve`, in bulk with the other pending features of the snapshot.
        """
        classified = self._classified(feat, i, classify)
        if isinstance(classified, FeatureOutcome):
            return classified
        value, geom = classified
        if fast:  # built with the snapshot's other clean features (see _resolve)
            return _Pending(feat, i, value, geom, flat=flat)
        return self._exact(geom, i, value)

    def _classified(
        self, feat: Any, i: int, classify: Callable[[dict[str, Any]], tuple[str, Any]],
    ) -> FeatureOutcome | tuple[Any, dict[str, Any]]:
        """Feature ``i``'s outcome when it adds no polygons, else its layer and its (polygonal) geometry object."""
        props = properties_of(feat, i, name=self.name)
        geom = feat.get("geometry")
        if not geom:
            return FeatureOutcome("empty")
        gtype = geom.get("type") if isinstance(geom, dict) else None
        if gtype in ("Point", "MultiPoint", "LineString", "MultiLineString"):
            return FeatureOutcome("points")
        if gtype not in ("Polygon", "MultiPolygon", "GeometryCollection"):
            raise SourceFormatError(f"{self.name}: feature {i} has unsupported geometry type {gtype!r}",
                                    path=self.name, field=f"features[{i}].geometry.type", value=gtype)
        kind, value = classify(props)
        if kind != "layer":
            return FeatureOutcome(kind, str(value))
        return value, geom

    def _exact(self, geom: dict[str, Any], i: int, value: Any, polygons: np.ndarray | None = None) -> FeatureOutcome:
        """A layer feature's outcome by the exact path (checks, repairs, names the problem);
        ``polygons``: see :meth:`PartCache.parts`."""
        repairs = Repairs()
        parts = self.cache.parts(geom, where=f"{self.name} feature {i}", repairs=repairs, polygons=polygons)
        return FeatureOutcome("layer", value, parts, repairs.repaired, tuple(repairs.details), repairs.dropped_empty)

    def _resolve(self, pending: list[_Pending]) -> None:
        """Fill in the outcome of each pending feature: its polygons built in bulk
        (:func:`~frontlines.sources._fastgeom.fast_polygon_parts_many`), or by the exact path
        when it is not that clean (starting from the polygons built in bulk when only their
        validity or area failed)."""
        unclean: dict[int, np.ndarray] = {}
        built = fast_polygon_parts_many([p.geom for p in pending], max_positions=self.cache.max_positions,
                                        unclean=unclean, flat=[p.flat for p in pending])
        for k, (p, parts) in enumerate(zip(pending, built)):
            p.outcome = FeatureOutcome("layer", p.value, parts) if parts is not None \
                else self._exact(p.geom, p.i, p.value, unclean.get(k))

    def _apply(self, out: FeatureOutcome) -> None:
        if out.kind == "points":
            self.ignored_points += 1
        elif out.kind == "excluded":
            self.excluded[out.value] += 1
        elif out.kind == "unknown":
            self.unknown[out.value] += 1
        elif out.kind == "layer":
            self.layers.setdefault(out.value, []).extend(out.parts)
            self.repairs.repaired += out.repaired
            self.repairs.dropped_empty += out.dropped
            self.repairs.details.extend(out.details[: max(0, 20 - len(self.repairs.details))])

    def add_features(
        self,
        features: Iterable[dict[str, Any]],
        classify: Callable[[dict[str, Any]], tuple[str, Any]],
        *,
        raw: bytes | None = None,
    ) -> None:
        """Classify each feature and add its polygons to its layer.

        ``classify(properties)`` returns ``("layer", LayerKey)``,
        ``("excluded", reason)`` or ``("unknown", label)``. ``raw``: the JSON text the
        features were parsed from, when at hand (clean polygons are then built in bulk).
        """
        fast = raw is not None and not may_hold_booleans(raw)
        flat = fast and coordinates_are_numbers(raw)  # type: ignore[arg-type]
        outcomes = [self._outcome(feat, i, classify, fast, flat) for i, feat in enumerate(features)]
        pending = [out for out in outcomes if isinstance(out, _Pending)]
        if pending:
            self._resolve(pending)
        for out in outcomes:
            self._apply(out.outcome if isinstance(out, _Pending) else out)  # type: ignore[arg-type]

    def add_redrawn(
        self, data: bytes, classify: Callable[[dict[str, Any]], tuple[str, Any]], *, allow_empty: bool = False,
    ) -> bool:
        """Like :meth:`add_features` on a whole GeoJSON text, reading each Polygon and MultiPolygon
        feature's coordinates against the same feature of the previous text read this way
        (:func:`~frontlines.sources._redrawn.redraw`): a polygon whose text did not change is
        neither parsed nor built again, a changed one only where its text changed.

        The document is parsed without its coordinates (:func:`~frontlines.sources._redrawn.skeleton`);
        the other features' coordinates are parsed to check their syntax. Returns False, having
        added nothing, when the text is not that clean (booleans, a string or object among
        coordinates, a GeometryCollection, a polygon to repair, any error): the caller then
        parses it whole, which names the problem.

        Parameters
        ----------
        data : bytes
            The whole GeoJSON text (a FeatureCollection or a Feature).
        classify : callable
            As for :meth:`add_features`.
        allow_empty : bool
            Accept a FeatureCollection without features (``--allow-empty``).

        Returns
        -------
        bool
            Whether the text was read (else nothing was added).
        """
        spans = coordinate_spans(data)
        if not spans:
            return False
        try:
            features = features_of(orjson.loads(skeleton(data, spans)), name=self.name, allow_empty=allow_empty)
            classified = [self._classified(feat, i, classify) for i, feat in enumerate(features)]
        except (orjson.JSONDecodeError, SourceFormatError):
            return False
        before = self.cache.recent_drawn
        drawn: list[Drawn | None] = []
        outcomes: list[FeatureOutcome] = []
        next_span = iter(spans)
        for i, (feat, c) in enumerate(zip(features, classified)):
            geom = feat.get("geometry")
            d: Drawn | None = None
            if isinstance(geom, dict) and "coordinates" in geom:
                value, span = geom["coordinates"], next(next_span, None)
                if span is None or type(value) is not int or value != SENTINEL or geom.get("type") == "GeometryCollection":
                    return False
                text = data[span[0] : span[1]]
                if isinstance(c, FeatureOutcome):
                    try:
                        orjson.loads(text)  # not needed, but checked as a full parse would
                    except orjson.JSONDecodeError:
                        return False
                else:
                    old = before[i] if i < len(before) else None
                    d = redraw(geom["type"], text, old, max_positions=self.cache.max_positions)
                    if d is None:
                        return False
                    c = FeatureOutcome("layer", c[0], d.parts)
            elif not isinstance(c, FeatureOutcome):
                return False  # a GeometryCollection: the full parse builds it
            drawn.append(d)
            outcomes.append(c)
        if next(next_span, None) is not None:
            return False
        self.cache.recent_drawn = drawn
        self._apply_all(outcomes)
        return True

    def add_raw_features(self, data: bytes, classify: Callable[[dict[str, Any]], tuple[str, Any]]) -> bool:
        """Like :meth:`add_features` on the raw bytes of a minified FeatureCollection.

        A feature byte for byte equal to one of the previous raw snapshot, or whose bytes
        hash like one seen before (in this ingest), is not parsed again: consecutive map
        snapshots repeat almost all of their features. Returns False, having added
        nothing, when the payload is not laid out as expected or a chunk is not a
        feature: the caller then parses it whole.
        """
        body = data.strip()
        if not (body.startswith(_OPEN + _FIRST) and body.endswith(_CLOSE)):
            return False
        cache = self.cache
        before, before_out = cache.recent_pieces, cache.recent_outcomes
        index: dict[bytes, int] | None = None  # piece -> its place in ``before``, built at the first miss
        pieces: list[bytes] = []
        outcomes: list[Any] = []
        pending: dict[bytes, _Pending] = {}  # by the hash of the feature's bytes
        waiting: list[tuple[int, _Pending]] = []  # positions of the features pending
        pos, end, k, known, sep = len(_OPEN) + len(_FIRST), len(body) - len(_CLOSE), 0, len(before), len(_SEP)
        starts = body.startswith
        for i in itertools.count():
            # The features are the pieces between separators (as _pieces splits them). The previous
            # snapshot's feature at the same place is compared in place (no copy, no hash): a piece is
            # equal to it when the body holds its bytes there followed by a separator or the end
            # (the separator cannot overlap itself, so the piece ends there).
            out: Any = None
            if k < known:
                piece = before[k]
                q = pos + len(piece)
                if starts(piece, pos) and (q == end or starts(_SEP, q)):
                    out = before_out[k]
            if out is None:
                q = body.find(_SEP, pos, end)
                q = end if q < 0 else q
                piece = body[pos:q]
                if index is None:
                    index = {p: j for j, p in enumerate(before)}
                j = index.get(piece)
                if j is not None:  # elsewhere in the previous snapshot
                    out, piece, k = before_out[j], before[j], j
                else:
                    key = hashlib.blake2b(piece, digest_size=16).digest()
                    out = cache.feature(key) or pending.get(key)
                    if out is None:
                        chunk = _FIRST + piece + b"}"
                        try:
                            feat = orjson.loads(chunk)
                        except orjson.JSONDecodeError:
                            return False
                        if not isinstance(feat, dict) or feat.get("type") != "Feature":
                            return False
                        out = self._outcome(feat, i, classify, not may_hold_booleans(piece), coordinates_are_numbers(piece))
                        if isinstance(out, _Pending):
                            out.key = key
                            pending[key] = out
                        else:
                            cache.features[key] = out
                    if isinstance(out, _Pending):
                        waiting.append((i, out))
            k += 1
            pieces.append(piece)
            outcomes.append(out)
            if q == end:
                break
            pos = q + sep
        if pending:
            self._resolve(list(pending.values()))
            for p in pending.values():
                cache.features[p.key] = p.outcome  # type: ignore[assignment]
            for i, p in waiting:
                outcomes[i] = p.outcome
        cache.recent_pieces, cache.recent_outcomes = pieces, outcomes
        self._apply_all(outcomes)
        return True

    def _apply_all(self, outcomes: list[FeatureOutcome]) -> None:
        """:meth:`_apply` of each outcome, in order, with the common cases inline (a map snapshot has
        hundreds of features: the layer's list is found by the id of its key, not by hashing it)."""
        lists: dict[int, list[Any]] = {}  # id(layer key) -> its list in self.layers (equal keys: the same list)
        points = 0
        for out in outcomes:
            kind = out.kind
            if kind == "layer":
                target = lists.get(id(out.value))
                if target is None:
                    target = lists[id(out.value)] = self.layers.setdefault(out.value, [])
                target.extend(out.parts)
                if out.repaired or out.dropped or out.details:
                    self.repairs.repaired += out.repaired
                    self.repairs.dropped_empty += out.dropped
                    self.repairs.details.extend(out.details[: max(0, 20 - len(self.repairs.details))])
            elif kind == "points":
                points += 1
            else:
                self._apply(out)
        self.ignored_points += points

    def notes(self) -> dict[str, Any]:
        """Ingest notes for :attr:`frontlines.model.Snapshot.notes`."""
        out: dict[str, Any] = {}
        if self.repairs.repaired:
            out["repaired"] = self.repairs.repaired
            out["repair_details"] = self.repairs.details
        if self.repairs.dropped_empty:
            out["dropped_empty"] = self.repairs.dropped_empty
        if self.unknown:
            out["unknown_classes"] = dict(self.unknown)
        if self.excluded:
            out["excluded_classes"] = dict(self.excluded)
        if self.ignored_points:
            out["ignored_points"] = self.ignored_points
        return out

    def frozen_layers(self) -> dict[LayerKey, tuple[Any, ...]]:
        """Layers as tuples, sorted by key."""
        return {k: tuple(v) for k, v in sorted(self.layers.items())}

    def snapshot(
        self,
        payload: Payload,
        *,
        source: str,
        conflict: str,
        published_at: dt.datetime,
        declared: tuple[LayerKey, ...],
        primary: LayerKey,
        map_time: dt.datetime | None = None,
    ) -> Snapshot:
        """The snapshot of what was collected; ``declared`` layers are present even when empty.

        ``map_time`` (the time of the map shown) defaults to ``published_at``.
        """
        layers: dict[LayerKey, tuple[Any, ...]] = {k: () for k in declared}
        layers.update(self.frozen_layers())
        return Snapshot(
            source=source,
            conflict=conflict,
            published_at=published_at,
            provenance=Provenance(payload.basename, content_hash(payload.data)),
            layers=layers,
            primary=primary,
            notes=self.notes(),
            map_time=map_time,
        )
