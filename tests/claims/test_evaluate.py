"""Evaluation against a real (small) measurer: every verdict from real polygon arithmetic."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math

import pytest
from shapely.geometry import box

from frontlines.claims import (
    NO_CLAIMS,
    VERDICTS,
    Claim,
    Comparison,
    Measurer,
    TimeWindow,
    check_text,
    claim_interval,
    evaluate_claim,
)
from frontlines.claims.evaluate import ABOUT_REL_TOL, LOWER_BOUND_FAR
from frontlines.conflicts import default_registry
from frontlines.core.geodesy import area_km2
from frontlines.errors import ClaimParseError, FrontlinesError

from .measurer import REGIONS, PolygonMeasurer

P = dt.date(2024, 8, 14)
UKRAINE = default_registry().get("ukraine")
check = functools.partial(check_text, conflict=UKRAINE)
#: Russia's July gain in source alpha (its control moved from 38.0°E to 37.8°E).
JULY_GAIN = area_km2(box(37.8, 47.5, 38.0, 49.0))
#: Ukraine's gain Aug 6–14 (alpha: control back from 37.7°E to 37.85°E).
AUG_REGAIN = area_km2(box(37.7, 47.5, 37.85, 49.0))


@pytest.fixture()
def m() -> PolygonMeasurer:
    return PolygonMeasurer()


def one(text: str, m: Measurer, published: dt.date = P, **kw):
    report = check(text, m, published=published, **kw)
    assert len(report.results) == 1, [r.claim.figure_text for r in report.results]
    return report.results[0]


def test_measurer_satisfies_protocol(m: PolygonMeasurer) -> None:
    assert isinstance(m, Measurer)


def test_supported_exact_figure(m: PolygonMeasurer) -> None:
    r = one(f"Russian forces captured {JULY_GAIN:.0f} km² in July.", m)
    assert r.verdict == "supported"
    assert r.central == pytest.approx(JULY_GAIN)
    # beta starts on July 10: it does not cover July, only alpha is measured.
    assert {x.source for x in r.readings} == {"alpha"}
    centrals = [x for x in r.readings if x.central]
    assert len(centrals) == 1 and not centrals[0].contested and not centrals[0].net
    assert centrals[0].start == dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc)
    assert centrals[0].end == dt.datetime(2024, 7, 31, 23, 59, 59, tzinfo=dt.timezone.utc)
    # contested counted: the grey strip moved with the line, so the figure is the same size
    assert any(x.contested for x in r.readings)


def test_overstated(m: PolygonMeasurer) -> None:
    r = one(f"Russian forces captured {2 * JULY_GAIN:.0f} square kilometres in July.", m)
    assert r.verdict == "overstated"
    assert r.high is not None and r.high < r.claimed_low  # type: ignore[operator]


def test_understated(m: PolygonMeasurer) -> None:
    r = one(f"Russian forces captured about {JULY_GAIN / 2:.0f} sq km in July.", m)
    assert r.verdict == "understated"
    assert r.claimed_high == pytest.approx(round(JULY_GAIN / 2) * (1 + ABOUT_REL_TOL))


def test_lower_bound(m: PolygonMeasurer) -> None:
    far = one(f"Russian forces captured more than {JULY_GAIN / 4:.0f} km2 in July.", m)
    assert far.verdict == "supported-lower-bound"
    assert round(JULY_GAIN / 4) < LOWER_BOUND_FAR * far.central  # type: ignore[operator]
    near = one(f"Russian forces captured more than {JULY_GAIN * 0.8:.0f} km2 in July.", m)
    assert near.verdict == "supported"


def test_wrong_direction_is_contradicted(m: PolygonMeasurer) -> None:
    r = one("Russian forces captured 500 km2 since August 6.", m)
    assert r.verdict == "contradicted"
    assert "Wrong direction" in r.reason
    nets = [x.value for x in r.readings if x.net]
    assert nets and max(nets) < 0
    # both sources cover August: both are measured
    assert {x.source for x in r.readings} == {"alpha", "beta"}


def test_ukraine_gain_is_loss_of_russian_control(m: PolygonMeasurer) -> None:
    r = one(f"Ukrainian forces liberated about {AUG_REGAIN:.0f} square kilometres since August 6.", m)
    assert r.verdict == "supported"
    central = [x for x in r.readings if x.central and x.source == "alpha"][0]
    assert central.layer == "russia:control lost"
    assert central.value == pytest.approx(AUG_REGAIN)


def test_region_readings(m: PolygonMeasurer) -> None:
    in_region = area_km2(box(37.8, 47.5, 38.0, 49.0).intersection(REGIONS["Donetsk"]))
    r = one(f"Russian forces captured {in_region:.0f} km2 in the Donetsk region in July.", m)
    assert r.verdict == "supported"
    assert r.central == pytest.approx(in_region)
    assert {x.region for x in r.readings} == {"Donetsk", None}
    assert all(x.in_range == (x.region == "Donetsk") for x in r.readings)


def test_share_of_region_held(m: PolygonMeasurer) -> None:
    donetsk = REGIONS["Donetsk"]
    share = 100 * area_km2(box(37.85, 47.5, 40, 49).intersection(donetsk)) / area_km2(donetsk)
    r = one(f"Russian troops now occupy about {share:.0f}% of the Donetsk region.", m)
    assert r.verdict == "supported"
    assert r.central == pytest.approx(share, rel=0.02)  # median of alpha and beta
    wrong = one(f"Russian troops now occupy {share + 30:.0f}% of the Donetsk region.", m)
    assert wrong.verdict == "overstated"


def test_settlements_and_depth(m: PolygonMeasurer) -> None:
    assert one("Russian troops captured two villages in July.", m).verdict == "supported"
    assert one("Russian troops captured 10 villages in July.", m).verdict == "overstated"
    depth = one("Russian troops advanced up to 15 km in July.", m)
    assert depth.verdict == "supported"
    assert depth.central == pytest.approx(15.07, abs=0.05)
    assert one("Ukrainian forces took back 2 settlements since August 6.", m).verdict == "supported"


def test_unverifiable_cases(m: PolygonMeasurer) -> None:
    no_data = one("Russian forces captured 500 km2 in 2023.", m)
    assert no_data.verdict == "unverifiable" and "No source" in no_data.reason
    front = one("The 1,000 km front line has barely moved.", m)
    assert front.verdict == "unverifiable"
    place = one("Russian forces captured 50 km2 near Nowhereville in July.", m)
    assert place.verdict == "unverifiable" and "Nowhereville" in place.reason
    assert place.central == pytest.approx(JULY_GAIN)  # the whole map, for context
    no_window = one("Russian forces captured 500 km2.", m)
    assert no_window.verdict == "unverifiable"
    other = one("Russian forces captured 500 km2 in July.", m, sources=["nzz"])
    assert other.verdict == "unverifiable"


def test_absurd_figures(m: PolygonMeasurer) -> None:
    r = one("Ukraine has lost 10 million square kilometres since March 3.", m)
    assert r.verdict == "contradicted" and "larger than the whole country" in r.reason
    assert one("Russia occupies 120% of Ukraine.", m).verdict == "contradicted"


def test_comparisons(m: PolygonMeasurer) -> None:
    # July gain (0.2° strip) is larger than August's regain (0.15° strip)
    ok = one("Russian forces captured more territory in July than Ukraine did since August 6.", m)
    assert ok.verdict == "supported"
    assert ok.comparison is not None
    assert ok.comparison.self_value == pytest.approx(JULY_GAIN)
    # both sides from the primary source (alpha: the only one whose maps reach back to July 1)
    assert ok.comparison.other_value == pytest.approx(AUG_REGAIN)
    assert ok.primary is not None and ok.primary.source == "alpha"
    bad = one("Ukrainian troops liberated more ground since August 6 than Russia took in July.", m)
    assert bad.verdict == "contradicted"
    # ratio: July gain vs the gain Jul 21 .. Aug 5 (alpha: 37.8 -> 37.7, half the strip)
    july = TimeWindow("in July", dt.date(2024, 7, 1), dt.date(2024, 7, 31))
    later = TimeWindow("late July", dt.date(2024, 7, 21), dt.date(2024, 8, 5))

    def ratio_claim(factor: float) -> Claim:
        cmp = Comparison("ratio", factor, None, later, False, None, "")
        return Claim("comparison", None, None, "km2", None, "russia", "gain", july, None, cmp, "", "")

    expected = JULY_GAIN / area_km2(box(37.7, 47.5, 37.8, 49.0))
    assert expected == pytest.approx(2.0, rel=0.01)
    assert evaluate_claim(ratio_claim(2.0), m, published=P, sources=["alpha"], conflict=UKRAINE).verdict == "supported"
    assert evaluate_claim(ratio_claim(4.0), m, published=P, sources=["alpha"], conflict=UKRAINE).verdict == "overstated"
    assert evaluate_claim(ratio_claim(1.0), m, published=P, sources=["alpha"], conflict=UKRAINE).verdict == "understated"


def test_largest_since(m: PolygonMeasurer) -> None:
    # monthly: July 2024 is the only full month covered before August
    report = check(f"Russia's gain of {JULY_GAIN:.0f} km² in August was the largest monthly gain since July 2024.",
                   m, published=P)
    # one sentence, two claims: the figure and, as a claim of its own, the comparison
    assert [c.claim.kind for c in report.results] == ["area", "comparison"]
    r = report.results[1]
    assert r.comparison is not None and r.verdict == r.comparison.verdict
    assert r.comparison.verdict == "contradicted"  # August (so far) < July


def test_check_text_results_and_json(m: PolygonMeasurer) -> None:
    text = (
        "KYIV, Aug 14 (Reuters) - Russian forces captured 2,500 km2 in July, Ukraine's army said. "
        "Ukrainian forces liberated 1,500 km2 since August 6. The front line is 1,000 km long."
    )
    report = check(text, m, today=dt.date(2024, 12, 1))
    assert report.published == P and report.published_from == "dateline"
    assert [r.verdict for r in report.results] == ["supported", "understated", "unverifiable"]
    d = json.loads(json.dumps(report.as_dict()))
    assert d["found"] is True and len(d["claims"]) == 3
    first = d["claims"][0]
    assert set(first) >= {"claim", "verdict", "reason", "claimed", "measured", "readings", "comparison"}
    assert "alpha" in first["readings"]
    assert all(v in VERDICTS for v in (r.verdict for r in report.results))


def test_no_claims_is_a_result(m: PolygonMeasurer) -> None:
    report = check("Russia fired 3,000 missiles at Ukrainian cities in 2023.", m, published=P)
    assert not report.found and report.results == ()
    assert report.message == NO_CLAIMS and report.as_dict()["claims"] == []


@pytest.mark.parametrize("text", ["", "   \n "])
def test_empty_text_raises(m: PolygonMeasurer, text: str) -> None:
    with pytest.raises(ClaimParseError, match="empty"):
        check(text, m, published=P)
    assert issubclass(ClaimParseError, FrontlinesError)


def test_no_date_at_all_raises(m: PolygonMeasurer) -> None:
    with pytest.raises(ClaimParseError, match="publication date"):
        check("Russian forces captured 500 km2 in July.", m)


def test_published_precedence(m: PolygonMeasurer) -> None:
    text = "Published: 2024-08-14\nRussian forces captured 2,500 km2 last month."
    assert check(text, m, today=dt.date(2025, 1, 1)).published == P
    r = check(text, m, published=dt.date(2024, 9, 3))
    assert r.published_from == "argument" and r.results[0].claim.window.start == dt.date(2024, 8, 1)


def test_claim_interval_semantics() -> None:
    assert claim_interval(100, None, None, "km2") == pytest.approx((90, 110))
    assert claim_interval(100, None, "exactly", "km2") == pytest.approx((95, 105))
    assert claim_interval(100, None, "at_least", "km2")[1] == math.inf
    assert claim_interval(100, None, "up_to", "km2") == pytest.approx((50, 102))
    assert claim_interval(100, None, "nearly", "km2") == pytest.approx((85, 102))
    assert claim_interval(100, None, "less_than", "km2") == pytest.approx((0, 102))
    assert claim_interval(10, 15, None, "km") == pytest.approx((9, 16.5))
    assert claim_interval(2, None, None, "count") == pytest.approx((1, 3))  # absolute floor


def test_rate_claim_scales_with_window(m: PolygonMeasurer) -> None:
    per_day = JULY_GAIN / 31
    r = one(f"Russian troops gained {per_day:.0f} km2 a day in July.", m)
    assert r.claim.per == "day"
    assert r.verdict == "supported"
