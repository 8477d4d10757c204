"""/v1/namespaces/{ns}/entities: vertices by uid (uids may contain '/', e.g. IRIs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse

from kgmem.model import Entity, EntityDetail, Page, version_tag
from kgmem.model.graph_input import EntityIn, EntityPatchIn, EntityReadIn
from kgmem.model.wire import json_bytes, jsonable
from kgmem.server.auth import Reader, Writer, memory_of
from kgmem.server.caching import CACHE_HEADER, cached_json
from kgmem.server.schemas import Problem

router = APIRouter(prefix="/v1/namespaces/{ns}/entities", tags=["entities"])


@router.get("", response_model=Page[Entity])
async def list_entities(
    ns: str,
    request: Request,
    _: Reader,
    label: str | None = None,
    cursor: str | None = None,
    limit: int = Query(default=100, ge=1, le=10_000),
) -> Page[Entity]:
    """Entities ordered by uid, one page at a time."""
    return await memory_of(request).list_entities(ns, label=label, cursor=cursor, limit=limit)


@router.put(
    "/{uid:path}",
    response_model=Entity,
    responses={201: {"model": Entity, "description": "Created"}},
)
async def upsert_entity(
    ns: str, uid: str, body: EntityIn, request: Request, _: Writer
) -> JSONResponse:
    """Create or replace the entity ``uid`` (200 replaced, 201 created)."""
    memory = memory_of(request)
    outcome = await memory.upsert_entity(ns, body.to_write(uid))
    stored = (await memory.get_entity(ns, uid, facts_limit=0)).entity
    code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
    return JSONResponse(
        jsonable(stored),
        status_code=code,
        headers={"ETag": stored.version},
    )


@router.patch(
    "/{uid:path}",
    response_model=Entity,
    responses={
        200: {"headers": {"ETag": {"description": "The entity's new version"}}},
        412: {"model": Problem, "description": "If-Match names a version no longer stored"},
    },
)
async def patch_entity(
    ns: str,
    uid: str,
    body: EntityPatchIn,
    request: Request,
    _: Writer,
    if_match: str | None = Header(
        default=None,
        description="Only if the entity is still at this version (its ETag), else 412",
    ),
) -> JSONResponse:
    """Change part of the entity ``uid`` (JSON merge patch, ``application/merge-patch+json``
    or JSON): given properties are set, null ones removed, the rest kept; ``label`` and
    ``location`` replace the stored ones when present (``location: null`` removes it).
    Concurrent patches never lose each other's changes; with ``If-Match`` the patch
    applies only to that version (412 ``version_mismatch`` otherwise). 404 if the
    entity does not exist."""
    memory = memory_of(request)
    await memory.patch_entity(ns, uid, body.to_patch(), if_match=if_match)
    stored = (await memory.get_entity(ns, uid, facts_limit=0)).entity
    return JSONResponse(jsonable(stored), headers={"ETag": stored.version})


@router.get(
    "/{uid:path}",
    response_model=EntityDetail,
    responses={
        200: {
            "headers": {
                CACHE_HEADER: {"description": "hit, miss or bypass"},
                "ETag": {"description": "The entity's version (If-Match of a PATCH)"},
            }
        }
    },
)
async def get_entity(
    ns: str, uid: str, request: Request, params: Annotated[EntityReadIn, Query()], _: Reader
) -> Response:
    """The entity with its outgoing and incoming facts (current ones unless include_closed).

    Cached per namespace until its next write (header X-Kgmem-Cache)."""

    async def compute() -> bytes:
        detail = await memory_of(request).get_entity(
            ns,
            uid,
            include_closed=params.include_closed,
            facts_limit=params.facts_limit,
            known_at=params.known_at,
        )
        return json_bytes(detail)

    key = ("entity", uid, params.include_closed, params.facts_limit, params.known_at)
    response = await cached_json(request, ns, key, compute)
    response.headers["ETag"] = _version(bytes(response.body))
    return response


def _version(body: bytes) -> str:
    """The ETag of the entity in an ``EntityDetail`` body (``Entity.version``)."""
    return version_tag(datetime.fromisoformat(orjson.loads(body)["entity"]["updated_at"]))


@router.delete("/{uid:path}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_entity(ns: str, uid: str, request: Request, _: Writer) -> Response:
    """Delete the entity, every fact touching it and its side rows."""
    await memory_of(request).delete_entity(ns, uid)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
