"""Claim checking: ``POST /api/check`` (= ``frontlines check --json``) and the evidence map of one claim."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from frontlines import service
from frontlines.errors import InputTooLargeError
from frontlines.web import geo
from frontlines.web.deps import Ctx, to_json_doc
from frontlines.web.params import EvidenceTolQ, EvidenceUnitsQ
from frontlines.web.settings import GEOJSON

__all__ = ["MAX_CLAIM_JSON", "CheckBody", "EvidenceClaim", "router"]

router = APIRouter()

#: Largest claim dict accepted back by the evidence endpoint (bytes of JSON).
MAX_CLAIM_JSON = 256 * 1024


class CheckBody(BaseModel):
    """A claim check request."""

    text: str = Field(..., min_length=1, max_length=200_000, description="An article or a statement.")
    published: dt.date | None = Field(None, description="Publication date (default: the text's dateline, else today).")
    sources: list[str] | None = Field(None, max_length=20, description="Only these sources (default: all).")


class _Reading(BaseModel):
    """One reading of a checked claim, as far as the evidence map reads it."""

    model_config = ConfigDict(extra="allow")

    central: bool | None = None
    source: str | None = None
    layer: str | None = None
    start: str | None = None
    end: str | None = None
    region: str | None = None


class EvidenceClaim(BaseModel):
    """One element of the ``claims`` list of ``/api/check``, posted back for its evidence map.

    The central reading (the first with ``central`` true), if any, must name a source, a
    layer, ISO times ``start`` and ``end``; the claim then needs its ``sentence`` and ``verdict``.
    """

    model_config = ConfigDict(extra="allow")

    claim: dict[str, Any]
    verdict: Any = None
    readings: dict[str, list[_Reading]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _central_reading_complete(self) -> EvidenceClaim:
        central = [r for rs in self.readings.values() for r in rs if r.central]
        if not central:
            return self
        r = central[0]
        if r.source is None or not (r.layer or "").split():
            raise ValueError("the central reading has no source or layer")
        for name, text in (("start", r.start), ("end", r.end)):
            if text is None:
                raise ValueError(f"the central reading has no {name}")
            dt.datetime.fromisoformat(text)  # ValueError: not an ISO time
        if "sentence" not in self.claim or "verdict" not in self.model_fields_set:
            raise ValueError("the claim has no sentence or verdict")
        return self


@router.post("/api/check", tags=["claims"], summary="Check the territorial claims of a text (= `frontlines check --json`)")
def post_check(ctx: Ctx, body: CheckBody) -> Response:
    digest = hashlib.sha256(body.text.encode()).hexdigest()
    key = ("check", digest, body.published, tuple(body.sources or ()) or None)
    return ctx.cached(key, lambda store: to_json_doc(service.check(store, body.text, published=body.published,
                                                                   sources=body.sources)))


@router.post("/api/evidence.geojson", tags=["claims"],
             summary="Gained and lost ground behind one checked claim (post back one item of `claims`)")
def post_evidence(
    ctx: Ctx,
    claim: Annotated[dict[str, Any], Body(description="One element of the `claims` list of /api/check.")],
    tolerance: EvidenceTolQ = 0.0,
    units: EvidenceUnitsQ = "km",
) -> Response:
    tol = geo.tolerance_degrees(tolerance, units)
    try:
        raw = orjson.dumps(claim)
    except orjson.JSONEncodeError as exc:  # an integer beyond 64 bits
        raise geo.BadParameter(f"not a claim returned by /api/check ({exc})") from None
    if len(raw) > MAX_CLAIM_JSON:
        raise InputTooLargeError(f"claim of {len(raw):,} bytes exceeds {MAX_CLAIM_JSON:,}")
    _check_claim(claim)
    return ctx.cached(("evidence", hashlib.sha256(raw).hexdigest(), tol),
                      lambda store: _evidence_doc(store, claim, tol), GEOJSON)


def _check_claim(claim: dict[str, Any]) -> None:
    """422 unless ``claim`` has the shape of an element of ``/api/check``'s ``claims``."""
    if not isinstance(claim.get("claim"), dict) or not isinstance(claim.get("readings", {}), dict):
        raise geo.BadParameter("post one element of the 'claims' list returned by /api/check")
    try:
        EvidenceClaim.model_validate(claim)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        why = str(first.get("ctx", {}).get("error", first["msg"]))  # a validator's own message, else pydantic's
        raise geo.BadParameter(f"not a claim returned by /api/check ({where + ': ' if where else ''}{why})") from None


def _evidence_doc(store: service.StoreReader, claim: dict[str, Any], tol: float) -> dict[str, Any]:
    import shapely

    feats = to_json_doc(service.evidence_features(store, claim))
    for f in feats:
        if f.get("geometry"):
            g = geo.simplify(shapely.from_geojson(orjson.dumps(f["geometry"])), tol)
            f["geometry"] = orjson.loads(shapely.to_geojson(g))
    return {"type": "FeatureCollection", "features": feats}
