"""Reading, patching and deleting entities."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from kgmem.errors import EntityNotFound, VersionMismatch, WriteConflict
from kgmem.graph import cursor
from kgmem.graph.graph_context import GraphContext
from kgmem.graph.prepare import aware
from kgmem.graph.writes import Hooks, write
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
from kgmem.schema.entity_values import with_declared
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import fact_reads, namespaces, revisions
from kgmem.storage.graph import vertices as vertex_store


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
        entity = await read(conn, ns, uid)
        out, into = await fact_reads.touching(
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
    async with ctx.db.transaction() as conn:
        ns = await namespaces.resolve(conn, namespace)
        if await vertex_store.delete(conn, ns, uid) is None:
            raise _not_found(namespace, uid)


async def read(conn: Connection, ns: NamespaceRef, uid: str) -> Entity:
    """The stored entity ``uid`` of ``ns``; ``EntityNotFound`` when there is none."""
    entity = await vertex_store.get(conn, ns, uid)
    if entity is None:
        raise _not_found(ns.name, uid)
    return entity


def _not_found(namespace: str, uid: str) -> EntityNotFound:
    return EntityNotFound(f"entity {uid!r} does not exist in namespace {namespace!r}", uid=uid)


# How many times a patch is applied again when the entity changed between reading it and
# writing it back; each round at least one of the writers racing on it succeeds.
_PATCH_ROUNDS = 64


async def patch(
    ctx: GraphContext,
    namespace: str,
    uid: str,
    change: EntityPatch,
    *,
    if_match: str | None = None,
) -> WriteOutcome:
    """Apply ``change`` to the stored entity ``uid`` (which must exist) and write it
    back; what the patch leaves alone (other properties, the location, the vector of an
    unchanged text) stays as it is.

    The write goes through only if the entity is still the version the change was
    applied to (checked under its row lock); otherwise the patch is applied again to
    the new version, so concurrent patches never lose one another's changes. With
    ``if_match`` (an ``Entity.version``, or ``*``), a stored version other than that one
    raises ``VersionMismatch`` instead."""
    validate_uid(uid, ctx.limits.max_uid_length)
    for _ in range(_PATCH_ROUNDS):
        entity = await _stored(ctx, namespace, uid)
        if if_match not in (None, "*", entity.version):
            raise _mismatch(uid, if_match, entity.version)

        async def unchanged(conn: Connection, ns: NamespaceRef, seen: Entity = entity) -> None:
            stored = await vertex_store.locked_version(conn, ns, uid)
            if stored is None:
                raise _not_found(namespace, uid)
            if stored != seen.updated_at:
                raise _mismatch(uid, seen.version, "a newer one")

        try:
            written = await write(
                ctx, namespace, entities=[_patched(entity, change)], hooks=Hooks(first=unchanged)
            )
        except VersionMismatch:
            if if_match not in (None, "*"):
                raise
            continue
        return written.entities[0]
    raise WriteConflict(
        f"entity {uid!r} kept changing while the patch was applied ({_PATCH_ROUNDS} times); "
        "nothing was written, send it again",
        uid=uid,
    )


async def _stored(ctx: GraphContext, namespace: str, uid: str) -> Entity:
    async with ctx.db.transaction(readonly=True) as conn:
        return await read(conn, await namespaces.resolve(conn, namespace), uid)


def _patched(entity: Entity, change: EntityPatch) -> EntityWrite:
    location = None if change.remove_location else (change.location or entity.location)
    return EntityWrite(
        uid=entity.uid,
        label=change.label or entity.label,
        properties=merge_patch(
            entity.properties, with_declared(change.properties or {}, change.declared, patch=True)
        ),
        location=location,
    )


def _mismatch(uid: str, given: str, stored: str) -> VersionMismatch:
    return VersionMismatch(
        f"entity {uid!r} is no longer at version {given} (stored: {stored}); "
        "read it again and apply the change to what is stored",
        uid=uid,
    )


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
