"""POST /v1/namespaces/{ns}/search: hybrid retrieval along any combination of axes."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kgmem.server.auth import Reader, memory_of
from kgmem.server.search_schemas import SearchIn, SearchOut

router = APIRouter(prefix="/v1/namespaces/{ns}", tags=["search"])


@router.post("/search", response_model=SearchOut)
async def search(ns: str, body: SearchIn, request: Request, _: Reader) -> Response:
    """Semantic, temporal, spatial and causal search plus graph expansion, fused by
    weighted reciprocal rank; each hit carries per-axis scores and reasons."""
    out = SearchOut.of(await memory_of(request).search(ns, body.to_query()))
    # Serialised once by pydantic-core, without FastAPI validating the model it just built.
    return Response(out.model_dump_json(by_alias=True), media_type="application/json")
