"""The verdict rule: one primary reading, alternatives, never a verdict from the envelope alone."""

from __future__ import annotations

import io
import json

from shapely.geometry import box

from frontlines.core.geodesy import area_km2
from tests.claims.measurer import PolygonMeasurer
from tests.claims.test_evaluate import AUG_REGAIN, one

#: beta's regain Aug 4 -> Aug 12 (37.69 -> 37.86), computed independently of the evaluator
BETA_REGAIN = area_km2(box(37.69, 47.5, 37.86, 49.0))


def test_primary_inside_is_supported() -> None:
    r = one(f"Ukrainian forces liberated about {AUG_REGAIN:.0f} square kilometres since August 6.", PolygonMeasurer())
    assert r.verdict == "supported" and r.primary is not None and r.primary.source == "alpha"
    assert r.central == r.primary.value
    assert "alpha's maps" in r.reason


def test_alternative_inside_depends_on_definition() -> None:
    # alpha (primary, 1,858 km²) is outside 2,100 ±10 %; beta (2,106 km²) is inside
    assert AUG_REGAIN < 2100 * 0.9 < BETA_REGAIN < 2100 * 1.1
    r = one("Ukrainian forces liberated about 2,100 square kilometres since August 6.", PolygonMeasurer())
    assert r.verdict == "depends-on-definition"
    assert "beta" in r.reason and any(a.source == "beta" for a in r.alternatives)


def test_envelope_alone_never_supports() -> None:
    # "exactly 1,980" allows 1,881..2,079: alpha is below, beta above, no reading inside.
    lo, hi = 1980 * 0.95, 1980 * 1.05
    assert AUG_REGAIN < lo and BETA_REGAIN > hi
    r = one("Ukrainian forces liberated exactly 1,980 square kilometres since August 6.", PolygonMeasurer())
    assert r.low is not None and r.high is not None and r.low < lo and r.high > hi  # the envelope spans the claim
    assert r.verdict != "supported" and r.verdict == "depends-on-definition"
    only_alpha = one("Ukrainian forces liberated exactly 1,980 square kilometres since August 6.", PolygonMeasurer(),
                     sources=["alpha"])
    assert only_alpha.verdict == "overstated"  # alpha alone: 1,858 km², below what the claim allows


def test_check_reads_stdin(tmp_path, monkeypatch, capsys, deepstate_daily_dir) -> None:
    """``frontlines check -`` reads the text from stdin, as its help says."""
    from frontlines.claims import VERDICTS
    from frontlines.cli import main

    db = str(tmp_path / "s.db")
    files = [str(deepstate_daily_dir / f"deepstatemap_data_{d}.geojson") for d in ("20240826", "20240902")]
    assert main(["ingest", "deepstate-daily", *files, "--store", db]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("Росіяни окупували 12 населених пунктів за тиждень."))
    assert main(["check", "-", "--store", db, "--published", "2024-09-02", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (c,) = doc["claims"]
    assert (c["claim"]["kind"], c["claim"]["actor"], c["claim"]["value"]) == ("settlements", "russia", 12.0)
    # the daily file dated 2024-08-26 shows the map of the end of 25 August, Kyiv time (map time)
    assert c["verdict"] in VERDICTS and c["reason"] and c["maps"] and "2024-08-25 20:59" in c["maps"]
