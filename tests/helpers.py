"""Small helpers shared by several test modules."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest


def dump(store: Path) -> list[str]:
    """Every row of every table (and the schema) of a store, to compare before and after."""
    con = sqlite3.connect(store)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def skip_or_fail(msg: str) -> None:
    """Skip with ``msg`` outside CI; in CI (CI=true) a missing prerequisite is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg)
    pytest.skip(msg)
