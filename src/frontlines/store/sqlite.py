"""The embedded store: one SQLite file.

Tables (schema version 11)::

    meta(key, value)                         schema_version, data_version
    payloads(hash, source, base_hash, raw_size, data)   raw files, zstd, content-addressed
    parts(hash, wkb)                         validated polygons (lon/lat WKB), content-addressed
    snapshots(id, source, conflict, published_at, file_name, content_hash, url,
              adapter, adapter_version, options, primary_layer, notes, ingested_at, map_time)
                                             published_at = when fetched / published (identity);
                                             map_time = time of the map shown (selection)
    snapshot_layers(snapshot_id, layer, area_km2, n_parts)    dissolved area per layer (derived)
    layer_parts(snapshot_id, layer, part_hashes)              which parts make a layer (their hashes,
                                             sorted, space-separated: one row per layer)
    steps(to_id, layer, from_id, gained_km2, lost_km2, gained_wkb, lost_wkb)
                                             change from the previous snapshot of the layer (derived)
    region_areas(snapshot_id, layer, region_set, region_id, area_km2)   derived cache
    redraw_steps(to_id, layer, from_id, rules)   steps classified as fighting / redraw (derived)
    redraw_pieces(to_id, layer, seq, direction, reason, area_km2, wkb)   their redraw pieces
    settlement_index(source, layer, gazetteer, basis, events)   status changes of places (derived)
    layer_unions(snapshot_id, layer, wkb)    dissolved layer of a snapshot, lon/lat WKB (derived)
    redraw_unions(source, layer, rules, data)   unions of the redraw pieces in aligned blocks of steps
    change_faces(source, layer, basis, data, geoms)   change-face index of a timeline (derived, opaque)
    layer_geojson(snapshot_id, layer, tolerance_m, data)   display GeoJSON of a layer (derived, opaque)
    sync_fetches(source, item, url, fetched_at, http_status, etag, last_modified, licence,
                 content_hash, published_at, bytes)   provenance of synced payloads
    sync_state(source, key, value)           per-source sync bookkeeping (last success, ETags)
    published_areas(source, item, published_at, kind, area_km2, percent)
                                             a provider's own area figures (DeepState /areas)

Times are stored as ``YYYY-MM-DDTHH:MM:SSZ`` so that text order is time order.
A snapshot is unique by (source, published_at, content_hash): ingesting the
same payload again adds nothing. Writes happen inside :meth:`SQLiteStore.transaction`;
a failed or killed ingest rolls back and leaves the file as it was. Every committed
transaction that changed something increments ``meta.data_version``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import shapely

from frontlines.cache import Cache
from frontlines.errors import SchemaVersionError, SnapshotNotFoundError, StoreError
from frontlines.model import LayerKey, Snapshot, SnapshotInfo
from frontlines.store import payloads as payload_codec
from frontlines.store.memo import VersionMemo
from frontlines.store.protocols import PartRow
from frontlines.store.writeback import early_writeback

__all__ = ["DEFAULT_CACHE_BYTES", "SCHEMA_VERSION", "SQLiteStore", "default_store_path", "format_time", "parse_time"]

SCHEMA_VERSION = 11

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

#: Live sync (issue 14): provenance of fetched payloads, per-source state, published figures.
_SCHEMA_SYNC = """
CREATE TABLE sync_fetches(
    source TEXT NOT NULL,
    item TEXT NOT NULL,
    url TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    etag TEXT,
    last_modified TEXT,
    licence TEXT NOT NULL,
    content_hash TEXT,
    published_at TEXT,
    bytes INTEGER NOT NULL,
    PRIMARY KEY(source, item)
);
CREATE INDEX sync_fetches_by_hash ON sync_fetches(source, content_hash);
CREATE TABLE sync_state(source TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(source, key));
CREATE TABLE published_areas(
    source TEXT NOT NULL,
    item TEXT NOT NULL,
    published_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    area_km2 REAL NOT NULL,
    percent REAL,
    PRIMARY KEY(source, item, kind)
);
"""

#: Version 3: the time of the map a snapshot shows, apart from when it was fetched. A
#: migrated store starts with map_time = published_at; ``frontlines reindex`` recomputes
#: it with each adapter's rule (DeepState daily files: the end of the day before).
_SCHEMA_MAP_TIME = """
ALTER TABLE snapshots ADD COLUMN map_time TEXT;
UPDATE snapshots SET map_time=published_at;
CREATE INDEX snapshots_by_map_time ON snapshots(source, map_time);
"""

#: Version 4: the redraw classification of each step (issue 11): which steps were classified
#: with which rules, and their redraw pieces (fighting = the step minus these).
_SCHEMA_REDRAWS = """
CREATE TABLE redraw_steps(
    to_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    from_id INTEGER,
    rules TEXT NOT NULL,
    PRIMARY KEY(to_id, layer)
) WITHOUT ROWID;
CREATE TABLE redraw_pieces(
    to_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    seq INTEGER NOT NULL,
    direction TEXT NOT NULL,
    reason TEXT NOT NULL,
    area_km2 REAL NOT NULL,
    wkb BLOB NOT NULL,
    PRIMARY KEY(to_id, layer, seq)
) WITHOUT ROWID;
"""

#: Version 5 (issue 18): the settlement index, one row per (source, control layer): the
#: status changes of every gazetteer place along the layer's timeline (opaque arrays, see
#: :mod:`frontlines.service.settlement_index`), valid while ``basis`` matches the timeline.
_SCHEMA_SETTLEMENT_INDEX = """
CREATE TABLE settlement_index(
    source TEXT NOT NULL,
    layer TEXT NOT NULL,
    gazetteer TEXT NOT NULL,
    basis BLOB NOT NULL,
    events BLOB NOT NULL,
    PRIMARY KEY(source, layer)
);
"""

#: Version 6 (issue 18): the dissolved layer of each snapshot (the union of its parts, lon/lat
#: WKB), written at ingest and by ``frontlines derive``; queries read it instead of dissolving
#: (and dissolve themselves when a row is missing).
_SCHEMA_LAYER_UNIONS = """
CREATE TABLE layer_unions(
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    wkb BLOB NOT NULL,
    PRIMARY KEY(snapshot_id, layer)
) WITHOUT ROWID;
"""

#: Version 7 (issue 18): the unions of the redraw pieces of aligned blocks of steps, one
#: opaque row per (source, layer) (see :mod:`frontlines.service.redraw_tree`), valid per
#: block while the block's basis matches the timeline and ``rules`` the rules in use.
_SCHEMA_REDRAW_UNIONS = """
CREATE TABLE redraw_unions(
    source TEXT NOT NULL,
    layer TEXT NOT NULL,
    rules TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY(source, layer)
);
"""

#: Version 8 (issue 18): the change-face index of a timeline, one opaque row per (source, layer)
#: (see :mod:`frontlines.service.change_faces`): query arrays and face geometries, valid while
#: ``basis`` matches the timeline, the redraw rules and the region level.
_SCHEMA_CHANGE_FACES = """
CREATE TABLE change_faces(
    source TEXT NOT NULL,
    layer TEXT NOT NULL,
    basis TEXT NOT NULL,
    data BLOB NOT NULL,
    geoms BLOB,
    PRIMARY KEY(source, layer)
);
"""

#: Version 9: a part's area is not stored (nothing read it; computing it was ~9 % of the parse of the
#: DeepState history and ~15 % of the daily files'). SQLite >= 3.35 drops a column in place.
_SCHEMA_NO_PART_AREAS = """
ALTER TABLE parts DROP COLUMN area_km2;
"""

#: Version 10 (issue 18): the display GeoJSON of each snapshot's layer at the dashboard's
#: tolerance (simplified, rounded, repaired: what ``/api/layer.geojson`` sends), written at
#: ingest and by ``frontlines derive``, opaque (see :mod:`frontlines.service.layer_geojson`).
_SCHEMA_LAYER_GEOJSON = """
CREATE TABLE layer_geojson(
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    tolerance_m INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY(snapshot_id, layer, tolerance_m)
) WITHOUT ROWID;
"""

#: Schema 11: a layer's parts as one row (their hashes, sorted, space-separated) instead of a row per
#: part. The DeepState history's 1,359 snapshots made 111k rows, whose insertion took ~0.2 s of an
#: ingest's main process (issue 18); a layer's list is read whole anyway.
_SCHEMA_LAYER_PART_LISTS = """
CREATE TABLE layer_part_lists(
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    part_hashes TEXT NOT NULL,
    PRIMARY KEY(snapshot_id, layer)
);
INSERT INTO layer_part_lists
    SELECT snapshot_id, layer, group_concat(part_hash, ' ')
    FROM (SELECT snapshot_id, layer, part_hash FROM layer_parts ORDER BY snapshot_id, layer, part_hash)
    GROUP BY snapshot_id, layer;
DROP TABLE layer_parts;
ALTER TABLE layer_part_lists RENAME TO layer_parts;
"""

#: version -> SQL that upgrades a store from version-1 to version.
_MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1, 2: _SCHEMA_SYNC, 3: _SCHEMA_MAP_TIME, 4: _SCHEMA_REDRAWS,
                               5: _SCHEMA_SETTLEMENT_INDEX, 6: _SCHEMA_LAYER_UNIONS, 7: _SCHEMA_REDRAW_UNIONS,
                               8: _SCHEMA_CHANGE_FACES, 9: _SCHEMA_NO_PART_AREAS,
                               10: _SCHEMA_LAYER_GEOJSON, 11: _SCHEMA_LAYER_PART_LISTS}


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

#: Default byte budget of a store's cache (decoded parts, layer part lists, timelines, tables).
DEFAULT_CACHE_BYTES = 256 * 1024 * 1024


_BUMP_VERSION_SQL = (
    "INSERT INTO meta VALUES('data_version', '1')"
    " ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER) + 1"
)


#: Environment variable: seconds a connection waits for another's write lock.
BUSY_TIMEOUT_ENV = "FRONTLINES_BUSY_TIMEOUT"


def busy_timeout_ms(seconds: float | None, default_ms: int) -> int:
    """Milliseconds to wait for a lock: ``seconds``, else ``$FRONTLINES_BUSY_TIMEOUT``, else ``default_ms``.

    >>> busy_timeout_ms(2.5, 60_000)
    2500
    """
    if seconds is None:
        raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
        if not raw:
            return int(default_ms)
        try:
            seconds = float(raw)
        except ValueError:
            raise StoreError(f"${BUSY_TIMEOUT_ENV}={raw!r} is not a number of seconds", field=BUSY_TIMEOUT_ENV,
                             value=raw) from None
    if not 0 <= seconds <= 86_400:
        raise StoreError(f"busy timeout {seconds} s: must be from 0 to 86400 seconds", field=BUSY_TIMEOUT_ENV,
                         value=seconds)
    return int(seconds * 1000)


class _BlobFile(io.RawIOBase):
    """A read-only, seekable raw file over an open :class:`sqlite3.Blob`."""

    def __init__(self, blob: sqlite3.Blob) -> None:
        self._blob = blob

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._blob.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._blob.seek(offset, whence)
        return self._blob.tell()

    def tell(self) -> int:
        return self._blob.tell()


class SQLiteStore(VersionMemo):
    """A frontlines store in one SQLite file; implements :class:`~frontlines.store.protocols.StoreWriter`.

    Open it with :func:`frontlines.store.open_reader` or :func:`frontlines.store.open_writer`.

    Parameters
    ----------
    path : str or Path
        The database file.
    readonly : bool
        Open without creating or migrating anything (``mode=ro``); writes fail. When the
        file's folder is not writable and SQLite cannot open the WAL index, the file is
        opened ``immutable=1`` (nothing may write it meanwhile: nothing can).
    create : bool
        Writers only: create the file (and its folder) when missing; otherwise a missing
        file is a :class:`StoreError`.
    immutable : bool
        Readers only: open ``immutable=1`` straight away (SQLite takes no locks and
        writes nothing, not even a ``-shm`` file).
    cache : Cache, optional
        The cache to use (readers of one file may share one); by default a new one of
        :data:`DEFAULT_CACHE_BYTES`.

    Notes
    -----
    At rest (no writer open) the file is in rollback-journal mode, so that readers
    create no ``-wal`` / ``-shm`` files next to it; a writer switches it to WAL while
    it is open, so that readers keep reading while it writes.

    The first filling of a new store is the exception: while a file this writer created
    holds no snapshot, its transactions stay in rollback-journal mode. Pages a transaction
    adds beyond the file's end need no journal, so the new store is written once instead
    of to the WAL and then into the file by the checkpoint (the W1 history's first ingest:
    ~78 MB written once, ~7 % less wall time). A reader that opens the new file
    meanwhile waits for that transaction (up to its busy timeout) instead of reading the
    empty store; a failed filling is rolled back by truncating the file.
    """

    #: How long to wait for another connection's lock before failing (unless ``busy_timeout``
    #: or ``$FRONTLINES_BUSY_TIMEOUT`` says otherwise).
    BUSY_TIMEOUT_MS = 60_000

    def __init__(
        self,
        path: str | Path,
        *,
        readonly: bool = False,
        create: bool = True,
        immutable: bool = False,
        cache: Cache | None = None,
        busy_timeout: float | None = None,
    ) -> None:
        self.path = Path(path)
        self._busy_ms = busy_timeout_ms(busy_timeout, self.BUSY_TIMEOUT_MS)
        self.readonly = readonly
        self.immutable = immutable and readonly
        self._wal = False
        self._created = False  # this writer created the file (see Notes: its first filling)
        self._in_tx = False
        self._tx_serial = 0  # write transactions begun (with total_changes: VersionMemo's token)
        self._tx_changes = 0  # total_changes when the current write transaction began
        self._forget_tx_memo()
        self._view_version: int | None = None
        self._cache = cache if cache is not None else Cache(max_bytes=DEFAULT_CACHE_BYTES)
        if (readonly or not create) and not self.path.is_file():
            if self.path.exists():
                raise StoreError(f"store {self.path} is not a file")
            raise StoreError(f"store {self.path} does not exist; ingest something first")
        if readonly:
            self._db = self._open_reader()
        else:
            self._db = self._open_writer()

    # -- opening ------------------------------------------------------------------------------
    def _connect(self, query: str) -> sqlite3.Connection:
        uri = f"file:{urllib.parse.quote(str(self.path))}?{query}"
        try:
            return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc

    def _open_reader(self) -> sqlite3.Connection:
        if not self.immutable:
            db = self._connect("mode=ro")
            try:
                self._check(db)
                return db
            except sqlite3.OperationalError as exc:
                db.close()
                # A WAL file needs its -shm index; a read-only folder cannot get one.
                if os.access(self.path.parent, os.W_OK):
                    raise StoreError(f"cannot open store {self.path}: {exc}") from exc
            except BaseException:
                db.close()
                raise
            self.immutable = True
        db = self._connect("mode=ro&immutable=1")
        try:
            self._check(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        except BaseException:
            db.close()
            raise
        return db

    def _check(self, db: sqlite3.Connection) -> None:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute(f"PRAGMA busy_timeout={self._busy_ms}")
        try:
            self._migrate(db)
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc

    def _open_writer(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create store {self.path}: {exc}") from exc
        if not os.access(self.path.parent, os.W_OK) or (self.path.exists() and not os.access(self.path, os.W_OK)):
            raise StoreError(f"cannot open store {self.path} for writing: the file or its folder is read-only")
        self._created = not self.path.exists()
        db = self._connect("mode=rwc")
        try:
            # WAL is entered by the first transaction (see _enter_wal): a writer that writes
            # nothing, such as an ingest refused before its transaction, leaves the file
            # byte for byte as it was (switching journal modes rewrites the file header).
            self._check(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise StoreError(f"store {self.path} is locked by another writer: {exc}") from exc
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        except BaseException:
            db.close()
            raise
        return db

    # -- schema ---------------------------------------------------------------------------
    def _migrate(self, db: sqlite3.Connection) -> None:
        has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        version = 0
        if has_meta:
            row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(row[0]) if row else 0
        elif db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError(f"{self.path} is an SQLite file but not a frontlines store")
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"store {self.path} has schema version {version}; this frontlines reads up to "
                f"{SCHEMA_VERSION}: upgrade frontlines"
            )
        if version == SCHEMA_VERSION:
            return
        if self.readonly:
            raise StoreError(
                f"store {self.path} has schema version {version} and needs migrating to {SCHEMA_VERSION}: "
                "open it writable once (e.g. `frontlines reindex --store PATH`, which also recomputes map times)"
            )
        db.execute("BEGIN IMMEDIATE")
        try:
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in _MIGRATIONS[v].split(";"):
                    if stmt.strip():
                        db.execute(stmt)
            db.execute("INSERT OR REPLACE INTO meta VALUES('schema_version', ?)", (str(SCHEMA_VERSION),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
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

    def _first_filling(self) -> bool:
        """Whether a transaction starting now fills a new store (see Notes): this writer created the
        file, which holds no snapshot yet and is not in WAL mode."""
        if not self._created or self._wal:
            return False
        if self._db.execute("SELECT 1 FROM snapshots LIMIT 1").fetchone() is None:
            return True
        self._created = False
        return False

    def _enter_wal(self) -> None:
        """Switch the file to WAL (readers then never wait for this writer), once per connection."""
        if not self._wal:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._wal = True

    def close(self) -> None:
        """Close the connection; a writer leaves the file in rollback-journal mode when it can."""
        if self._wal:
            self._wal = False
            try:
                # Only possible when no other connection is open: then -wal and -shm go away.
                self._db.execute("PRAGMA busy_timeout=0")
                self._db.execute("PRAGMA journal_mode=DELETE")
            except sqlite3.OperationalError:
                pass  # other connections are open: the file stays in WAL mode for them
        self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- data version and cache ---------------------------------------------------------------
    @property
    def cache(self) -> Cache:
        """This store's cache (see :mod:`frontlines.store.protocols`)."""
        return self._cache

    def _read_version(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key='data_version'").fetchone()
        return int(row[0]) if row else 0

    def committed_reader(self) -> SQLiteStore | None:
        """A new reader of this store (its own connection and cache) when the committed state is all this
        store sees; None inside a write transaction that has written (the reader would not see it)."""
        if self._in_tx and self._db.total_changes != self._tx_changes:
            return None
        return SQLiteStore(self.path, readonly=True)

    def _tx_state(self) -> tuple[int, int]:
        """This write transaction and the rows this connection has changed so far (VersionMemo's token; the
        count never goes back, and the store rolls back whole transactions only: no savepoints)."""
        return self._tx_serial, self._db.total_changes

    @property
    def data_version(self) -> int:
        """Committed write transactions that changed the store (fixed inside a read view)."""
        if self._view_version is not None:
            return self._view_version
        return self._read_version()

    @contextlib.contextmanager
    def read_view(self) -> Iterator[int]:
        """One read transaction: every read inside sees one state; yields its data version."""
        if self._in_tx or self._view_version is not None:
            yield self.data_version
            return
        self._db.execute("BEGIN")
        try:
            self._view_version = self._read_version()
            yield self._view_version
        finally:
            self._view_version = None
            self._db.execute("COMMIT")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen atomically, or not at all.

        A transaction that changed anything increments the data version when it commits.
        """
        if self._in_tx:
            yield
            return
        if self.readonly:
            raise StoreError(f"store {self.path} is open read-only: cannot write")
        filling = self._first_filling()
        try:
            if not filling:
                self._enter_wal()
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"store {self.path} is locked or read-only: {exc}") from exc
        self._in_tx = True
        self._tx_serial += 1
        self._tx_changes = changes = self._db.total_changes
        try:
            # the first filling's pages go to the disk as they come, not all in the commit (see writeback)
            with early_writeback(self.path) if filling else contextlib.nullcontext():
                yield
            if self._db.total_changes != changes:
                self._db.execute(_BUMP_VERSION_SQL)
        except BaseException:
            self._db.execute("ROLLBACK")
            self._in_tx = False
            self._forget_tx_memo()
            # Snapshot ids of the rolled-back transaction may be given out again.
            self._cache.clear()
            raise
        self._in_tx = False
        self._forget_tx_memo()
        self._db.execute("COMMIT")
        if filling and not self._first_filling():  # filled: WAL now, before readers come
            try:
                self._enter_wal()
            except sqlite3.OperationalError:
                pass  # a reader holds the file already: the next transaction switches

    # -- payloads ---------------------------------------------------------------------------
    def has_payload(self, content_hash: str) -> bool:
        """True when a payload with this hash is stored."""
        return self._db.execute("SELECT 1 FROM payloads WHERE hash=?", (content_hash,)).fetchone() is not None

    def put_payload(self, content_hash: str, data: bytes, *, source: str, base: tuple[str, bytes] | None) -> None:
        """Store a raw payload (no-op when present); ``base`` = (hash, raw bytes) of a keyframe."""
        if self.has_payload(content_hash):
            return
        if base is None:
            blob = payload_codec.compress(data)
        else:
            blob = self._codec("compress", base[0], lambda: base[1]).compress(data)
        self._db.execute(
            "INSERT INTO payloads VALUES(?,?,?,?,?)",
            (content_hash, source, base[0] if base else None, len(data), blob),
        )

    def put_compressed_payload(
        self, content_hash: str, blob: bytes, *, source: str, base_hash: str | None, raw_size: int
    ) -> None:
        """Store a payload compressed by the ingest's parsers (no-op when present)."""
        self._db.execute(
            "INSERT OR IGNORE INTO payloads VALUES(?,?,?,?,?)", (content_hash, source, base_hash, raw_size, blob)
        )

    def get_payload(self, content_hash: str) -> bytes:
        """The raw bytes of a stored payload."""
        row = self._db.execute("SELECT base_hash, data FROM payloads WHERE hash=?", (content_hash,)).fetchone()
        if row is None:
            raise SnapshotNotFoundError(f"no payload {content_hash} in store {self.path}")
        if row[0] is None:
            return payload_codec.decompress(row[1])
        return self._codec("decompress", row[0], lambda: self.get_payload(row[0])).decompress(row[1])

    def _codec(self, kind: str, base_hash: str, base: Callable[[], bytes]) -> Any:
        """The (de)compressor against a keyframe, from the cache (its bytes are charged with it).

        One per thread: zstd (de)compressors must not be used by two threads at once, and
        the cache may be shared by several readers.
        """

        def make() -> tuple[bytes, Any]:
            raw = base()
            factory = payload_codec.compressor if kind == "compress" else payload_codec.decompressor
            return raw, factory(raw)

        return self._cache.get_or_compute(("zstd", kind, base_hash, threading.get_ident()), make)[1]

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
        parts: dict[LayerKey, list[PartRow]],
    ) -> int:
        """Insert a normalised snapshot; returns its id.

        ``parts`` maps each layer to (part hash, WKB) rows (:data:`~frontlines.store.protocols.PartRow`);
        the WKB may be empty (``b""``) for a part already stored. The layers' areas are filled in by
        :func:`frontlines.service.derive.derive_layers`.
        """
        try:
            cur = self._db.execute(
                "INSERT INTO snapshots(source, conflict, published_at, file_name, content_hash, url, adapter,"
                " adapter_version, options, primary_layer, notes, ingested_at, map_time)"
                " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
                    format_time(snapshot.shown_at),
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise StoreError(
                f"cannot add snapshot {snapshot.provenance.file_name} of {snapshot.source} to {self.path}: "
                f"identical snapshot stored or payload missing ({exc})"
            ) from exc
        sid = int(cur.lastrowid)  # type: ignore[arg-type]
        for layer, triples in parts.items():
            name = str(layer)
            # a row without WKB is of a part stored before (an ingest sends each part's WKB once)
            self._db.executemany("INSERT OR IGNORE INTO parts VALUES(?,?)", [(t[0], t[1]) for t in triples if t[1]])
            hashes = sorted({t[0] for t in triples})
            self._db.execute("INSERT INTO layer_parts VALUES(?,?,?)", (sid, name, " ".join(hashes)))
            self._db.execute("INSERT INTO snapshot_layers VALUES(?,?,NULL,?)", (sid, name, len(hashes)))
        return sid

    def delete_snapshot(self, snapshot_id: int) -> None:
        """Remove a snapshot and its derived rows (payload and parts stay)."""
        self._db.execute("DELETE FROM snapshots WHERE id=?", (snapshot_id,))

    _INFO_SQL = (
        "SELECT s.id, s.source, s.conflict, s.published_at, s.file_name, s.content_hash, s.url,"
        " s.primary_layer, s.notes, (SELECT group_concat(layer, ',') FROM snapshot_layers l WHERE l.snapshot_id=s.id),"
        " s.map_time"
        " FROM snapshots s"
    )

    @staticmethod
    def _info(row: tuple[Any, ...], layer_sets: dict[str, tuple[LayerKey, ...]] | None = None) -> SnapshotInfo:
        """A row of :attr:`_INFO_SQL` as a snapshot's info. ``layer_sets``: the layer lists parsed so far, by their
        text (the rows of a timeline name the same few)."""
        text = row[9] or ""
        layers = None if layer_sets is None else layer_sets.get(text)
        if layers is None:
            layers = tuple(sorted(LayerKey.parse(x) for x in text.split(",") if x))
            if layer_sets is not None:
                layer_sets[text] = layers
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
            map_time=parse_time(row[10]),
        )

    def snapshots(self, source: str | None = None) -> list[SnapshotInfo]:
        """All snapshots (of one source), oldest first."""

        def compute() -> list[SnapshotInfo]:
            if source is None:
                rows = self._db.execute(self._INFO_SQL + " ORDER BY s.map_time, s.id").fetchall()
            else:
                rows = self._db.execute(
                    self._INFO_SQL + " WHERE s.source=? ORDER BY s.map_time, s.id", (source,)
                ).fetchall()
            layer_sets: dict[str, tuple[LayerKey, ...]] = {}
            return [self._info(r, layer_sets) for r in rows]

        return list(self._memo(("snapshots", source), compute))

    def snapshot_count(self) -> int:
        """Number of stored snapshots."""
        return int(self._memo(("count",), lambda: self._db.execute("SELECT count(*) FROM snapshots").fetchone()[0]))

    def latest_snapshot(self, source: str) -> SnapshotInfo:
        """The most recently published snapshot of a source."""

        def compute() -> SnapshotInfo | None:
            row = self._db.execute(
                self._INFO_SQL + " WHERE s.source=? ORDER BY s.map_time DESC, s.id DESC LIMIT 1", (source,)
            ).fetchone()
            return None if row is None else self._info(row)

        info = self._memo(("latest", source), compute)
        if info is None:
            raise SnapshotNotFoundError(f"no snapshot of source {source!r} in {self.path}")
        return info  # type: ignore[no-any-return]

    def source_layers(self, source: str) -> list[LayerKey]:
        """Every layer any snapshot of the source holds."""

        def compute() -> list[LayerKey]:
            rows = self._db.execute(
                "SELECT DISTINCT l.layer FROM snapshot_layers l JOIN snapshots s ON s.id=l.snapshot_id WHERE s.source=?",
                (source,),
            ).fetchall()
            return sorted(LayerKey.parse(r[0]) for r in rows)

        return list(self._memo(("layers", source), compute))

    def snapshot(self, snapshot_id: int) -> SnapshotInfo:
        """One snapshot by id."""

        def compute() -> SnapshotInfo | None:
            row = self._db.execute(self._INFO_SQL + " WHERE s.id=?", (snapshot_id,)).fetchone()
            return None if row is None else self._info(row)

        info = self._memo(("snapshot", snapshot_id), compute)
        if info is None:
            raise SnapshotNotFoundError(f"no snapshot with id {snapshot_id} in {self.path}")
        return info  # type: ignore[no-any-return]

    def snapshot_rows(self) -> list[dict[str, Any]]:
        """Every snapshot's stored row, for ``reindex``."""
        cols = ["id", "source", "conflict", "published_at", "file_name", "content_hash", "url", "adapter",
                "adapter_version", "options"]
        rows = self._db.execute(f"SELECT {', '.join(cols)} FROM snapshots ORDER BY id").fetchall()
        return [dict(zip(cols, r)) for r in rows]

    def sources(self) -> list[tuple[str, int, dt.datetime, dt.datetime]]:
        """(source, snapshot count, first, last map_time) for every source."""

        def compute() -> list[tuple[str, int, dt.datetime, dt.datetime]]:
            rows = self._db.execute(
                "SELECT source, count(*), min(map_time), max(map_time) FROM snapshots"
                " GROUP BY source ORDER BY source"
            ).fetchall()
            return [(r[0], r[1], parse_time(r[2]), parse_time(r[3])) for r in rows]

        return list(self._memo(("sources",), compute))

    def layer_timeline(self, source: str, layer: LayerKey) -> list[tuple[int, dt.datetime, float | None]]:
        """(snapshot id, map_time, area km²) of every snapshot holding ``layer``.

        In map-time order; snapshots showing the same instant are ordered by id, so
        the last ingested is the state from that instant on.
        """

        def compute() -> list[tuple[int, dt.datetime, float | None]]:
            rows = self._db.execute(
                "SELECT s.id, s.map_time, l.area_km2 FROM snapshots s JOIN snapshot_layers l ON l.snapshot_id=s.id"
                " WHERE s.source=? AND l.layer=? ORDER BY s.map_time, s.id",
                (source, str(layer)),
            ).fetchall()
            return [(sid, parse_time(when), area) for sid, when, area in rows]

        return list(self._memo(("timeline", source, str(layer)), compute))

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

    def redraws(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, tuple[Any, ...]]:
        """to_id -> (from_id, rules digest, ((direction, reason, km², WKB), ...)) of classified steps."""
        out: dict[int, tuple[Any, ...]] = {}
        pieces: dict[int, list[tuple[str, str, float, bytes]]] = {}
        for i in range(0, len(snapshot_ids), 500):
            chunk = snapshot_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for to_id, from_id, rules in self._db.execute(
                f"SELECT to_id, from_id, rules FROM redraw_steps WHERE layer=? AND to_id IN ({marks})",
                [str(layer), *chunk],
            ):
                out[to_id] = (from_id, rules)
            for to_id, direction, reason, area, wkb in self._db.execute(
                "SELECT to_id, direction, reason, area_km2, wkb FROM redraw_pieces"
                f" WHERE layer=? AND to_id IN ({marks}) ORDER BY to_id, seq",
                [str(layer), *chunk],
            ):
                pieces.setdefault(to_id, []).append((direction, reason, area, wkb))
        return {sid: (*row, tuple(pieces.get(sid, ()))) for sid, row in out.items()}

    def put_redraws(self, layer: LayerKey, to_id: int, from_id: int | None, rules: str,
                    pieces: list[tuple[str, str, float, bytes]]) -> None:
        """Record the classification of one step (replacing an earlier one)."""
        self._db.execute("DELETE FROM redraw_pieces WHERE to_id=? AND layer=?", (to_id, str(layer)))
        self._db.execute("INSERT OR REPLACE INTO redraw_steps VALUES(?,?,?,?)", (to_id, str(layer), from_id, rules))
        self._db.executemany(
            "INSERT INTO redraw_pieces VALUES(?,?,?,?,?,?,?)",
            [(to_id, str(layer), k, d, r, float(a), w) for k, (d, r, a, w) in enumerate(pieces)],
        )

    # -- geometry ---------------------------------------------------------------------------
    def layer_parts(self, snapshot_id: int, layer: LayerKey) -> dict[str, Any]:
        """part hash -> polygon (lon/lat) of one snapshot's layer (cached).

        The list of a snapshot's parts is cached under its id: ids are never given out
        twice (AUTOINCREMENT; the cache is cleared when a transaction rolls back), and a
        snapshot's parts never change. Decoded parts are cached under their hash.
        """
        key = ("layer", snapshot_id, str(layer))
        hashes = self._cache.get(key)
        if hashes is None:
            row = self._db.execute(
                "SELECT part_hashes FROM layer_parts WHERE snapshot_id=? AND layer=?", (snapshot_id, str(layer))
            ).fetchone()
            hashes = tuple(sorted(row[0].split())) if row else ()
            self._cache.put(key, hashes)
        return self._decoded_parts(hashes)

    def _decoded_parts(self, hashes: tuple[str, ...]) -> dict[str, Any]:
        found = self._cache.get_many([("part", h) for h in hashes])
        out = {h: found.get(("part", h)) for h in hashes}
        missing = [h for h, g in out.items() if g is None]
        for i in range(0, len(missing), 500):
            chunk = missing[i : i + 500]
            rows = self._db.execute(
                f"SELECT hash, wkb FROM parts WHERE hash IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            for h, geom in zip((r[0] for r in rows), shapely.from_wkb([r[1] for r in rows])):
                out[h] = geom
                self._cache.put(("part", h), geom)
        absent = [h for h, g in out.items() if g is None]
        if absent:  # a layer's list names its parts by hash (schema 11: no foreign key checks them)
            raise StoreError(f"store {self.path} is damaged: {len(absent)} part(s) named by a layer are not stored "
                             f"(e.g. {absent[0]})")
        return out

    def remember_parts(self, parts: dict[str, Any]) -> None:
        """Seed the decoded-part cache (after an ingest)."""
        for h, geom in parts.items():
            self._cache.put(("part", h), geom)

    # -- derived: region areas ----------------------------------------------------------------
    def region_areas(self, snapshot_ids: list[int], layer: LayerKey, region_set: str) -> dict[int, dict[str, float]]:
        """Stored per-region areas: snapshot id -> {region id: km²} (only ids that are stored)."""
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

    def region_sets(self, snapshot_id: int, layer: LayerKey) -> list[str]:
        """Names of the region sets stored for one snapshot's layer."""
        rows = self._db.execute(
            "SELECT DISTINCT region_set FROM region_areas WHERE snapshot_id=? AND layer=? ORDER BY region_set",
            (snapshot_id, str(layer)),
        ).fetchall()
        return [r[0] for r in rows]

    def put_region_areas(self, rows: list[tuple[int, str, str, str, float]]) -> None:
        """Store (snapshot id, layer, region set, region id, km²) rows."""
        with self.transaction():
            self._db.executemany("INSERT OR REPLACE INTO region_areas VALUES(?,?,?,?,?)", rows)

    # -- derived: settlement index ----------------------------------------------------------
    def settlement_index(self, source: str, layer: LayerKey) -> tuple[str, bytes, bytes] | None:
        """The stored settlement index of a layer: (gazetteer digest, basis, events), or None."""
        row = self._db.execute("SELECT gazetteer, basis, events FROM settlement_index WHERE source=? AND layer=?",
                               (source, str(layer))).fetchone()
        return (row[0], bytes(row[1]), bytes(row[2])) if row else None

    def put_settlement_index(self, source: str, layer: LayerKey, gazetteer: str, basis: bytes, events: bytes) -> None:
        """Store (replace) the settlement index of a layer."""
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO settlement_index VALUES(?,?,?,?,?)",
                             (source, str(layer), gazetteer, basis, events))

    # -- derived: redraw unions -------------------------------------------------------------
    def redraw_unions(self, source: str, layer: LayerKey) -> tuple[str, bytes] | None:
        """The stored redraw-union hierarchy of a layer: (rules digest, data), or None."""
        row = self._db.execute("SELECT rules, data FROM redraw_unions WHERE source=? AND layer=?",
                               (source, str(layer))).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def put_redraw_unions(self, source: str, layer: LayerKey, rules: str, data: bytes) -> None:
        """Store (replace) the redraw-union hierarchy of a layer."""
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO redraw_unions VALUES(?,?,?,?)", (source, str(layer), rules, data))

    # -- derived: change faces ---------------------------------------------------------------
    def change_faces(self, source: str, layer: LayerKey, *, geometry: bool = False,
                     ) -> tuple[str, bytes, bytes | None] | None:
        """The stored change-face index of a layer: (basis, query arrays, face geometries or None
        unless ``geometry``), or None."""
        cols = "basis, data, geoms" if geometry else "basis, data, NULL"
        row = self._db.execute(f"SELECT {cols} FROM change_faces WHERE source=? AND layer=?",
                               (source, str(layer))).fetchone()
        return (row[0], bytes(row[1]), bytes(row[2]) if row[2] is not None else None) if row else None

    @contextlib.contextmanager
    def change_faces_geometry(self, source: str, layer: LayerKey) -> Iterator[BinaryIO | None]:
        """The face geometries of the stored change-face index as a seekable read-only file (None: none
        stored), read through incremental blob I/O: only the pages read are fetched. In one read view."""
        with self.read_view():
            row = self._db.execute("SELECT rowid FROM change_faces WHERE source=? AND layer=? AND geoms IS NOT NULL",
                                   (source, str(layer))).fetchone()
            if row is None:
                yield None
                return
            with self._db.blobopen("change_faces", "geoms", row[0], readonly=True) as blob:
                yield io.BufferedReader(_BlobFile(blob), buffer_size=1 << 16)

    def put_change_faces(self, source: str, layer: LayerKey, basis: str, data: bytes, geoms: bytes | None) -> None:
        """Store (replace) the change-face index of a layer."""
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO change_faces VALUES(?,?,?,?,?)",
                             (source, str(layer), basis, data, geoms))

    # -- derived: dissolved layers ----------------------------------------------------------
    def layer_unions(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, bytes]:
        """Stored dissolved layers: snapshot id -> lon/lat WKB (only ids that are stored)."""
        out: dict[int, bytes] = {}
        for i in range(0, len(snapshot_ids), 500):
            chunk = snapshot_ids[i : i + 500]
            for sid, wkb in self._db.execute(
                f"SELECT snapshot_id, wkb FROM layer_unions WHERE layer=? AND snapshot_id IN ({','.join('?' * len(chunk))})",
                [str(layer), *chunk],
            ):
                out[sid] = bytes(wkb)
        return out

    def put_layer_unions(self, layer: LayerKey, rows: list[tuple[int, bytes]]) -> None:
        """Store (replace) the dissolved layer (snapshot id, lon/lat WKB) of snapshots."""
        with self.transaction():
            self._db.executemany("INSERT OR REPLACE INTO layer_unions VALUES(?,?,?)",
                                 [(sid, str(layer), wkb) for sid, wkb in rows])

    # -- derived: display GeoJSON of layers ---------------------------------------------------
    def layer_geojsons(self, layer: LayerKey, tolerance_m: int, snapshot_ids: list[int]) -> dict[int, bytes]:
        """Stored display GeoJSON of layers at a tolerance: snapshot id -> opaque bytes (only ids that are stored)."""
        out: dict[int, bytes] = {}
        for i in range(0, len(snapshot_ids), 500):
            chunk = snapshot_ids[i : i + 500]
            for sid, data in self._db.execute(
                "SELECT snapshot_id, data FROM layer_geojson WHERE layer=? AND tolerance_m=? AND snapshot_id IN "
                f"({','.join('?' * len(chunk))})",
                [str(layer), int(tolerance_m), *chunk],
            ):
                out[sid] = bytes(data)
        return out

    def put_layer_geojsons(self, layer: LayerKey, tolerance_m: int, rows: list[tuple[int, bytes]]) -> None:
        """Store (replace) the display GeoJSON (snapshot id, opaque bytes) of layers at a tolerance."""
        with self.transaction():
            self._db.executemany("INSERT OR REPLACE INTO layer_geojson VALUES(?,?,?,?)",
                                 [(sid, str(layer), int(tolerance_m), data) for sid, data in rows])

    # -- live sync: provenance, state, published figures --------------------------------------
    _FETCH_COLS = ("source", "item", "url", "fetched_at", "http_status", "etag", "last_modified", "licence",
                   "content_hash", "published_at", "bytes")

    def fetch_records(self, source: str | None = None) -> list[dict[str, Any]]:
        """Provenance rows of synced payloads (of one source), by source and publication time."""
        sql = f"SELECT {', '.join(self._FETCH_COLS)} FROM sync_fetches"
        args: tuple[Any, ...] = ()
        if source is not None:
            sql += " WHERE source=?"
            args = (source,)
        rows = self._db.execute(sql + " ORDER BY source, published_at, item", args).fetchall()
        return [dict(zip(self._FETCH_COLS, r)) for r in rows]

    def put_fetch_record(self, record: dict[str, Any]) -> None:
        """Insert or replace the provenance of one synced item (keys as :meth:`fetch_records`)."""
        with self.transaction():
            self._db.execute(
                f"INSERT OR REPLACE INTO sync_fetches({', '.join(self._FETCH_COLS)}) VALUES({','.join('?' * len(self._FETCH_COLS))})",
                [record.get(c) for c in self._FETCH_COLS],
            )

    def sync_state(self, source: str) -> dict[str, str]:
        """Sync bookkeeping of a source (key -> value)."""
        return dict(self._db.execute("SELECT key, value FROM sync_state WHERE source=?", (source,)).fetchall())

    def set_sync_state(self, source: str, values: dict[str, str | None]) -> None:
        """Set (or, with None, remove) sync bookkeeping values of a source."""
        with self.transaction():
            for key, value in values.items():
                if value is None:
                    self._db.execute("DELETE FROM sync_state WHERE source=? AND key=?", (source, key))
                else:
                    self._db.execute("INSERT OR REPLACE INTO sync_state VALUES(?,?,?)", (source, key, value))

    def published_areas(self, source: str) -> list[tuple[str, dt.datetime, str, float, float | None]]:
        """(item, published_at, kind, km², percent) of a provider's own figures, in time order."""
        rows = self._db.execute(
            "SELECT item, published_at, kind, area_km2, percent FROM published_areas WHERE source=?"
            " ORDER BY published_at, kind", (source,)).fetchall()
        return [(r[0], parse_time(r[1]), r[2], r[3], r[4]) for r in rows]

    def put_published_areas(self, source: str, item: str, published_at: dt.datetime,
                            rows: list[tuple[str, float, float | None]]) -> None:
        """Store a provider's own (kind, km², percent) figures of one item."""
        with self.transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO published_areas VALUES(?,?,?,?,?,?)",
                [(source, item, format_time(published_at), k, a, p) for k, a, p in rows],
            )

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
