"""Forgetting an episode or a source: what only it supported goes, what others support
stays.

In one transaction: facts whose only claim is the episode's are deleted; facts that
other episodes or sources also claim lose just this episode's claim (and the validity
only it stated: ``kgmem.storage.graph.claim_statements``); the facts the
deleted ones had closed are reopened unless the remaining facts still close them
(``kgmem.graph.replay``); the episode
vertex goes with its MENTIONS, PART_OF and PRECEDES edges. Entities that extraction
created and that nothing touches any more are deleted, and so is a session left
without episodes. The session's chain is mended (previous PRECEDES next).
"""

from __future__ import annotations

import dataclasses

from kgmem.errors import EpisodeNotFound, SourceNotFound
from kgmem.graph import GraphContext
from kgmem.graph.replay import replay
from kgmem.graph.writes import write
from kgmem.model import FactWrite
from kgmem.model.episodes import Forgotten
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import bookkeeping as ingest_store
from kgmem.storage.graph import claim_statements, fact_reads, namespaces
from kgmem.storage.graph import facts as fact_store
from kgmem.storage.graph import vertices as vertex_store


async def forget(ctx: GraphContext, namespace: str, uid: str) -> Forgotten:
    """Delete episode ``uid`` and whatever only it supported."""
    async with ctx.db.transaction() as conn:
        ns = await namespaces.resolve(conn, namespace)
        ref = (await vertex_store.lock_existing(conn, ns, [uid])).get(uid)
        if ref is None or ref.label != "Episode":
            raise EpisodeNotFound(
                f"episode {uid!r} does not exist in namespace {namespace!r}", uid=uid
            )
        claims = await ingest_store.episode_claims(conn, ns, ref.id)
        touched = set(await ingest_store.neighbours(conn, ns, "MENTIONS", ref.id, "out"))
        touched.update(await ingest_store.neighbours(conn, ns, "PART_OF", ref.id, "out"))
        previous = await ingest_store.neighbours(conn, ns, "PRECEDES", ref.id, "in")
        following = await ingest_store.neighbours(conn, ns, "PRECEDES", ref.id, "out")
        deleted, kept, items, scored = await _drop_facts(conn, ns, claims, touched)
        if await claim_statements.restate(conn, ns, "episode_id", ref.id):
            items |= scored  # a kept fact starts elsewhere: its item's closes may move
        await ingest_store.drop_episode_claims(conn, ns, ref.id)
        # The facts the deleted ones closed hold again unless others still close them.
        await replay(conn, ns, ctx.schema, items, await conn.fetchval("SELECT now()"))
        await vertex_store.delete(conn, ns, uid)
        gone = await _orphans(conn, ns, touched)
        chain = await ingest_store.uids_of(conn, ns, [*previous, *following])
    if previous and following and previous[0] in chain and following[0] in chain:
        mend = FactWrite(
            subject=chain[previous[0]],
            predicate="PRECEDES",
            object=chain[following[0]],
            uid=f"precedes:{chain[following[0]]}",
        )
        await write(dataclasses.replace(ctx, embedder=None), namespace, facts=[mend])
    return Forgotten(tuple(deleted), tuple(kept), tuple(gone), tuple(sorted(scored)))


async def forget_source(ctx: GraphContext, namespace: str, uid: str) -> Forgotten:
    """Delete source ``uid`` with every claim it made: facts only it claimed go (what
    they closed holds again unless something else still closes it), facts others claim
    too lose its claims; its learnt reliability goes with it. The episodes it spoke in
    stay (they are memories of what was said). The data items of its claims are
    returned to be re-scored (``Forgotten.items``)."""
    async with ctx.db.transaction() as conn:
        ns = await namespaces.resolve(conn, namespace)
        ref = (await vertex_store.lock_existing(conn, ns, [uid])).get(uid)
        if ref is None or ref.label != "Source":
            raise SourceNotFound(f"source {uid!r} does not exist in namespace {namespace!r}")
        claims = await ingest_store.source_claims(conn, ns, ref.id)
        touched: set[int] = set()
        deleted, kept, items, scored = await _drop_facts(conn, ns, claims, touched)
        if await claim_statements.restate(conn, ns, "source_id", ref.id):
            items |= scored
        await ingest_store.drop_source(conn, ns, ref.id)
        await replay(conn, ns, ctx.schema, items, await conn.fetchval("SELECT now()"))
        await vertex_store.delete(conn, ns, uid)
        gone = await _orphans(conn, ns, touched)
    return Forgotten(tuple(deleted), tuple(kept), tuple(gone), tuple(sorted(scored)))


async def _drop_facts(
    conn: Connection, ns: NamespaceRef, claims: list[tuple[str, int]], touched: set[int]
) -> tuple[list[str], list[str], set[tuple[int, str]], set[tuple[int, str]]]:
    """Delete the facts of ``claims`` that nothing else claims; (deleted, kept, the data
    items of the deleted ones, of both). The deleted facts' ends are added to
    ``touched``."""
    deleted, kept, items, scored = [], [], set(), set()
    for fact_uid, others in claims:
        fact = await fact_reads.get(conn, ns, fact_uid)
        if fact is not None:
            ends = await vertex_store.resolve(conn, ns, [fact.subject, fact.object])
            item = (ends[fact.subject].id, fact.predicate)
            scored.add(item)
            if not others:
                touched.update(r.id for r in ends.values())
                items.add(item)
        if others:
            kept.append(fact_uid)
            continue
        await fact_store.delete(conn, ns, fact_uid)
        deleted.append(fact_uid)
    return deleted, kept, items, scored


async def _orphans(conn: Connection, ns: NamespaceRef, ids: set[int]) -> list[str]:
    """Delete the extracted entities and sessions among ``ids`` that nothing touches."""
    found = await vertex_store.by_ids(conn, ns, sorted(ids))
    gone = []
    for vertex in found.values():
        removable = vertex.label == "Session" or vertex.properties.get("extracted") is True
        if removable and await ingest_store.degree(conn, ns, vertex.id) == 0:
            await vertex_store.delete(conn, ns, vertex.uid)
            gone.append(vertex.uid)
    return sorted(gone)


__all__ = ["Forgotten", "forget", "forget_source"]
