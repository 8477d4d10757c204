"""Merging entities and undoing it.

A merge re-points every fact of the merged entity to the kept one, adds the merged
names to the kept entity's aliases, deletes the merged vertex and logs the merge with
its evidence and a snapshot (label, properties, which facts were re-pointed). A merge
applies the supersession rule to the kept entity (two values of a functional predicate
cannot both stay current). Unmerge recreates the merged vertex from the snapshot,
re-points those facts back, reopens the facts the merge closed (unless changed since),
applies the supersession rule again to both entities and removes the aliases the merge
added. Resolution during ingestion logs the same kind of entry
when a mention resolves to an existing entity by similarity rather than by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from kgmem.embedding import entity_text
from kgmem.errors import EntityNotFound, InvalidInput, MergeAlreadyUndone, MergeNotFound
from kgmem.graph import GraphContext, statements
from kgmem.graph.writes import write
from kgmem.ingest.normalise import key
from kgmem.ingest.types import MergeRecord
from kgmem.model import Entity, EntityWrite
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import bookkeeping as ingest_store
from kgmem.storage.graph import facts as fact_store
from kgmem.storage.graph import namespaces
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.graph.bookkeeping import MergeRow
from kgmem.storage.graph.vertices import VertexRow


def record(row: MergeRow) -> MergeRecord:
    """The public form of a merge-log row: its fields of the same names, so all of it
    but the snapshot."""
    return MergeRecord(**{f.name: getattr(row, f.name) for f in fields(MergeRecord)})


async def add_aliases(
    ctx: GraphContext, namespace: str, uid: str, names: Sequence[str]
) -> list[str]:
    """Add ``names`` to an entity's aliases (skipping its name and known aliases);
    returns those added. The entity is row-locked while its aliases are read and
    rewritten, so concurrent alias updates never lose one another's names."""
    async with ctx.db.transaction() as conn:
        ns = await namespaces.resolve(conn, namespace)
        return await add_aliases_in(ctx, conn, ns, uid, names)


async def add_aliases_in(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, uid: str, names: Sequence[str]
) -> list[str]:
    """``add_aliases`` inside the caller's transaction."""
    entity = await _locked(conn, ns, uid)
    props = dict(entity.properties)
    known = {key(str(props.get("name") or "")), *(key(a) for a in props.get("aliases") or [])}
    added = [n for n in dict.fromkeys(names) if n and key(n) not in known]
    if added:
        props["aliases"] = [*(props.get("aliases") or []), *added]
        await _store_properties(ctx, conn, ns, entity, props)
    return added


async def remove_aliases(ctx: GraphContext, namespace: str, uid: str, names: Sequence[str]) -> None:
    """Remove ``names`` from an entity's aliases (row-locked like ``add_aliases``)."""
    async with ctx.db.transaction() as conn:
        ns = await namespaces.resolve(conn, namespace)
        entity = await _locked(conn, ns, uid)
        props = dict(entity.properties)
        drop = {key(n) for n in names}
        props["aliases"] = [a for a in props.get("aliases") or [] if key(a) not in drop]
        await _store_properties(ctx, conn, ns, entity, props)


async def _locked(conn: Connection, ns: NamespaceRef, uid: str) -> Entity:
    """The entity, row-locked until the transaction ends."""
    found = None
    if await vertex_store.lock_existing(conn, ns, [uid]):
        found = await vertex_store.get(conn, ns, uid)
    if found is None:
        raise EntityNotFound(f"entity {uid!r} does not exist in namespace {ns.name!r}", uids=[uid])
    return found


async def _store_properties(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, entity: Entity, props: dict[str, Any]
) -> None:
    """Replace a locked entity's properties; aliases are not embedded, so its vector
    stays."""
    labels = await ctx.db.labels.ensure(conn, ns, {entity.label}, "vertex", ctx.schema)
    row = VertexRow(
        uid=entity.uid,
        label=entity.label,
        properties=props,
        text=entity_text(props),
        embedding=None,
        keep_embedding=True,
        location=entity.location,
    )
    await vertex_store.upsert(conn, ns, labels, [row])


async def merge(
    ctx: GraphContext, namespace: str, keep: str, other: str, evidence: Mapping[str, Any]
) -> MergeRecord:
    """Fold entity ``other`` into ``keep`` (see the module docstring)."""
    if keep == other:
        raise InvalidInput("an entity cannot be merged into itself")
    merged = await _entity(ctx, namespace, other)
    await _entity(ctx, namespace, keep)
    names = [
        n
        for n in (merged.properties.get("name"), *(merged.properties.get("aliases") or []))
        if isinstance(n, str)
    ]
    added = await add_aliases(ctx, namespace, keep, names)
    async with ctx.db.transaction() as conn:
        ns = await namespaces.resolve(conn, namespace)
        refs = await vertex_store.lock_existing(conn, ns, [keep, other])
        if len(refs) < 2:
            raise EntityNotFound(f"{keep!r} or {other!r} no longer exists", uids=[keep, other])
        touching = await ingest_store.facts_touching(conn, ns, refs[other].id)
        await ingest_store.repoint(
            conn, ns, [t[0] for t in touching], refs[other].id, refs[keep].id
        )
        closed_at = await conn.fetchval("SELECT now()")
        closed = await _supersede(ctx, conn, ns, [refs[keep].id], closed_at)
        await vertex_store.delete(conn, ns, other)
        snapshot = {
            "kind": "entities",
            "label": merged.label,
            "properties": dict(merged.properties),
            "subject_of": [t[0] for t in touching if t[2]],
            "object_of": [t[0] for t in touching if t[3]],
            "aliases_added": added,
            "closed": closed,
            "closed_at": closed_at.isoformat(),
        }
        merge_id = await ingest_store.record_merge(
            conn, ns, kept=keep, merged=other, evidence=dict(evidence), snapshot=snapshot
        )
        return record(await _row(conn, ns, merge_id))


async def unmerge(ctx: GraphContext, namespace: str, merge_id: int) -> MergeRecord:
    """Undo merge ``merge_id``: the merged entity is back with its facts."""
    async with ctx.db.acquire() as conn:
        ns = await namespaces.resolve(conn, namespace)
        row = await _row(conn, ns, merge_id)
    if row.undone_at is not None:
        raise MergeAlreadyUndone(f"merge {merge_id} was undone at {row.undone_at.isoformat()}")
    snap = row.snapshot
    await write(
        ctx,
        namespace,
        entities=[EntityWrite(uid=row.merged, label=snap["label"], properties=snap["properties"])],
    )
    async with ctx.db.transaction() as conn:
        ns = await namespaces.resolve(conn, namespace)
        locked = await ingest_store.lock_merge(conn, ns, merge_id)
        if locked is None or locked.undone_at is not None:
            raise MergeAlreadyUndone(f"merge {merge_id} was undone concurrently")
        refs = await vertex_store.lock_existing(conn, ns, [row.kept, row.merged])
        if row.kept in refs:
            kept, back = refs[row.kept].id, refs[row.merged].id
            await ingest_store.repoint(conn, ns, snap.get("subject_of", []), kept, back)
            await _repoint_objects(conn, ns, snap.get("object_of", []), kept, back)
            if snap.get("closed"):
                when = datetime.fromisoformat(snap["closed_at"])
                await fact_store.reopen(conn, ns, snap["closed"], closed_at=when)
            await _supersede(ctx, conn, ns, [kept, back], await conn.fetchval("SELECT now()"))
        await ingest_store.mark_undone(conn, merge_id)
        done = await _row(conn, ns, merge_id)
    if snap.get("aliases_added"):
        await remove_aliases(ctx, namespace, row.kept, snap["aliases_added"])
    return record(done)


async def _supersede(
    ctx: GraphContext,
    conn: Connection,
    ns: NamespaceRef,
    subjects: Sequence[int],
    now: datetime,
) -> list[str]:
    """Apply the supersession rule (``kgmem.graph.statements``) to the functional
    predicates of ``subjects`` after facts moved between entities: a merge can bring
    two values of one functional predicate to the kept entity. Returns the uids closed
    (at known time ``now``)."""
    functional = [p for p, spec in ctx.schema.edges.items() if spec.functional]
    items = {(s, p) for s in subjects for p in functional}
    return await statements.supersede_items(conn, ns, ctx.schema, items, now)


async def _repoint_objects(
    conn: Any, ns: NamespaceRef, uids: Sequence[str], old: int, new: int
) -> None:
    # repoint() moves whichever end equals ``old``; a self-loop would move both ends,
    # which is what the merge did too.
    await ingest_store.repoint(conn, ns, uids, old, new)


async def history(
    ctx: GraphContext, namespace: str, entity: str | None, limit: int
) -> list[MergeRecord]:
    """Merge-log entries, newest first."""
    async with ctx.db.acquire() as conn:
        ns = await namespaces.resolve(conn, namespace)
        return [record(r) for r in await ingest_store.merges(conn, ns, entity=entity, limit=limit)]


async def _row(conn: Any, ns: NamespaceRef, merge_id: int) -> MergeRow:
    row = await ingest_store.lock_merge(conn, ns, merge_id)
    if row is None:
        raise MergeNotFound(f"no merge {merge_id} in namespace {ns.name!r}", id=merge_id)
    return row


async def _entity(ctx: GraphContext, namespace: str, uid: str) -> Entity:
    async with ctx.db.acquire() as conn:
        ns = await namespaces.resolve(conn, namespace)
        found = await vertex_store.get(conn, ns, uid)
    if found is None:
        raise EntityNotFound(
            f"entity {uid!r} does not exist in namespace {namespace!r}", uids=[uid]
        )
    return found
