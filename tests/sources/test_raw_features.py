"""The raw-feature path over a sequence of snapshots sharing one cache: each snapshot gives
exactly what a full JSON parse of it gives on its own, whatever moved between snapshots."""

from __future__ import annotations

import orjson
import pytest

from frontlines.model import LayerKey
from frontlines.sources._geojson import LayerCollector, PartCache, features_of

CONTROL, CONTESTED = LayerKey("russia", "control"), LayerKey("russia", "contested")


def _classify(props: dict) -> tuple[str, object]:
    name = props.get("name")
    if name == "skip":
        return "excluded", "skip"
    if name not in ("control", "contested"):
        return "unknown", str(name)
    return "layer", CONTROL if name == "control" else CONTESTED


def _square(x: float, name: str, **extra: object) -> dict:
    ring = [[x, 48.0], [x + 0.5, 48.0], [x + 0.5, 48.5], [x, 48.5], [x, 48.0]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"name": name, **extra}}


def _payload(features: list[dict]) -> bytes:
    return orjson.dumps({"type": "FeatureCollection", "features": features})


def _bowtie(x: float) -> dict:  # self-intersecting: repaired, and counted in the notes
    ring = [[x, 48.0], [x + 0.5, 48.5], [x + 0.5, 48.0], [x, 48.5], [x, 48.0]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": {"name": "control"}}


A, B, C = _square(30, "control"), _square(31, "contested"), _square(32, "control")
BOW = _bowtie(35)
POINT = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [30, 48]}, "properties": {"name": "x"}}
D, E = _square(33, "skip"), _square(34, "other")
NULL = {"type": "Feature", "geometry": None, "properties": {"name": "control"}}
# the bytes of A followed by more: equal to A's piece at its start, not a separator after it
A_LONGER = {**A, "id": 7}

SEQUENCE = [
    [A, B, C, D, E],
    [A, B, C, D, E],  # unchanged
    [B, A, C, D, E],  # two swapped
    [A, C, D, E],  # one removed
    [A, _square(30.25, "control"), C, D, E],  # one inserted
    [A_LONGER, B, C, NULL, E],  # a longer feature where a shorter one was; a null geometry
    [A, A, A, B, C],  # repeats
    [BOW, A, POINT, D, E, POINT],  # a repaired feature, points, excluded and unknown classes
    [A, BOW, E, D, POINT],
    [C, B, A],  # reversed
    [C],
    [A, B, C, D, E],
    [E, D, C, B, A, A_LONGER],
]


def _layers(collector: LayerCollector) -> dict[LayerKey, list[bytes]]:
    return {k: [p.wkb for p in v] for k, v in collector.layers.items()}


@pytest.mark.parametrize("order", [SEQUENCE, SEQUENCE[::-1]])
def test_raw_features_follow_any_change_between_snapshots(order: list[list[dict]]) -> None:
    cache = PartCache()
    for k, features in enumerate(order):
        data = _payload(features)
        fast = LayerCollector(f"s{k}", cache)
        assert fast.add_raw_features(data, _classify)
        slow = LayerCollector(f"s{k}", PartCache())  # the whole payload parsed, nothing remembered
        slow.add_features(features_of(orjson.loads(data), name=f"s{k}"), _classify)
        assert _layers(fast) == _layers(slow)
        # a feature's repair details name the snapshot that first parsed it (remembered with the feature)
        assert _counted(fast.notes()) == _counted(slow.notes())
        assert sum(len(v) for v in fast.layers.values()) == sum(
            len(_split(f)) for f in features if f["geometry"] and f["properties"]["name"] in ("control", "contested"))
        assert fast.notes().get("repaired", 0) == sum(f is BOW for f in features)
        assert fast.ignored_points == sum(f is POINT for f in features)


def _counted(notes: dict) -> dict:
    return {k: v for k, v in notes.items() if k != "repair_details"}


def _split(feature: dict) -> list:
    """The polygons a feature gives: a bow tie is repaired into its two triangles."""
    return [0, 1] if feature is BOW else [0]
