"""GET /v1/namespaces/{ns}/causal/trace: ranked cause or effect paths from an anchor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from kgmem.model import CausalTrace
from kgmem.model.search_input import TraceIn
from kgmem.server.auth import Reader, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}/causal", tags=["causal"])


@router.get("/trace", response_model=CausalTrace)
async def trace(
    ns: str, request: Request, params: Annotated[TraceIn, Query()], _: Reader
) -> CausalTrace:
    """Effects (forward) or causes (backward) of ``anchor`` along causal edges; a path's
    strength is the product along it, and a cause starting after its effect is flagged."""
    query = params.to_query()
    paths = await memory_of(request).causal_trace(ns, query)
    return CausalTrace(query.anchor, query.direction, tuple(paths[: params.limit]))
