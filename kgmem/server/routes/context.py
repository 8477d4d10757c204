"""POST /v1/namespaces/{ns}/context: a ready-to-use memory block for a prompt."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kgmem.context import build_context
from kgmem.model import MemoryContext
from kgmem.model.context_input import ContextIn
from kgmem.server.auth import Reader, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}", tags=["context"])


@router.post("/context", response_model=MemoryContext)
async def build_memory_context(
    ns: str, body: ContextIn, request: Request, _: Reader
) -> MemoryContext:
    """A memory block for a prompt: current facts with validity and trust, relevant
    episodes with their session context, contradictions flagged, within the budget."""
    return await build_context(memory_of(request), ns, body.to_query())
