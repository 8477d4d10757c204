"""GET /health: is the store usable, and with what."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

import kgmem
from kgmem.server.auth import memory_of
from kgmem.server.live_schemas import LiveOut
from kgmem.server.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def health(request: Request) -> JSONResponse:
    """Database reachability and versions, keyword-search backend, embedding model, the
    cache and event backends in use and Redis' state (a Redis outage is a warning: the
    service keeps working without it).

    Open to every client (no key needed); 503 when the database does not answer.
    """
    memory = memory_of(request)
    report = HealthOut.of(await memory.health(), kgmem.__version__)
    report.live = LiveOut.of(memory.live.health())
    status = 200 if report.status == "ok" else 503
    return JSONResponse(report.model_dump(mode="json"), status_code=status)


@router.get("/livez", response_class=Response, responses={200: {"description": "Alive"}})
async def livez() -> Response:
    """Liveness: the process answers HTTP. Touches nothing else (no database, no key
    needed), so it is a cheap probe and the floor of the serving stack's cost."""
    return Response(b"ok\n", media_type="text/plain")
