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
from dataclasses import dataclass

from kgmem.errors import EntityNotFound
from kgmem.graph.context import GraphContext
from kgmem.model import CausalPath, CausalQuery, CausalStep
from kgmem.retrieval import validate
from kgmem.storage import Connection, NamespaceRef, namespaces, traversal
from kgmem.storage import candidates as cand
from kgmem.storage import vertices as vertex_store

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


async def paths(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, q: CausalQuery
) -> list[CausalPath]:
    """``trace`` inside the caller's transaction."""
    anchor = (await vertex_store.resolve(conn, ns, [q.anchor])).get(q.anchor)
    if anchor is None:
        raise EntityNotFound(
            f"causal anchor {q.anchor!r} does not exist in namespace {ns.name!r}", uid=q.anchor
        )
    predicates = sorted(name for name, spec in ctx.schema.edges.items() if spec.causal)
    found = await _walk(conn, ns, anchor.id, q, predicates)
    return await _described(conn, ns, found)


async def _walk(
    conn: Connection, ns: NamespaceRef, anchor: int, q: CausalQuery, predicates: Sequence[str]
) -> list[_Partial]:
    forward = q.direction == "forward"
    frontier = [_Partial((anchor,), 1.0, ())]
    done: list[_Partial] = []
    for _ in range(q.depth):
        ends = sorted({p.nodes[-1] for p in frontier})
        edges = await traversal.causal_step(
            conn, ns, ends, predicates=predicates, direction="out" if forward else "in"
        )
        by_end: dict[int, list[traversal.CausalEdge]] = {}
        for edge in edges:
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
    return done


async def _described(conn: Connection, ns: NamespaceRef, found: list[_Partial]) -> list[CausalPath]:
    ids = sorted({n for p in found for n in p.nodes})
    rows = await cand.vertex_rows(conn, ns, ids)
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
            )
            for e in p.edges
        )
        result.append(CausalPath(end=rows[p.nodes[-1]].uid, strength=p.strength, steps=steps))
    result.sort(key=lambda c: (-c.strength, len(c.steps), c.end))
    return result


def _after(cause: cand.VertexInfo, effect: cand.VertexInfo) -> bool:
    if cause.occurred_at is None or effect.occurred_at is None:
        return False
    return cause.occurred_at > effect.occurred_at
