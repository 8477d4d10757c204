"""GET /v1/namespaces/{ns}/entities/{uid}/timeline (registered before the entities
router, whose ``{uid:path}`` would otherwise swallow the suffix)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from kgmem.model import Timeline
from kgmem.model.times import Instant
from kgmem.server.auth import Reader, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}/entities", tags=["entities"])


@router.get("/{uid:path}/timeline", response_model=Timeline)
async def timeline(
    ns: str,
    uid: str,
    request: Request,
    _: Reader,
    limit: int = Query(default=1000, ge=1, le=10_000),
    include_structural: bool = Query(
        default=False,
        description="Also list structural edges (episodes that MENTION the entity, ...)",
    ),
    known_at: Instant | None = Query(
        default=None,
        description="As the store believed it then: facts recorded by then, each with the "
        "validity believed then (time zone required)",
    ),
) -> Timeline:
    """Every fact touching the entity, closed ones included, by valid time, with when
    each was recorded and closed."""
    entries = await memory_of(request).timeline(
        ns, uid, limit=limit, include_structural=include_structural, known_at=known_at
    )
    return Timeline(uid, tuple(entries))
