"""Reading, closing and deleting facts (a deleted fact's closes are undone: ``replay``)."""

from __future__ import annotations

from datetime import UTC, datetime

from kgmem.errors import FactNotFound
from kgmem.graph import cursor, prepare
from kgmem.graph.graph_context import GraphContext
from kgmem.graph.replay import replay
from kgmem.model import Fact, FactQuery, Page
from kgmem.schema import validate_label, validate_uid
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import fact_reads, namespaces
from kgmem.storage.graph import facts as fact_store
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.graph.fact_reads import FactFilter


async def get(ctx: GraphContext, namespace: str, uid: str) -> Fact:
    """Fact ``uid`` with its properties and provenance."""
    validate_uid(uid, ctx.limits.max_uid_length)
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        found = await fact_reads.get(conn, ns, uid)
        if found is None:
            raise _not_found(namespace, uid)
        return found


async def page(ctx: GraphContext, namespace: str, query: FactQuery) -> Page[Fact]:
    """One page of facts in creation order, filtered by endpoint uids and predicate.

    An unknown subject or object uid gives an empty page, not an error.
    """
    after = cursor.decode("facts", query.cursor)
    if query.predicate is not None:
        validate_label(query.predicate, "predicate")
    for uid in (query.subject, query.object):
        if uid is not None:
            validate_uid(uid, ctx.limits.max_uid_length)
    limit = max(1, min(query.limit, ctx.limits.max_page_size))
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        where = await _filter(conn, ns, query)
        items = (
            []
            if where is None
            else await fact_reads.page(
                conn, ns, where, after=int(after) if after is not None else None, limit=limit + 1
            )
        )
    more = len(items) > limit
    items = items[:limit]
    return Page(
        items=tuple(items),
        next_cursor=cursor.encode("facts", items[-1].id) if more else None,
    )


async def _filter(conn: Connection, ns: NamespaceRef, query: FactQuery) -> FactFilter | None:
    uids = [u for u in (query.subject, query.object) if u is not None]
    refs = await vertex_store.resolve(conn, ns, uids)
    if any(u not in refs for u in uids):
        return None
    return FactFilter(
        subject_id=refs[query.subject].id if query.subject is not None else None,
        object_id=refs[query.object].id if query.object is not None else None,
        predicate=query.predicate,
        include_closed=query.include_closed,
    )


async def close(
    ctx: GraphContext, namespace: str, uid: str, *, valid_to: datetime | None = None
) -> Fact:
    """Close fact ``uid``: it stops holding at ``valid_to`` (default now) and is marked
    expired now. It stays readable for "as of" queries; nothing is deleted."""
    validate_uid(uid, ctx.limits.max_uid_length)
    prepare.aware("valid_to", valid_to)

    async def work(conn: Connection) -> Fact:
        ns = await namespaces.resolve(conn, namespace)
        return await fact_store.close(conn, ns, uid, valid_to=valid_to, now=datetime.now(UTC))

    return await ctx.db.in_transaction(work)


async def delete(ctx: GraphContext, namespace: str, uid: str) -> None:
    """Delete fact ``uid`` and its claims for good (closing is how facts are superseded)."""
    validate_uid(uid, ctx.limits.max_uid_length)
    async with ctx.db.transaction() as conn:
        ns = await namespaces.resolve(conn, namespace)
        found = await fact_reads.get(conn, ns, uid)
        if found is None or not await fact_store.delete(conn, ns, uid):
            raise _not_found(namespace, uid)
        # What the fact closed holds again unless the remaining facts still close it.
        subject = (await vertex_store.resolve(conn, ns, [found.subject]))[found.subject]
        now = await conn.fetchval("SELECT now()")
        await replay(conn, ns, ctx.schema, [(subject.id, found.predicate)], now)


def _not_found(namespace: str, uid: str) -> FactNotFound:
    return FactNotFound(f"fact {uid!r} does not exist in namespace {namespace!r}", uid=uid)
