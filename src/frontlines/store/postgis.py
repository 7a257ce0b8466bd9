"""The team store: PostgreSQL with PostGIS.

Same schema ideas as :mod:`frontlines.store.sqlite` (content-addressed payloads and
parts, snapshots, derived layer areas, steps and region tables, versioned migrations,
a data version), with geometries in PostGIS columns (SRID 4326, lon/lat) so that QGIS
and SQL users can read them directly.

Tables (schema version 9)::

    frontlines_meta(key, value)                  schema_version, data_version
    payloads(hash, seq, source, base_hash, raw_size, data)   raw files, zstd, content-addressed
    parts(hash, geom)                            validated polygons, content-addressed
    snapshots(id, source, conflict, published_at, file_name, content_hash, url,
              adapter, adapter_version, options, primary_layer, notes, ingested_at)
    snapshot_layers(snapshot_id, layer, area_km2, n_parts)   dissolved area per layer (derived)
    layer_parts(snapshot_id, layer, part_hash)   which parts make a layer
    steps(to_id, layer, from_id, gained_km2, lost_km2, gained, lost)
                                                 change from the previous snapshot (derived)
    region_areas(snapshot_id, layer, region_set, region_id, area_km2)   derived
    redraw_steps(to_id, layer, from_id, rules)   steps classified as fighting / redraw (version 4)
    redraw_pieces(to_id, layer, seq, direction, reason, area_km2, geom)   their redraw pieces (version 4)
    settlement_index(source, layer, gazetteer, basis, events)   status changes of places (version 5)
    layer_unions(snapshot_id, layer, geom)   dissolved layer of a snapshot (version 6)
    layer_geojson(snapshot_id, layer, tolerance_m, data)   display GeoJSON of a layer (version 10)
    redraw_unions(source, layer, rules, data)   unions of redraw pieces in aligned blocks of steps (version 7)
    change_faces(source, layer, basis, data, geoms)   change-face index of a timeline (version 8)
    sync_fetches(source, item, url, fetched_at, http_status, etag, last_modified, licence,
                 content_hash, published_at, bytes)   provenance of synced payloads (version 2)
    sync_state(source, key, value)              sync bookkeeping of a source (version 2)
    published_areas(source, item, published_at, kind, area_km2, percent)
                                                 a provider's own published figures (version 2)

Views for GIS users::

    layer_state(snapshot_id, source, published_at, layer, area_km2, geom)
        one row per snapshot and layer: the layer's parts collected into one MultiPolygon
    step_changes(to_id, from_id, source, published_at, layer, change, area_km2, geom)
        one row per step and direction ('gained' or 'lost') with its geometry

Areas are the figures frontlines' own core computed (``area_km2`` columns), the
measurement of record; PostGIS' own ``ST_Area`` is not used for them.

Concurrency
    A writer's transaction first takes a transaction-level advisory lock, so writers
    (ingest, sync, derive, copy) run one after another; the identity constraint
    ``UNIQUE(source, published_at, content_hash)`` makes a duplicate snapshot
    impossible. A read view is one ``REPEATABLE READ READ ONLY`` transaction: every read
    in it sees one committed state. A writer killed mid-transaction leaves nothing (the
    server rolls its transaction back when the connection drops).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import threading
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import orjson
import shapely

from frontlines.cache import Cache
from frontlines.errors import SchemaVersionError, SnapshotNotFoundError, StoreError
from frontlines.model import LayerKey, Snapshot, SnapshotInfo
from frontlines.store import payloads as payload_codec
from frontlines.store.memo import VersionMemo
from frontlines.store.pgconn import connect, redact
from frontlines.store.protocols import PartRow
from frontlines.store.sqlite import DEFAULT_CACHE_BYTES

__all__ = ["SCHEMA_VERSION", "PostGISStore"]

SCHEMA_VERSION = 10

#: Advisory lock keys (pg_advisory_xact_lock): one for writers, one for migrations.
WRITE_LOCK = 0x66726F6E  # "fron"
MIGRATE_LOCK = 0x66726F6F

_SCHEMA_V1 = """
CREATE TABLE frontlines_meta(key text PRIMARY KEY, value text NOT NULL);
COMMENT ON TABLE frontlines_meta IS 'frontlines: schema_version and data_version (incremented by every committed write)';
CREATE TABLE payloads(
    hash text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    source text NOT NULL,
    base_hash text REFERENCES payloads(hash),
    raw_size bigint NOT NULL,
    data bytea NOT NULL
);
COMMENT ON TABLE payloads IS 'frontlines: raw source files, zstd-compressed (against a keyframe base_hash), content-addressed';
CREATE TABLE parts(hash text PRIMARY KEY, geom geometry(Geometry, 4326) NOT NULL, area_km2 double precision NOT NULL);
COMMENT ON TABLE parts IS 'frontlines: validated polygon parts (lon/lat), content-addressed; area_km2 by frontlines core rules';
CREATE INDEX parts_geom ON parts USING gist(geom);
CREATE TABLE snapshots(
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text NOT NULL,
    conflict text NOT NULL,
    published_at timestamptz NOT NULL,
    file_name text NOT NULL,
    content_hash text NOT NULL REFERENCES payloads(hash),
    url text,
    adapter text NOT NULL,
    adapter_version integer NOT NULL,
    options jsonb NOT NULL,
    primary_layer text NOT NULL,
    notes jsonb NOT NULL,
    ingested_at timestamptz NOT NULL,
    UNIQUE(source, published_at, content_hash)
);
COMMENT ON TABLE snapshots IS 'frontlines: one published state of one map (unique by source, published_at, content_hash)';
CREATE INDEX snapshots_by_time ON snapshots(source, published_at);
CREATE TABLE snapshot_layers(
    snapshot_id bigint NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer text NOT NULL,
    area_km2 double precision,
    n_parts integer NOT NULL,
    PRIMARY KEY(snapshot_id, layer)
);
COMMENT ON TABLE snapshot_layers IS 'frontlines: layers of a snapshot (SIDE:STATUS) and their dissolved area (derived)';
CREATE TABLE steps(
    to_id bigint NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer text NOT NULL,
    from_id bigint REFERENCES snapshots(id) ON DELETE SET NULL,
    gained_km2 double precision,
    lost_km2 double precision,
    gained geometry(Geometry, 4326),
    lost geometry(Geometry, 4326),
    PRIMARY KEY(to_id, layer)
);
COMMENT ON TABLE steps IS 'frontlines: change of a layer from the previous snapshot of its source (derived)';
CREATE TABLE layer_parts(
    snapshot_id bigint NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer text NOT NULL,
    part_hash text NOT NULL REFERENCES parts(hash),
    PRIMARY KEY(snapshot_id, layer, part_hash)
);
COMMENT ON TABLE layer_parts IS 'frontlines: which parts make a layer of a snapshot';
CREATE TABLE region_areas(
    snapshot_id bigint NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer text NOT NULL,
    region_set text NOT NULL,
    region_id text NOT NULL,
    area_km2 double precision NOT NULL,
    PRIMARY KEY(snapshot_id, layer, region_set, region_id)
);
COMMENT ON TABLE region_areas IS 'frontlines: area of a layer inside each region of a region set (derived)';
CREATE VIEW layer_state AS
    SELECT s.id AS snapshot_id, s.source, s.published_at, l.layer, l.area_km2,
           (SELECT ST_Multi(ST_Collect(p.geom)) FROM layer_parts lp JOIN parts p ON p.hash = lp.part_hash
             WHERE lp.snapshot_id = s.id AND lp.layer = l.layer)::geometry(MultiPolygon, 4326) AS geom
    FROM snapshots s JOIN snapshot_layers l ON l.snapshot_id = s.id;
COMMENT ON VIEW layer_state IS 'frontlines: one row per snapshot and layer, its parts as one MultiPolygon (filter by snapshot_id)';
CREATE VIEW step_changes AS
    SELECT st.to_id, st.from_id, s.source, s.published_at, st.layer, 'gained'::text AS change,
           st.gained_km2 AS area_km2, st.gained AS geom
      FROM steps st JOIN snapshots s ON s.id = st.to_id WHERE st.gained IS NOT NULL
    UNION ALL
    SELECT st.to_id, st.from_id, s.source, s.published_at, st.layer, 'lost'::text,
           st.lost_km2, st.lost
      FROM steps st JOIN snapshots s ON s.id = st.to_id WHERE st.lost IS NOT NULL;
COMMENT ON VIEW step_changes IS 'frontlines: per step (to_id) and layer, the area gained and lost with its geometry';
"""

#: Live sync (the tables of :data:`frontlines.store.sqlite._SCHEMA_SYNC`, times as timestamptz).
_SCHEMA_SYNC = """
CREATE TABLE sync_fetches(
    source text NOT NULL,
    item text NOT NULL,
    url text NOT NULL,
    fetched_at timestamptz NOT NULL,
    http_status integer NOT NULL,
    etag text,
    last_modified text,
    licence text NOT NULL,
    content_hash text,
    published_at timestamptz,
    bytes bigint NOT NULL,
    PRIMARY KEY(source, item)
);
COMMENT ON TABLE sync_fetches IS 'frontlines: provenance of each synced item (URL, fetch time, HTTP status, ETag, licence, content hash)';
CREATE INDEX sync_fetches_by_hash ON sync_fetches(source, content_hash);
CREATE TABLE sync_state(source text NOT NULL, key text NOT NULL, value text NOT NULL, PRIMARY KEY(source, key));
COMMENT ON TABLE sync_state IS 'frontlines: sync bookkeeping of a source (key, value)';
CREATE TABLE published_areas(
    source text NOT NULL,
    item text NOT NULL,
    published_at timestamptz NOT NULL,
    kind text NOT NULL,
    area_km2 double precision NOT NULL,
    percent double precision,
    PRIMARY KEY(source, item, kind)
);
COMMENT ON TABLE published_areas IS 'frontlines: a provider''s own published area figures of a synced item (not ours)';
"""

#: version -> SQL that upgrades a store from version-1 to version.
#: Version 3: the time of the map a snapshot shows, apart from when it was fetched (as in the
#: SQLite store); a migrated store starts with map_time = published_at until ``frontlines reindex``.
_SCHEMA_MAP_TIME = """
ALTER TABLE snapshots ADD COLUMN map_time timestamptz;
UPDATE snapshots SET map_time=published_at;
ALTER TABLE snapshots ALTER COLUMN map_time SET NOT NULL;
CREATE INDEX snapshots_by_map_time ON snapshots(source, map_time);
COMMENT ON COLUMN snapshots.map_time IS 'frontlines: the time of the map the snapshot shows (selection by time uses it)';
"""

#: Version 4: the redraw classification of each step (as in the SQLite store).
_SCHEMA_REDRAWS = """
CREATE TABLE redraw_steps(
    to_id bigint NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer text NOT NULL,
    from_id bigint,
    rules text NOT NULL,
    PRIMARY KEY(to_id, layer)
);
COMMENT ON TABLE redraw_steps IS 'frontlines: steps classified as fighting or redraw, with the digest of the rules used (derived)';
CREATE TABLE redraw_pieces(
    to_id bigint NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer text NOT NULL,
    seq integer NOT NULL,
    direction text NOT NULL,
    reason text NOT NULL,
    area_km2 double precision NOT NULL,
    geom geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY(to_id, layer, seq)
);
COMMENT ON TABLE redraw_pieces IS 'frontlines: pieces of a step that are map redraws, not fighting (derived)';
"""

#: Version 5 (issue 18): the settlement index, as in the SQLite store. 
_SCHEMA_SETTLEMENT_INDEX = """
CREATE TABLE settlement_index(
    source text NOT NULL,
    layer text NOT NULL,
    gazetteer text NOT NULL,
    basis bytea NOT NULL,
    events bytea NOT NULL,
    PRIMARY KEY(source, layer)
);
COMMENT ON TABLE settlement_index IS 'frontlines: status changes of every gazetteer place along a control layer''s timeline (derived, opaque)';
"""

#: Version 6 (issue 18): the dissolved layer of each snapshot, as in the SQLite store.
_SCHEMA_LAYER_UNIONS = """
CREATE TABLE layer_unions(
    snapshot_id bigint NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer text NOT NULL,
    geom geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY(snapshot_id, layer)
);
COMMENT ON TABLE layer_unions IS 'frontlines: the dissolved layer (union of its parts) of each snapshot (derived)';
"""


#: Version 7 (issue 18): the redraw-union hierarchy, as in the SQLite store.
_SCHEMA_REDRAW_UNIONS = """
CREATE TABLE redraw_unions(
    source text NOT NULL,
    layer text NOT NULL,
    rules text NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY(source, layer)
);
COMMENT ON TABLE redraw_unions IS 'frontlines: unions of the redraw pieces of aligned blocks of steps (derived, opaque)';
"""

#: Version 8 (issue 18): the change-face index, as in the SQLite store.
_SCHEMA_CHANGE_FACES = """
CREATE TABLE change_faces(
    source text NOT NULL,
    layer text NOT NULL,
    basis text NOT NULL,
    data bytea NOT NULL,
    geoms bytea,
    PRIMARY KEY(source, layer)
);
COMMENT ON TABLE change_faces IS 'frontlines: change-face index of a timeline (derived, opaque)';
"""

#: Version 9 (as the SQLite store's): a part's area is not stored (nothing read it).
_SCHEMA_NO_PART_AREAS = """
ALTER TABLE parts DROP COLUMN area_km2;
COMMENT ON TABLE parts IS 'frontlines: validated polygon parts (lon/lat), content-addressed';
"""

#: Version 10 (issue 18): the display GeoJSON of each snapshot's layer, as in the SQLite store.
_SCHEMA_LAYER_GEOJSON = """
CREATE TABLE layer_geojson(
    snapshot_id bigint NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    layer text NOT NULL,
    tolerance_m integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY(snapshot_id, layer, tolerance_m)
);
COMMENT ON TABLE layer_geojson IS 'frontlines: the display GeoJSON of a snapshot''s layer at a tolerance (derived, opaque)';
"""

_MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1, 2: _SCHEMA_SYNC, 3: _SCHEMA_MAP_TIME, 4: _SCHEMA_REDRAWS,
                               5: _SCHEMA_SETTLEMENT_INDEX, 6: _SCHEMA_LAYER_UNIONS, 7: _SCHEMA_REDRAW_UNIONS,
                               8: _SCHEMA_CHANGE_FACES, 9: _SCHEMA_NO_PART_AREAS,
                               10: _SCHEMA_LAYER_GEOJSON}

#: A stored time as the SQLite store's text (``format_time``): UTC, second precision, trailing Z.
_TIME_TEXT = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"



def _utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.timezone.utc)


def _second(when: dt.datetime) -> dt.datetime:
    """UTC, second precision (as the SQLite store keeps times)."""
    return _utc(when).replace(microsecond=0)


class PostGISStore(VersionMemo):
    """A frontlines store in a PostgreSQL database with PostGIS; implements the store protocols.

    Open it with :func:`frontlines.store.open_reader` or :func:`frontlines.store.open_writer`
    on a ``postgresql://`` URL.

    Parameters
    ----------
    url : str
        A libpq connection string or URL (TLS options such as ``sslmode``, ``sslrootcert``
        pass through; passwords may come from ``~/.pgpass`` or ``$PGPASSWORD``).
    readonly : bool
        Create and migrate nothing; every transaction is read-only.
    create : bool
        Writers only: create the tables (and the PostGIS extension, when allowed) in an
        empty database; otherwise a database without them is a :class:`StoreError`.
    cache : Cache, optional
        The cache to use (readers of one database may share one).
    """

    def __init__(self, url: str, *, readonly: bool = False, create: bool = True, cache: Cache | None = None) -> None:
        self.url = url
        self.display = redact(url)
        self.path = self.display  # a URL: a Path would fold its "//"
        self.readonly = readonly
        self._in_tx = False
        self._forget_tx_memo()
        self._dirty = False
        self._view_version: int | None = None
        self._cache = cache if cache is not None else Cache(max_bytes=DEFAULT_CACHE_BYTES)
        self._db = connect(url, readonly=readonly)
        try:
            self._check_postgis(create=create and not readonly)
            self._migrate(create=create and not readonly)
        except BaseException:
            self._db.close()
            raise

    # -- opening ----------------------------------------------------------------------------
    def _q(self, sql: str, params: Any = None) -> Any:
        return self._db.execute(sql, params)

    def _check_postgis(self, *, create: bool) -> None:
        import psycopg

        if self._q("SELECT 1 FROM pg_extension WHERE extname='postgis'").fetchone():
            return
        if create:
            try:
                self._q("CREATE EXTENSION IF NOT EXISTS postgis")
                return
            except psycopg.Error as exc:
                reason = str(exc).strip().splitlines()[0]
        else:
            reason = "the extension is not created in it"
        raise StoreError(
            f"database {self.display} has no PostGIS ({reason}); install PostGIS on the server "
            "(Debian: postgresql-15-postgis-3) and run 'CREATE EXTENSION postgis' as its owner",
            path=self.display,
        )

    def _version(self) -> int | None:
        if not self._q("SELECT to_regclass('frontlines_meta')").fetchone()[0]:
            return None
        row = self._q("SELECT value FROM frontlines_meta WHERE key='schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self, *, create: bool) -> None:
        version = self._version()
        if version is not None and version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"store {self.display} has schema version {version}; this frontlines reads up to "
                f"{SCHEMA_VERSION}: upgrade frontlines",
                path=self.display, value=version,
            )
        if version == SCHEMA_VERSION:
            return
        if not create:
            if version is None:
                raise StoreError(f"store {self.display} has no frontlines tables; ingest something first",
                                 path=self.display)
            raise StoreError(f"store {self.display} needs migrating from version {version}; open it writable once",
                             path=self.display)
        self._q("BEGIN")
        try:
            self._q("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
            version = self._version() or 0  # another writer may have migrated meanwhile
            for v in range(version + 1, SCHEMA_VERSION + 1):
                self._q(_MIGRATIONS[v])
            self._q(
                "INSERT INTO frontlines_meta VALUES('schema_version', %s)"
                " ON CONFLICT(key) DO UPDATE SET value=excluded.value", (str(SCHEMA_VERSION),)
            )
            self._q("COMMIT")
        except BaseException:
            self._q("ROLLBACK")
            raise

    @property
    def schema_version(self) -> int:
        """The schema version written in the database."""
        return int(self._q("SELECT value FROM frontlines_meta WHERE key='schema_version'").fetchone()[0])

    def close(self) -> None:
        """Close the connection (an open transaction is rolled back by the server)."""
        self._db.close()

    def __enter__(self) -> PostGISStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- data version, cache, transactions --------------------------------------------------
    @property
    def cache(self) -> Cache:
        """This store's cache (see :mod:`frontlines.store.protocols`)."""
        return self._cache

    def _read_version(self) -> int:
        row = self._q("SELECT value FROM frontlines_meta WHERE key='data_version'").fetchone()
        return int(row[0]) if row else 0

    def committed_reader(self) -> None:
        """None: not offered for PostgreSQL (callers compute in their own thread; see the SQLite store's)."""
        return None

    @property
    def data_version(self) -> int:
        """Committed write transactions that changed the store (fixed inside a read view)."""
        if self._view_version is not None:
            return self._view_version
        return self._read_version()

    @contextlib.contextmanager
    def read_view(self) -> Iterator[int]:
        """One REPEATABLE READ, read-only transaction; yields its data version."""
        if self._in_tx or self._view_version is not None:
            yield self.data_version
            return
        self._q("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            self._view_version = self._read_version()
            yield self._view_version
        finally:
            self._view_version = None
            self._q("COMMIT")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen atomically, or not at all; writers take turns (advisory lock).

        A transaction that changed anything increments the data version when it commits.
        """
        if self._in_tx:
            yield
            return
        if self.readonly:
            raise StoreError(f"store {self.display} is open read-only: cannot write", path=self.display)
        self._q("BEGIN")
        self._in_tx = True
        self._dirty = False
        try:
            self._q("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield
            if self._dirty:
                self._q(
                    "INSERT INTO frontlines_meta VALUES('data_version', '1') ON CONFLICT(key)"
                    " DO UPDATE SET value=(frontlines_meta.value::bigint + 1)::text"
                )
        except BaseException:
            import psycopg

            self._in_tx = False
            with contextlib.suppress(psycopg.Error):  # a lost connection: the server rolls back by itself
                self._q("ROLLBACK")
            self._cache.clear()
            raise
        self._in_tx = False
        self._q("COMMIT")

    def _write(self, sql: str, params: Any = None) -> Any:
        with self.transaction():
            self._dirty = True
            return self._q(sql, params)

    def _write_many(self, sql: str, rows: list[Any]) -> None:
        if not rows:
            return
        with self.transaction():
            self._dirty = True
            with self._db.cursor() as cur:
                cur.executemany(sql, rows)

    # -- payloads ---------------------------------------------------------------------------
    def has_payload(self, content_hash: str) -> bool:
        """True when a payload with this hash is stored."""
        return self._q("SELECT 1 FROM payloads WHERE hash=%s", (content_hash,)).fetchone() is not None

    def put_payload(self, content_hash: str, data: bytes, *, source: str, base: tuple[str, bytes] | None) -> None:
        """Store a raw payload (no-op when present); ``base`` = (hash, raw bytes) of a keyframe."""
        if self.has_payload(content_hash):
            return
        if base is None:
            blob = payload_codec.compress(data)
        else:
            blob = self._codec("compress", base[0], lambda: base[1]).compress(data)
        self._write(
            "INSERT INTO payloads(hash, source, base_hash, raw_size, data) VALUES(%s,%s,%s,%s,%s)",
            (content_hash, source, base[0] if base else None, len(data), blob),
        )

    def put_compressed_payload(
        self, content_hash: str, blob: bytes, *, source: str, base_hash: str | None, raw_size: int
    ) -> None:
        """Store a payload compressed by the ingest's parsers (no-op when present)."""
        if self.has_payload(content_hash):
            return
        self._write(
            "INSERT INTO payloads(hash, source, base_hash, raw_size, data) VALUES(%s,%s,%s,%s,%s)",
            (content_hash, source, base_hash, raw_size, blob),
        )

    def get_payload(self, content_hash: str) -> bytes:
        """The raw bytes of a stored payload."""
        row = self._q("SELECT base_hash, data FROM payloads WHERE hash=%s", (content_hash,)).fetchone()
        if row is None:
            raise SnapshotNotFoundError(f"no payload {content_hash} in store {self.display}", value=content_hash)
        if row[0] is None:
            return payload_codec.decompress(bytes(row[1]))
        return self._codec("decompress", row[0], lambda: self.get_payload(row[0])).decompress(bytes(row[1]))

    def _codec(self, kind: str, base_hash: str, base: Callable[[], bytes]) -> Any:
        def make() -> tuple[bytes, Any]:
            raw = base()
            factory = payload_codec.compressor if kind == "compress" else payload_codec.decompressor
            return raw, factory(raw)

        return self._cache.get_or_compute(("zstd", kind, base_hash, threading.get_ident()), make)[1]

    def latest_keyframe(self, source: str) -> tuple[str, int] | None:
        """(hash, payloads stored since) of the newest stand-alone payload of a source."""
        row = self._q(
            "SELECT hash, seq FROM payloads WHERE source=%s AND base_hash IS NULL ORDER BY seq DESC LIMIT 1", (source,)
        ).fetchone()
        if row is None:
            return None
        since = self._q("SELECT count(*) FROM payloads WHERE source=%s AND seq>%s", (source, row[1])).fetchone()[0]
        return row[0], int(since)

    def payload_bytes(self) -> tuple[int, int]:
        """(raw bytes, stored bytes) of all payloads."""
        row = self._q("SELECT coalesce(sum(raw_size),0), coalesce(sum(length(data)),0) FROM payloads").fetchone()
        return int(row[0]), int(row[1])

    # -- snapshots --------------------------------------------------------------------------
    def find_snapshot(self, source: str, published_at: dt.datetime, content_hash: str) -> int | None:
        """Id of the identical snapshot, if stored."""
        row = self._q(
            "SELECT id FROM snapshots WHERE source=%s AND published_at=%s AND content_hash=%s",
            (source, _second(published_at), content_hash),
        ).fetchone()
        return int(row[0]) if row else None

    def add_snapshot(
        self,
        snapshot: Snapshot,
        *,
        adapter: str,
        adapter_version: int,
        options: dict[str, Any],
        parts: dict[LayerKey, list[PartRow]],
    ) -> int:
        """Insert a normalised snapshot and its parts; returns its id."""
        import psycopg

        with self.transaction():
            self._dirty = True
            try:
                with self._db.transaction():  # a savepoint: a refused row leaves the outer transaction usable
                    sid = int(self._q(
                        "INSERT INTO snapshots(source, conflict, published_at, file_name, content_hash, url, adapter,"
                        " adapter_version, options, primary_layer, notes, ingested_at, map_time)"
                        " VALUES(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING id",
                        (
                            snapshot.source, snapshot.conflict, _second(snapshot.published_at),
                            snapshot.provenance.file_name, snapshot.provenance.content_hash, snapshot.provenance.url,
                            adapter, adapter_version, orjson.dumps(options).decode(), str(snapshot.primary),
                            orjson.dumps(snapshot.notes).decode(), _second(dt.datetime.now(dt.timezone.utc)),
                            _second(snapshot.shown_at),
                        ),
                    ).fetchone()[0])
            except psycopg.errors.IntegrityError as exc:
                raise StoreError(
                    f"cannot add snapshot {snapshot.provenance.file_name} of {snapshot.source} to {self.display}: "
                    f"identical snapshot stored or payload missing ({str(exc).splitlines()[0]})",
                    path=self.display, value=snapshot.provenance.file_name,
                ) from exc
            with self._db.cursor() as cur:
                for layer, triples in parts.items():
                    name = str(layer)
                    fresh = self._missing_parts({t[0] for t in triples})
                    cur.executemany(  # (hash, WKB)
                        "INSERT INTO parts VALUES(%s, ST_GeomFromWKB(%s, 4326)) ON CONFLICT DO NOTHING",
                        list(dict((t[0], (t[0], t[1])) for t in triples if t[0] in fresh).values()),
                    )
                    hashes = sorted({t[0] for t in triples})
                    cur.execute(
                        "INSERT INTO layer_parts SELECT %s, %s, unnest(%s::text[]) ON CONFLICT DO NOTHING",
                        (sid, name, hashes),
                    )
                    cur.execute("INSERT INTO snapshot_layers VALUES(%s,%s,NULL,%s)", (sid, name, len(hashes)))
        return sid

    def _missing_parts(self, hashes: set[str]) -> set[str]:
        if not hashes:
            return set()
        found = {r[0] for r in self._q("SELECT hash FROM parts WHERE hash = ANY(%s)", (list(hashes),))}
        return hashes - found

    def delete_snapshot(self, snapshot_id: int) -> None:
        """Remove a snapshot and its derived rows (payload and parts stay)."""
        self._write("DELETE FROM snapshots WHERE id=%s", (snapshot_id,))

    _INFO_SQL = (
        "SELECT s.id, s.source, s.conflict, s.published_at, s.file_name, s.content_hash, s.url,"
        " s.primary_layer, s.notes::text,"
        " (SELECT string_agg(layer, ',') FROM snapshot_layers l WHERE l.snapshot_id=s.id), s.map_time"
        " FROM snapshots s"
    )

    @staticmethod
    def _info(row: tuple[Any, ...]) -> SnapshotInfo:
        layers = tuple(sorted(LayerKey.parse(x) for x in (row[9] or "").split(",") if x))
        return SnapshotInfo(
            id=int(row[0]), source=row[1], conflict=row[2], published_at=_utc(row[3]), file_name=row[4],
            content_hash=row[5], url=row[6], primary=LayerKey.parse(row[7]), layers=layers, map_time=_utc(row[10]),
            notes=orjson.loads(row[8]),
        )

    def snapshots(self, source: str | None = None) -> list[SnapshotInfo]:
        """All snapshots (of one source), oldest first."""

        def compute() -> list[SnapshotInfo]:
            if source is None:
                rows = self._q(self._INFO_SQL + " ORDER BY s.map_time, s.id").fetchall()
            else:
                rows = self._q(self._INFO_SQL + " WHERE s.source=%s ORDER BY s.map_time, s.id", (source,)).fetchall()
            return [self._info(r) for r in rows]

        return list(self._memo(("snapshots", source), compute))

    def snapshot_count(self) -> int:
        """Number of stored snapshots."""
        return int(self._memo(("count",), lambda: self._q("SELECT count(*) FROM snapshots").fetchone()[0]))

    def latest_snapshot(self, source: str) -> SnapshotInfo:
        """The most recently published snapshot of a source."""

        def compute() -> SnapshotInfo | None:
            row = self._q(
                self._INFO_SQL + " WHERE s.source=%s ORDER BY s.map_time DESC, s.id DESC LIMIT 1", (source,)
            ).fetchone()
            return None if row is None else self._info(row)

        info = self._memo(("latest", source), compute)
        if info is None:
            raise SnapshotNotFoundError(f"no snapshot of source {source!r} in {self.display}", value=source)
        return info  # type: ignore[no-any-return]

    def source_layers(self, source: str) -> list[LayerKey]:
        """Every layer any snapshot of the source holds."""

        def compute() -> list[LayerKey]:
            rows = self._q(
                "SELECT DISTINCT l.layer FROM snapshot_layers l JOIN snapshots s ON s.id=l.snapshot_id WHERE s.source=%s",
                (source,),
            ).fetchall()
            return sorted(LayerKey.parse(r[0]) for r in rows)

        return list(self._memo(("layers", source), compute))

    def snapshot(self, snapshot_id: int) -> SnapshotInfo:
        """One snapshot by id."""

        def compute() -> SnapshotInfo | None:
            row = self._q(self._INFO_SQL + " WHERE s.id=%s", (snapshot_id,)).fetchone()
            return None if row is None else self._info(row)

        info = self._memo(("snapshot", snapshot_id), compute)
        if info is None:
            raise SnapshotNotFoundError(f"no snapshot with id {snapshot_id} in {self.display}", value=snapshot_id)
        return info  # type: ignore[no-any-return]

    def snapshot_rows(self) -> list[dict[str, Any]]:
        """Every snapshot's stored row (times and JSON as the SQLite store gives them), by id."""
        cols = ["id", "source", "conflict", "published_at", "file_name", "content_hash", "url", "adapter",
                "adapter_version", "options"]
        rows = self._q(
            "SELECT id, source, conflict, to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
            " file_name, content_hash, url, adapter, adapter_version, options::text FROM snapshots ORDER BY id"
        ).fetchall()
        out = [dict(zip(cols, r)) for r in rows]
        for row in out:  # the same JSON text as the SQLite store's (jsonb reorders keys)
            row["options"] = orjson.dumps(orjson.loads(row["options"])).decode()
        return out

    def sources(self) -> list[tuple[str, int, dt.datetime, dt.datetime]]:
        """(source, snapshot count, first, last map_time) for every source."""

        def compute() -> list[tuple[str, int, dt.datetime, dt.datetime]]:
            rows = self._q(
                "SELECT source, count(*), min(map_time), max(map_time) FROM snapshots"
                " GROUP BY source ORDER BY source"
            ).fetchall()
            return [(r[0], int(r[1]), _utc(r[2]), _utc(r[3])) for r in rows]

        return list(self._memo(("sources",), compute))

    def layer_timeline(self, source: str, layer: LayerKey) -> list[tuple[int, dt.datetime, float | None]]:
        """(snapshot id, map_time, area km²) of every snapshot holding ``layer``, in time order."""

        def compute() -> list[tuple[int, dt.datetime, float | None]]:
            rows = self._q(
                "SELECT s.id, s.map_time, l.area_km2 FROM snapshots s JOIN snapshot_layers l ON l.snapshot_id=s.id"
                " WHERE s.source=%s AND l.layer=%s ORDER BY s.map_time, s.id",
                (source, str(layer)),
            ).fetchall()
            return [(int(sid), _utc(when), area) for sid, when, area in rows]

        return list(self._memo(("timeline", source, str(layer)), compute))

    def snapshot_keys(self, source: str) -> dict[int, tuple[str, str, str]]:
        """id -> (source, published_at ISO, content hash) of a source's snapshots."""
        rows = self._q("SELECT id, published_at, content_hash FROM snapshots WHERE source=%s", (source,)).fetchall()
        return {int(sid): (source, _utc(when).isoformat(), h) for sid, when, h in rows}

    def step_links(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, int | None]:
        """to_id -> from_id of the stored steps of a layer (for the given snapshots)."""
        rows = self._q(
            "SELECT to_id, from_id FROM steps WHERE layer=%s AND to_id = ANY(%s)", (str(layer), list(snapshot_ids))
        ).fetchall()
        return {int(t): (None if f is None else int(f)) for t, f in rows}

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

        def geom(part: tuple[float, bytes] | None) -> bytes | None:
            return part[1] if part and part[1] else None

        with self.transaction():
            self._dirty = True
            self._q(
                "INSERT INTO steps VALUES(%s,%s,%s,%s,%s,ST_GeomFromWKB(%s, 4326),ST_GeomFromWKB(%s, 4326))"
                " ON CONFLICT(to_id, layer) DO UPDATE SET from_id=excluded.from_id, gained_km2=excluded.gained_km2,"
                " lost_km2=excluded.lost_km2, gained=excluded.gained, lost=excluded.lost",
                (to_id, str(layer), from_id, gained[0] if gained else None, lost[0] if lost else None,
                 geom(gained), geom(lost)),
            )
            self._q(
                "UPDATE snapshot_layers SET area_km2=%s WHERE snapshot_id=%s AND layer=%s", (area_km2, to_id, str(layer))
            )

    def steps(self, layer: LayerKey, snapshot_ids: list[int], *, geometry: bool = False) -> dict[int, tuple[Any, ...]]:
        """to_id -> (from_id, gained km², lost km²[, gained WKB, lost WKB])."""
        cols = "to_id, from_id, gained_km2, lost_km2" + (", ST_AsBinary(gained), ST_AsBinary(lost)" if geometry else "")
        out: dict[int, tuple[Any, ...]] = {}
        for row in self._q(
            f"SELECT {cols} FROM steps WHERE layer=%s AND to_id = ANY(%s)", (str(layer), list(snapshot_ids))
        ):
            from_id = None if row[1] is None else int(row[1])
            if geometry:
                # An empty change is stored as NULL geometry with its (zero) area: give b"" back.
                gained = None if row[2] is None else bytes(row[4] or b"")
                lost = None if row[3] is None else bytes(row[5] or b"")
                out[int(row[0])] = (from_id, row[2], row[3], gained, lost)
            else:
                out[int(row[0])] = (from_id, row[2], row[3])
        return out

    def redraws(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, tuple[Any, ...]]:
        """to_id -> (from_id, rules digest, ((direction, reason, km², WKB), ...)) of classified steps."""
        ids = list(snapshot_ids)
        heads = self._q("SELECT to_id, from_id, rules FROM redraw_steps WHERE layer=%s AND to_id = ANY(%s)",
                        (str(layer), ids)).fetchall()
        pieces: dict[int, list[tuple[str, str, float, bytes]]] = {}
        for to_id, direction, reason, area, wkb in self._q(
            "SELECT to_id, direction, reason, area_km2, ST_AsBinary(geom) FROM redraw_pieces"
            " WHERE layer=%s AND to_id = ANY(%s) ORDER BY to_id, seq", (str(layer), ids)
        ):
            pieces.setdefault(int(to_id), []).append((direction, reason, float(area), bytes(wkb)))
        return {int(t): (None if f is None else int(f), rules, tuple(pieces.get(int(t), ()))) for t, f, rules in heads}

    def put_redraws(self, layer: LayerKey, to_id: int, from_id: int | None, rules: str,
                    pieces: list[tuple[str, str, float, bytes]]) -> None:
        """Record the classification of one step (replacing an earlier one)."""
        with self.transaction():
            self._dirty = True
            self._q("DELETE FROM redraw_pieces WHERE to_id=%s AND layer=%s", (to_id, str(layer)))
            self._q("INSERT INTO redraw_steps VALUES(%s,%s,%s,%s) ON CONFLICT(to_id, layer)"
                    " DO UPDATE SET from_id=excluded.from_id, rules=excluded.rules", (to_id, str(layer), from_id, rules))
            self._write_many(
                "INSERT INTO redraw_pieces VALUES(%s,%s,%s,%s,%s,%s,ST_GeomFromWKB(%s, 4326))",
                [(to_id, str(layer), k, d, r, float(a), w) for k, (d, r, a, w) in enumerate(pieces)],
            )

    # -- geometry ---------------------------------------------------------------------------
    def layer_parts(self, snapshot_id: int, layer: LayerKey) -> dict[str, Any]:
        """part hash -> polygon (lon/lat) of one snapshot's layer (cached; ids are never reused)."""
        key = ("layer", snapshot_id, str(layer))
        hashes = self._cache.get(key)
        if hashes is None:
            hashes = tuple(r[0] for r in self._q(
                "SELECT part_hash FROM layer_parts WHERE snapshot_id=%s AND layer=%s", (snapshot_id, str(layer))
            ))
            self._cache.put(key, hashes)
        found = self._cache.get_many([("part", h) for h in hashes])
        out = {h: found.get(("part", h)) for h in hashes}
        missing = [h for h, g in out.items() if g is None]
        if missing:
            rows = self._q("SELECT hash, ST_AsBinary(geom) FROM parts WHERE hash = ANY(%s)", (missing,)).fetchall()
            for h, geom in zip((r[0] for r in rows), shapely.from_wkb([bytes(r[1]) for r in rows])):
                out[h] = geom
                self._cache.put(("part", h), geom)
        return out

    def part_rows(self, hashes: list[str]) -> list[PartRow]:
        """(hash, WKB) of stored parts."""
        rows = self._q("SELECT hash, ST_AsBinary(geom) FROM parts WHERE hash = ANY(%s)", (hashes,)).fetchall()
        return [(h, bytes(w)) for h, w in rows]

    def remember_parts(self, parts: dict[str, Any]) -> None:
        """Seed the decoded-part cache (after an ingest)."""
        for h, geom in parts.items():
            self._cache.put(("part", h), geom)

    # -- derived: region areas --------------------------------------------------------------
    def region_areas(self, snapshot_ids: list[int], layer: LayerKey, region_set: str) -> dict[int, dict[str, float]]:
        """Stored per-region areas: snapshot id -> {region id: km²} (only ids that are stored)."""
        out: dict[int, dict[str, float]] = {}
        for sid, rid, area in self._q(
            "SELECT snapshot_id, region_id, area_km2 FROM region_areas WHERE layer=%s AND region_set=%s"
            " AND snapshot_id = ANY(%s)",
            (str(layer), region_set, list(snapshot_ids)),
        ):
            out.setdefault(int(sid), {})[rid] = area
        return out

    def region_sets(self, snapshot_id: int, layer: LayerKey) -> list[str]:
        """Names of the region sets stored for one snapshot's layer."""
        rows = self._q(
            "SELECT DISTINCT region_set FROM region_areas WHERE snapshot_id=%s AND layer=%s ORDER BY region_set",
            (snapshot_id, str(layer)),
        ).fetchall()
        return [r[0] for r in rows]

    def put_region_areas(self, rows: list[tuple[int, str, str, str, float]]) -> None:
        """Store (snapshot id, layer, region set, region id, km²) rows."""
        self._write_many(
            "INSERT INTO region_areas VALUES(%s,%s,%s,%s,%s) ON CONFLICT(snapshot_id, layer, region_set, region_id)"
            " DO UPDATE SET area_km2=excluded.area_km2",
            rows,
        )

    # -- derived: settlement index ----------------------------------------------------------
    def settlement_index(self, source: str, layer: LayerKey) -> tuple[str, bytes, bytes] | None:
        """The stored settlement index of a layer: (gazetteer digest, basis, events), or None."""
        row = self._q("SELECT gazetteer, basis, events FROM settlement_index WHERE source=%s AND layer=%s",
                      (source, str(layer))).fetchone()
        return (row[0], bytes(row[1]), bytes(row[2])) if row else None

    def put_settlement_index(self, source: str, layer: LayerKey, gazetteer: str, basis: bytes, events: bytes) -> None:
        """Store (replace) the settlement index of a layer."""
        self._write(
            "INSERT INTO settlement_index VALUES(%s,%s,%s,%s,%s) ON CONFLICT(source, layer)"
            " DO UPDATE SET gazetteer=excluded.gazetteer, basis=excluded.basis, events=excluded.events",
            (source, str(layer), gazetteer, basis, events),
        )

    # -- derived: redraw unions -------------------------------------------------------------
    def redraw_unions(self, source: str, layer: LayerKey) -> tuple[str, bytes] | None:
        """The stored redraw-union hierarchy of a layer: (rules digest, data), or None."""
        row = self._q("SELECT rules, data FROM redraw_unions WHERE source=%s AND layer=%s",
                      (source, str(layer))).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def put_redraw_unions(self, source: str, layer: LayerKey, rules: str, data: bytes) -> None:
        """Store (replace) the redraw-union hierarchy of a layer."""
        self._write(
            "INSERT INTO redraw_unions VALUES(%s,%s,%s,%s) ON CONFLICT(source, layer)"
            " DO UPDATE SET rules=excluded.rules, data=excluded.data",
            (source, str(layer), rules, data),
        )

    # -- derived: change faces ---------------------------------------------------------------
    def change_faces(self, source: str, layer: LayerKey, *, geometry: bool = False,
                     ) -> tuple[str, bytes, bytes | None] | None:
        """The stored change-face index of a layer: (basis, query arrays, face geometries or None
        unless ``geometry``), or None."""
        cols = "basis, data, geoms" if geometry else "basis, data, NULL::bytea"
        row = self._q(f"SELECT {cols} FROM change_faces WHERE source=%s AND layer=%s", (source, str(layer))).fetchone()
        return (row[0], bytes(row[1]), bytes(row[2]) if row[2] is not None else None) if row else None

    @contextlib.contextmanager
    def change_faces_geometry(self, source: str, layer: LayerKey) -> Iterator[BinaryIO | None]:
        """The face geometries of the stored change-face index as a seekable read-only file (None: none stored)."""
        row = self.change_faces(source, layer, geometry=True)
        yield io.BytesIO(row[2]) if row is not None and row[2] is not None else None

    def put_change_faces(self, source: str, layer: LayerKey, basis: str, data: bytes, geoms: bytes | None) -> None:
        """Store (replace) the change-face index of a layer."""
        self._write(
            "INSERT INTO change_faces VALUES(%s,%s,%s,%s,%s) ON CONFLICT(source, layer)"
            " DO UPDATE SET basis=excluded.basis, data=excluded.data, geoms=excluded.geoms",
            (source, str(layer), basis, data, geoms),
        )

    # -- derived: dissolved layers ----------------------------------------------------------
    def layer_unions(self, layer: LayerKey, snapshot_ids: list[int]) -> dict[int, bytes]:
        """Stored dissolved layers: snapshot id -> lon/lat WKB (only ids that are stored)."""
        rows = self._q("SELECT snapshot_id, ST_AsBinary(geom) FROM layer_unions WHERE layer=%s AND snapshot_id = ANY(%s)",
                       (str(layer), list(snapshot_ids))).fetchall()
        return {int(sid): bytes(wkb) for sid, wkb in rows}

    def put_layer_unions(self, layer: LayerKey, rows: list[tuple[int, bytes]]) -> None:
        """Store (replace) the dissolved layer (snapshot id, lon/lat WKB) of snapshots."""
        self._write_many(
            "INSERT INTO layer_unions VALUES(%s,%s,ST_GeomFromWKB(%s, 4326)) ON CONFLICT(snapshot_id, layer)"
            " DO UPDATE SET geom=excluded.geom",
            [(sid, str(layer), wkb) for sid, wkb in rows],
        )

    # -- derived: display GeoJSON of layers ---------------------------------------------------
    def layer_geojsons(self, layer: LayerKey, tolerance_m: int, snapshot_ids: list[int]) -> dict[int, bytes]:
        """Stored display GeoJSON of layers at a tolerance: snapshot id -> opaque bytes (only ids that are stored)."""
        rows = self._q("SELECT snapshot_id, data FROM layer_geojson WHERE layer=%s AND tolerance_m=%s"
                       " AND snapshot_id = ANY(%s)", (str(layer), int(tolerance_m), list(snapshot_ids))).fetchall()
        return {int(sid): bytes(data) for sid, data in rows}

    def put_layer_geojsons(self, layer: LayerKey, tolerance_m: int, rows: list[tuple[int, bytes]]) -> None:
        """Store (replace) the display GeoJSON (snapshot id, opaque bytes) of layers at a tolerance."""
        self._write_many(
            "INSERT INTO layer_geojson VALUES(%s,%s,%s,%s) ON CONFLICT(snapshot_id, layer, tolerance_m)"
            " DO UPDATE SET data=excluded.data",
            [(sid, str(layer), int(tolerance_m), data) for sid, data in rows],
        )

    # -- live sync: provenance, state, published figures --------------------------------------
    _FETCH_COLS = ("source", "item", "url", "fetched_at", "http_status", "etag", "last_modified", "licence",
                   "content_hash", "published_at", "bytes")
    _FETCH_TIMES = frozenset({"fetched_at", "published_at"})

    def fetch_records(self, source: str | None = None) -> list[dict[str, Any]]:
        """Provenance rows of synced payloads (of one source), by source and publication time.

        Times come back as the SQLite store's text (``2024-05-01T12:00:00Z``).
        """
        cols = ", ".join(_TIME_TEXT.format(c) if c in self._FETCH_TIMES else c for c in self._FETCH_COLS)
        sql = f"SELECT {cols} FROM sync_fetches"
        args: tuple[Any, ...] = ()
        if source is not None:
            sql += " WHERE source=%s"
            args = (source,)
        # byte order and NULLs first, as SQLite sorts text
        rows = self._q(sql + ' ORDER BY source COLLATE "C", published_at NULLS FIRST, item COLLATE "C"', args).fetchall()
        return [dict(zip(self._FETCH_COLS, r)) for r in rows]

    def put_fetch_record(self, record: dict[str, Any]) -> None:
        """Insert or replace the provenance of one synced item (keys as :meth:`fetch_records`)."""
        values = ", ".join("%s::timestamptz" if c in self._FETCH_TIMES else "%s" for c in self._FETCH_COLS)
        updates = ", ".join(f"{c}=excluded.{c}" for c in self._FETCH_COLS if c not in ("source", "item"))
        self._write(
            f"INSERT INTO sync_fetches({', '.join(self._FETCH_COLS)}) VALUES({values})"
            f" ON CONFLICT(source, item) DO UPDATE SET {updates}",
            [record.get(c) for c in self._FETCH_COLS],
        )

    def sync_state(self, source: str) -> dict[str, str]:
        """Sync bookkeeping of a source (key -> value)."""
        return dict(self._q("SELECT key, value FROM sync_state WHERE source=%s", (source,)).fetchall())

    def set_sync_state(self, source: str, values: dict[str, str | None]) -> None:
        """Set (or, with None, remove) sync bookkeeping values of a source."""
        with self.transaction():
            for key, value in values.items():
                if value is None:
                    cur = self._q("DELETE FROM sync_state WHERE source=%s AND key=%s", (source, key))
                else:
                    cur = self._q(
                        "INSERT INTO sync_state VALUES(%s,%s,%s) ON CONFLICT(source, key) DO UPDATE SET value=excluded.value",
                        (source, key, value),
                    )
                if cur.rowcount:  # like SQLite: only a transaction that changed rows counts as a write
                    self._dirty = True

    def published_areas(self, source: str) -> list[tuple[str, dt.datetime, str, float, float | None]]:
        """(item, published_at, kind, km², percent) of a provider's own figures, in time order."""
        rows = self._q(
            "SELECT item, published_at, kind, area_km2, percent FROM published_areas WHERE source=%s"
            ' ORDER BY published_at, kind COLLATE "C"', (source,)).fetchall()
        return [(r[0], _utc(r[1]), r[2], r[3], r[4]) for r in rows]

    def put_published_areas(self, source: str, item: str, published_at: dt.datetime,
                            rows: list[tuple[str, float, float | None]]) -> None:
        """Store a provider's own (kind, km², percent) figures of one item."""
        self._write_many(
            "INSERT INTO published_areas VALUES(%s,%s,%s,%s,%s,%s) ON CONFLICT(source, item, kind)"
            " DO UPDATE SET published_at=excluded.published_at, area_km2=excluded.area_km2, percent=excluded.percent",
            [(source, item, _second(published_at), k, a, p) for k, a, p in rows],
        )

    def stats(self) -> dict[str, Any]:
        """Sizes of the store, for ``frontlines info``."""
        q = lambda sql: self._q(sql).fetchone()[0]  # noqa: E731
        raw, stored = self.payload_bytes()
        return {
            "path": self.display,
            "schema_version": self.schema_version,
            "snapshots": int(q("SELECT count(*) FROM snapshots")),
            "parts": int(q("SELECT count(*) FROM parts")),
            "payload_raw_bytes": raw,
            "payload_stored_bytes": stored,
            "file_bytes": int(q("SELECT pg_database_size(current_database())")),
        }
