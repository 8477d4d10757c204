"""Graph expansion: the k-hop neighbourhood of seed entities, ranked by personalised
PageRank on that bounded subgraph (HippoRAG style).

Seeds are the uids the caller names plus, when the query has text, the entities whose
names it mentions (word n-grams of one to four words matched against lower-cased
names). Each seed's restart weight is ``1 / log(2 + degree)``, so a hub (a speaker who
asserts every turn) pulls less than a specific entity. Provenance edges (``ASSERTS``)
are not followed, and sources and episodes are never seeded from names: every episode
of a source would otherwise be one hop from it. Each hop adds at most ``per_hop`` new
vertices (lowest edge ids first, so the answer is deterministic).

PageRank: ``r = (1 - d) * s + d * P^T r`` over the undirected subgraph, ``s`` the
normalised seed weights, ``P`` row-normalised adjacency, 30 power iterations or until
the L1 change is under 1e-6. Scores are divided by the largest.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kgmem.model import ExpansionQuery
from kgmem.retrieval.fusion import Scored
from kgmem.retrieval.scope import EPISODE, Key
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import traversal
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.indexes import candidates as cand

PROVENANCE = ("ASSERTS",)
MAX_NGRAM = 4
_WORD = re.compile(r"[\w'\u2019-]+")


@dataclass(frozen=True, slots=True)
class Subgraph:
    """Vertices reached (id -> hop) and the edges among them."""

    hops: Mapping[int, int]
    edges: Sequence[traversal.Edge]


def mentions(text: str) -> list[str]:
    """Word n-grams (1..4 words) of ``text``, lower-cased, for matching names."""
    words = [w.lower() for w in _WORD.findall(text)]
    grams = {
        " ".join(words[i : i + n])
        for n in range(1, MAX_NGRAM + 1)
        for i in range(len(words) - n + 1)
    }
    return sorted(grams)


async def seeds(
    conn: Connection, ns: NamespaceRef, q: ExpansionQuery, text: str | None
) -> dict[int, str]:
    """Seed vertex ids with how each was chosen."""
    chosen: dict[int, str] = {}
    if q.seeds:
        for uid, ref in (await vertex_store.resolve(conn, ns, q.seeds)).items():
            chosen[ref.id] = f"seed {uid}"
    if text and q.from_text:
        found = await cand.named(conn, ns, mentions(text), exclude_labels=(EPISODE, "Source"))
        for vid, name in found.items():
            chosen.setdefault(vid, f"query mentions {name!r}")
    return chosen


async def neighbourhood(
    conn: Connection, ns: NamespaceRef, start: Iterable[int], q: ExpansionQuery
) -> Subgraph:
    """Breadth-first up to ``q.hops`` hops, at most ``q.per_hop`` new vertices a hop."""
    hops = {v: 0 for v in start}
    edges: dict[int, traversal.Edge] = {}
    frontier = sorted(hops)
    for hop in range(1, q.hops + 1):
        if not frontier:
            break
        found = await traversal.step(conn, ns, frontier, exclude=PROVENANCE)
        fresh: list[int] = []
        for edge in found:
            for v in (edge.start, edge.end):
                if v not in hops and len(fresh) < q.per_hop:
                    hops[v] = hop
                    fresh.append(v)
            if edge.start in hops and edge.end in hops:
                edges[edge.id] = edge
        frontier = fresh
    return Subgraph(hops, [edges[i] for i in sorted(edges)])


def pagerank(
    sub: Subgraph, weights: Mapping[int, float], damping: float, iterations: int = 30
) -> dict[int, float]:
    """Personalised PageRank over the subgraph, normalised so the best is 1."""
    nodes = sorted(sub.hops)
    index = {v: i for i, v in enumerate(nodes)}
    n = len(nodes)
    restart = np.zeros(n)
    for v, w in weights.items():
        if v in index:
            restart[index[v]] = w
    if n == 0 or restart.sum() == 0:
        return {}
    restart /= restart.sum()
    src = np.array([index[e.start] for e in sub.edges] + [index[e.end] for e in sub.edges])
    dst = np.array([index[e.end] for e in sub.edges] + [index[e.start] for e in sub.edges])
    out_degree = np.bincount(src, minlength=n).astype(float) if len(src) else np.zeros(n)
    rank = restart.copy()
    for _ in range(iterations):
        share = np.divide(rank, out_degree, out=np.zeros(n), where=out_degree > 0)
        spread = np.bincount(dst, weights=share[src], minlength=n) if len(src) else np.zeros(n)
        dangling = rank[out_degree == 0].sum()
        new = (1 - damping) * restart + damping * (spread + dangling * restart)
        if np.abs(new - rank).sum() < 1e-6:
            rank = new
            break
        rank = new
    top = rank.max()
    return {v: float(rank[index[v]] / top) for v in nodes if rank[index[v]] > 0}


async def expand(
    conn: Connection, ns: NamespaceRef, q: ExpansionQuery, text: str | None
) -> dict[Key, Scored]:
    """Vertices and facts of the neighbourhood scored by personalised PageRank."""
    chosen = await seeds(conn, ns, q, text)
    if not chosen:
        return {}
    degree = await traversal.degrees(conn, ns, sorted(chosen))
    weights = {v: 1.0 / math.log(2 + degree.get(v, 0)) for v in chosen}
    sub = await neighbourhood(conn, ns, chosen, q)
    ranks = pagerank(sub, weights, q.damping)
    scored: dict[Key, Scored] = {}
    for v, r in ranks.items():
        why = chosen.get(v) or f"{sub.hops[v]} hop(s) from a seed"
        scored[("v", v)] = Scored(r, f"{why}; PageRank {r:.3f}")
    for e in sub.edges:
        r = math.sqrt(ranks.get(e.start, 0.0) * ranks.get(e.end, 0.0))
        if r > 0:
            scored[("f", e.id)] = Scored(r, f"links two vertices near a seed; PageRank {r:.3f}")
    return scored
