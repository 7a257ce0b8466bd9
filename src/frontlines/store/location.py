"""Where the store is: ``--store``, else ``$FRONTLINES_STORE``, else a settings file, else the default file.

The settings file is ``$FRONTLINES_SETTINGS``, else ``$XDG_CONFIG_HOME/frontlines/settings.toml``
(``~/.config/frontlines/settings.toml``); its ``store`` key holds a file path or a
``postgresql://`` URL. Keep passwords out of it: libpq reads them from ``~/.pgpass``
or ``$PGPASSWORD``.

>>> resolve_store("postgresql://analyst@db/frontlines")
'postgresql://analyst@db/frontlines'
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from frontlines.errors import StoreError
from frontlines.store.pgconn import is_postgres_url
from frontlines.store.sqlite import default_store_path

__all__ = ["resolve_store", "settings_path"]


def settings_path() -> Path:
    """The settings file consulted for the store (it need not exist)."""
    env = os.environ.get("FRONTLINES_SETTINGS")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "frontlines" / "settings.toml"


def resolve_store(location: str | Path | None = None) -> str | Path:
    """The store to open: a ``postgresql://`` URL (str) or a file (Path).

    Parameters
    ----------
    location : str or Path, optional
        What ``--store`` gave; None looks at ``$FRONTLINES_STORE``, then the settings file.

    Raises
    ------
    StoreError
        When the settings file cannot be read or its ``store`` is not a string.
    """
    if location is None or location == "":
        location = os.environ.get("FRONTLINES_STORE") or _from_settings()
    if location is None:
        return default_store_path()
    if is_postgres_url(str(location)):
        return str(location)
    return Path(location)


def _from_settings() -> str | None:
    path = settings_path()
    if not path.is_file():
        return None
    try:
        value = tomllib.loads(path.read_text(encoding="utf-8")).get("store")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"cannot read settings file {path}: {exc}", path=str(path)) from exc
    if value is not None and not isinstance(value, str):
        raise StoreError(f"{path}: 'store' must be a string (a file or a postgresql:// URL)",
                         path=str(path), field="store", value=value)
    return value
