"""The layer contract: who may import whom inside ``frontlines``, and no import cycles.

Read from the source with :mod:`ast` (every ``import``, module-level or inside a
function), so nothing needs to be imported to check it. The layers, bottom up::

    base       errors, model, times, hashing, cache, geojson_out, _version
    definitions  conflicts.definition: the data types of a conflict  -> base
    core       pure geometry (shapely, pyproj, numpy)            -> base
    results    typed results of the use cases                    -> base, core
    claims     pure claim reading and evaluation                 -> base, core, definitions
    sources    provider payloads, reference data                 -> base, core, definitions
    conflicts  the registry of conflicts and their data          -> base, core, definitions, sources
    store      the stores                                        -> base, core
    service    THE front door                                    -> everything above
    reports    renderers of results                              -> base, core, results
    web, cli   the callers                                       -> base, results, service, reports (cli: web too)

``service``, ``web``, ``cli`` and ``reports`` are imported by nobody below them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "frontlines"

BASE = {"errors", "model", "times", "hashing", "cache", "geojson_out", "_version"}

#: layer -> layers it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "definitions": {"base"},
    "core": {"base"},
    "results": {"base", "core"},
    "claims": {"base", "core", "definitions"},
    "sources": {"base", "core", "definitions"},
    "conflicts": {"base", "core", "definitions", "sources"},
    "store": {"base", "core"},
    "service": {"base", "core", "results", "definitions", "claims", "sources", "conflicts", "store"},
    "reports": {"base", "core", "results"},
    "web": {"base", "results", "service", "reports"},
    "cli": {"base", "results", "service", "reports", "web"},
    "facade": {"base", "results", "service"},
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _layer(module: str) -> str:
    parts = module.split(".")
    if module == "frontlines":
        return "facade"
    if module == "frontlines.conflicts.definition":
        return "definitions"
    top = parts[1]
    if top in BASE:
        return "base"
    if top in ("__main__",):
        return "cli"
    if top == "demo":
        return "cli"
    return top


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """Modules of the package that ``module`` imports (submodules resolved, packages otherwise)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("frontlines"):
                    out.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("frontlines"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in known else target)
    return {m for m in out if m in known and m != module}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {m: _imports(m, p, known) for m, p in mods.items()}


def test_every_module_has_a_layer(graph) -> None:
    unknown = sorted({_layer(m) for m in graph} - set(ALLOWED))
    assert not unknown, f"modules outside the layer table: {unknown}"


def test_layers_import_only_downwards(graph) -> None:
    bad = []
    for module, targets in graph.items():
        layer = _layer(module)
        for t in targets:
            other = _layer(t)
            if other != layer and other not in ALLOWED[layer]:
                bad.append(f"{module} ({layer}) imports {t} ({other})")
    assert not bad, "layer contract broken:\n" + "\n".join(sorted(bad))


def test_no_import_cycles(graph) -> None:
    # Package __init__ files re-export their submodules; an edge from a submodule to its own
    # package's __init__ would be a cycle by construction, and is already forbidden above for
    # the service (callers import the package, the package imports its modules).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    assert not cycles, f"import cycles: {cycles}"


def test_callers_use_the_front_door(graph) -> None:
    """cli, web and reports never reach into the store, the sources or the core to compose a use case."""
    bad = []
    for module, targets in graph.items():
        if _layer(module) in ("cli", "web"):
            bad += [f"{module} imports {t}" for t in targets if _layer(t) in ("store", "sources", "core", "claims")]
        if _layer(module) == "reports":
            bad += [f"{module} imports {t}" for t in targets if _layer(t) in ("store", "sources", "service")]
    assert not bad, "\n".join(sorted(bad))


def test_contract_catches_a_violation(tmp_path) -> None:
    """The checker itself: an upward import is reported."""
    fake = {"frontlines.core.x": {"frontlines.service"}, "frontlines.service": set()}
    layer_of = {m: _layer(m) for m in fake}
    assert layer_of["frontlines.core.x"] == "core" and "service" not in ALLOWED["core"]
