"""The malformed-input corpus (tests/fixtures/malformed) through every adapter, each file in a forked child.

For every file and every adapter the outcome must be the one in the manifest
(``expected-hand.json``: written by hand; ``expected-mut.json``: recorded from the
mutated real maps and reviewed), no child may crash, and every refusal must be a
:class:`~frontlines.errors.FrontlinesError` whose message names the file. Re-record the
mutants' manifest with ``FRONTLINES_RECORD_CORPUS=1`` after a deliberate change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from frontlines.errors import FrontlinesError
from frontlines.model import LayerKey
from frontlines.service.pipeline import ADAPTER_NAMES, _Parser
from frontlines.sources._payloads import Payload
from frontlines.sources.base import IngestOptions
from tests.forked import CRASH, run_forked

CORPUS = Path(__file__).parent / "fixtures" / "malformed"
HAND = json.loads((CORPUS / "expected-hand.json").read_text())
MUT_MANIFEST = CORPUS / "expected-mut.json"
RECORD = os.environ.get("FRONTLINES_RECORD_CORPUS") == "1"

#: The file name each adapter expects (2024-05-01); the ``files`` adapter keeps the corpus name.
ADAPTER_FILE = {
    "deepstate-history": "1714521600.geojson",
    "deepstate-daily": "deepstatemap_data_20240501.geojson",
    "isw": "20240501_RussianAssessedCoTinUkraine.geojson",
    "nzz": "nzz_2024-05-01.json",
}
OPTIONS = IngestOptions(
    now=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    date=dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc),
    layer=LayerKey("russia", "control"),
    not_before=dt.date(2022, 2, 24),
)


def corpus_files() -> list[str]:
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*") if p.is_file())


def outcomes(rel: str) -> dict[str, str]:
    """Run in the child: each adapter's outcome on one corpus file ("accept", or "refuse: <message>")."""
    data = (CORPUS / rel).read_bytes()
    out = {}
    for adapter in ADAPTER_NAMES:
        name = f"{rel}/{ADAPTER_FILE.get(adapter, Path(rel).name)}"
        try:
            parsed = _Parser(adapter, OPTIONS).parse(Payload(name, data))
        except FrontlinesError as exc:
            out[adapter] = f"refuse: {exc}"
            continue
        assert sum(len(rows) for rows in parsed.parts.values()) > 0
        out[adapter] = "accept"
    return out


def expected(rel: str, adapter: str, manifest: dict[str, object]) -> str:
    want = manifest[rel]
    if isinstance(want, dict):
        return want[adapter] if adapter in want else want["*"]
    return str(want)


def test_corpus_is_large_and_small() -> None:
    files = corpus_files()
    assert len(files) >= 200
    assert all((CORPUS / f).stat().st_size < 20_000 for f in files)
    assert {f for f in files if f.startswith("hand/")} == set(HAND)


@pytest.fixture(scope="module")
def mut_manifest() -> dict[str, object]:
    return json.loads(MUT_MANIFEST.read_text()) if MUT_MANIFEST.exists() else {}


def outcomes_of(rels: list[str]) -> dict[str, dict[str, str]]:
    """Run in the child: :func:`outcomes` of several files (one fork for many keeps the suite fast)."""
    return {rel: outcomes(rel) for rel in rels}


CHUNK = 25
FILES = corpus_files()
CHUNKS = [FILES[i : i + CHUNK] for i in range(0, len(FILES), CHUNK)]


@pytest.mark.parametrize("rels", CHUNKS, ids=[f"{c[0]}..{c[-1]}" for c in CHUNKS])
def test_corpus_through_every_adapter(rels: list[str], mut_manifest: dict[str, object]) -> None:
    kind, value = run_forked(outcomes_of, rels)
    if kind == CRASH:  # name the file that kills the process
        for rel in rels:
            one, code = run_forked(outcomes_of, [rel])
            assert one != CRASH, f"{rel}: the child died (exit code {code})"
    assert kind == "ok", f"not a FrontlinesError:\n{value}"
    problems = []
    for rel, results in value.items():
        for adapter, got in results.items():
            if got != "accept" and f"{rel}/" not in got:
                problems.append(f"{rel} with {adapter}: the message does not name the file: {got}")
        if rel.startswith("hand/"):
            manifest: dict[str, object] = HAND
        elif RECORD:
            mut_manifest[rel] = {a: ("accept" if v == "accept" else "refuse") for a, v in results.items()}
            continue
        else:
            manifest = mut_manifest
        for adapter, got in results.items():
            want = expected(rel, adapter, manifest)
            if got.split(":")[0] != want:
                problems.append(f"{rel} with {adapter}: expected {want}, got {got}")
    if RECORD:
        MUT_MANIFEST.write_text(json.dumps(dict(sorted(mut_manifest.items())), indent=1) + "\n")
    assert not problems, "\n".join(problems)
