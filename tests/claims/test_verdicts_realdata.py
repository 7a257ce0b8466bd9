"""Verdicts on real maps (DeepState history, ISW 2022): the hand-judged cases of ``verdicts.jsonl``.

Each entry gives the verdicts a careful reader would give, with why (published figures,
the issue's DeepState figures).  Verdict accuracy is the share of claims whose verdict
matches; every entry is also a test of its own.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from frontlines import service
from frontlines.service.claims import check
from tests.conftest import require_data

HERE = Path(__file__).parent
CASES = [json.loads(line) for line in (HERE / "verdicts.jsonl").read_text("utf-8").splitlines() if line.strip()]
UTC = dt.timezone.utc

#: DeepState history maps: the latest at or before each of these instants is ingested.
HISTORY_AT = ["2022-05-01T00:00", "2022-09-01T00:00", "2022-09-05T00:00", "2022-09-06T00:00",
              "2022-09-11T23:59", "2022-09-12T23:59"]
ISW_CONTROL = ("20220401", "20220901", "20220905", "20220911", "20220912")
ISW_ADVANCE = ("20220828", "20220905", "20220911", "20220912")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, deepstate_history_dir: Path):
    files = sorted(deepstate_history_dir.glob("*.geojson"), key=lambda p: int(p.stem))
    chosen = []
    for at in HISTORY_AT:
        t = dt.datetime.fromisoformat(at).replace(tzinfo=UTC).timestamp()
        before = [p for p in files if int(p.stem) <= t]
        chosen.append(before[-1])
    st = service.open_writer(tmp_path_factory.mktemp("verdicts") / "v.db")
    service.ingest(st, "deepstate-history", sorted(set(chosen)))
    isw = require_data("isw-2022/layers")
    service.ingest(st, "isw", [isw / f"{d}_RussianAssessedCoTinUkraine.geojson.gz" for d in ISW_CONTROL]
                   + [isw / f"{d}_RussianAssessedAdvanceinUkraine.geojson.gz" for d in ISW_ADVANCE])
    return st


def _verdicts(store, case: dict) -> list[str]:
    report = check(store, case["text"], published=dt.date.fromisoformat(case["published"]), sources=case["sources"])
    return [r.verdict for r in report.results]


@pytest.mark.parametrize("case", CASES, ids=[f"{i + 1}:{'+'.join(c['sources'])}:{c['text'][:30]}" for i, c in enumerate(CASES)])
def test_verdict(store, case: dict) -> None:
    assert _verdicts(store, case) == case["verdicts"], case["why"]


def test_isw_sentence_reasons_and_maps(store) -> None:
    """The done-when sentence: three claims, readable reasons naming the maps; 'since April' from May on DeepState."""
    case = CASES[0]
    report = check(store, case["text"], published=dt.date(2022, 9, 11), sources=["deepstate-history"])
    depth, area, comparison = report.results
    assert (depth.claim.kind, area.claim.kind, comparison.claim.kind) == ("depth", "area", "comparison")
    assert area.primary is not None and "deepstate-history's maps current at 2022-09-05" in area.reason
    assert 7_500 < area.central < 10_000  # the DeepState figure: about 8,600 km²
    assert comparison.comparison is not None and comparison.comparison.other_value is not None
    assert comparison.comparison.other_value < comparison.comparison.self_value
    other = comparison.comparison.details[1]["reading"]
    assert other["start"].startswith("2022-04-30") or other["start"].startswith("2022-05-01")  # not 1 March or April
    assert any("measured from 2022-05-01" in n for n in comparison.notes)
    d = report.as_dict()["claims"][1]
    assert d["maps"] and d["primary"]["primary"] is True and isinstance(d["alternatives"], list)


def test_verdict_accuracy(store) -> None:
    total = right = 0
    for case in CASES:
        got = _verdicts(store, case)
        total += len(case["verdicts"])
        right += sum(g == w for g, w in zip(got, case["verdicts"]))
    assert total >= 15
    assert right / total >= 0.9, (right, total)
