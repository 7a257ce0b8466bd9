"""The embedded store: one SQLite file.

Tables (schema version 1)::

    meta(key, value)                         schema_version, created_by
    payloads(hash, source, base_hash, raw_size, data)   raw files, zstd, content-addressed
    parts(hash, wkb, area_km2)               validated polygons (lon/lat WKB), content-addressed
    snapshots(id, source, conflict, published_at, file_name, content_hash, url,
              adapter, adapter_version, options, primary_layer, notes, ingested_at)
    snapshot_layers(snapshot_id, layer, area_km2, n_parts)    dissolved area per layer (derived)
    layer_parts(snapshot_id, layer, part_hash)                which parts make a layer
    steps(to_id, layer, from_id, gained_km2, lost_km2, gained_wkb, lost_wkb)
                                             change from the previous snapshot of the layer (derived)
    region_areas(snapshot_id, layer, region_set, region_id, area_km2)   derived cache

Times are stored as ``YYYY-MM-DDTHH:MM:SSZ`` so that text order is time order.
A snapshot is unique by (source, published_at, content_hash): ingesting the
same payload again adds nothing. Writes happen inside :meth:`SQLiteStore.transaction`;
a failed or killed ingest rolls back and leaves the file as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import shapely

from frontlines.errors import SchemaVersionError, SnapshotNotFoundError, StoreError
from frontlines.model import LayerKey, Snapshot, SnapshotInfo
from frontlines.store import payloads as payload_codec

__all__ = ["SCHEMA_VERSION", "SQLiteStore", "default_store_path", "format_time", "parse_time"]

SCHEMA_VERSION = 1

_SCHEMA_V1 = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE payloads(
    hash TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    base_hash TEXT REFERENCES payloads(hash),
    raw_size INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE parts(hash TEXT PRIMARY KEY, wkb BLOB NOT NULL, area_km2 REAL NOT NULL);
CREATE TABLE snapshots(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    conflict TEXT NOT NULL,
    published_at TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL REFERENCES payloads(hash),
    url TEXT,
    adapter TEXT NOT NULL,
    adapter_version INTEGER NOT NULL,
    options TEXT NOT NULL,
    primary_layer TEXT NOT NULL,
    notes TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    UNIQUE(source, published_at, content_hash)
);
CREATE INDEX snapshots_by_time ON snapshots(source, published_at);
CREATE TABLE snapshot_layers(
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    area_km2 REAL,
    n_parts INTEGER NOT NULL,
    PRIMARY KEY(snapshot_id, layer)
);
CREATE TABLE steps(
    to_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    from_id INTEGER REFERENCES snapshots(id) ON DELETE SET NULL,
    gained_km2 REAL,
    lost_km2 REAL,
    gained_wkb BLOB,
    lost_wkb BLOB,
    PRIMARY KEY(to_id, layer)
) WITHOUT ROWID;
CREATE TABLE layer_parts(
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    part_hash TEXT NOT NULL REFERENCES parts(hash),
    PRIMARY KEY(snapshot_id, layer, part_hash)
) WITHOUT ROWID;
CREATE TABLE region_areas(
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    region_set TEXT NOT NULL,
    region_id TEXT NOT NULL,
    area_km2 REAL NOT NULL,
    PRIMARY KEY(snapshot_id, layer, region_set, region_id)
) WITHOUT ROWID;
"""

#: version -> SQL that upgrades a store from version-1 to version.
_MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1}


def default_store_path() -> Path:
    """``$FRONTLINES_STORE``, else ``~/.local/share/frontlines/frontlines.db``."""
    env = os.environ.get("FRONTLINES_STORE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "frontlines" / "frontlines.db"


def format_time(when: dt.datetime) -> str:
    """UTC ISO text used in the store (second precision)."""
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> dt.datetime:
    """Inverse of :func:`format_time`."""
    return dt.datetime.fromisoformat(text)  # Python 3.11 reads the trailing "Z" as UTC


class SQLiteStore:
    """A frontlines store in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The database file; created (with its folder) unless ``readonly``.
    readonly : bool
        Open without creating or migrating; writes fail.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if readonly and not self.path.exists():
            raise StoreError(f"store {self.path} does not exist; ingest something first")
        try:
            if not readonly:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            uri = f"file:{self.path}?mode={'ro' if readonly else 'rwc'}"
            self._db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        try:
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=10000")
            # Check (and create or migrate) before switching to WAL: switching rewrites the
            # file header, which must not happen to a foreign or newer SQLite file.
            self._migrate()
            if not readonly:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        except BaseException:
            self._db.close()
            raise
        self._parts: dict[str, Any] = {}
        self._layer_cache: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()
        self._timelines: dict[tuple[str, str], list[tuple[int, dt.datetime, float | None]]] = {}
        self._timelines_version: tuple[int, int] | None = None
        self._writes = 0
        self._in_tx = False

    # -- schema ---------------------------------------------------------------------------
    def _migrate(self) -> None:
        has_meta = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        version = 0
        if has_meta:
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(row[0]) if row else 0
        elif self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError(f"{self.path} is an SQLite file but not a frontlines store")
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"store {self.path} has schema version {version}; this frontlines reads up to "
                f"{SCHEMA_VERSION}: upgrade frontlines"
            )
        if version == SCHEMA_VERSION:
            return
        if self.readonly:
            raise StoreError(f"store {self.path} needs migrating from version {version}; open it writable once")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in _MIGRATIONS[v].split(";"):
                    if stmt.strip():
                        self._db.execute(stmt)
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    @property
    def schema_version(self) -> int:
        """The schema version written in the file."""
        return int(self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])

    def backup(self, dest: str | Path) -> Path:
        """Copy the store, consistently, into a new file (SQLite online backup)."""
        dest = Path(dest)
        if dest.exists():
            raise StoreError(f"{dest} exists; choose a new file for the backup")
        target = sqlite3.connect(dest)
        try:
            self._db.backup(target)
        finally:
            target.close()
        return dest

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen atomically, or not at all."""
        if self._in_tx:
            yield
            return
        if self.readonly:
            raise StoreError(f"store {self.path} is open read-only: cannot write")
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"store {self.path} is locked or read-only: {exc}") from exc
        self._in_tx = True
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            self._layer_cache.clear()
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._in_tx = False
            self._writes += 1

    # -- payloads ---------------------------------------------------------------------------
    def has_payload(self, content_hash: str) -> bool:
        """True when a payload with this hash is stored."""
        return self._db.execute("SELECT 1 FROM payloads WHERE hash=?", (content_hash,)).fetchone() is not None

    def put_payload(self, content_hash: str, data: bytes, *, source: str, base: tuple[str, bytes] | None) -> None:
        """Store a raw payload (no-op when present); ``base`` = (hash, raw bytes) of a keyframe."""
        if self.has_payload(content_hash):
            return
        blob = payload_codec.compress(data, base[1] if base else None)
        self._db.execute(
            "INSERT INTO payloads VALUES(?,?,?,?,?)",
            (content_hash, source, base[0] if base else None, len(data), blob),
        )

    def get_payload(self, content_hash: str) -> bytes:
        """The raw bytes of a stored payload."""
        row = self._db.execute("SELECT base_hash, data FROM payloads WHERE hash=?", (content_hash,)).fetchone()
        if row is None:
            raise SnapshotNotFoundError(f"no payload {content_hash} in store {self.path}")
        base = self.get_payload(row[0]) if row[0] else None
        return payload_codec.decompress(row[1], base)

    def latest_keyframe(self, source: str) -> tuple[str, int] | None:
        """(hash, payloads stored since) of the newest stand-alone payload of a source."""
        row = self._db.execute(
            "SELECT hash, rowid FROM payloads WHERE source=? AND base_hash IS NULL ORDER BY rowid DESC LIMIT 1",
            (source,),
        ).fetchone()
        if row is None:
            return None
        since = self._db.execute(
            "SELECT count(*) FROM payloads WHERE source=? AND rowid>?", (source, row[1])
        ).fetchone()[0]
        return row[0], since

    def payload_bytes(self) -> tuple[int, int]:
        """(raw bytes, stored bytes) of all payloads."""
        row = self._db.execute("SELECT coalesce(sum(raw_size),0), coalesce(sum(length(data)),0) FROM payloads").fetchone()
        return int(row[0]), int(row[1])

    # -- snapshots --------------------------------------------------------------------------
    def find_snapshot(self, source: str, published_at: dt.datetime, content_hash: str) -> int | None:
        """Id of the identical snapshot, if stored."""
        row = self._db.execute(
            "SELECT id FROM snapshots WHERE source=? AND published_at=? AND content_hash=?",
            (source, format_time(published_at), content_hash),
        ).fetchone()
        return row[0] if row else None

    def add_snapshot(
        self,
        snapshot: Snapshot,
        *,
        adapter: str,
        adapter_version: int,
        options: dict[str, Any],
        parts: dict[LayerKey, list[tuple[str, bytes, float]]],
    ) -> int:
        """Insert a normalised snapshot; returns its id.

        ``parts`` maps each layer to (part hash, WKB, area km²) triples. The layers'
        areas are filled in by :func:`frontlines.derive.derive_layers`.
        """
        cur = self._db.execute(
            "INSERT INTO snapshots(source, conflict, published_at, file_name, content_hash, url, adapter,"
            " adapter_version, options, primary_layer, notes, ingested_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                snapshot.source,
                snapshot.conflict,
                format_time(snapshot.published_at),
                snapshot.provenance.file_name,
                snapshot.provenance.content_hash,
                snapshot.provenance.url,
                adapter,
                adapter_version,
                orjson.dumps(options).decode(),
                str(snapshot.primary),
                orjson.dumps(snapshot.notes).decode(),
                format_time(dt.datetime.now(dt.timezone.utc)),
            ),
        )
        sid = int(cur.lastrowid)  # type: ignore[arg-type]
        for layer, triples in parts.items():
            name = str(layer)
            self._db.executemany("INSERT OR IGNORE INTO parts VALUES(?,?,?)", triples)
            self._db.executemany(
                "INSERT OR IGNORE INTO layer_parts VALUES(?,?,?)", [(sid, name, h) for h, _, _ in triples]
            )
            self._db.execute(
                "INSERT INTO snapshot_layers VALUES(?,?,NULL,?)", (sid, name, len({h for h, _, _ in triples}))
            )
        return sid

    def delete_snapshot(self, snapshot_id: int) -> None:
        """Remove a snapshot and its derived rows (payload and parts stay)."""
        self._db.execute("DELETE FROM snapshots WHERE id=?", (snapshot_id,))
        for key in [k for k in self._layer_cache if k[0] == snapshot_id]:
            del self._layer_cache[key]

    _INFO_SQL = (
        "SELECT s.id, s.source, s.conflict, s.published_at, s.file_name, s.content_hash, s.url,"
        " s.primary_layer, s.notes, (SELECT group_concat(layer, ',') FROM snapshot_layers l WHERE l.snapshot_id=s.id)"
        " FROM snapshots s"
    )

    @staticmethod
    def _info(row: tuple[Any, ...]) -> SnapshotInfo:
        layers = tuple(sorted(LayerKey.parse(x) for x in (row[9] or "").split(",") if x))
        return SnapshotInfo(
            id=row[0],
            source=row[1],
            conflict=row[2],
            published_at=parse_time(row[3]),
            file_name=row[4],
            content_hash=row[5],
            url=row[6],
            primary=LayerKey.parse(row[7]),
            layers=layers,
            notes=orjson.loads(row[8]),
        )

    def snapshots(self, source: str | None = None) -> list[SnapshotInfo]:
        """All snapshots (of one source), oldest first."""
        if source is None:
            rows = self._db.execute(self._INFO_SQL + " ORDER BY s.published_at, s.id").fetchall()
        else:
            rows = self._db.execute(
                self._INFO_SQL + " WHERE s.source=? ORDER BY s.published_at, s.id", (source,)
            ).fetchall()
        return [self._info(r) for r in rows]

    def latest_snapshot(self, source: str) -> SnapshotInfo:
        """The most recently published snapshot of a source."""
        row = self._db.execute(
            self._INFO_SQL + " WHERE s.source=? ORDER BY s.published_at DESC, s.id DESC LIMIT 1", (source,)
        ).fetchone()
        if row is None:
            raise SnapshotNotFoundError(f"no snapshot of source {source!r} in {self.path}")
        return self._info(row)

    def source_layers(self, source: str) -> list[LayerKey]:
        """Every layer any snapshot of the source holds."""
        rows = self._db.execute(
            "SELECT DISTINCT l.layer FROM snapshot_layers l JOIN snapshots s ON s.id=l.snapshot_id WHERE s.source=?",
            (source,),
        ).fetchall()
        return sorted(LayerKey.parse(r[0]) for r in rows)

    def snapshot(self, snapshot_id: int) -> SnapshotInfo:
        """One snapshot by id."""
        row = self._db.execute(self._INFO_SQL + " WHERE s.id=?", (snapshot_id,)).fetchone()
        if row is None:
            raise SnapshotNotFoundError(f"no snapshot with id {snapshot_id} in {self.path}")
        return self._info(row)

    def snapshot_rows(self) -> list[dict[str, Any]]:
        """Every snapshot's stored row, for ``reindex``."""
        cols = ["id", "source", "conflict", "published_at", "file_name", "content_hash", "url", "adapter",
                "adapter_version", "options"]
        rows = self._db.execute(f"SELECT {', '.join(cols)} FROM snapshots ORDER BY id").fetchall()
        return [dict(zip(cols, r)) for r in rows]

    def sources(self) -> list[tuple[str, int, dt.datetime, dt.datetime]]:
        """(source, snapshot count, first, last published_at) for every source."""
        rows = self._db.execute(
            "SELECT source, count(*), min(published_at), max(published_at) FROM snapshots GROUP BY source ORDER BY source"
        ).fetchall()
        return [(r[0], r[1], parse_time(r[2]), parse_time(r[3])) for r in rows]

    def layer_timeline(self, source: str, layer: LayerKey) -> list[tuple[int, dt.datetime, float | None]]:
        """(snapshot id, published_at, area km²) of every snapshot holding ``layer``.

        In time order; snapshots published at the same instant are ordered by id, so
        the last ingested is the state from that instant on.
        """
        # Cached until this connection writes or another one commits (PRAGMA data_version).
        version = (self._writes, self._db.execute("PRAGMA data_version").fetchone()[0])
        if self._in_tx or version != self._timelines_version:
            self._timelines.clear()
            self._timelines_version = None if self._in_tx else version
        key = (source, str(layer))
        hit = self._timelines.get(key)
        if hit is not None:
            return list(hit)
        rows = self._db.execute(
            "SELECT s.id, s.published_at, l.area_km2 FROM snapshots s JOIN snapshot_layers l ON l.snapshot_id=s.id"
            " WHERE s.source=? AND l.layer=? ORDER BY s.published_at, s.id",
            (source, str(layer)),
        ).fetchall()
        out = [(sid, parse_time(when), area) for sid, when, area in rows]
        if not self._in_tx:
            self._timelines[key] = out
        return list(out)

    def snapshot_keys(self, source: str) -> dict[int, tuple[str, str, str]]:
        """id -> (source, published_at ISO, content hash) of a source's snapshots."""
        rows = self._db.execute(
            "SELECT id, published_at, content_hash FROM snapshots WHERE source=?", (source,)
        ).fetchall()
        return {sid: (source, parse_time(when).isoformat(), h) for sid, when, h in rows}

    def step_links(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, int | None]:
        """to_id -> from_id of the stored steps of a layer (for the given snapshots)."""
        out: dict[int, int | None] = {}
        for i in range(0, len(snapshot_ids), 500):
            chunk = snapshot_ids[i : i + 500]
            for to_id, from_id in self._db.execute(
                f"SELECT to_id, from_id FROM steps WHERE layer=? AND to_id IN ({','.join('?' * len(chunk))})",
                [str(layer), *chunk],
            ):
                out[to_id] = from_id
        return out

    def put_step(
        self,
        layer: LayerKey,
        to_id: int,
        from_id: int | None,
        area_km2: float,
        gained: tuple[float, bytes] | None,
        lost: tuple[float, bytes] | None,
    ) -> None:
        """Record the change into ``to_id`` from its predecessor, and its area."""
        self._db.execute(
            "INSERT OR REPLACE INTO steps VALUES(?,?,?,?,?,?,?)",
            (
                to_id,
                str(layer),
                from_id,
                gained[0] if gained else None,
                lost[0] if lost else None,
                gained[1] if gained else None,
                lost[1] if lost else None,
            ),
        )
        self._db.execute(
            "UPDATE snapshot_layers SET area_km2=? WHERE snapshot_id=? AND layer=?", (area_km2, to_id, str(layer))
        )

    def steps(self, layer: LayerKey, snapshot_ids: list[int], *, geometry: bool = False) -> dict[int, tuple[Any, ...]]:
        """to_id -> (from_id, gained km², lost km²[, gained WKB, lost WKB])."""
        cols = "to_id, from_id, gained_km2, lost_km2" + (", gained_wkb, lost_wkb" if geometry else "")
        out: dict[int, tuple[Any, ...]] = {}
        for i in range(0, len(snapshot_ids), 500):
            chunk = snapshot_ids[i : i + 500]
            for row in self._db.execute(
                f"SELECT {cols} FROM steps WHERE layer=? AND to_id IN ({','.join('?' * len(chunk))})",
                [str(layer), *chunk],
            ):
                out[row[0]] = row[1:]
        return out

    # -- geometry ---------------------------------------------------------------------------
    def layer_parts(self, snapshot_id: int, layer: LayerKey) -> dict[str, Any]:
        """part hash -> polygon (lon/lat) of one snapshot's layer (cached)."""
        key = (snapshot_id, str(layer))
        hit = self._layer_cache.get(key)
        if hit is not None:
            self._layer_cache.move_to_end(key)
            return hit
        hashes = [r[0] for r in self._db.execute(
            "SELECT part_hash FROM layer_parts WHERE snapshot_id=? AND layer=?", key
        )]
        missing = [h for h in hashes if h not in self._parts]
        for i in range(0, len(missing), 500):
            chunk = missing[i : i + 500]
            rows = self._db.execute(
                f"SELECT hash, wkb FROM parts WHERE hash IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            geoms = shapely.from_wkb([r[1] for r in rows])
            self._parts.update(zip((r[0] for r in rows), geoms))
        out = {h: self._parts[h] for h in hashes}
        self._layer_cache[key] = out
        if len(self._layer_cache) > 256:
            self._layer_cache.popitem(last=False)
        return out

    def remember_parts(self, parts: dict[str, Any]) -> None:
        """Seed the in-memory part cache (after an ingest)."""
        self._parts.update(parts)

    # -- derived: region areas ----------------------------------------------------------------
    def region_areas(self, snapshot_ids: list[int], layer: LayerKey, region_set: str) -> dict[int, dict[str, float]]:
        """Cached per-region areas: snapshot id -> {region id: km²} (only ids that are cached)."""
        out: dict[int, dict[str, float]] = {}
        for i in range(0, len(snapshot_ids), 500):
            chunk = snapshot_ids[i : i + 500]
            for sid, rid, area in self._db.execute(
                "SELECT snapshot_id, region_id, area_km2 FROM region_areas WHERE layer=? AND region_set=?"
                f" AND snapshot_id IN ({','.join('?' * len(chunk))})",
                [str(layer), region_set, *chunk],
            ):
                out.setdefault(sid, {})[rid] = area
        return out

    def put_region_areas(self, rows: list[tuple[int, str, str, str, float]]) -> None:
        """Cache (snapshot id, layer, region set, region id, km²) rows."""
        if self.readonly:
            return
        with self.transaction():
            self._db.executemany("INSERT OR REPLACE INTO region_areas VALUES(?,?,?,?,?)", rows)

    def stats(self) -> dict[str, Any]:
        """Sizes of the store, for ``frontlines info``."""
        q = lambda sql: self._db.execute(sql).fetchone()[0]  # noqa: E731
        raw, stored = self.payload_bytes()
        return {
            "path": str(self.path),
            "schema_version": self.schema_version,
            "snapshots": q("SELECT count(*) FROM snapshots"),
            "parts": q("SELECT count(*) FROM parts"),
            "payload_raw_bytes": raw,
            "payload_stored_bytes": stored,
            "file_bytes": self.path.stat().st_size if self.path.exists() else 0,
        }
