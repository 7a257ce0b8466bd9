"""``/api/quality`` (the audit trail of redraws and gaps) and ``/api/compare`` (two sources side by side)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from frontlines import service
from frontlines.web.deps import Ctx, to_json_doc
from frontlines.web.params import FromQ, LayerQ, SourceQ, ToQ, TzQ

__all__ = ["router"]

router = APIRouter()

SourcesQ = Annotated[str, Query(description="Two sources A,B (stored or composite).", max_length=200)]


@router.get("/api/quality", tags=["quality"],
            summary="Every step of a layer with its pieces classified as advance / retreat / redraw (= `frontlines quality --json`)")
def get_quality(ctx: Ctx, start: FromQ, end: ToQ, source: SourceQ = None, layer: LayerQ = None,
                tz: TzQ = "UTC",
                health_only: Annotated[bool, Query(description="Only gaps, spikes and reversions per source.")] = False,
                ) -> Response:
    return ctx.cached(("quality", start, end, source, layer, tz, health_only),
                      lambda store: to_json_doc(service.quality(store, start=start, end=end, source=source, layer=layer,
                                                                tz=tz, health_only=health_only)))


@router.get("/api/compare", tags=["quality"],
            summary="One layer in two sources at every period end (= `frontlines compare --json`)")
def get_compare(ctx: Ctx, sources: SourcesQ, start: FromQ, end: ToQ, layer: LayerQ = None, tz: TzQ = "UTC",
                freq: Annotated[str, Query(description="day, week, month, quarter or year.", max_length=16)] = "month",
                ) -> Response:
    return ctx.cached(("compare", sources, start, end, layer, tz, freq),
                      lambda store: to_json_doc(service.compare(store, sources=sources.split(","), start=start, end=end,
                                                                layer=layer, tz=tz, freq=freq)))
