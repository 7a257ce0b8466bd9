"""Durable snapshots and derived tables.

:class:`~frontlines.store.sqlite.SQLiteStore` is the embedded default: one SQLite
file, WAL journal, each ingest one transaction.
"""

from frontlines.store.sqlite import SCHEMA_VERSION, SQLiteStore, default_store_path

__all__ = ["SCHEMA_VERSION", "SQLiteStore", "default_store_path"]
