"""Endpoints over functions that are not in every version yet (claim checking, front line, ...).

Each is registered only when its function exists (``/api/health`` lists ``features``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import Body, FastAPI, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from frontlines import service
from frontlines.errors import InputTooLargeError
from frontlines.web import geo
from frontlines.web.stores import StorePool

__all__ = ["check_function", "register"]

#: Largest claim dict accepted back by the evidence endpoint (bytes of JSON).
MAX_CLAIM_JSON = 256 * 1024


class CheckBody(BaseModel):
    """A claim check request."""

    text: str = Field(..., min_length=1, max_length=200_000, description="An article or a statement.")
    published: dt.date | None = Field(None, description="Publication date (default: the text's dateline, else today).")
    sources: list[str] | None = Field(None, max_length=20, description="Only these sources (default: all).")


def check_function() -> Callable[..., Any]:
    """The claim checker."""
    return service.check


def register(app: FastAPI, cached: Callable[..., Response], pool: StorePool) -> None:
    """Add the endpoints whose functions exist."""
    check = check_function()
    if check is None:
        return

    @app.post("/api/check", tags=["claims"], summary="Check the territorial claims of a text (= `frontlines check --json`)")
    def post_check(body: CheckBody) -> Response:
        digest = hashlib.sha256(body.text.encode()).hexdigest()
        key = ("check", digest, body.published, tuple(body.sources or ()) or None)

        def compute(store: Any) -> Any:
            report = check(store, body.text, published=body.published, sources=body.sources)
            return report.as_dict() if hasattr(report, "as_dict") else report
        return cached(key, compute)

    try:
        from frontlines.service.claims import evidence_features
    except ImportError:
        return

    @app.post("/api/evidence.geojson", tags=["claims"],
              summary="Gained and lost ground behind one checked claim (post back one item of `claims`)")
    def post_evidence(
        claim: Annotated[dict[str, Any], Body(description="One element of the `claims` list of /api/check.")],
        tolerance: Annotated[float, Query(description="Simplification tolerance in `units`.")] = 0.0,
        units: Annotated[str, Query(description="km or deg.")] = "km",
    ) -> Response:
        tol = geo.tolerance_degrees(tolerance, units)
        raw = orjson.dumps(claim)
        if len(raw) > MAX_CLAIM_JSON:
            raise InputTooLargeError(f"claim of {len(raw):,} bytes exceeds {MAX_CLAIM_JSON:,}")
        if not isinstance(claim.get("claim"), dict) or not isinstance(claim.get("readings", {}), dict):
            raise geo.BadParameter("post one element of the 'claims' list returned by /api/check")

        def compute(store: Any) -> Any:
            try:
                feats = evidence_features(store, claim)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise geo.BadParameter(f"not a claim returned by /api/check ({type(exc).__name__}: {exc})") from None
            for f in feats:
                if f.get("geometry"):
                    import shapely

                    g = geo.simplify(shapely.from_geojson(orjson.dumps(f["geometry"])), tol)
                    f["geometry"] = orjson.loads(shapely.to_geojson(g))
            return {"type": "FeatureCollection", "features": feats}
        return cached(("evidence", hashlib.sha256(raw).hexdigest(), tol), compute, "application/geo+json")
