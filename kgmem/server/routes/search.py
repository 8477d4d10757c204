"""POST /v1/namespaces/{ns}/search: hybrid retrieval along any combination of axes.

Well-formed requests are answered by ``kgmem.server.fast_search`` before FastAPI's
routing, with ``answer`` below; this route documents the operation and answers the rest
(other content types, bodies that do not validate) with FastAPI's own errors.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kgmem.graph.read_routing import reads_only
from kgmem.model import SearchResult
from kgmem.model.search_input import SearchIn
from kgmem.model.wire import json_bytes
from kgmem.server.auth import Reader, memory_of
from kgmem.server.caching import CACHE_HEADER, cached_json

router = APIRouter(prefix="/v1/namespaces/{ns}", tags=["search"])


@router.post(
    "/search",
    response_model=SearchResult,
    responses={200: {"headers": {CACHE_HEADER: {"description": "hit, miss or bypass"}}}},
)
async def search(ns: str, body: SearchIn, request: Request, _: Reader) -> Response:
    """Semantic, temporal, spatial and causal search plus graph expansion, fused by
    weighted reciprocal rank; each hit carries per-axis scores and reasons.

    Results are cached per namespace until its next write (header X-Kgmem-Cache;
    send Cache-Control: no-cache to bypass)."""
    return await answer(request, ns, body)


async def answer(request: Request, ns: str, body: SearchIn) -> Response:
    """The search's JSON response, from the cache or computed (the caller is admitted).
    A search writes nothing: its answer carries no write position."""
    reads_only()

    async def compute() -> bytes:
        result = await memory_of(request).search(ns, body.to_query())
        return json_bytes(result)

    # The canonical JSON of the validated body: one pass in pydantic-core (a dict of the
    # body re-encoded by the cache cost more, mostly for a caller's 384 floats).
    return await cached_json(request, ns, ("search", body.model_dump_json()), compute)
