"""CPU of ``change_parts`` alone over the steps an ingest's parser computes, and its answers compared.

    PYTHONPATH=src python bench/change_steps.py capture /tmp/data/deepstate-history/geojsons deepstate-history steps.pkl
    PYTHONPATH=src python bench/change_steps.py time steps.pkl [--out answers.pkl] [--against /tmp/main/src]
    PYTHONPATH=src python bench/change_steps.py compare steps.pkl main.pkl branch.pkl

``capture``: parses the folder as a parse worker does (``service.pipeline._Parser``, batches of
:data:`~frontlines.service.pipeline.BATCH`, ``derive="primary"``) and writes every
``change_parts(a, b)`` call's two part sets (hash -> WKB). ``time``: ``change_parts`` over all of
them, three times, CPU (``time.process_time``, cyclic gc off as during a parse batch); ``--out``
writes each step's (gained, lost) WKB; ``--against SRC`` times another checkout's
``frontlines/core/measure.py`` (loaded by path) in the same process, six rounds alternated with
this one's, so that both see the same load (the machine is shared). ``compare``: two ``--out`` files step by step (WKB, km²)
and each against the plain overlay of the two dissolved states (``shapely.difference``), the
independent reference, by the planar area of the symmetric difference (``area_km2`` of a
sliver of nothing is ~1e-6 km² of noise, so degrees²). Set ``PYTHONPATH`` to the checkout to measure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import pickle
import time
from pathlib import Path
from typing import Any

import shapely


def _capture(folder: str, adapter: str, out: str) -> None:
    from frontlines.service import pipeline
    from frontlines.sources._payloads import Payload, read_regular
    from frontlines.sources.base import IngestOptions

    pairs: list[tuple[dict[str, bytes], dict[str, bytes]]] = []
    inner = pipeline.change_parts

    def recorded(a: dict[str, Any], b: dict[str, Any], **kw: Any) -> Any:
        pairs.append(({h: shapely.to_wkb(g) for h, g in a.items()}, {h: shapely.to_wkb(g) for h, g in b.items()}))
        return inner(a, b, **kw)

    pipeline.change_parts = recorded  # type: ignore[assignment]
    files = sorted(Path(folder).iterdir())
    parser = pipeline._Parser(adapter, IngestOptions(now=dt.datetime.now(dt.timezone.utc)), "primary")
    for k in range(0, len(files), pipeline.BATCH):
        batch = [Payload(f.name, read_regular(f, limit=10**10)) for f in files[k : k + pipeline.BATCH]]
        parser.parse_batch(batch, continues=k > 0)
    with open(out, "wb") as f:
        pickle.dump(pairs, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"{len(pairs)} steps written to {out}")


def _states(path: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The captured steps as part sets of shapely polygons (a part decoded once, shared by its steps)."""
    with open(path, "rb") as f:
        pairs = pickle.load(f)
    geoms: dict[str, Any] = {}

    def decode(d: dict[str, bytes]) -> dict[str, Any]:
        return {h: geoms[h] if h in geoms else geoms.setdefault(h, shapely.from_wkb(w)) for h, w in d.items()}

    return [(decode(a), decode(b)) for a, b in pairs]


def _time(path: str, out: str | None, against: str | None) -> None:
    from frontlines.core.measure import change_parts

    steps = _states(path)
    gc.disable()
    if against:
        _alternated(steps, against)
        return
    for _ in range(3):
        t = time.process_time()
        for a, b in steps:
            change_parts(a, b)
        print(f"change_parts x{len(steps)}: {time.process_time() - t:.3f} s CPU")
    if out:
        answers = [tuple(b"" if shapely.is_empty(g) else shapely.to_wkb(g) for g in change_parts(a, b)) for a, b in steps]
        with open(out, "wb") as f:
            pickle.dump(answers, f, protocol=pickle.HIGHEST_PROTOCOL)


def _alternated(steps: list[tuple[dict[str, Any], dict[str, Any]]], against: str) -> None:
    """``change_parts`` of this checkout and of the one under ``against``, six rounds alternated."""
    import importlib.util

    from frontlines.core import measure

    spec = importlib.util.spec_from_file_location("other_measure", Path(against) / "frontlines/core/measure.py")
    assert spec is not None and spec.loader is not None
    other = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(other)
    times: dict[str, list[float]] = {"this": [], "other": []}
    for r in range(6):
        for name in ("this", "other") if r % 2 else ("other", "this"):
            fn = measure.change_parts if name == "this" else other.change_parts
            t = time.process_time()
            for a, b in steps:
                fn(a, b)
            times[name].append(time.process_time() - t)
    for name, seconds in times.items():
        print(f"{name:>5} ({'PYTHONPATH' if name == 'this' else against}): "
              + " ".join(f"{x:.3f}" for x in seconds) + f" s CPU, median {sorted(seconds)[3]:.3f}")


def _compare(path: str, first: str, second: str) -> None:
    from frontlines.core.geodesy import area_km2
    from frontlines.core.measure import change_geoms, dissolve

    steps = _states(path)
    with open(first, "rb") as f:
        xs = pickle.load(f)
    with open(second, "rb") as f:
        ys = pickle.load(f)
    same, worst, off = 0, 0.0, [0.0, 0.0]
    for (a, b), x, y in zip(steps, xs, ys):
        if x == y:
            same += 1
            continue
        reference = change_geoms(dissolve(list(a.values())), dissolve(list(b.values())))
        for wx, wy, ref in zip(x, y, reference):
            if wx == wy:
                continue
            gx, gy = (shapely.from_wkb(w) if w else shapely.Polygon() for w in (wx, wy))
            worst = max(worst, abs(area_km2(gx) - area_km2(gy)))
            for k, g in enumerate((gx, gy)):  # planar area (deg²) of the symmetric difference with the reference
                off[k] = max(off[k], shapely.area(shapely.symmetric_difference(g, ref)))
    print(f"{same}/{len(steps)} steps WKB-identical; the others: max |km² difference| {worst:.3g}; "
          f"max area (deg², ~8,000 km² each) of the symmetric difference with the plain overlay: first {off[0]:.3g}, "
          f"second {off[1]:.3g}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("folder")
    c.add_argument("adapter")
    c.add_argument("out")
    t = sub.add_parser("time")
    t.add_argument("steps")
    t.add_argument("--out")
    t.add_argument("--against")
    m = sub.add_parser("compare")
    m.add_argument("steps")
    m.add_argument("first")
    m.add_argument("second")
    args = ap.parse_args(argv)
    if args.cmd == "capture":
        _capture(args.folder, args.adapter, args.out)
    elif args.cmd == "time":
        _time(args.steps, args.out, args.against)
    else:
        _compare(args.steps, args.first, args.second)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
