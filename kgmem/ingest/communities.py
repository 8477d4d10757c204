"""Communities of the entity graph: Louvain (networkx) over facts between entities
and co-mentions in episodes, stored as ``Community`` vertices with ``MEMBER_OF``
edges and an extractive summary (the most central members and their facts).

Recomputing replaces a namespace's communities. ``refresh`` skips a namespace whose
facts have not changed since its communities were computed, so refreshing every
namespace on a schedule only pays for the ones that changed.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

import networkx as nx

from kgmem.graph import GraphContext
from kgmem.graph.writes import write
from kgmem.model import EntityWrite, FactWrite
from kgmem.storage.graph import ingest as ingest_store
from kgmem.storage.graph import namespaces
from kgmem.storage.graph import vertices as vertex_store

CO_MENTION_WEIGHT = 0.5
SUMMARY_MEMBERS = 3
SUMMARY_FACTS = 3


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


async def refresh(ctx: GraphContext, namespace: str, *, force: bool = False) -> CommunityReport:
    """Recompute the namespace's communities if its facts changed (or ``force``)."""
    async with ctx.db.acquire() as conn:
        ns = await namespaces.resolve(conn, namespace)
        stamp = await ingest_store.fact_stamp(conn, ns)
        if not force and stamp == await ingest_store.community_stamp(conn, ns):
            return CommunityReport(False, tuple(await _stored(ctx, namespace)))
        edges = await ingest_store.graph_edges(conn, ns)
        mentions = await ingest_store.co_mentions(conn, ns)
        names = {v.uid: v.name or v.uid for v in await ingest_store.named_entities(conn, ns)}
    found = detect(edges, mentions, names)
    await _replace(ctx, namespace, found)
    async with ctx.db.transaction() as conn:
        await ingest_store.set_community_stamp(
            conn, await namespaces.resolve(conn, namespace), stamp
        )
    return CommunityReport(True, tuple(found))


async def refresh_changed(ctx: GraphContext, names: list[str]) -> list[str]:
    """Refresh the communities of each namespace in ``names`` whose facts changed;
    returns those recomputed (the incremental pass to run on a schedule)."""
    recomputed = []
    for name in names:
        if (await refresh(ctx, name)).recomputed:
            recomputed.append(name)
    return recomputed


def detect(
    edges: list[tuple[str, str, str, str | None]],
    mentions: list[tuple[str, str]],
    names: Mapping[str, str],
) -> list[Community]:
    """Louvain communities of two or more entities, largest first."""
    graph = nx.Graph()
    texts: dict[frozenset[str], str] = {}
    for s, o, predicate, text in edges:
        if s != o:
            _bump(graph, s, o, 1.0)
            texts.setdefault(frozenset((s, o)), text or f"{s} {predicate} {o}")
    by_episode: dict[str, list[str]] = defaultdict(list)
    for episode, entity in mentions:
        by_episode[episode].append(entity)
    for members in by_episode.values():
        for a, b in combinations(sorted(set(members)), 2):
            _bump(graph, a, b, CO_MENTION_WEIGHT)
    if graph.number_of_edges() == 0:
        return []
    groups = nx.community.louvain_communities(graph, weight="weight", seed=7)
    centrality = nx.degree_centrality(graph)
    found: list[Community] = []
    for group in sorted(groups, key=lambda g: (-len(g), sorted(g))):
        if len(group) < 2:
            continue
        ranked = sorted(group, key=lambda u: (-centrality[u], u))
        found.append(
            Community(f"community:{len(found)}", tuple(ranked), _summary(ranked, texts, names))
        )
    return found


def _bump(graph: nx.Graph, a: str, b: str, weight: float) -> None:
    if graph.has_edge(a, b):
        graph[a][b]["weight"] += weight
    else:
        graph.add_edge(a, b, weight=weight)


def _summary(
    ranked: list[str], texts: Mapping[frozenset[str], str], names: Mapping[str, str]
) -> str:
    top = [names.get(u, u) for u in ranked[:SUMMARY_MEMBERS]]
    rank = {u: i for i, u in enumerate(ranked)}
    inside = sorted(
        (pair for pair in texts if pair <= rank.keys()),
        key=lambda pair: sum(rank[u] for u in pair),
    )
    facts = [texts[p] for p in inside[:SUMMARY_FACTS]]
    head = f"{len(ranked)} entities around {', '.join(top)}."
    return head + (" " + "; ".join(facts) + "." if facts else "")


async def _replace(ctx: GraphContext, namespace: str, found: list[Community]) -> None:
    async with ctx.db.transaction() as conn:
        ns = await namespaces.resolve(conn, namespace)
        for uid in await ingest_store.uids_by_label(conn, ns, "Community"):
            await vertex_store.delete(conn, ns, uid)
    if not found:
        return
    plain = dataclasses.replace(ctx, embedder=None)
    await write(
        ctx,
        namespace,
        entities=[
            EntityWrite(
                uid=c.uid,
                label="Community",
                properties={"name": c.uid, "summary": c.summary, "size": len(c.members)},
            )
            for c in found
        ],
    )
    await write(
        plain,
        namespace,
        facts=[
            FactWrite(subject=m, predicate="MEMBER_OF", object=c.uid, uid=f"member:{c.uid}:{m}")
            for c in found
            for m in c.members
        ],
    )


async def _stored(ctx: GraphContext, namespace: str) -> list[Community]:
    async with ctx.db.acquire() as conn:
        ns = await namespaces.resolve(conn, namespace)
        uids = await ingest_store.uids_by_label(conn, ns, "Community")
        out = []
        for uid in uids:
            ref = (await vertex_store.resolve(conn, ns, [uid]))[uid]
            entity = await vertex_store.get(conn, ns, uid)
            members = await ingest_store.neighbours(conn, ns, "MEMBER_OF", ref.id, "in")
            member_uids = await ingest_store.uids_of(conn, ns, members)
            summary = str(entity.properties.get("summary", "")) if entity else ""
            out.append(Community(uid, tuple(sorted(member_uids.values())), summary))
    return out
