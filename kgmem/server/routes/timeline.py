"""GET /v1/namespaces/{ns}/entities/{uid}/timeline (registered before the entities
router, whose ``{uid:path}`` would otherwise swallow the suffix)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from kgmem.model import Timeline
from kgmem.model.graph_input import TimelineIn
from kgmem.server.auth import Reader, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}/entities", tags=["entities"])


@router.get("/{uid:path}/timeline", response_model=Timeline)
async def timeline(
    ns: str,
    uid: str,
    request: Request,
    _: Reader,
    query: Annotated[TimelineIn, Query()],
) -> Timeline:
    """Every fact touching the entity, closed ones included, by valid time, with when
    each was recorded and closed."""
    entries = await memory_of(request).timeline(ns, uid, **query.model_dump())
    return Timeline(uid, tuple(entries))
