"""/v1/namespaces/{ns}/facts: bi-temporal fact edges."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from kgmem.model import Fact, Page
from kgmem.model.graph_input import CloseFactIn, FactIn, FactListParams
from kgmem.server.auth import Reader, Writer, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}/facts", tags=["facts"])


@router.post("", response_model=Fact, status_code=status.HTTP_201_CREATED)
async def add_fact(ns: str, body: FactIn, request: Request, _: Writer) -> Fact:
    """Add a fact (with a known uid: update it). Subject and object must exist; an
    unknown source becomes a Source entity."""
    return await memory_of(request).add_fact(ns, body.to_write())


@router.get("", response_model=Page[Fact])
async def list_facts(
    ns: str, request: Request, query: Annotated[FactListParams, Query()], _: Reader
) -> Page[Fact]:
    """Facts in creation order, filtered by subject, predicate and object uids."""
    return await memory_of(request).list_facts(ns, query.to_query())


@router.post("/{uid:path}/close", response_model=Fact)
async def close_fact(
    ns: str,
    uid: str,
    request: Request,
    _: Writer,
    body: CloseFactIn | None = None,
) -> Fact:
    """Close a fact: valid_to (default now) and expired_at are set; it is kept for
    "as of" reads. 409 if already closed."""
    valid_to = body.valid_to if body else None
    return await memory_of(request).close_fact(ns, uid, valid_to=valid_to)


@router.get("/{uid:path}", response_model=Fact)
async def get_fact(ns: str, uid: str, request: Request, _: Reader) -> Fact:
    """One fact with its sources and episodes."""
    return await memory_of(request).get_fact(ns, uid)


@router.delete("/{uid:path}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_fact(ns: str, uid: str, request: Request, _: Writer) -> Response:
    """Delete a fact for good (to supersede one, close it instead)."""
    await memory_of(request).delete_fact(ns, uid)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
