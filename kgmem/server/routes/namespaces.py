"""/v1/namespaces: tenants, each its own AGE graph."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from kgmem.errors import Forbidden
from kgmem.model import Namespace, NamespaceStats
from kgmem.model.graph_input import NamespaceIn
from kgmem.server.auth import Admin, Reader, memory_of

router = APIRouter(prefix="/v1/namespaces", tags=["namespaces"])


@router.get("", response_model=list[Namespace])
async def list_namespaces(request: Request, who: Reader) -> list[Namespace]:
    """The namespaces this caller may see."""
    only = sorted(who.namespaces) if who.namespaces is not None else None
    return await memory_of(request).list_namespaces(only)


@router.post(
    "",
    response_model=Namespace,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": Namespace, "description": "exist_ok: the namespace as it was"}},
)
async def create_namespace(
    body: NamespaceIn, request: Request, response: Response, who: Admin
) -> Namespace:
    """Create a namespace: its graph, side tables and the labels every namespace has
    (the graph schema's other labels are made on their first use). With
    ``exist_ok``, an existing namespace of the same text_config is answered (200)."""
    asked = body.model_dump()  # the record's fields are generated: not attributes mypy sees
    name, exist_ok = str(asked["name"]), body.exist_ok
    if not who.may_use(name):
        raise Forbidden(f"this API key may not use namespace {name!r}")
    memory = memory_of(request)
    before = {n.name for n in await memory.list_namespaces([name])} if exist_ok else ()
    found = await memory.create_namespace(
        name, body.description, text_config=str(asked["text_config"]), exist_ok=exist_ok
    )
    if name in before:
        response.status_code = status.HTTP_200_OK
    return found


@router.get("/{ns}", response_model=Namespace)
async def get_namespace(ns: str, request: Request, _: Reader) -> Namespace:
    """One namespace."""
    return await memory_of(request).get_namespace(ns)


@router.get("/{ns}/stats", response_model=NamespaceStats)
async def namespace_stats(ns: str, request: Request, _: Reader) -> NamespaceStats:
    """Exact counts per label, facts current and closed, embeddings and bytes on disk."""
    return await memory_of(request).namespace_stats(ns)


@router.delete("/{ns}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_namespace(ns: str, request: Request, _: Admin) -> Response:
    """Delete a namespace with all its entities, facts and side rows."""
    await memory_of(request).delete_namespace(ns)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
