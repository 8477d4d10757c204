"""/v1/namespaces/{ns}/batch: many entities and facts in one transaction."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kgmem.model import BatchResult
from kgmem.model.graph_input import BatchIn
from kgmem.server.auth import Writer, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}", tags=["batch"])


@router.post("/batch", response_model=BatchResult)
async def write_batch(ns: str, body: BatchIn, request: Request, _: Writer) -> BatchResult:
    """Write entities, then facts, all or nothing. One outcome per item, in order."""
    return await memory_of(request).write_batch(ns, body.to_write())
