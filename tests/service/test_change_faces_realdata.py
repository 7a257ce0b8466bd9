"""The change-face index on the real DeepState history: figures of the plain definition.

The reference is computed here independently: the two snapshots' layers dissolved with
shapely, their differences, intersected with the union of the window's stored redraw
pieces (first reason of ``REASONS`` wins), clipped by each oblast, measured with
``pyproj.Geod`` (edges densified: the maps' edges are straight in lon/lat).
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod

from frontlines import service
from frontlines.service import change_faces, face_geometry, measure
from frontlines.service.change_faces import face_index
from frontlines.service.redraws import REASONS, RedrawRules, rules_digest
from frontlines.store.memory import MemoryStore

GEOD = Geod(ellps="WGS84")
DIGEST = rules_digest(RedrawRules())


def _km2(geom) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    return abs(GEOD.geometry_area_perimeter(shapely.segmentize(geom, 0.01))[0]) / 1e6


def _files(folder: Path, start: int, end: int) -> list[Path]:
    return [p for p in sorted(folder.glob("*.geojson")) if start <= int(p.stem) <= end]


#: DeepState history 2022-04-03 .. 2022-05-03 (74 maps: the drawing period, far-from-front redraws)
SPAN = (1648944000, 1651536000)


def _store(tmp_path_factory, folder: Path, files: list[Path], name: str):
    for p in files:
        (folder / p.name).symlink_to(p)
    store = service.open_writer(tmp_path_factory.mktemp("stores") / f"{name}.db")
    service.ingest(store, "deepstate-history", [folder])
    service.derive_store_redraws(store)  # as the CLI's ingest: redraw classification, unions, change faces
    return store


@pytest.fixture(scope="module")
def faces_store(tmp_path_factory, deepstate_history_dir):
    files = _files(deepstate_history_dir, *SPAN)
    return _store(tmp_path_factory, tmp_path_factory.mktemp("hist-faces"), files, "faces")


def _reference(store, sel, i: int, j: int, oblasts):
    """(raw gained, raw lost, {(direction, reason): geometry}) per the definition, for positions i < j."""
    ids = [s for s, _, _ in sel.timeline]
    a = shapely.union_all(list(store.layer_parts(ids[i], sel.layer).values()))
    b = shapely.union_all(list(store.layer_parts(ids[j], sel.layer).values()))
    raw = {"gained": shapely.difference(b, a), "lost": shapely.difference(a, b)}
    by: dict[tuple[str, str], list] = {}
    for _, _, pieces in store.redraws(sel.layer, ids[i + 1 : j + 1]).values():
        for d, r, _, wkb in pieces:
            by.setdefault((d, r), []).append(shapely.from_wkb(wkb))
    redraw = {}
    for d in ("gained", "lost"):
        done = shapely.Polygon()
        for r in REASONS:
            if (d, r) in by:
                piece = shapely.difference(shapely.intersection(raw[d], shapely.union_all(by[(d, r)])), done)
                if _km2(piece) > 0:
                    redraw[(d, r)] = piece
                    done = shapely.union(done, piece)
    return raw, redraw


def _close(got: float, want: float) -> bool:
    return abs(got - want) <= max(0.01, 2e-5 * abs(want))  # geodesic vs lon/lat-straight edges, rounding


def test_the_index_is_stored_and_used(faces_store) -> None:
    sel = service.select(faces_store)
    assert face_index(faces_store, sel, "oblast", DIGEST) is not None
    assert face_index(faces_store, sel, None, DIGEST) is not None
    assert face_index(faces_store, sel, "raion", DIGEST) is None  # only its own level
    assert face_index(faces_store, sel, "oblast", "other-rules") is None


def test_faces_in_the_layer_measure_each_snapshot(faces_store) -> None:
    sel = service.select(faces_store)
    index = face_index(faces_store, sel, None, DIGEST)
    for pos, (_, _, area) in enumerate(sel.timeline):
        assert index.area[index.status(pos)].sum() == pytest.approx(area, rel=1e-6)


def test_change_by_oblast_is_the_definition(faces_store) -> None:
    store = faces_store
    sel = service.select(store)
    oblasts = service.region_level(store, "oblast")
    times = [t for _, t, _ in sel.timeline]
    rng = random.Random(5)
    windows = [(0, len(times) - 1), (10, 11)] + [tuple(sorted(rng.sample(range(len(times)), 2))) for _ in range(3)]
    checked_redraw = 0
    for i, j in windows:
        raw, redraw = _reference(store, sel, i, j, oblasts)
        docs = {inc: service.change(store, start=times[i].isoformat(), end=times[j].isoformat(), by="oblast",
                                    include_redraws=inc).as_dict() for inc in (False, True)}
        pieces = [(p["direction"], p["reason"], p["area_km2"]) for p in docs[False]["redraw_pieces"]]
        assert [(d, r) for d, r, _ in pieces] == list(redraw)  # the same reasons, in attribution order
        for (d, r, km2), geom in zip(pieces, redraw.values()):
            assert _close(km2, _km2(geom)), (i, j, d, r)
            checked_redraw += 1
        for d in ("gained", "lost"):
            red = [g for (dd, _), g in redraw.items() if dd == d]
            fight = shapely.difference(raw[d], shapely.union_all(red)) if red else raw[d]
            assert _close(docs[True][f"{d}_km2"], _km2(raw[d])), (i, j, d)
            assert _close(docs[False][f"{d}_km2"], _km2(fight)), (i, j, d)
            for k, row in enumerate(docs[False]["regions"]):
                want = _km2(shapely.intersection(fight, oblasts.geometries[k]))
                assert _close(row[f"{d}_km2"], want), (i, j, d, row["id"])
    assert checked_redraw >= 3  # the windows hold redraws of several reasons


def test_an_appended_snapshot_splits_further_and_gives_the_same_figures(tmp_path_factory, deepstate_history_dir,
                                                                        faces_store, monkeypatch) -> None:
    files = _files(deepstate_history_dir, *SPAN)
    folder = tmp_path_factory.mktemp("hist-faces-inc")
    store = _store(tmp_path_factory, folder, files[:-3], "inc")
    for p in files[-3:]:
        (folder / p.name).symlink_to(p)
    service.ingest(store, "deepstate-history", [folder])
    sel = service.select(store)
    assert face_index(store, sel, "oblast", DIGEST) is None  # stale: the timeline grew
    times = [t for _, t, _ in sel.timeline]
    stale = service.change(store, start=times[0].isoformat(), end=times[-1].isoformat(), by="oblast").as_dict()
    started, cleaned_whole = [], []
    monkeypatch.setattr(change_faces.FaceBuilder, "start", lambda *a, **k: started.append(1))
    whole = change_faces.clean_coverage
    monkeypatch.setattr(change_faces, "clean_coverage", lambda *a, **k: cleaned_whole.append(1) or whole(*a, **k))
    service.derive_store_redraws(store)  # continues the stored index (no new partition is started)
    assert not started and not cleaned_whole  # the coverage cleaned again around the split faces only
    _, _, blob = store.change_faces(sel.source, sel.layer, geometry=True)
    z = np.load(io.BytesIO(blob), allow_pickle=False)
    n = int(json.loads(z["head"].tobytes())["faces"])
    raw, clean = change_faces._split_wkb(z["wkb"], z["lens"][:n]), change_faces._split_wkb(z["clean_wkb"], z["clean_lens"])
    assert len(clean) == n and shapely.coverage_is_valid(clean) and shapely.is_valid(clean).all()
    assert np.abs(shapely.area(clean) - shapely.area(raw)).max() < 1e-9  # face for face, moved by snapping only
    incremental = face_index(store, sel, "oblast", DIGEST)
    full = face_index(faces_store, service.select(faces_store), "oblast", DIGEST)
    assert incremental is not None and incremental.positions == full.positions
    for i, j in [(0, len(times) - 1), (len(times) - 5, len(times) - 1), (3, len(times) - 2)]:
        a, b = incremental.window(i, j), full.window(i, j)
        assert np.allclose(a.gained, b.gained, rtol=1e-7, atol=1e-4)
        assert np.allclose(a.lost, b.lost, rtol=1e-7, atol=1e-4)
        assert a.redraw.keys() == b.redraw.keys()
        for k in a.redraw:
            assert np.allclose(a.redraw[k], b.redraw[k], rtol=1e-7, atol=1e-4)
    fresh = service.change(store, start=times[0].isoformat(), end=times[-1].isoformat(), by="oblast").as_dict()
    assert fresh["gained_km2"] == pytest.approx(stale["gained_km2"], abs=0.01)  # the overlay path said the same
    assert fresh["lost_km2"] == pytest.approx(stale["lost_km2"], abs=0.01)


def test_copy_carries_the_index(faces_store, monkeypatch) -> None:
    started = []
    monkeypatch.setattr(change_faces.FaceBuilder, "start", lambda *a, **k: started.append(1))
    mem = MemoryStore()
    service.copy_store(faces_store, mem)
    assert not started  # copied, not built again
    index = face_index(mem, service.select(mem), "oblast", DIGEST)
    full = face_index(faces_store, service.select(faces_store), "oblast", DIGEST)
    assert index is not None and np.array_equal(index.area, full.area) and np.array_equal(index.ev_face, full.ev_face)


# --------------------------------------------------------------------------- window geometries from the faces
def _sd_km2(a, b) -> float:
    return _km2(shapely.symmetric_difference(a, b))


def _no_overlays(monkeypatch) -> None:
    def fail(*a, **k):
        raise AssertionError("the overlay path answered")

    monkeypatch.setattr(measure, "window_redraws", fail)
    monkeypatch.setattr(measure, "change_geometries", fail)


def test_window_geometries_are_the_definition(faces_store, monkeypatch) -> None:
    """Fighting, raw and redraw geometries of ``change(geometry=True)`` (unions of faces) against the plain
    overlays of the two snapshots' stored layers minus the union of the window's stored redraw pieces."""
    store = faces_store
    sel = service.select(store)
    oblasts = service.region_level(store, "oblast")
    times = [t for _, t, _ in sel.timeline]
    rng = random.Random(11)
    windows = [(0, len(times) - 1), (10, 11), (12, 40)] + [tuple(sorted(rng.sample(range(len(times)), 2))) for _ in range(3)]
    pieces_checked = 0
    _no_overlays(monkeypatch)
    for i, j in windows:
        raw, redraw = _reference(store, sel, i, j, oblasts)
        for inc in (False, True):
            got = service.change(store, start=times[i].isoformat(), end=times[j].isoformat(), geometry=True,
                                 include_redraws=inc)
            for d in ("gained", "lost"):
                red = [g for (dd, _), g in redraw.items() if dd == d]
                want = raw[d] if inc or not red else shapely.difference(raw[d], shapely.union_all(red))
                geom = getattr(got, d)
                assert geom.is_valid
                figure = getattr(got, f"{d}_km2")
                assert _sd_km2(geom, want) <= max(0.01, 2e-5 * figure), (i, j, d, inc)
                assert _close(_km2(geom), figure), (i, j, d, inc)  # the geometry measures the figure
            shown = {(p.direction, p.reason): p for p in got.redraw_pieces}
            assert shown.keys() == redraw.keys()
            for key, p in shown.items():
                assert p.geometry.is_valid and _sd_km2(p.geometry, redraw[key]) <= max(0.01, 2e-5 * p.area_km2), key
                assert _close(_km2(p.geometry), p.area_km2), key
                pieces_checked += 1
    assert pieces_checked >= 6


def test_a_store_without_the_face_coverage_takes_the_overlays(faces_store, monkeypatch) -> None:
    """A stale or missing index (or one stored before the cleaned coverage) answers by overlays, with the same ground."""
    store = faces_store
    sel = service.select(store)
    times = [t for _, t, _ in sel.timeline]
    start, end = times[3].isoformat(), times[-2].isoformat()
    faces = service.change(store, start=start, end=end, geometry=True)
    calls = []
    real = measure.window_redraws
    monkeypatch.setattr(measure, "window_redraws", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(measure, "face_index", lambda *a, **k: None)  # stale
    stale = service.change(store, start=start, end=end, geometry=True)
    assert calls == [1]
    monkeypatch.undo()
    monkeypatch.setattr(measure, "window_redraws", lambda *a, **k: calls.append(2) or real(*a, **k))
    monkeypatch.setattr(face_geometry, "face_shapes", lambda *a, **k: None)  # no cleaned coverage stored
    old = service.change(store, start=start, end=end, geometry=True)
    assert calls == [1, 2]
    for other in (stale, old):
        for d in ("gained", "lost"):
            assert _sd_km2(getattr(other, d), getattr(faces, d)) <= max(0.01, 2e-5 * getattr(faces, f"{d}_km2"))
    assert old.as_dict() == faces.as_dict()  # the figures are the faces' either way


def test_the_change_geojson_from_the_faces_measures_its_figures(faces_store, monkeypatch) -> None:
    """``/api/change.geojson``'s body (built as the router builds it) from the faces: every figure is the
    faces' (the JSON's), and each feature's served ground (pyproj.Geod) is within what a
    simplification to the tolerance can move (perimeter x tolerance) of its ``area_km2``."""
    import orjson

    from frontlines.web.routers.geo import _change_doc

    store = faces_store
    sel = service.select(store)
    times = [t for _, t, _ in sel.timeline]
    _no_overlays(monkeypatch)
    tol_km = 0.1
    for i, j in [(0, len(times) - 1), (5, 40), (20, 60)]:
        start, end = times[i].isoformat(), times[j].isoformat()
        doc = orjson.loads(orjson.dumps(_change_doc(store, start, end, None, None, "UTC", tol_km / 111.32)))
        figures = service.change(store, start=start, end=end).as_dict()
        assert doc["change"] == orjson.loads(orjson.dumps(figures))  # the same figures as without geometry
        kinds = [f["properties"]["kind"] for f in doc["features"]]
        assert kinds[:2] == ["gained", "lost"] and len(kinds) == 2 + len(figures["redraw_pieces"])
        exact = service.change(store, start=start, end=end, geometry=True)
        for f, shape in zip(doc["features"], [exact.gained, exact.lost, *(p.geometry for p in exact.redraw_pieces)]):
            want = f["properties"]["area_km2"]
            if f["geometry"] is None:  # nothing, or ground thinner than the tolerance (Douglas-Peucker drops it)
                assert want == 0.0 or want <= abs(GEOD.geometry_area_perimeter(shape)[1]) / 1000 * tol_km
                continue
            geom = shapely.geometry.shape(f["geometry"])
            assert geom.is_valid
            perimeter_km = abs(GEOD.geometry_area_perimeter(geom)[1]) / 1000
            assert abs(_km2(geom) - want) <= perimeter_km * tol_km + 0.01, (i, j, f["properties"])


def test_derive_adds_the_coverage_to_an_index_stored_without_it(faces_store, monkeypatch) -> None:
    """An index written before the cleaned coverage was stored takes the overlays for geometry until
    ``derive`` adds the coverage (without building the index again)."""
    mem = MemoryStore()
    service.copy_store(faces_store, mem)
    sel = service.select(mem)
    basis, data, blob = mem.change_faces(sel.source, sel.layer, geometry=True)
    z = np.load(io.BytesIO(blob), allow_pickle=False)
    old = io.BytesIO()
    np.savez(old, **{k: z[k] for k in z.files if not k.startswith("clean_")})
    mem.put_change_faces(sel.source, sel.layer, basis, data, old.getvalue())
    index = face_index(mem, sel, None, DIGEST)
    assert index is not None and face_geometry.face_shapes(mem, sel, index) is None
    times = [t for _, t, _ in sel.timeline]
    calls = []
    real = measure.window_redraws
    monkeypatch.setattr(measure, "window_redraws", lambda *a, **k: calls.append(1) or real(*a, **k))
    before = service.change(mem, start=times[2].isoformat(), end=times[-3].isoformat(), geometry=True)
    assert calls == [1]  # the overlays answered
    started = []
    monkeypatch.setattr(change_faces.FaceBuilder, "start", lambda *a, **k: started.append(1))
    service.derive_store_redraws(mem)
    assert not started
    row = mem.change_faces(sel.source, sel.layer, geometry=True)
    assert row[0] == basis and row[1] == data  # the index itself untouched
    index = face_index(mem, sel, None, DIGEST)
    assert face_geometry.face_shapes(mem, sel, index) is not None
    after = service.change(mem, start=times[2].isoformat(), end=times[-3].isoformat(), geometry=True)
    assert calls == [1]  # the faces answered
    assert after.as_dict() == before.as_dict()
    for d in ("gained", "lost"):
        assert _sd_km2(getattr(after, d), getattr(before, d)) <= max(0.01, 2e-5 * getattr(before, f"{d}_km2"))


def test_change_by_another_level_from_the_faces_is_the_definition(faces_store, monkeypatch) -> None:
    """By raion (the faces are cut by oblasts only): the fighting and the redraw ground are clipped apart (the
    raw change is not united from them), and each raion's figures are the plain definition's."""
    store = faces_store
    sel = service.select(store)
    raions = service.region_level(store, "raion")
    times = [t for _, t, _ in sel.timeline]
    _no_overlays(monkeypatch)
    asked = []
    real = measure.window_shapes
    monkeypatch.setattr(measure, "window_shapes", lambda *a, **k: asked.append(k["raw"]) or real(*a, **k))
    checked = 0
    for i, j in [(0, len(times) - 1), (12, 40)]:
        raw, redraw = _reference(store, sel, i, j, None)
        got = service.change(store, start=times[i].isoformat(), end=times[j].isoformat(), by="raion",
                             geometry=True).as_dict()
        assert got["redraw_pieces"], (i, j)  # windows with redraws: the split clip is what is tested
        for d in ("gained", "lost"):
            red = [g for (dd, _), g in redraw.items() if dd == d]
            fight = shapely.difference(raw[d], shapely.union_all(red)) if red else raw[d]
            near = shapely.STRtree(raions.geometries).query(fight, predicate="intersects")
            for k, row in enumerate(got["regions"]):
                want = _km2(shapely.intersection(fight, raions.geometries[k])) if k in near else 0.0
                assert _close(row[f"{d}_km2"], want), (i, j, d, row["id"])
                checked += want > 0
    assert asked == [False, False]  # no raw change was united
    assert checked >= 10


def test_a_series_by_another_level_from_the_faces_is_the_definition(faces_store, monkeypatch) -> None:
    """A weekly series by raion (the faces are cut by oblasts only) takes each period's fighting ground from
    the faces' unions, no overlay: every raion's gained and lost per period are the plain definition's."""
    store = faces_store
    sel = service.select(store)
    raions = service.region_level(store, "raion")
    position = {sid: k for k, (sid, _, _) in enumerate(sel.timeline)}
    tree = shapely.STRtree(raions.geometries)
    _no_overlays(monkeypatch)
    got = service.series(store, start="2022-04-04", end="2022-05-02", freq="week", by="raion").as_dict()
    checked = moved = 0
    for period in got["periods"]:
        i, j = position[period["start_snapshot"]], position[period["end_snapshot"]]
        if i == j:
            continue
        raw, redraw = _reference(store, sel, i, j, None)
        for d in ("gained", "lost"):
            red = [g for (dd, _), g in redraw.items() if dd == d]
            fight = shapely.difference(raw[d], shapely.union_all(red)) if red else raw[d]
            near = set(tree.query(fight, predicate="intersects").tolist())
            for k, row in enumerate(period["regions"]):
                want = _km2(_polygonal(shapely.intersection(fight, raions.geometries[k]))) if k in near else 0.0
                assert _close(row[f"{d}_km2"], want), (period["start"], d, row["id"], row[f"{d}_km2"], want)
                checked += 1
                moved += want > 0
    assert len(got["periods"]) == 5 and moved >= 10, (len(got["periods"]), moved)
    assert checked >= 2 * 2 * len(raions.ids)


def _polygonal(geom):
    """The polygons of an intersection (a fighting area touching a raion along its border gives lines)."""
    parts = shapely.get_parts(geom)
    return shapely.union_all(parts[shapely.get_type_id(parts) == 3])


def _ring_set(geom) -> set[bytes]:
    """Each ring of a polygonal geometry as a normalised polygon's WKB."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    assert len(rings) > 0 or shapely.is_empty(geom)
    return set(shapely.to_wkb(shapely.normalize(shapely.polygons(rings))).tolist())


def test_the_change_geojson_is_drawn_from_the_display_faces(faces_store, monkeypatch) -> None:
    """At 0.1 km ``/api/change.geojson`` draws the display faces (slivers bundled with the ground they lean
    on): the same figures as the exact drawing, valid geometries, each feature's drawn ground within
    perimeter x tolerance of the plain definition's (overlays of the two stored layers less the window's
    redraw pieces, ``pyproj.Geod``), and each feature the display faces' union as stored (their one
    simplification, not another)."""
    import orjson

    from frontlines.service import change_display
    from frontlines.web.routers import geo as geo_router

    store = faces_store
    sel = service.select(store)
    oblasts = service.region_level(store, "oblast")
    times = [t for _, t, _ in sel.timeline]
    tol_km = 0.1
    tol = tol_km / 111.32
    shown = change_display.display_shapes(store, sel, face_index(store, sel, None, DIGEST))
    assert shown is not None
    display = shapely.get_parts(shown.shapes.take(np.ones(len(shown.shapes), dtype=bool)))  # their polygons
    inner = shapely.point_on_surface(display)
    _no_overlays(monkeypatch)
    drawn = []
    real = change_display.change_drawing
    monkeypatch.setattr(service, "change_drawing", lambda *a, **k: drawn.append(1) or real(*a, **k))
    rng = random.Random(3)
    windows = [(0, len(times) - 1), (5, 40), (20, 60)] + [tuple(sorted(rng.sample(range(len(times)), 2))) for _ in range(3)]
    checked = 0
    for i, j in windows:
        start, end = times[i].isoformat(), times[j].isoformat()
        raw, redraw = _reference(store, sel, i, j, oblasts)
        for inc in (False, True):
            assert change_display.change_drawing(store, start=start, end=end, include_redraws=inc,
                                                 tolerance_deg=tol) is not None
            n = len(drawn)
            doc = orjson.loads(orjson.dumps(geo_router._change_doc(store, start, end, None, None, "UTC", tol, inc)))
            assert len(drawn) == n + 1
            with monkeypatch.context() as m:  # the exact drawing (unions of the faces, then simplified)
                m.setattr(service, "change_drawing", lambda *a, **k: None)
                exact = orjson.loads(orjson.dumps(geo_router._change_doc(store, start, end, None, None, "UTC", tol, inc)))
            assert doc["change"] == exact["change"]  # every figure identical
            assert [f["properties"] for f in doc["features"]] == [f["properties"] for f in exact["features"]]
            wants = []
            for d in ("gained", "lost"):
                red = [g for (dd, _), g in redraw.items() if dd == d]
                wants.append(raw[d] if inc or not red else shapely.difference(raw[d], shapely.union_all(red)))
            wants += [redraw[(p["direction"], p["reason"])] for p in doc["change"]["redraw_pieces"]]
            for f, want in zip(doc["features"], wants):
                perimeter_km = abs(GEOD.geometry_area_perimeter(want)[1]) / 1000 if not want.is_empty else 0.0
                if f["geometry"] is None:  # nothing left at the tolerance: ground thinner than it
                    assert _km2(want) <= perimeter_km * tol_km / 2 + 0.01, (i, j, inc, f["properties"])
                    continue
                geom = shapely.geometry.shape(f["geometry"])
                assert geom.is_valid, (i, j, inc, f["properties"])
                xy = shapely.get_coordinates(geom)
                # rounded for transfer (but where rounding made parts overlap: their union's new crossing points)
                assert np.mean(xy == np.round(xy, 6)) >= 0.9
                assert _sd_km2(geom, want) <= perimeter_km * tol_km + 0.01, (i, j, inc, f["properties"])
                # served as stored: every ring is a ring of the GEOS coverage union of the display faces' polygons
                # inside it (the ones left out are thin: change_display.THIN), not simplified again
                members = display[shapely.contains_xy(geom, *shapely.get_coordinates(inner).T)]
                union_rings, served_rings = _ring_set(shapely.coverage_union_all(members)), _ring_set(geom)
                assert served_rings <= union_rings, (i, j, inc, f["properties"])
                for r in union_rings - served_rings:
                    ring = shapely.from_wkb(r)
                    assert 2 * ring.area < change_display.THIN * tol * ring.length, (i, j, inc, f["properties"])
                checked += 1
    assert checked >= 30
    # other tolerances (and a tolerance given in degrees that is not exactly 0.1 km) are drawn exactly
    assert change_display.change_drawing(store, start=times[0].isoformat(), end=times[9].isoformat(),
                                         tolerance_deg=0.2 / 111.32) is None
    assert change_display.change_drawing(store, start=times[0].isoformat(), end=times[9].isoformat(),
                                         tolerance_deg=0.0) is None


def test_the_stored_arcs_give_the_unions_of_the_display_faces(faces_store) -> None:
    """The display faces' arcs stored at derive time give, for real windows' classes, the same ground as
    shapely's coverage union of the display faces of each class (valid, vertex for vertex the same
    points), and each display face alone is itself."""
    from frontlines.core.coverage_arcs import unions
    from frontlines.service import change_display

    store = faces_store
    sel = service.select(store)
    index = face_index(store, sel, None, DIGEST)
    shown = change_display.display_shapes(store, sel, index)
    assert shown is not None and shown.arcs.polygons == len(shown.shapes)
    geoms = shown.shapes.take(np.ones(len(shown.shapes), dtype=bool))
    assert shapely.coverage_is_valid(geoms)  # GEOS's cleaning on the grid gives a coverage (not checked when stored)
    alone = unions(shown.arcs, np.arange(len(geoms)), len(geoms))
    assert alone is not None
    assert all(shapely.equals(a, g) for a, g in zip(alone, geoms))
    none = len(index.reasons)
    n = len(sel.timeline)
    rng = random.Random(8)
    compared = 0
    for i, j in [(0, n - 1), (3, 30)] + [tuple(sorted(rng.sample(range(n), 2))) for _ in range(8)]:
        c = index.classes(i, j)
        face_class = np.zeros(index.faces, dtype=np.int64)
        for off, d, moved in ((1, "gained", c.gained), (2 + none, "lost", c.lost)):
            face_class[moved] = off + (c.best[d][moved] if d in c.best else none)
        label = shown.classes(face_class, index.area) - 1
        got = unions(shown.arcs, label, 2 * (none + 1))
        assert got is not None
        for k, g in enumerate(got):
            members = geoms[label == k]
            if not len(members):
                assert g.is_empty
                continue
            want = shapely.coverage_union_all(members)
            assert g.is_valid and shapely.symmetric_difference(g, want).area <= 1e-12, (i, j, k)
            assert shapely.get_num_coordinates(g) == shapely.get_num_coordinates(want)
            compared += 1
    assert compared >= 20


def test_the_drawing_takes_the_coverage_unions_where_the_arcs_do_not_close(faces_store, monkeypatch) -> None:
    """Where the arcs do not close into rings (``unions`` answers None: never seen on real data) the drawing
    unites the display faces with GEOS instead: the same figures, valid features, and the same ground
    within perimeter x tolerance."""
    from frontlines.service import change_display

    store = faces_store
    times = [t for _, t, _ in service.select(store).timeline]
    tol = 0.1 / 111.32
    for inc in (False, True):
        args = dict(start=times[1].isoformat(), end=times[-2].isoformat(), include_redraws=inc, tolerance_deg=tol)
        arcs = change_display.change_drawing(store, **args)
        with monkeypatch.context() as m:
            m.setattr(change_display, "unions", lambda *a, **k: None)
            geos = change_display.change_drawing(store, **args)
        assert arcs is not None and geos is not None and geos.result.as_dict() == arcs.result.as_dict()
        compared = 0
        for x, y in zip((arcs.gained, arcs.lost, *arcs.pieces), (geos.gained, geos.lost, *geos.pieces)):
            if x is None or y is None:  # nothing left at the tolerance in one: a sliver
                assert (x if y is None else y) is None or shapely.area(x if y is None else y) < 1e-6
                continue
            assert x.is_valid and y.is_valid
            assert shapely.symmetric_difference(x, y).area <= shapely.length(x) * tol + 1e-9
            rings = shapely.get_rings(shapely.get_parts(y))  # the fallback leaves the hairlines out too
            area, length = shapely.area(shapely.polygons(rings)), shapely.length(rings)
            assert (2 * area >= change_display.THIN * tol * length).all()  # twice area over perimeter: the width
            compared += 1
        assert compared >= 2


def test_derive_adds_the_display_faces_to_an_index_stored_without_them(faces_store, monkeypatch) -> None:
    """An index written before display faces were stored (or with another rules version) is drawn exactly
    until ``derive`` adds them (without building the index or cleaning the coverage again)."""
    from frontlines.service import change_display

    mem = MemoryStore()
    service.copy_store(faces_store, mem)
    sel = service.select(mem)
    basis, data, blob = mem.change_faces(sel.source, sel.layer, geometry=True)
    z = np.load(io.BytesIO(blob), allow_pickle=False)
    assert change_faces.has_display(z.files, z.__getitem__)
    old = io.BytesIO()
    np.savez(old, **{k: z[k] for k in z.files if not k.startswith("display_")})
    mem.put_change_faces(sel.source, sel.layer, basis, data, old.getvalue())
    times = [t for _, t, _ in sel.timeline]
    tol = 0.1 / 111.32
    assert change_display.change_drawing(mem, start=times[2].isoformat(), end=times[-3].isoformat(),
                                         tolerance_deg=tol) is None
    started, cleaned = [], []
    monkeypatch.setattr(change_faces.FaceBuilder, "start", lambda *a, **k: started.append(1))
    monkeypatch.setattr(change_faces, "clean_coverage", lambda *a, **k: cleaned.append(1))
    service.derive_store_redraws(mem)
    assert not started and not cleaned
    row = mem.change_faces(sel.source, sel.layer, geometry=True)
    assert row[0] == basis and row[1] == data  # the index itself untouched
    z2 = np.load(io.BytesIO(row[2]), allow_pickle=False)
    assert np.array_equal(z2["clean_wkb"], z["clean_wkb"]) and np.array_equal(z2["display_of"], z["display_of"])
    got = change_display.change_drawing(mem, start=times[2].isoformat(), end=times[-3].isoformat(), tolerance_deg=tol)
    assert got is not None and got.result.as_dict() == service.change(
        mem, start=times[2].isoformat(), end=times[-3].isoformat()).as_dict()
