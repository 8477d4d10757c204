"""/v1/namespaces/{ns}/batch: many entities and facts in one transaction."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kgmem.server.auth import Writer, memory_of
from kgmem.server.schemas import BatchIn, BatchOut

router = APIRouter(prefix="/v1/namespaces/{ns}", tags=["batch"])


@router.post("/batch", response_model=BatchOut)
async def write_batch(ns: str, body: BatchIn, request: Request, _: Writer) -> BatchOut:
    """Write entities, then facts, all or nothing. One outcome per item, in order."""
    return BatchOut.of(await memory_of(request).write_batch(ns, body.to_write()))
