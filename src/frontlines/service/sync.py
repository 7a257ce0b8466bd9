"""Live sync: keep a store current from DeepStateMap and ISW, with provenance and freshness.

``sync(store, "deepstate")``
    Lists DeepState's published versions (a conditional request: 304 means nothing new
    since the last complete sync), skips versions already stored (their provenance row
    exists), fetches each new version's map and DeepState's own area figures (a few at
    a time), and stores them in batches: one transaction per batch writes the raw
    payloads (``<id>.geojson``, read by the ``deepstate-history`` adapter exactly like a
    file), the normalised snapshots, their derived steps and areas, the provenance rows
    and the published figures. Killed at any point, the store holds whole batches only
    and the next run continues with the versions still missing. Then, as after the CLI's
    ``ingest``, the new steps' redraws are classified and the change faces brought up to
    date (:attr:`SyncOptions.redraws`).
``sync(store, "isw")``
    Discovers ISW's FeatureServer layers by service name (renamed services are found),
    polls each layer's ``editingInfo.lastEditDate`` and, when it moved, pages through
    the layer and stores the features as one payload ``YYYYMMDD_<Layer>.geojson`` read
    by the ``isw`` adapter. **Map time**: the UTC date of the layer's last edit, at
    23:00 UTC (the ``isw`` adapter's convention for daily files), so a layer synced on
    the day ISW edits it is stored like that day's archived file.
Provenance
    One row per synced item: URL, fetched_at, HTTP status, ETag, Last-Modified, the
    source's licence statement, content hash (joins the snapshot), published_at, bytes.
Freshness
    :func:`freshness`: last successful sync, newest map time, ``stale`` when the newest
    map is older than the source's cadence (:data:`SYNC_SOURCES`).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from frontlines.errors import FrontlinesError, SourceError, UsageError
from frontlines.hashing import content_hash
from frontlines.service.pipeline import ingest_payloads
from frontlines.service.redraws import derive_store_redraws
from frontlines.sources import deepstate_classes
from frontlines.sources._payloads import Payload
from frontlines.sources.base import IngestOptions
from frontlines.sources.fetch import arcgis
from frontlines.sources.fetch import deepstate as ds
from frontlines.sources.fetch.http import FetchSettings, HttpFetcher
from frontlines.sources.isw import ISW_LAYERS
from frontlines.store import StoreReader, StoreWriter
from frontlines.store.sqlite import format_time

__all__ = [
    "SYNC_SOURCES",
    "FetchSettings",
    "PeriodicSync",
    "SyncOptions",
    "SyncReport",
    "SyncSource",
    "base_url_of",
    "compare_published",
    "freshness",
    "parse_interval",
    "sync",
]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SyncSource:
    """A source ``frontlines sync`` knows."""

    name: str  # on the command line
    store_source: str  # the snapshots' source id in the store
    adapter: str
    default_base: str
    env: str  # setting that overrides the base URL
    licence: str
    cadence: dt.timedelta  # stale when the newest map is older than this


SYNC_SOURCES: dict[str, SyncSource] = {
    "deepstate": SyncSource("deepstate", "deepstate-history", "deepstate-history", ds.DEFAULT_BASE,
                            "FRONTLINES_DEEPSTATE_URL", ds.LICENCE, dt.timedelta(days=2)),
    "isw": SyncSource("isw", "isw", "isw", arcgis.DEFAULT_BASE, "FRONTLINES_ISW_URL", arcgis.LICENCE,
                      dt.timedelta(days=2)),
}


@dataclass(frozen=True)
class SyncOptions:
    """How to sync.

    Parameters
    ----------
    base_url : str, optional
        Overrides the source's base URL (else ``$FRONTLINES_DEEPSTATE_URL`` /
        ``$FRONTLINES_ISW_URL``, else the public one).
    since : datetime, optional
        Only versions (DeepState) or layer edits (ISW) at or after this time.
    dry_run : bool
        Say what would be fetched; fetch only the lists, write nothing.
    fetch : FetchSettings
        Timeouts, retries, rate limit, concurrency.
    batch : int
        Versions stored per transaction.
    page_size : int
        ``resultRecordCount`` of ArcGIS queries.
    webmap_url : str, optional
        ISW only: a web map's ``.../items/<id>/data`` URL whose operational layers are
        searched too (for layers the service listing does not show); it becomes an
        allowed base URL.
    conflict : str
        Conflict id of the stored snapshots.
    redraws : bool
        After storing, classify the steps' redraws that lack it and bring the change faces up to
        date (:func:`~frontlines.service.redraws.derive_store_redraws`, as the CLI's ``ingest``
        does), so the store's queries keep their fast paths; False leaves that to
        ``frontlines derive --redraws``.
    """

    base_url: str | None = None
    since: dt.datetime | None = None
    dry_run: bool = False
    fetch: FetchSettings = field(default_factory=FetchSettings)
    batch: int = 8
    page_size: int = 2000
    conflict: str = "ukraine"
    webmap_url: str | None = None
    redraws: bool = True


@dataclass
class SyncReport:
    """What one sync of one source did."""

    source: str
    base_url: str
    dry_run: bool = False
    listed: int = 0
    already_stored: int = 0
    not_modified: bool = False
    added: int = 0
    would_fetch: list[str] = field(default_factory=list)
    bytes: int = 0
    requests: int = 0
    retries: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown_classes: Counter[str] = field(default_factory=Counter)
    newest_map_time: dt.datetime | None = None
    redraw_steps: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (``frontlines sync --json``)."""
        return {
            "source": self.source,
            "base_url": self.base_url,
            "dry_run": self.dry_run,
            "listed": self.listed,
            "already_stored": self.already_stored,
            "not_modified": self.not_modified,
            "new_snapshots": self.added,
            "would_fetch": list(self.would_fetch),
            "bytes": self.bytes,
            "requests": self.requests,
            "retries": self.retries,
            "failures": list(self.failures),
            "warnings": list(self.warnings),
            "unknown_classes": dict(self.unknown_classes.most_common()),
            "newest_map_time": format_time(self.newest_map_time) if self.newest_map_time else None,
            "redraw_steps": self.redraw_steps,
            "seconds": round(self.seconds, 3),
        }


def get_source(name: str) -> SyncSource:
    """The sync source called ``name`` (a :class:`UsageError` otherwise)."""
    try:
        return SYNC_SOURCES[name]
    except KeyError:
        raise UsageError(f"unknown sync source {name!r}; known: {', '.join(SYNC_SOURCES)}", field="SOURCE", value=name) from None


def base_url_of(name: str, override: str | None = None) -> str:
    """The base URL a source is fetched from: ``override``, its setting, or the public one."""
    src = get_source(name)
    url = override or os.environ.get(src.env) or src.default_base
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"base URL {url!r} of {name} must start with http:// or https://", field="--base-url", value=url)
    return url.rstrip("/")


def parse_interval(text: str) -> dt.timedelta:
    """``90s``, ``15m``, ``1h``, ``1d`` (or plain seconds) as a timedelta.

    >>> parse_interval("1h"), parse_interval("90")
    (datetime.timedelta(seconds=3600), datetime.timedelta(seconds=90))
    """
    s = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        seconds = float(s[:-1]) * units[s[-1]] if s and s[-1] in units else float(s)
    except ValueError:
        raise UsageError(f"interval {text!r} is not like 90s, 15m, 1h or 1d", field="--sync-every", value=text) from None
    if seconds <= 0:
        raise UsageError(f"interval {text!r} must be positive", field="--sync-every", value=text)
    return dt.timedelta(seconds=seconds)


# -- the sync ---------------------------------------------------------------------------------
def sync(
    store: StoreWriter | StoreReader | None,
    source: str,
    *,
    options: SyncOptions | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncReport:
    """Bring ``store`` up to date with one source; see the module docstring.

    Parameters
    ----------
    store : StoreWriter, or a StoreReader / None for a dry run
    source : {"deepstate", "isw"}
    options : SyncOptions, optional
    progress : callable, optional
        Called with (items done, items to do, current item).
    sleep : callable
        For pacing and backoff (tests pass a faster one).

    Returns
    -------
    SyncReport
        Failures (a version that could not be fetched after its retries, a changed
        response shape, a payload the adapter rejects) are listed there, not raised.
    """
    options = options or SyncOptions()
    src = get_source(source)
    base = base_url_of(source, options.base_url)
    report = SyncReport(source=src.name, base_url=base, dry_run=options.dry_run)
    t0 = time.perf_counter()
    bases = [base] + ([options.webmap_url] if options.webmap_url and src.name == "isw" else [])
    with HttpFetcher(bases, options.fetch, sleep=sleep) as fetcher:
        try:
            if src.name == "deepstate":
                _sync_deepstate(store, src, base, options, fetcher, report, progress)
            else:
                _sync_isw(store, src, base, options, fetcher, report, progress)
        except SourceError as exc:  # the list itself could not be fetched or has changed shape
            report.failures.append({"item": "(list)", "error": str(exc)})
        report.bytes, report.requests, report.retries = fetcher.bytes, fetcher.requests, fetcher.retries
    if store is not None and not options.dry_run and options.redraws:
        # A stage of its own, after the batches' transactions (as the CLI's ingest); also when nothing was
        # added, so a sync stopped during it completes it next time (a current store: ~0.3 s, nothing written).
        report.redraw_steps = derive_store_redraws(store, sources=[src.store_source])  # type: ignore[arg-type]
    if store is not None and not options.dry_run:
        now = format_time(dt.datetime.now(dt.timezone.utc))
        state: dict[str, str | None] = {"last_attempt": now, "base_url": base}
        if report.ok:
            state["last_success"] = now
        else:
            state["last_error"] = report.failures[0]["error"][:500]
        store.set_sync_state(src.store_source, state)  # type: ignore[union-attr]
    if store is not None:
        times = [t for s, _, _, t in store.sources() if s == src.store_source]
        report.newest_map_time = times[0] if times else None
    report.seconds = time.perf_counter() - t0
    return report


@dataclass
class _Item:
    """One thing to fetch and store."""

    item: str
    payload_name: str
    published_at: dt.datetime
    url: str = ""
    data: bytes = b""
    status: int = 0
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: dt.datetime | None = None
    figures: list[tuple[str, float, float | None]] = field(default_factory=list)
    state: dict[str, str | None] = field(default_factory=dict)
    error: str | None = None


def _known_items(store: StoreReader | None, source: str) -> set[str]:
    if store is None:
        return set()
    return {r["item"] for r in store.fetch_records(source)}


def _sync_deepstate(store: Any, src: SyncSource, base: str, options: SyncOptions, fetcher: HttpFetcher,
                    report: SyncReport, progress: Progress | None) -> None:
    state = store.sync_state(src.store_source) if store is not None else {}
    use_conditional = options.since is None and not options.dry_run
    listed, versions, warnings = ds.list_versions(
        fetcher, base,
        etag=state.get("list_etag") if use_conditional else None,
        last_modified=state.get("list_last_modified") if use_conditional else None,
    )
    report.warnings.extend(warnings)
    if listed.not_modified:
        report.not_modified = True
        return
    report.listed = len(versions)
    known = _known_items(store, src.store_source)
    if store is not None:  # versions ingested from files count as stored too
        known |= {str(int(s.published_at.timestamp())) for s in store.snapshots(src.store_source)}
    todo = [v for v in versions if str(v.id) not in known and (options.since is None or v.published_at >= options.since)]
    report.already_stored = sum(1 for v in versions if str(v.id) in known)
    if options.dry_run:
        report.would_fetch = [ds.map_url(base, v.id) for v in todo]
        return
    items = [_Item(str(v.id), f"{v.id}.geojson", v.published_at) for v in todo]

    def fetch(it: _Item) -> _Item:
        vid = int(it.item)
        try:
            got = ds.fetch_map(fetcher, base, vid)
        except SourceError as exc:
            it.error = str(exc)
            return it
        it.url, it.data, it.status = got.url, got.content, got.status
        it.etag, it.last_modified, it.fetched_at = got.etag, got.last_modified, got.fetched_at
        try:
            _, figures, warns = ds.fetch_areas(fetcher, base, vid)
            it.figures = [(f.kind, f.area_km2, f.percent) for f in figures]
            report.warnings.extend(warns)
        except SourceError as exc:
            report.warnings.append(f"version {vid}: DeepState's area figures not stored: {exc}")
        return it

    _fetch_and_store(store, src, options, fetcher, report, progress, items, fetch)
    if report.ok and options.since is None:
        store.set_sync_state(src.store_source, {"list_etag": listed.etag, "list_last_modified": listed.last_modified})


def _sync_isw(store: Any, src: SyncSource, base: str, options: SyncOptions, fetcher: HttpFetcher,
              report: SyncReport, progress: Progress | None) -> None:
    layers, _unmatched = arcgis.discover(fetcher, base)
    found = {x.isw_layer for x in layers}
    if options.webmap_url:
        extra, _skipped = arcgis.discover_webmap(fetcher, options.webmap_url, base)
        for layer in extra:
            if layer.isw_layer not in found:
                layers.append(layer)
                found.add(layer.isw_layer)
    for name in ISW_LAYERS:
        if name not in found:
            report.warnings.append(f"ISW layer {name} not found among the services at {base} (renamed beyond recognition, or retired)")
    report.listed = len(layers)
    state = store.sync_state(src.store_source) if store is not None else {}
    known = _known_items(store, src.store_source)
    items: list[tuple[_Item, arcgis.RemoteLayer]] = []
    for layer in layers:
        try:
            info = arcgis.layer_info(fetcher, layer.url, etag=None if options.dry_run else state.get(f"etag:{layer.isw_layer}"))
        except SourceError as exc:
            report.failures.append({"item": layer.isw_layer, "url": layer.url, "error": str(exc)})
            continue
        if info.fetched.not_modified:
            report.already_stored += 1
            continue
        edited = info.last_edit or info.fetched.fetched_at
        item = f"{layer.isw_layer}@{int(edited.timestamp() * 1000)}"
        if item in known:
            report.already_stored += 1
            continue
        if options.since is not None and edited < options.since:
            continue
        it = _Item(item, f"{edited:%Y%m%d}_{layer.isw_layer}.geojson", edited.replace(hour=23, minute=0, second=0, microsecond=0))
        it.state = {f"etag:{layer.isw_layer}": info.fetched.etag, f"edit:{layer.isw_layer}": format_time(edited)}
        items.append((it, layer))
    if options.dry_run:
        report.would_fetch = [f"{layer.url}/query" for _, layer in items]
        return
    by_item = {it.item: layer for it, layer in items}

    def fetch(it: _Item) -> _Item:
        layer = by_item[it.item]
        try:
            paged = arcgis.query_all(fetcher, layer.url, page_size=options.page_size)
        except SourceError as exc:
            it.error = str(exc)
            return it
        first = paged.first
        it.url, it.data, it.status = f"{layer.url}/query", paged.content, first.status
        it.etag, it.last_modified, it.fetched_at = first.etag, first.last_modified, first.fetched_at
        return it

    _fetch_and_store(store, src, replace(options, batch=1), fetcher, report, progress, [it for it, _ in items], fetch)


def _fetch_and_store(store: Any, src: SyncSource, options: SyncOptions, fetcher: HttpFetcher, report: SyncReport,
                     progress: Progress | None, items: list[_Item], fetch: Callable[[_Item], _Item]) -> None:
    done = 0
    total = len(items)
    if progress:
        progress(0, total, "")
    workers = max(1, options.fetch.concurrency)
    with ThreadPoolExecutor(workers, thread_name_prefix="frontlines-sync") as pool:
        for start in range(0, total, max(1, options.batch)):
            batch = list(pool.map(fetch, items[start:start + options.batch]))
            good = [it for it in batch if it.error is None]
            for it in batch:
                if it.error is not None:
                    report.failures.append({"item": it.item, "error": it.error})
            if good:
                try:
                    _store_items(store, src, options, good, report)
                except SourceError:
                    for it in good:  # find the bad one(s): store the others one by one
                        try:
                            _store_items(store, src, options, [it], report)
                        except SourceError as exc:
                            report.failures.append({"item": it.item, "url": it.url, "error": str(exc)})
            done += len(batch)
            if progress:
                progress(done, total, batch[-1].payload_name if batch else "")


def _store_items(store: StoreWriter, src: SyncSource, options: SyncOptions, items: list[_Item], report: SyncReport) -> None:
    """One transaction: payloads, snapshots, derived rows, provenance, published figures."""
    ingest_opts = IngestOptions(now=dt.datetime.now(dt.timezone.utc), conflict=options.conflict)
    with store.transaction():
        got = ingest_payloads(store, src.adapter, [Payload(it.payload_name, it.data) for it in items],
                              options=ingest_opts, workers=1)
        for it in items:
            assert it.fetched_at is not None
            store.put_fetch_record({
                "source": src.store_source, "item": it.item, "url": it.url, "fetched_at": format_time(it.fetched_at),
                "http_status": it.status, "etag": it.etag, "last_modified": it.last_modified, "licence": src.licence,
                "content_hash": content_hash(it.data), "published_at": format_time(it.published_at), "bytes": len(it.data),
            })
            if it.figures:
                store.put_published_areas(src.store_source, it.item, it.published_at, it.figures)
            if it.state:
                store.set_sync_state(src.store_source, it.state)
    report.added += got.added
    report.unknown_classes.update(got.unknown_classes)


# -- freshness and reconciliation -------------------------------------------------------------
def freshness(store: StoreReader, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per source: last successful sync, newest map time, cadence and ``stale``.

    Sources only ingested from files have no sync times and a ``stale`` of None
    unless they are sync sources too.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    by_store = {s.store_source: s for s in SYNC_SOURCES.values()}
    out = []
    for name, count, _first, last in store.sources():
        cfg = by_store.get(name)
        state = store.sync_state(name)
        out.append({
            "source": name,
            "snapshots": count,
            "newest_map_time": format_time(last),
            "last_fetched": state.get("last_success"),
            "last_attempt": state.get("last_attempt"),
            "last_error": state.get("last_error") if state.get("last_attempt") != state.get("last_success") else None,
            "cadence_hours": cfg.cadence.total_seconds() / 3600 if cfg else None,
            "stale": (now - last > cfg.cadence) if cfg else None,
            "licence": cfg.licence if cfg else None,
        })
    return out


#: DeepState ``/areas`` types that make up our ``russia:control`` layer.
_OCCUPIED = ("occupied_after_24_02_2022", "occupied_to_24_02_2022")


def compare_published(store: StoreReader, source: str = "deepstate-history") -> list[dict[str, Any]]:
    """DeepState's own area figures beside ours, per stored version, with the difference.

    ``published_km2`` is DeepState's occupied total (``occupied_after_24_02_2022`` +
    ``occupied_to_24_02_2022``); ``ours_km2`` is the area of our ``russia:control``
    layer of the snapshot published at the same time (geodesic, WGS84);
    ``difference_km2`` = ours - published. Their other figures are listed under ``published``.
    """
    ours = {when: area for _sid, when, area in store.layer_timeline(source, deepstate_classes.CONTROL)}
    rows: dict[str, dict[str, Any]] = {}
    for item, when, kind, area, pct in store.published_areas(source):
        row = rows.setdefault(item, {"item": item, "published_at": format_time(when), "published": {}, "_when": when})
        row["published"][kind] = {"km2": area, "percent": pct}
    out = []
    for row in rows.values():
        when = row.pop("_when")
        pub = sum(row["published"][k]["km2"] for k in _OCCUPIED if k in row["published"])
        have = any(k in row["published"] for k in _OCCUPIED)
        mine = ours.get(when)
        row["published_km2"] = round(pub, 3) if have else None
        row["ours_km2"] = None if mine is None else round(mine, 3)
        diff = None if (mine is None or not have) else mine - pub
        row["difference_km2"] = None if diff is None else round(diff, 3)
        row["difference_pct"] = None if diff is None or not pub else round(100 * diff / pub, 3)
        out.append(row)
    return sorted(out, key=lambda r: r["published_at"])


class PeriodicSync:
    """Sync sources into a store file now and then every ``every``, in a background thread.

    One sync at a time: a run that is due while the previous one still runs is skipped.
    Each run opens its own writer and closes it afterwards, so readers (the web app's
    pool) keep answering from the last committed state and see each new batch as soon
    as it commits.

    Parameters
    ----------
    store_path : Path
    sources : list of str
    every : timedelta
    options : dict
        source -> :class:`SyncOptions`.
    on_report : callable, optional
        Called with each :class:`SyncReport` (for logging).
    """

    def __init__(self, store_path: Any, sources: list[str], *, every: dt.timedelta,
                 options: dict[str, SyncOptions] | None = None,
                 on_report: Callable[[SyncReport], None] | None = None) -> None:
        import threading

        for name in sources:
            get_source(name)
        self.store_path = store_path
        self.sources = list(sources)
        self.every = every
        self.options = options or {}
        self.on_report = on_report
        self.runs = 0
        self._stop = threading.Event()
        self._busy = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="frontlines-periodic-sync", daemon=True)

    def run_once(self) -> list[SyncReport] | None:
        """One sync of every source; None when another run is still going."""
        from frontlines.store import open_writer

        if not self._busy.acquire(blocking=False):
            return None
        try:
            reports = []
            with open_writer(self.store_path) as store:
                for name in self.sources:
                    rep = sync(store, name, options=self.options.get(name, SyncOptions()))
                    reports.append(rep)
                    if self.on_report:
                        self.on_report(rep)
            self.runs += 1
            return reports
        finally:
            self._busy.release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except FrontlinesError as exc:  # e.g. the store is locked by a long write elsewhere: try next time
                if self.on_report:
                    self.on_report(SyncReport(source=",".join(self.sources), base_url="", failures=[{"item": "(run)", "error": str(exc)}]))
            self._stop.wait(self.every.total_seconds())

    def start(self) -> None:
        """Start the background thread (the first run begins at once)."""
        self._thread.start()

    def stop(self, timeout: float | None = 30) -> None:
        """Ask the thread to stop after the current run and wait for it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
