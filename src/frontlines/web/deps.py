"""What routes receive through FastAPI's ``Depends``, and the one conversion of service results to JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from frontlines.web.settings import AppContext

__all__ = ["Ctx", "get_context", "to_json_doc"]


async def get_context(request: Request) -> AppContext:
    """The :class:`AppContext` of the app serving ``request``.

    ``async`` so that FastAPI calls it on the event loop: a plain ``def`` dependency is run in
    the thread pool, one more thread hop per request (~0.1 ms of server CPU, see bench/README.md
    "HTTP (wave 7)").
    """
    context: AppContext = request.app.state.context
    return context


#: A route parameter receiving the app's context.
Ctx = Annotated[AppContext, Depends(get_context)]


def to_json_doc(result: Any) -> Any:
    """The JSON document of a service result: ``result.as_dict()``, element-wise for lists.

    Plain JSON (the metadata listings `sources`, `snapshots`, `evidence_features`) passes through unchanged.
    (An ``as_dict`` attribute is looked up directly: ``isinstance`` against a runtime-checkable
    Protocol walks the class's attributes on every call, a measurable share of a cheap request.)
    """
    as_dict = getattr(result, "as_dict", None)
    if callable(as_dict):
        return as_dict()
    if isinstance(result, list):
        return [to_json_doc(item) for item in result]
    return result
