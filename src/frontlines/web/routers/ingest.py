"""``POST /api/ingest``: upload one file and ingest it (only with the server's token)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontlines.web import upload
from frontlines.web.deps import Ctx
from frontlines.web.ingest_options import (
    ConflictQ,
    DateFieldQ,
    DateQ,
    IngestLayerQ,
    LayerFieldQ,
    MapQ,
    SourceNameQ,
    StrictQ,
    ingest_options,
)
from frontlines.web.params import AdapterQ, FilenameQ

__all__ = ["router"]

router = APIRouter()

_BODY_SCHEMA = {
    "requestBody": {"content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
    }},
}


@router.post("/api/ingest", tags=["ingest"],
             summary="Upload one file (raw body or multipart field `file`) and ingest it (needs the token)",
             openapi_extra=_BODY_SCHEMA)
async def post_ingest(ctx: Ctx, request: Request, adapter: AdapterQ, filename: FilenameQ = None,
                      source_name: SourceNameQ = None, conflict: ConflictQ = "ukraine", date: DateQ = None,
                      date_field: DateFieldQ = None, layer: IngestLayerQ = None, layer_field: LayerFieldQ = None,
                      map: MapQ = None, strict: StrictQ = False,
                      allow_empty: bool = False) -> JSONResponse:  # noqa: A002 - the CLI's --map
    settings = ctx.settings
    upload.check_token(request, settings.token)
    options = ingest_options(conflict=conflict, source_name=source_name, date=date, date_field=date_field,
                             layer=layer, layer_field=layer_field, mapping=map, strict=strict,
                             allow_empty=allow_empty)
    upload.check_declared_size(request, settings.max_upload_bytes)
    workdir = Path(tempfile.mkdtemp(prefix="frontlines-upload-"))
    try:
        path = await upload.receive_upload(request, workdir, filename, settings.max_upload_bytes)
        if not ctx.ingest_lock.acquire(blocking=False):
            raise StarletteHTTPException(409, upload.BUSY)
        try:
            with upload.process_lock(settings.store_path):  # other worker processes of this server
                doc = await run_in_threadpool(upload.ingest_file, settings.store_path, adapter, path, workdir, options)
        finally:
            ctx.ingest_lock.release()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return JSONResponse(doc)
