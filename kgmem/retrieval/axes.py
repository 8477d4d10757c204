"""One candidate generator per axis of a plan, each returning its own result.

A generator runs on the connection it is given and touches nothing shared: the search
merges the results once they are all in (``kgmem.retrieval.candidates.merge``). Each
result carries the side rows its statement already read, so the filter stage reads
only the others, and how long the axis took (for ``explain``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from kgmem.graph.graph_context import GraphContext
from kgmem.model import Entity
from kgmem.process.metrics import instruments
from kgmem.process.taskgroup import together
from kgmem.retrieval import causal, expansion, semantic, spatial, temporal
from kgmem.retrieval.fusion import Scored
from kgmem.retrieval.plan import VECTOR, SearchPlan
from kgmem.retrieval.scope import Key, Scope
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.indexes import candidates as cand

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AxisResult:
    """An axis's scored candidates, the side rows read with them, and its time (ms)."""

    axis: str
    scored: Mapping[Key, Scored]
    took_ms: float = 0.0
    vertex_rows: Mapping[int, cand.VertexInfo] = field(default_factory=dict)
    fact_rows: Mapping[int, cand.FactInfo] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VectorResult(AxisResult):
    """The vector axis's result, with the entities its probe loaded and, per kind, how
    many rows came back and the last one's similarity (whether a short probe decides)."""

    entities: Mapping[int, Entity] = field(default_factory=dict)
    probed: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class SpatialResult(AxisResult):
    """The spatial axis's result, with the area its scores are measured in."""

    area: spatial.Area | None = None


Generator = Callable[[Connection, NamespaceRef], Awaitable[AxisResult]]


async def timed(stage: str, work: Awaitable[T]) -> tuple[T, float]:
    """``work``'s result and how long it took (ms), recorded in the stage histogram."""
    start = time.perf_counter()
    result = await work
    took = time.perf_counter() - start
    instruments().search_stage_seconds.labels(stage).observe(took)
    return result, round(took * 1000, 3)


def generator(ctx: GraphContext, plan: SearchPlan, axis: str) -> Generator:
    """The candidate generator of ``axis`` (not the vector axis: ``vector``)."""

    async def run(conn: Connection, ns: NamespaceRef) -> AxisResult:
        return await _BY_AXIS[axis](ctx, plan, conn, ns)

    return run


async def vector(
    plan: SearchPlan, conn: Connection, ns: NamespaceRef, v: Sequence[float], *, limit: int
) -> VectorResult:
    """The nearest ``limit`` vertices and facts per kind to ``v``."""
    (scored, found), ms = await timed(
        VECTOR,
        semantic.vector_with_rows(
            conn, ns, v, plan.scope, limit=limit, ef_search=plan.ef_search, load=plan.load
        ),
    )
    return VectorResult(
        VECTOR,
        scored,
        ms,
        {row.id: row for row, _ in found.vertices},
        {row.id: row for row, _ in found.facts},
        entities=dict(found.entities),
        probed=tuple(
            (len(rows), rows[-1][1] if rows else 0.0) for rows in (found.vertices, found.facts)
        ),
    )


async def _keyword(
    ctx: GraphContext, plan: SearchPlan, conn: Connection, ns: NamespaceRef
) -> AxisResult:
    assert plan.text is not None
    work = semantic.keyword_rows(
        conn, ns, plan.text, plan.scope, limit=plan.limit, candidates=plan.keyword_candidates
    )
    (vertices, facts), ms = await timed("keyword", work)
    return AxisResult(
        "keyword",
        semantic.keyword_scored(vertices, facts),
        ms,
        {row.id: row for row, _ in vertices},
        {row.id: row for row, _ in facts},
    )


async def keyword_by_kind(ctx: GraphContext, plan: SearchPlan, ns: NamespaceRef) -> AxisResult:
    """The keyword axis with each kind's statement on a pooled search connection of its
    own, both at once (a lone keyword axis: its two kinds then take two cores instead
    of one after the other); scores divided by the best of both, as in one statement."""
    assert plan.text is not None
    text, scope = plan.text, plan.scope

    async def kind(only: Scope) -> semantic.KeywordRows:
        async with ctx.db.searching() as conn:
            return await semantic.keyword_rows(
                conn, ns, text, only, limit=plan.limit, candidates=plan.keyword_candidates
            )

    start = time.perf_counter()
    (vertices, _), (_, facts) = await together(
        [kind(replace(scope, facts=False)), kind(replace(scope, vertices=False))]
    )
    took = time.perf_counter() - start
    instruments().search_stage_seconds.labels("keyword").observe(took)
    return AxisResult(
        "keyword",
        semantic.keyword_scored(vertices, facts),
        round(took * 1000, 3),
        {row.id: row for row, _ in vertices},
        {row.id: row for row, _ in facts},
    )


async def _temporal(
    ctx: GraphContext, plan: SearchPlan, conn: Connection, ns: NamespaceRef
) -> AxisResult:
    t = plan.query.time
    assert t is not None
    keys, ms = await timed("temporal", temporal.generate(conn, ns, t, plan.scope, limit=plan.limit))
    # Scored in the filter stage, with every other axis's candidates.
    return AxisResult("temporal", {k: Scored(0.0, "") for k in keys}, ms)


async def _spatial(
    ctx: GraphContext, plan: SearchPlan, conn: Connection, ns: NamespaceRef
) -> AxisResult:
    p = plan.query.place
    assert p is not None
    area, ms = await timed("spatial", spatial.generate(conn, ns, p, limit=plan.limit))
    scored = {("v", i): Scored(0.0, "") for i in area.distances}
    return SpatialResult("spatial", scored, ms, area=area)


async def _causal(
    ctx: GraphContext, plan: SearchPlan, conn: Connection, ns: NamespaceRef
) -> AxisResult:
    c = plan.query.causal
    assert c is not None
    (found, rows), ms = await timed("causal", causal.traced(ctx, conn, ns, c))
    # The side rows of the paths' ends were read with the hops: not read again.
    return AxisResult("causal", _causal_candidates(found), ms, rows)


async def _graph(
    ctx: GraphContext, plan: SearchPlan, conn: Connection, ns: NamespaceRef
) -> AxisResult:
    scored, ms = await timed("graph", expansion.expand(conn, ns, plan.expansion, plan.text))
    return AxisResult("graph", scored, ms)


_BY_AXIS: dict[
    str, Callable[[GraphContext, SearchPlan, Connection, NamespaceRef], Awaitable[AxisResult]]
] = {
    "keyword": _keyword,
    "temporal": _temporal,
    "spatial": _spatial,
    "causal": _causal,
    "graph": _graph,
}


def _causal_candidates(found: list[causal.Traced]) -> dict[Key, Scored]:
    """Each path's end vertex and last fact, scored by the strongest path to them."""
    scored: dict[Key, Scored] = {}
    for traced in found:
        path = traced.path
        chain = " -> ".join([path.steps[0].cause, *(s.effect for s in path.steps)])
        flag = "; a cause starts after its effect" if path.flagged else ""
        key: Key = ("v", traced.end)
        if key not in scored or scored[key].score < path.strength:
            scored[key] = Scored(path.strength, f"{chain} (strength {path.strength:.3f}){flag}")
        fkey: Key = ("f", traced.last_fact)
        if fkey not in scored or scored[fkey].score < path.strength:
            scored[fkey] = Scored(path.strength, f"on causal path {chain}")
    return scored
