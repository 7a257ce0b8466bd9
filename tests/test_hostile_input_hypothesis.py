"""Generated GeoJSON, degenerate on purpose, parsed in a forked child per example: no crash, no stray exception.

Each example is a FeatureCollection whose geometries are drawn from the shapes that
broke frontlines (empty and short rings, unclosed rings, empty parts, nested
collections, NaN / infinite / huge / 4-D positions, wrong types). The child parses it
with the ``deepstate-daily`` adapter (GeoJSON read in Python) and the ``files`` adapter
(GDAL), and computes the areas as ingest does; it exits 0 when the input is accepted or
refused with a FrontlinesError, 3 on any other exception; a signal (a segfault) fails
the example. ``FRONTLINES_HYPOTHESIS_EXAMPLES`` sets the number of examples: the suite
(and CI) runs a modest 400 (about 40 s); the big run is e.g.
``FRONTLINES_HYPOTHESIS_EXAMPLES=3000 pytest tests/test_hostile_input_hypothesis.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sys
import traceback

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontlines.errors import FrontlinesError
from frontlines.model import LayerKey
from frontlines.service.pipeline import _Parser
from frontlines.sources._payloads import Payload
from frontlines.sources.base import IngestOptions

EXAMPLES = int(os.environ.get("FRONTLINES_HYPOTHESIS_EXAMPLES", "400"))
OPTIONS = IngestOptions(
    now=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    date=dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc),
    layer=LayerKey("russia", "control"),
    not_before=dt.date(2022, 2, 24),
)
PARSERS = {name: _Parser(name, OPTIONS) for name in ("deepstate-daily", "files")}

numbers = st.one_of(
    st.floats(min_value=29, max_value=33),
    st.integers(min_value=-200, max_value=200),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, 1e-320, 2**64, 180.0, 90.0]),
)
junk = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.just([]), st.just({}))
position = st.one_of(
    st.lists(numbers, min_size=2, max_size=2),
    st.lists(numbers, min_size=0, max_size=5),
    junk,
)


@st.composite
def rings(draw: st.DrawFn) -> object:
    pts = draw(st.lists(position, min_size=0, max_size=7))
    if pts and draw(st.booleans()):
        pts.append(pts[0])  # closed, as a well-formed ring is
    return draw(st.one_of(st.just(pts), junk)) if draw(st.integers(0, 9)) == 0 else pts


polygon_coords = st.lists(rings(), min_size=0, max_size=3)
leaf = st.one_of(
    st.builds(lambda c: {"type": "Polygon", "coordinates": c}, polygon_coords),
    st.builds(lambda c: {"type": "MultiPolygon", "coordinates": c}, st.lists(polygon_coords, max_size=3)),
    st.builds(lambda c: {"type": "Point", "coordinates": c}, position),
    st.builds(lambda t, c: {"type": t, "coordinates": c}, st.sampled_from(["Polygon", "Sphere", 7, None]), junk),
    st.none(),
)
geometry = st.recursive(
    leaf, lambda kids: st.builds(lambda g: {"type": "GeometryCollection", "geometries": g}, st.lists(kids, max_size=3)),
    max_leaves=8,
)
documents = st.builds(
    lambda geoms: {"type": "FeatureCollection",
                   "features": [{"type": "Feature", "properties": {"k": 1}, "geometry": g} for g in geoms]},
    st.lists(geometry, min_size=1, max_size=4),
)


def _dumps(doc: object) -> bytes:
    return json.dumps(doc, allow_nan=True).encode()  # NaN / Infinity literals, as careless writers produce


def _parse_in_child(data: bytes) -> None:
    for adapter, parser in PARSERS.items():
        name = "deepstatemap_data_20240501.geojson" if adapter == "deepstate-daily" else "map.geojson"
        try:
            parser.parse(Payload(name, data))
        except FrontlinesError:
            pass


def run_in_fork(data: bytes) -> int:
    """The child's wait status (0: no crash and no stray exception)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            _parse_in_child(data)
        except BaseException:  # noqa: BLE001 - reported through the exit code, judged by the parent
            traceback.print_exc()
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status


@pytest.fixture(scope="module", autouse=True)
def warm_parsers() -> None:
    """Parse one good map in the parent: lazy set-up (GDAL drivers, projections) is then inherited by every fork."""
    good = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[30, 48], [31, 48], [31, 49], [30, 48]]]}}]}
    _parse_in_child(_dumps(good))


def test_the_fork_harness_sees_a_segfault() -> None:
    """The harness itself: a child killed by SIGSEGV gives a non-zero status."""
    import faulthandler
    import signal

    pid = os.fork()
    if pid == 0:
        faulthandler.disable()  # no stack dump of this deliberate crash
        os.kill(os.getpid(), signal.SIGSEGV)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSEGV


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents)
def test_generated_geojson_never_crashes(doc: dict) -> None:
    data = _dumps(doc)
    status = run_in_fork(data)
    if os.WIFSIGNALED(status):
        pytest.fail(f"killed by signal {os.WTERMSIG(status)} on {data[:2000]!r}")
    assert os.WEXITSTATUS(status) == 0, f"not a FrontlinesError on {data[:2000]!r} (traceback above)"
