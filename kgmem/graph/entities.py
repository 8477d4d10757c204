"""Reading, patching and deleting entities."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from kgmem.errors import EntityNotFound
from kgmem.graph import cursor
from kgmem.graph.context import GraphContext
from kgmem.graph.prepare import aware
from kgmem.graph.writes import write
from kgmem.model import (
    Entity,
    EntityDetail,
    EntityPatch,
    EntityWrite,
    JsonValue,
    Page,
    WriteOutcome,
)
from kgmem.schema import validate_label, validate_uid
from kgmem.storage import facts as fact_store
from kgmem.storage import namespaces, revisions
from kgmem.storage import vertices as vertex_store


async def get(
    ctx: GraphContext,
    namespace: str,
    uid: str,
    *,
    include_closed: bool = False,
    facts_limit: int = 100,
    known_at: datetime | None = None,
) -> EntityDetail:
    """Entity ``uid`` with up to ``facts_limit`` outgoing and incoming facts each;
    ``known_at``: the facts as the store believed them then (recorded by then, each
    with the validity believed then; current then unless ``include_closed``)."""
    validate_uid(uid, ctx.limits.max_uid_length)
    aware("known_at", known_at)
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        entity = await vertex_store.get(conn, ns, uid)
        if entity is None:
            raise _not_found(namespace, uid)
        out, into = await fact_store.touching(
            conn,
            ns,
            entity.id,
            include_closed=include_closed or known_at is not None,
            limit=min(facts_limit, ctx.limits.max_page_size),
        )
        if known_at is not None:
            out, into = [
                [
                    f
                    for f in await revisions.as_known_facts(conn, ns, side, known_at)
                    if include_closed or revisions.current_at(f, known_at)
                ]
                for side in (out, into)
            ]
    return EntityDetail(entity=entity, outgoing=tuple(out), incoming=tuple(into))


async def page(
    ctx: GraphContext,
    namespace: str,
    *,
    label: str | None = None,
    cursor_text: str | None = None,
    limit: int = 100,
) -> Page[Entity]:
    """One page of entities ordered by uid, optionally of one label."""
    after = cursor.decode("entities", cursor_text)
    if label is not None:
        validate_label(label)
    limit = max(1, min(limit, ctx.limits.max_page_size))
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        items = await vertex_store.page(
            conn,
            ns,
            label=label,
            after=str(after) if after is not None else None,
            limit=limit + 1,
        )
    more = len(items) > limit
    items = items[:limit]
    next_cursor = cursor.encode("entities", items[-1].uid) if more else None
    return Page(items=tuple(items), next_cursor=next_cursor)


async def delete(ctx: GraphContext, namespace: str, uid: str) -> None:
    """Delete entity ``uid`` with every fact that touches it; ``EntityNotFound`` if absent."""
    validate_uid(uid, ctx.limits.max_uid_length)
    async with ctx.db.transaction(writes_to=namespace) as conn:
        ns = await namespaces.resolve(conn, namespace)
        if await vertex_store.delete(conn, ns, uid) is None:
            raise _not_found(namespace, uid)


def _not_found(namespace: str, uid: str) -> EntityNotFound:
    return EntityNotFound(f"entity {uid!r} does not exist in namespace {namespace!r}", uid=uid)


async def patch(ctx: GraphContext, namespace: str, uid: str, change: EntityPatch) -> WriteOutcome:
    """Apply ``change`` to the stored entity ``uid`` (which must exist) and write it
    back; what the patch leaves alone (other properties, the location, the vector of an
    unchanged text) stays as it is."""
    validate_uid(uid, ctx.limits.max_uid_length)
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        entity = await vertex_store.get(conn, ns, uid)
    if entity is None:
        raise _not_found(namespace, uid)
    location = None if change.remove_location else (change.location or entity.location)
    merged = EntityWrite(
        uid=uid,
        label=change.label or entity.label,
        properties=merge_patch(entity.properties, change.properties or {}),
        location=location,
    )
    return (await write(ctx, namespace, entities=[merged])).entities[0]


def merge_patch(
    target: Mapping[str, JsonValue], change: Mapping[str, JsonValue]
) -> dict[str, JsonValue]:
    """``target`` with ``change`` merged in as RFC 7386 says: a None value removes its
    key, a map merges into a stored map, anything else replaces."""
    out = dict(target)
    for key, value in change.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping):
            stored = out.get(key)
            out[key] = merge_patch(stored if isinstance(stored, Mapping) else {}, value)
        else:
            out[key] = value
    return out
