"""The causal axis: trace effects (forward) or causes (backward) along edges whose
predicate the graph schema declares causal.

Each edge carries ``strength`` in [0, 1] (an edge without one counts as 1) and an
optional ``lag`` (ISO 8601 duration, reported as given). A path's strength is the
product along it; a path whose strength falls below ``min_strength`` is pruned and not
extended. Paths never revisit a vertex. A step is flagged ``cause_after_effect`` when
both ends are timed (``occurred_at``: an event's ``starts_at`` or an episode's
``occurred_at``) and the cause starts after its effect. Paths rank by strength, then
by length (shorter first), then by their end's uid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from kgmem.errors import EntityNotFound
from kgmem.graph.graph_context import GraphContext
from kgmem.model import CausalNode, CausalPath, CausalQuery, CausalStep
from kgmem.retrieval import validate
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import namespaces, traversal
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.indexes import candidates as cand

MAX_PATHS = 2000


@dataclass(frozen=True, slots=True)
class _Partial:
    """A path being extended: the vertex ids on it, its strength and its edges."""

    nodes: tuple[int, ...]
    strength: float
    edges: tuple[traversal.CausalEdge, ...]


def strength_of(edge: traversal.CausalEdge) -> float:
    """The edge's strength, clipped to [0, 1]; 1 when it has none."""
    value = edge.properties.get("strength")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return min(1.0, max(0.0, float(value)))
    return 1.0


async def trace(ctx: GraphContext, namespace: str, q: CausalQuery) -> list[CausalPath]:
    """Ranked causal paths from ``q.anchor``; ``EntityNotFound`` for an unknown anchor."""
    validate.causal(ctx, q)
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        return await paths(ctx, conn, ns, q)


@dataclass(frozen=True, slots=True)
class Traced:
    """A ranked causal path with the graph ids of its end and of its last step's fact."""

    path: CausalPath
    end: int
    last_fact: int


async def paths(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, q: CausalQuery
) -> list[CausalPath]:
    """``trace`` inside the caller's transaction, each path's nodes named."""
    found = [t.path for t in (await traced(ctx, conn, ns, q))[0]]
    uids = {n.uid for p in found for n in p.nodes}
    names = {u: ref.name for u, ref in (await vertex_store.resolve(conn, ns, uids)).items()}
    return [
        replace(p, nodes=tuple(replace(n, name=names.get(n.uid)) for n in p.nodes)) for p in found
    ]


async def traced(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, q: CausalQuery
) -> tuple[list[Traced], dict[int, cand.VertexInfo]]:
    """``paths`` with graph ids, and the side rows of every vertex on them: one
    statement per hop (the first also finds the anchor; each reads the side rows of the
    vertices it reaches), none more."""
    predicates = sorted(name for name, spec in ctx.schema.edges.items() if spec.causal)
    found, rows = await _walk(conn, ns, q, predicates)
    return _described(found, rows), rows


async def _walk(
    conn: Connection, ns: NamespaceRef, q: CausalQuery, predicates: Sequence[str]
) -> tuple[list[_Partial], dict[int, cand.VertexInfo]]:
    forward = q.direction == "forward"
    direction: traversal.Direction = "out" if forward else "in"
    first = await traversal.causal_first_step(
        conn, ns, q.anchor, predicates=predicates, direction=direction
    )
    if first is None or first.anchor is None:
        raise EntityNotFound(
            f"causal anchor {q.anchor!r} does not exist in namespace {ns.name!r}", uid=q.anchor
        )
    rows = {first.anchor.id: first.anchor}
    frontier = [_Partial((first.anchor.id,), 1.0, ())]
    done: list[_Partial] = []
    hop: traversal.CausalHop = first
    for depth in range(q.depth):
        if depth:
            ends = sorted({p.nodes[-1] for p in frontier})
            hop = await traversal.causal_next_step(
                conn, ns, ends, predicates=predicates, direction=direction
            )
        rows.update(hop.vertices)
        by_end: dict[int, list[traversal.CausalEdge]] = {}
        for edge in hop.edges:
            by_end.setdefault(edge.start if forward else edge.end, []).append(edge)
        frontier = [
            _Partial((*p.nodes, nxt), p.strength * strength_of(e), (*p.edges, e))
            for p in frontier
            for e in by_end.get(p.nodes[-1], [])
            if (nxt := e.end if forward else e.start) not in p.nodes
            and p.strength * strength_of(e) >= q.min_strength
        ][:MAX_PATHS]
        done.extend(frontier)
        if not frontier:
            break
    return done, rows


def _described(found: list[_Partial], rows: dict[int, cand.VertexInfo]) -> list[Traced]:
    result = []
    for p in found:
        steps = tuple(
            CausalStep(
                fact=e.uid,
                cause=rows[e.start].uid,
                effect=rows[e.end].uid,
                predicate=e.predicate,
                strength=strength_of(e),
                lag=e.properties.get("lag") if isinstance(e.properties.get("lag"), str) else None,
                cause_after_effect=_after(rows[e.start], rows[e.end]),
                text=e.properties.get("text")
                if isinstance(e.properties.get("text"), str)
                else None,
            )
            for e in p.edges
        )
        nodes = tuple(CausalNode(rows[n].uid, rows[n].label) for n in p.nodes)
        path = CausalPath(end=rows[p.nodes[-1]].uid, strength=p.strength, steps=steps, nodes=nodes)
        result.append(Traced(path, p.nodes[-1], p.edges[-1].id))
    result.sort(key=lambda t: (-t.path.strength, len(t.path.steps), t.path.end))
    return result


def _after(cause: cand.VertexInfo, effect: cand.VertexInfo) -> bool:
    if cause.occurred_at is None or effect.occurred_at is None:
        return False
    return cause.occurred_at > effect.occurred_at
