"""/v1/namespaces/{ns}/imports and /export: bulk loads as background jobs, streamed dumps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, FastAPI, File, Form, Query, Request, UploadFile, status
from fastapi.responses import StreamingResponse

from kgmem.errors import InvalidRequest
from kgmem.io.exporter import EXTENSIONS, ExportOptions
from kgmem.io.formats import (
    DEFAULT_EDGE_TYPE,
    EXPORT_FORMATS,
    FORMATS,
    MEDIA_TYPES,
)
from kgmem.io.loader import ImportOptions
from kgmem.io.readers import detect_format
from kgmem.memory import Memory
from kgmem.model.import_jobs import ImportJob
from kgmem.model.times import Instant
from kgmem.server.auth import Reader, Writer, memory_of
from kgmem.server.import_jobs import ImportJobs, Upload
from kgmem.server.schemas import Problem

router = APIRouter(prefix="/v1/namespaces/{ns}", tags=["import and export"])
_CHUNK = 1 << 20
# File systems allow 255 bytes a name; the report file beside it adds a suffix.
_MAX_NAME_BYTES = 200


def jobs_of(request: Request) -> ImportJobs:
    """The import jobs of this app (created on first use)."""
    return jobs_for(request.app)


def jobs_for(app: FastAPI) -> ImportJobs:
    """The import jobs of ``app`` (created on first use, once it serves a store)."""
    jobs: ImportJobs | None = getattr(app.state, "import_jobs", None)
    if jobs is None:
        memory: Memory = app.state.memory
        root = Path(memory.settings.home) / "imports"
        jobs = app.state.import_jobs = ImportJobs(root, memory, memory.settings.imports)
    return jobs


@router.post(
    "/imports",
    response_model=ImportJob,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        429: {
            "model": Problem,
            "description": "The key or the store has as many import jobs queued or running "
            "as it may, or the key is over its request rate (Retry-After)",
        }
    },
)
# One parameter per form field.
async def start_import(  # noqa: PLR0913, PLR0917
    ns: str,
    request: Request,
    who: Writer,
    file: Annotated[UploadFile, File(description="The file to load (.gz accepted).")],
    format: Annotated[
        str | None, Form(description=f"One of {', '.join(FORMATS)}; default from the file name.")
    ] = None,
    on_error: Annotated[Literal["stop", "skip"], Form()] = "stop",
    batch_size: Annotated[int, Form(ge=1, le=1_000_000)] = 20_000,
    base_iri: Annotated[str | None, Form()] = None,
    graph_names: Annotated[
        Literal["membership", "sources"],
        Form(
            description="membership: keep each statement's named graphs; sources: each "
            "named graph is the Source vertex that asserted its edges."
        ),
    ] = "membership",
    embed: Annotated[bool, Form(description="Embed imported entities after the load.")] = True,
    edge_type: Annotated[
        str,
        Form(
            description="The relationship type of edges that name none (GraphML and GML "
            "edges without a label, CSV rows without :TYPE)."
        ),
    ] = DEFAULT_EDGE_TYPE,
) -> ImportJob:
    """Upload a file (multipart, streamed to disk) and import it in the background.
    Poll the returned job for progress and the final report. A key may have
    ``KGMEM_IMPORT_JOBS_PER_KEY`` jobs queued or running at once, the store
    ``KGMEM_IMPORT_JOBS``; one more is refused with 429 ``too_many_imports`` and
    Retry-After."""
    await memory_of(request).get_namespace(ns)
    name = _upload_name(file)
    detect_format(Path(name), format)  # an unknown format is refused now, not in the job
    options = ImportOptions(
        format=format,
        batch_size=batch_size,
        on_error=on_error,
        base_iri=base_iri,
        graph_names=graph_names,
        edge_type=edge_type,
    )
    jobs = jobs_of(request)
    job_id, folder = jobs.folder()
    target = folder / name
    try:
        await _save(file, target)
    except BaseException:
        jobs.discard(folder)
        raise
    options = replace(options, report_dir=folder)
    key_id = who.key.id if who.key is not None else None
    return await jobs.start(job_id, Upload(ns, target, key_id, options, embed))


def _upload_name(file: UploadFile) -> str:
    """The upload's file name, without any folder; ``InvalidRequest`` for one that
    cannot name a file here."""
    name = Path(file.filename or "upload").name
    if not name or name.startswith(".") or "\x00" in name:
        raise InvalidRequest("the upload needs a file name (its extension tells the format)")
    if len(name.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES:
        raise InvalidRequest(f"the upload's file name is longer than {_MAX_NAME_BYTES} bytes")
    return name


async def _save(file: UploadFile, target: Path) -> None:
    with target.open("wb") as sink:
        while chunk := await file.read(_CHUNK):
            sink.write(chunk)


@router.get("/imports/{job_id}", response_model=ImportJob)
async def get_import(ns: str, job_id: str, request: Request, _: Reader) -> ImportJob:
    """An import job: status, records and bytes read so far (written every few seconds
    while it runs), and the report when done. Any server process answers."""
    return await jobs_of(request).get(ns, job_id)


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {t: {} for t in MEDIA_TYPES.values()},
            "headers": {
                "Kgmem-Dropped": {
                    "description": "What an import of this file would not restore "
                    "(comma-separated), or none",
                    "schema": {"type": "string"},
                }
            },
        }
    },
)
# One parameter per query parameter.
async def export(  # noqa: PLR0913, PLR0917
    ns: str,
    request: Request,
    _: Reader,
    format: Annotated[str, Query(description=f"One of {', '.join(EXPORT_FORMATS)}.")] = "jsonl",
    uids: Annotated[
        list[str] | None, Query(description="Export the subgraph around these entity uids.")
    ] = None,
    depth: Annotated[int, Query(ge=0, le=10)] = 1,
    part: Annotated[
        Literal["nodes", "relationships"], Query(description="CSV: which file.")
    ] = "nodes",
    as_of: Annotated[
        Instant | None,
        Query(description="Only the facts true and believed at this time (with a zone)."),
    ] = None,
    current_only: Annotated[
        bool, Query(description="Only the facts true and believed now.")
    ] = False,
    plain: Annotated[
        bool,
        Query(
            description="GraphML and GML: only the graph's own attributes, as networkx "
            "writes them (no fact times, trust, locations or edge ids)."
        ),
    ] = False,
) -> StreamingResponse:
    """The namespace (or a subgraph) in one format, streamed. Graph-tool formats
    (GraphML, GEXF, Cytoscape.js) carry each fact's valid and recorded times, status
    and trust. The ``Kgmem-Dropped`` header names what an import of the file would not
    restore (``kgmem.io.formats.DROPPED``)."""
    options = ExportOptions(format, tuple(uids or ()), depth, part, as_of, current_only, plain)
    chunks = memory_of(request).export(ns, options)
    first = await anext(chunks, b"")  # errors (unknown format, namespace) before the 200
    lost = await memory_of(request).export_losses(ns, format)

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    filename = f"{ns}{'.' + part if format == 'csv' else ''}{EXTENSIONS.get(format, '')}"
    return StreamingResponse(
        body(),
        media_type=MEDIA_TYPES.get(format, "application/octet-stream"),
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "kgmem-dropped": ", ".join(lost) or "none",
        },
    )
