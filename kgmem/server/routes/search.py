"""POST /v1/namespaces/{ns}/search: hybrid retrieval along any combination of axes."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kgmem.server.auth import Reader, memory_of
from kgmem.server.caching import CACHE_HEADER, cached_json
from kgmem.server.search_schemas import SearchIn, SearchOut

router = APIRouter(prefix="/v1/namespaces/{ns}", tags=["search"])


@router.post(
    "/search",
    response_model=SearchOut,
    responses={200: {"headers": {CACHE_HEADER: {"description": "hit, miss or bypass"}}}},
)
async def search(ns: str, body: SearchIn, request: Request, _: Reader) -> Response:
    """Semantic, temporal, spatial and causal search plus graph expansion, fused by
    weighted reciprocal rank; each hit carries per-axis scores and reasons.

    Results are cached per namespace until its next write (header X-Kgmem-Cache;
    send Cache-Control: no-cache to bypass)."""

    async def compute() -> bytes:
        result = await memory_of(request).search(ns, body.to_query())
        # Serialised once by pydantic-core, without FastAPI validating the model it built.
        return SearchOut.of(result).model_dump_json(by_alias=True).encode()

    return await cached_json(request, ns, ("search", body.model_dump(mode="json")), compute)
