"""What routes receive through FastAPI's ``Depends``, and the one conversion of service results to JSON."""

from __future__ import annotations

from typing import Annotated, Any, Protocol, runtime_checkable

from fastapi import Depends, Request

from frontlines.web.settings import AppContext

__all__ = ["Ctx", "get_context", "to_json_doc"]


def get_context(request: Request) -> AppContext:
    """The :class:`AppContext` of the app serving ``request``."""
    context: AppContext = request.app.state.context
    return context


#: A route parameter receiving the app's context.
Ctx = Annotated[AppContext, Depends(get_context)]


@runtime_checkable
class _JsonResult(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


def to_json_doc(result: Any) -> Any:
    """The JSON document of a service result: ``result.as_dict()``, element-wise for lists.

    Plain JSON (the metadata listings `sources`, `snapshots`, `evidence_features`) passes through unchanged.
    """
    if isinstance(result, _JsonResult):
        return result.as_dict()
    if isinstance(result, list):
        return [to_json_doc(item) for item in result]
    return result
