"""A recorded DeepStateMap + ArcGIS server on 127.0.0.1 (stdlib http.server in a thread).

Responses are built from ../shared/data in the shapes of SOURCES.md. Faults can be
queued per path: each request to that path consumes the next fault.

Faults: ``("status", 500)``, ``("retry_after", 2)`` (429 + Retry-After), ``("sleep", s)``
(answer after s seconds), ``("truncate", None)`` (Content-Length larger than the body,
then close), ``("badjson", None)``, ``("body", bytes)`` (a fixed 200 body).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ARCGIS_PREFIX = "/arcgis/rest/services"


@dataclass
class Recorded:
    """What the server serves; tests mutate it (under ``lock``)."""

    #: DeepState version id -> (map bytes, area figures)
    versions: dict[int, tuple[bytes, list[dict[str, Any]]]] = field(default_factory=dict)
    #: ArcGIS service name -> (layer id, features, lastEditDate ms)
    services: dict[str, tuple[int, list[dict[str, Any]], int]] = field(default_factory=dict)
    #: other service names listed (not ISW layers)
    other_services: list[str] = field(default_factory=list)
    #: services served but not listed in the directory
    hidden: set[str] = field(default_factory=set)
    #: operational layers of the web map at /sharing/rest/content/items/webmap/data: (url, title)
    webmap: list[tuple[str, str]] = field(default_factory=list)
    #: path -> queue of faults
    faults: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    #: (method, path with query, headers) of every request
    log: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    #: put exceededTransferLimit on the last page as well
    exceeded_on_last: bool = False
    #: where exceededTransferLimit goes: "properties" (f=geojson) or "top"
    exceeded_where: str = "properties"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self, prefix: str = "") -> list[str]:
        with self.lock:
            return [p for _, p, _ in self.log if p.startswith(prefix)]


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        rec = self.server.recorded
        url = urllib.parse.urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = dict(urllib.parse.parse_qsl(url.query))
        with rec.lock:
            rec.log.append(("GET", self.path, dict(self.headers.items())))
            queue = rec.faults.get(path) or []
            fault = queue.pop(0) if queue else None
        if fault is not None:
            kind, arg = fault
            if kind == "status":
                return self._send(arg, b'{"error": "boom"}')
            if kind == "retry_after":
                return self._send(429, b"slow down", {"Retry-After": str(arg)})
            if kind == "sleep":
                time.sleep(arg)
            if kind == "truncate":
                body = self._answer(path, query)[1]
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return None
            if kind == "badjson":
                return self._send(200, b'{"type": "FeatureCollection", "features": [ {"type": "Feat')
            if kind == "body":
                return self._send(200, arg)
            if kind == "redirect":
                return self._send(302, b"", {"Location": arg})
        status, body, headers = self._answer(path, query)
        if status == 200 and "ETag" in headers and self.headers.get("If-None-Match") == headers["ETag"]:
            self.send_response(304)
            self.send_header("ETag", headers["ETag"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self._send(status, body, headers)

    # -- routes ---------------------------------------------------------------------------
    def _answer(self, path: str, query: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        rec = self.server.recorded
        with rec.lock:
            if path == "/api/history/public":
                body = json.dumps([
                    {"id": vid, "datetime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(vid)),
                     "createdAt": "x", "updatedAt": "x", "status": True, "description": "<p>опис</p>",
                     "descriptionEn": "<p>description</p>"} for vid in sorted(rec.versions)
                ]).encode()
                return 200, body, {"ETag": _etag(body)}
            parts = path.split("/")
            if path.startswith("/api/history/") and len(parts) == 5 and parts[3].isdigit():
                vid = int(parts[3])
                if vid not in rec.versions:
                    return 404, b'{"error": "not found"}', {}
                data, areas = rec.versions[vid]
                if parts[4] == "geojson":
                    return 200, data, {"ETag": _etag(data), "Last-Modified": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(vid))}
                if parts[4] == "areas":
                    return 200, json.dumps(areas).encode(), {}
            if path == ARCGIS_PREFIX:
                names = [n for n in rec.services if n not in rec.hidden] + list(rec.other_services)
                return 200, json.dumps({"currentVersion": 11.3, "folders": [], "services": [
                    {"name": n, "type": "FeatureServer"} for n in names]}).encode(), {}
            if path == "/sharing/rest/content/items/webmap/data":
                return 200, json.dumps({"operationalLayers": [{"url": u, "title": t, "id": str(i)}
                                                              for i, (u, t) in enumerate(rec.webmap)]}).encode(), {}
            if path.startswith(ARCGIS_PREFIX + "/"):
                return self._arcgis(path[len(ARCGIS_PREFIX) + 1:].split("/"), query)
        return 404, b'{"error": "no route"}', {}

    def _arcgis(self, parts: list[str], query: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        rec = self.server.recorded
        name = parts[0]
        if name not in rec.services or len(parts) < 2 or parts[1] != "FeatureServer":
            # ArcGIS answers errors with HTTP 200 and an error object
            return 200, json.dumps({"error": {"code": 400, "message": f"Invalid URL {name}", "details": []}}).encode(), {}
        lid, features, edit_ms = rec.services[name]
        if len(parts) == 2:
            return 200, json.dumps({"layers": [{"id": lid, "name": name, "geometryType": "esriGeometryPolygon"}]}).encode(), {}
        if parts[2] != str(lid):
            return 200, json.dumps({"error": {"code": 400, "message": "Invalid layer"}}).encode(), {}
        if len(parts) == 3:
            body = json.dumps({"name": name, "type": "Feature Layer", "editingInfo": {"lastEditDate": edit_ms}}).encode()
            return 200, body, {"ETag": _etag(body)}
        if parts[3] == "query":
            assert query.get("f") == "geojson" and query.get("outSR") == "4326", query
            offset = int(query.get("resultOffset", 0))
            count = int(query.get("resultRecordCount", 2000))
            page = features[offset: offset + count]
            more = offset + count < len(features) or (rec.exceeded_on_last and bool(page))
            doc: dict[str, Any] = {"type": "FeatureCollection", "features": page}
            if more:
                if rec.exceeded_where == "top":
                    doc["exceededTransferLimit"] = True
                else:
                    doc["properties"] = {"exceededTransferLimit": True}
            return 200, json.dumps(doc).encode(), {}
        return 404, b"{}", {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    recorded: Recorded


class RecordedServer:
    """Start with ``with RecordedServer(recorded) as srv: srv.url``."""

    def __init__(self, recorded: Recorded) -> None:
        self.recorded = recorded
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.recorded = recorded
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def arcgis_url(self) -> str:
        return self.url + ARCGIS_PREFIX

    def __enter__(self) -> RecordedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def arcgis_features(path: str, edit_ms: int) -> list[dict[str, Any]]:
    """The features of an archived ISW layer file, with ArcGIS's OBJECTID / EditDate fields added."""
    with gzip.open(path) as fh:
        doc = json.load(fh)
    out = []
    for i, f in enumerate(doc["features"], 1):
        props = dict(f.get("properties") or {})
        props.update({"OBJECTID": i, "GlobalID": f"{{{i:08d}-0000-0000-0000-000000000000}}", "EditDate": edit_ms})
        out.append({"type": "Feature", "id": i, "geometry": f["geometry"], "properties": props})
    return out
