"""Claim checking against the real DeepState history."""

from __future__ import annotations

import datetime as dt

import pytest

from frontlines.claims import NO_CLAIMS
from frontlines.errors import ClaimParseError
from frontlines.service.claims import StoreMeasurer, check, evidence_features

PUBLISHED = dt.date(2022, 9, 12)


def verdicts(store, text, published=PUBLISHED):
    report = check(store, text, published=published)
    return [c["verdict"] for c in report.as_dict()["claims"]], report


def test_true_claim_is_supported(kharkiv_store) -> None:
    v, report = verdicts(kharkiv_store, "Ukrainian forces have recaptured more than 6,000 square kilometres "
                                        "from Russian troops since the start of September.")
    assert v == ["supported"]
    claim = report.as_dict()["claims"][0]
    assert 8_000 < claim["measured"]["central"] < 10_500
    assert claim["measured"]["low"] <= claim["measured"]["central"] <= claim["measured"]["high"]


def test_understated_and_overstated(kharkiv_store) -> None:
    v, _ = verdicts(kharkiv_store, "In the Kharkiv region, the Ukrainian army liberated about 3,000 sq km in five days.")
    assert v == ["understated"]
    v, _ = verdicts(kharkiv_store, "Ukraine retook about 25,000 square kilometres in the past week.")
    assert v == ["overstated"]


def test_wrong_direction_is_contradicted(kharkiv_store) -> None:
    v, report = verdicts(kharkiv_store, "Russian troops captured 2,000 square kilometres since September 6.")
    assert v == ["contradicted"]
    assert "lost" in report.as_dict()["claims"][0]["reason"].lower() or "other way" in report.as_dict()["claims"][0]["reason"].lower()


def test_depth_and_settlement_claims(kharkiv_store) -> None:
    v, _ = verdicts(kharkiv_store, "Ukrainian troops have advanced up to 70 km since September 6.")
    assert v == ["supported"]
    v, _ = verdicts(kharkiv_store, "Ukrainian forces advanced 300 km since September 6.")
    assert v == ["overstated"]


def test_share_of_country(kharkiv_store) -> None:
    v, report = verdicts(kharkiv_store, "Russia controls about 20% of Ukraine.")
    assert v == ["supported"]
    assert 18.5 < report.as_dict()["claims"][0]["measured"]["central"] < 21.5


def test_outside_the_data_is_unverifiable(kharkiv_store) -> None:
    v, _ = verdicts(kharkiv_store, "Russian forces captured 500 square kilometres in May.", published=dt.date(2021, 6, 1))
    assert v == ["unverifiable"]


def test_no_claims_and_empty_text(kharkiv_store) -> None:
    report = check(kharkiv_store, "The weather in Kyiv was mild on Monday.", published=PUBLISHED)
    assert not report.found and report.message == NO_CLAIMS
    with pytest.raises(ClaimParseError, match="empty"):
        check(kharkiv_store, "   ", published=PUBLISHED)


def test_absurd_figure_is_contradicted(kharkiv_store) -> None:
    v, _ = verdicts(kharkiv_store, "Ukrainian forces liberated 2 million square kilometres since September 6.")
    assert v == ["contradicted"]


def test_evidence_is_the_change_behind_the_figure(kharkiv_store) -> None:
    report = check(kharkiv_store, "Ukrainian forces have recaptured more than 6,000 square kilometres since the "
                                  "start of September.", published=PUBLISHED)
    claim = report.as_dict()["claims"][0]
    feats = evidence_features(kharkiv_store, claim)
    lost = next(f for f in feats if f["properties"]["kind"] == "lost")
    assert lost["properties"]["area_km2"] == pytest.approx(claim["measured"]["central"], rel=1e-3)


def test_measurer_resolves_places(kharkiv_store) -> None:
    m = StoreMeasurer(kharkiv_store)
    assert m.resolve_region("Kharkiv region") == "oblast:UA-63"
    assert m.resolve_region("Izium").startswith(("raion:", "hromada:"))
    assert m.resolve_region("Atlantis") is None
    assert m.region_land_area_km2("oblast:UA-63") == pytest.approx(31_415, rel=0.01)


def test_actor_must_be_known(kharkiv_store) -> None:
    # "the army" alone does not say whose army: the claim cannot be checked.
    v, report = verdicts(kharkiv_store, "In the Kharkiv region, the army liberated about 3,000 sq km in five days.")
    assert v == ["unverifiable"]
    assert "which side" in report.as_dict()["claims"][0]["reason"]
