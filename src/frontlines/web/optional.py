"""Endpoints over :mod:`frontlines.api` functions that are not in every version yet.

Each is registered only when the api function exists (see ``/api/health`` ``features``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response

from frontlines import api
from frontlines.web.stores import StorePool

__all__ = ["register"]


def register(app: FastAPI, cached: Callable[..., Response], pool: StorePool) -> None:
    """Add the endpoints whose api functions exist."""
    _ = (api, app, cached, pool)  # front line, settlements, depth and claim checks land here
