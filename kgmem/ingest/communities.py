"""Communities of the entity graph: Louvain (networkx) over facts between entities
and co-mentions in episodes, stored as ``Community`` vertices with ``MEMBER_OF``
edges and an extractive summary (the most central members and their facts).

Recomputing replaces a namespace's communities. ``refresh`` skips a namespace whose
facts have not changed since its communities were computed, so refreshing every
namespace on a schedule only pays for the ones that changed.

Nothing heavy runs on the caller's event loop: the database sums what links each pair
of entities and picks each community's summary facts in set-based statements, and the
clustering runs in a child process under a deadline (``kgmem.community_detection``).
A refresh holds one connection of the pool's shared part (``Database.sharing``)
throughout, with the namespace's refresh lock on it (one refresh per namespace in every
process), so refreshes cannot take the connections kept for health checks and writes.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kgmem import community_detection
from kgmem.errors import TooManyJobs
from kgmem.graph import GraphContext
from kgmem.graph.writes import write
from kgmem.keys.work_shares import RETRY_AFTER_S
from kgmem.model import EntityWrite, FactWrite
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import bookkeeping as ingest_store
from kgmem.storage.graph import communities as community_store
from kgmem.storage.graph import namespaces
from kgmem.storage.graph import vertices as vertex_store

_log = logging.getLogger("kgmem.ingest")

CO_MENTION_WEIGHT = 0.5
SUMMARY_MEMBERS = 3
SUMMARY_FACTS = 3
WRITE_STEP = 2000
DETECTION_TIMEOUT_S = 300.0
"""The default deadline of one detection (``KGMEM_HEAVY_REFRESH_TIMEOUT_S``)."""


@dataclass(frozen=True, slots=True)
class Community:
    """One community: its uid, members (most central first) and summary."""

    uid: str
    members: tuple[str, ...]
    summary: str


@dataclass(frozen=True, slots=True)
class CommunityReport:
    """Whether communities were recomputed, and the communities in force."""

    recomputed: bool
    communities: tuple[Community, ...]


async def refresh(
    ctx: GraphContext,
    namespace: str,
    *,
    force: bool = False,
    timeout_s: float = DETECTION_TIMEOUT_S,
) -> CommunityReport:
    """Recompute the namespace's communities if its facts changed (or ``force``).
    ``TooManyJobs`` when a refresh of the namespace runs already (in any process);
    ``CommunitiesTimedOut`` when the clustering computes past ``timeout_s``, the stored
    communities then left as they were."""
    async with ctx.db.sharing(), ctx.db.acquire() as conn:
        if not await community_store.try_lock_refresh(conn, namespace):
            raise TooManyJobs(
                f"the communities of namespace {namespace!r} are being refreshed already; "
                "try again when that refresh has finished",
                retry_after_s=RETRY_AFTER_S["refreshes"],
                job="refreshes",
            )
        try:
            return await _refreshed(ctx, conn, namespace, force=force, timeout_s=timeout_s)
        finally:
            await community_store.unlock_refresh(conn, namespace)


async def _refreshed(
    ctx: GraphContext, conn: Connection, namespace: str, *, force: bool, timeout_s: float
) -> CommunityReport:
    """``refresh``'s work, reading on ``conn`` (which holds the namespace's lock)."""
    ns = await namespaces.resolve(conn, namespace)
    stamp = await ingest_store.fact_stamp(conn, ns)
    if not force and stamp == await ingest_store.community_stamp(conn, ns):
        return CommunityReport(False, tuple(await _stored(conn, ns)))
    pairs = await community_store.weighted_pairs(conn, ns, co_mention_weight=CO_MENTION_WEIGHT)
    groups = await community_detection.detect(pairs, timeout_s=timeout_s)
    found = await _summarised(conn, ns, groups)
    await _replace(ctx, namespace, found)
    async with ctx.db.transaction() as tx:
        await ingest_store.set_community_stamp(tx, await namespaces.resolve(tx, namespace), stamp)
    return CommunityReport(True, tuple(found))


async def refresh_changed(
    ctx: GraphContext, names: list[str], *, timeout_s: float = DETECTION_TIMEOUT_S
) -> list[str]:
    """Refresh the communities of each namespace in ``names`` whose facts changed;
    returns those recomputed (the incremental pass to run on a schedule). A namespace
    another refresh holds is left to that refresh."""
    recomputed = []
    for name in names:
        try:
            report = await refresh(ctx, name, timeout_s=timeout_s)
        except TooManyJobs:
            _log.info("communities of %s are being refreshed elsewhere; left to that", name)
            continue
        if report.recomputed:
            recomputed.append(name)
    return recomputed


async def _summarised(
    conn: Connection, ns: NamespaceRef, groups: Sequence[Sequence[str]]
) -> list[Community]:
    """The communities of ``groups`` (members most central first), numbered in order,
    each with its summary: its most central members' names and the facts among its
    most central members."""
    facts = await community_store.summary_facts(conn, ns, groups, SUMMARY_FACTS)
    names = await community_store.names(conn, ns, [u for g in groups for u in g[:SUMMARY_MEMBERS]])
    return [
        Community(f"community:{i}", tuple(g), _summary(g, names, facts.get(i, [])))
        for i, g in enumerate(groups)
    ]


def _summary(ranked: Sequence[str], names: Mapping[str, str], facts: Sequence[str]) -> str:
    top = [names.get(u, u) for u in ranked[:SUMMARY_MEMBERS]]
    head = f"{len(ranked)} entities around {', '.join(top)}."
    return head + (" " + "; ".join(facts) + "." if facts else "")


async def _replace(ctx: GraphContext, namespace: str, found: list[Community]) -> None:
    """Delete the stored communities, then write ``found`` a few thousand items at a
    time (a large namespace has more members than one write takes)."""
    async with ctx.db.transaction() as conn:
        ns = await namespaces.resolve(conn, namespace)
        await vertex_store.delete_many(conn, ns, await community_store.uids(conn, ns))
    # Small writes: each prepares its items on the event loop, between requests.
    step = min(ctx.limits.max_batch_items, WRITE_STEP)
    entities = [
        EntityWrite(
            uid=c.uid,
            label=community_store.LABEL,
            properties={"name": c.uid, "summary": c.summary, "size": len(c.members)},
        )
        for c in found
    ]
    for i in range(0, len(entities), step):
        await write(ctx, namespace, entities=entities[i : i + step])
    plain = dataclasses.replace(ctx, embedder=None)
    facts = [
        FactWrite(
            subject=m, predicate=community_store.MEMBERSHIP, object=c.uid, uid=f"member:{c.uid}:{m}"
        )
        for c in found
        for m in c.members
    ]
    for i in range(0, len(facts), step):
        await write(plain, namespace, facts=facts[i : i + step])


async def _stored(conn: Connection, ns: NamespaceRef) -> list[Community]:
    return [Community(c.uid, c.members, c.summary) for c in await community_store.stored(conn, ns)]
