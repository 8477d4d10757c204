"""GET /health, /readyz and /livez: is the store usable, with what, and is it warm."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

import kgmem
from kgmem.model.health import HealthOut
from kgmem.server.auth import memory_of
from kgmem.server.live_schemas import live_out
from kgmem.server.schemas import ReadyOut

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
    report.live = live_out(memory.live.health())
    status = 200 if report.status == "ok" else 503
    return JSONResponse(report.model_dump(mode="json"), status_code=status)


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
async def readyz(request: Request) -> JSONResponse:
    """Readiness: 200 once the database answers and the embedding model is warm (loaded,
    exported to ONNX on a first start, run once), so the first write or text search is
    as fast as later ones; 503 before, and whenever the database does not answer.

    Open to every client (no key needed). The server warms the model in the background
    from its start: point a load balancer's or an orchestrator's readiness probe here.
    """
    ready = ReadyOut.of(await memory_of(request).health())
    return JSONResponse(ready.model_dump(mode="json"), status_code=200 if ready.ready else 503)


@router.get("/livez", response_class=Response, responses={200: {"description": "Alive"}})
async def livez() -> Response:
    """Liveness: the process answers HTTP. Touches nothing else (no database, no key
    needed), so it is a cheap probe and the floor of the serving stack's cost."""
    return Response(b"ok\n", media_type="text/plain")
