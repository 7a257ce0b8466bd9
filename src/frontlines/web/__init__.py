"""The web dashboard and HTTP API: ``create_app(store_path)`` or ``frontlines serve``."""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201
    """Build the FastAPI app; see :func:`frontlines.web.app.create_app`."""
    from frontlines.web.app import create_app as _create

    return _create(*args, **kwargs)
