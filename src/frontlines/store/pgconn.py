"""Connecting to PostgreSQL: URLs, redaction of passwords, clear errors.

A store location is a PostgreSQL one when it starts with ``postgresql://`` or
``postgres://`` (:func:`is_postgres_url`). Everything libpq understands passes
through: TLS (``sslmode``, ``sslrootcert``, ``sslcert``, ``sslkey``), ``~/.pgpass``,
``$PGPASSWORD``, ``service=`` names. Passwords never appear in a message:
:func:`redact` shows ``postgresql://user@host:port/dbname`` only.

>>> redact("postgresql://analyst:s3cret@db.example:5433/frontlines?sslmode=require")
'postgresql://analyst@db.example:5433/frontlines?sslmode=require'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from frontlines.errors import StoreError

__all__ = ["connect", "is_postgres_url", "redact"]

_SCHEMES = ("postgresql://", "postgres://")
#: Connection options that are safe to show (never password or keys' passphrases).
_SHOWN = ("sslmode",)


def is_postgres_url(location: str | Path | None) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) URL."""
    return isinstance(location, str) and location.startswith(_SCHEMES)


def _parts(url: str) -> dict[str, str]:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        return {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    except psycopg.ProgrammingError as exc:  # its message may echo the URL: not shown
        raise StoreError(f"cannot read the PostgreSQL URL {_scrub(url)}: malformed", field="--store") from exc


def _scrub(url: str) -> str:
    """The URL with anything after ``user:`` up to ``@`` and any password= option removed."""
    url = re.sub(r"(://[^/:@]*):[^@/]*@", r"\1@", url)
    return re.sub(r"(password=)[^&\s]*", r"\1***", url)


def redact(url: str) -> str:
    """``postgresql://user@host:port/dbname`` (and the sslmode), never the password."""
    try:
        p = _parts(url)
    except StoreError:
        return _scrub(url)
    user = p.get("user", "")
    host = p.get("host", "")
    port = p.get("port", "")
    out = "postgresql://" + (user + "@" if user else "") + host + (":" + port if port else "") + "/" + p.get("dbname", "")
    shown = [f"{k}={p[k]}" for k in _SHOWN if k in p]
    return out + ("?" + "&".join(shown) if shown else "")


def connect(url: str, *, readonly: bool = False) -> Any:
    """An autocommit psycopg connection in UTC, or a :class:`StoreError` saying what is wrong.

    Parameters
    ----------
    url : str
        A ``postgresql://`` URL.
    readonly : bool
        Make every transaction of the session read-only.
    """
    try:
        import psycopg
    except ImportError as exc:
        raise StoreError(
            "a postgresql:// store needs psycopg: pip install 'frontlines[postgres]'", field="--store"
        ) from exc
    shown = redact(url)
    options = "-c TimeZone=UTC" + (" -c default_transaction_read_only=on" if readonly else "")
    try:
        conn = psycopg.connect(url, autocommit=True, options=options, connect_timeout=10, application_name="frontlines")
    except psycopg.OperationalError as exc:
        raise StoreError(_explain(str(exc), shown), path=shown) from exc
    return conn


def _explain(message: str, shown: str) -> str:
    """One line naming what failed, from libpq's message (which never holds the password)."""
    text = " ".join(message.split())
    low = text.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        why = "wrong user name or password (give it in ~/.pgpass or $PGPASSWORD, not on the command line)"
    elif "does not exist" in low and "database" in low:
        why = "no such database"
    elif "connection refused" in low or "could not translate host name" in low or "timeout" in low:
        why = "server unreachable (is PostgreSQL running and listening there?)"
    elif "ssl" in low:
        why = "TLS failed"
    else:
        why = "connection failed"
    return f"cannot open store {shown}: {why}: {text}"
