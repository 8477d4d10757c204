"""Run one search: plan it, generate candidates per axis, keep those that meet every
constraint, score them on every axis that applies, fuse, and load the top ``k``.

The plan (``kgmem.retrieval.plan``) is decided first, from the query and the store's
settings alone. Stages (timed when ``explain``): ``embed`` (the query text, in a worker
thread and through the query-vector cache, while the other axes run), then the axes in
the plan's order (``kgmem.retrieval.axes``: a lone axis on the connection the last
stages use, several at once on their own pooled connections; while the vector axis
embeds and probes, the side rows of the other axes' candidates are read on another, and
those candidates judged), then ``filter`` (``kgmem.retrieval.eligibility``, for the
candidates not judged yet), ``fuse``, ``decay``, ``trust`` (min_trust and order_by,
``kgmem.retrieval.trust``), ``load`` and ``context``. Each axis returns its own result;
they are merged once (``kgmem.retrieval.candidates.merge``).

Nothing runs in an explicit transaction: a search only reads, and BEGIN and COMMIT
would be two round trips of the few a search needs (a vector-only search: namespace,
one probe of both indexes with the side rows, the loads). An element deleted between
two statements is left out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from kgmem.errors import KgmemError
from kgmem.graph import prepare
from kgmem.graph.graph_context import GraphContext
from kgmem.model import SearchQuery, SearchResult
from kgmem.process.taskgroup import task_group, together
from kgmem.retrieval import axes, decay, eligibility, hits, question, trust, validate, words
from kgmem.retrieval import session_turns as context
from kgmem.retrieval.axes import AxisResult, VectorResult, timed
from kgmem.retrieval.candidates import Candidates, Judged, SideRows, merge
from kgmem.retrieval.fusion import Fused
from kgmem.retrieval.plan import REPROBED, VECTOR, SearchPlan, Store, Tuning, plan
from kgmem.retrieval.scope import Key
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph.namespace_cache import is_missing_namespace

__all__ = ["SearchPlan", "Tuning", "plan_of", "run", "search"]

TUNING = Tuning()


async def search(ctx: GraphContext, namespace: str, q: SearchQuery) -> SearchResult:
    """Search ``namespace``; see ``kgmem.model.SearchQuery``."""
    return await run(ctx, namespace, plan_of(ctx, q))


def plan_of(ctx: GraphContext, q: SearchQuery, tuning: Tuning = TUNING) -> SearchPlan:
    """The plan of ``q`` on this store, once ``q`` passes validation."""
    validate.query(ctx, q)
    trust.validate(q)
    store = Store(ctx.db.ef_search, ctx.embedder is not None, ctx.db.keyword_candidates)
    vector = prepare.vector(ctx, q.embedding)
    return plan(question.with_time(q), store, tuning, vector, clock=datetime.now(UTC))


async def run(ctx: GraphContext, namespace: str, p: SearchPlan) -> SearchResult:
    """Run plan ``p`` on ``namespace``.

    The namespace comes from the per-process cache (``kgmem.storage.graph.namespace_cache``):
    no round trip to look it up. If a statement finds its tables gone (deleted by
    another process), the name is forgotten and looked up again: ``NamespaceNotFound``,
    or one more run on the tables of a namespace created again under the same name."""
    try:
        return await _run(ctx, namespace, p)
    except KgmemError as exc:
        if not is_missing_namespace(exc):
            raise
        ctx.db.namespaces.forget(namespace)
        async with ctx.db.searching() as conn:
            await ctx.db.namespaces.resolve(conn, namespace)
    return await _run(ctx, namespace, p)


@dataclass(frozen=True, slots=True)
class _Generated:
    """The candidates of every axis, merged, and how long the embedding and each axis
    took (ms); ``vector``: the query vector, for a lone vector axis's second probe."""

    found: Candidates
    timings: dict[str, float]
    vector: Sequence[float] | None = None


async def _run(ctx: GraphContext, namespace: str, p: SearchPlan) -> SearchResult:
    if len(p.axes) > 1 or p.splits_keyword:
        ns, generated = await _apart(ctx, namespace, p)
        async with ctx.db.searching() as conn:
            return await _finish(conn, ns, p, generated)
    vector, timings = p.vector_given, {}
    if p.embeds:  # no connection held while the model runs
        vector, timings["embed"] = await _embed(ctx, p)
    async with ctx.db.searching() as conn:
        ns = ctx.db.namespaces.get(namespace) or await ctx.db.namespaces.resolve(conn, namespace)
        generated = await _alone(ctx, conn, ns, p, vector, timings)
        return await _finish(conn, ns, p, generated)


async def _finish(
    conn: Connection, ns: NamespaceRef, p: SearchPlan, generated: _Generated
) -> SearchResult:
    """Filter, fuse, rank by trust, load and attach context: the stages after the axes."""
    q, timings = p.query, dict(generated.timings)
    notes: list[str] = []
    found, eligible, ranked, decayed = await _rank(conn, ns, p, generated.found, timings)
    if p.short and not hits.short_probe_decides(p, found, ranked, decayed):
        notes.append(REPROBED)
        assert generated.vector is not None
        full = await axes.vector(p, conn, ns, generated.vector, limit=p.limit)
        timings[VECTOR] = full.took_ms
        found, eligible, ranked, decayed = await _rank(conn, ns, p, merge(p, [full]), timings)
    ranked, timings["trust"] = await timed("trust", trust.rank(conn, ns, q, ranked))
    found_hits, timings["load"] = await timed("load", hits.load(conn, ns, found, ranked, eligible))
    found_hits = decay.attach(trust.attach(found_hits), decayed)
    if q.context:
        found_hits, timings["context"] = await timed(
            "context", context.attach(conn, ns, found_hits, q.context)
        )
    if not q.explain:
        return SearchResult(tuple(found_hits))
    return SearchResult(tuple(found_hits), (*p.lines, *notes), timings)


async def _rank(
    conn: Connection, ns: NamespaceRef, p: SearchPlan, found: Candidates, timings: dict[str, float]
) -> tuple[Candidates, eligibility.Eligible, list[Fused[Key]], decay.Decayed]:
    """The eligible candidates (with the temporal and spatial axes scoring all of them),
    fused, then weighed by the memory tiers (archived episodes out, episodic ones
    decayed)."""
    (found, eligible), timings["filter"] = await timed(
        "filter", eligibility.constrain(conn, ns, p, found)
    )
    ranked, timings["fuse"] = await timed("fuse", _fused(conn, ns, p, found, eligible))
    (ranked, decayed), timings["decay"] = await timed(
        "decay", decay.weigh(conn, ns, p.now, eligible.vertices, ranked)
    )
    return found, eligible, ranked, decayed


async def _fused(
    conn: Connection,
    ns: NamespaceRef,
    p: SearchPlan,
    found: Candidates,
    eligible: eligibility.Eligible,
) -> list[Fused[Key]]:
    features = await words.features(conn, ns, p, found.axes, eligible)
    return hits.fused(p, found, eligible, features)


async def _alone(
    ctx: GraphContext,
    conn: Connection,
    ns: NamespaceRef,
    p: SearchPlan,
    vector: Sequence[float] | None,
    timings: dict[str, float],
) -> _Generated:
    """The plan's one axis (if any) on the connection the last stages use."""
    if not p.axes:
        return _Generated(merge(p, []), timings)
    if p.lone_vector:
        assert vector is not None
        result: AxisResult = await axes.vector(p, conn, ns, vector, limit=p.short or p.limit)
    else:
        result = await axes.generator(ctx, p, p.axes[0])(conn, ns)
    return _Generated(merge(p, [result]), {**timings, result.axis: result.took_ms}, vector)


async def _apart(
    ctx: GraphContext, namespace: str, p: SearchPlan
) -> tuple[NamespaceRef, _Generated]:
    """Run the plan's axes at once, each on its own pooled connection, before the last
    stages take theirs: no search holds a connection while it waits for another, so a
    full pool only queues. The text is embedded meanwhile; the vector axis runs once it
    is. A failing axis cancels the others and the embedding."""
    async with task_group() as tg:
        embedding = tg.create_task(_embed(ctx, p), name="kgmem-embed-query") if p.embeds else None
        ns = await _namespace(ctx, namespace)
        if not p.has_vector:
            others = tg.create_task(together([_own(ctx, ns, p, a) for a in p.axes]))
        else:
            ahead = tg.create_task(_others_then_ahead(ctx, ns, p))
            probed = tg.create_task(_vector_when_embedded(ctx, ns, p, embedding))
    if not p.has_vector:
        results = others.result()
        return ns, _Generated(merge(p, results), {r.axis: r.took_ms for r in results})
    (results, side, judged), (embed_ms, found) = ahead.result(), probed.result()
    timings = {r.axis: r.took_ms for r in (*results, found)}
    if embed_ms is not None:
        timings["embed"] = embed_ms
    return ns, _Generated(merge(p, [*results, found], side, judged), timings)


async def _embed(ctx: GraphContext, p: SearchPlan) -> tuple[list[float], float]:
    """The query text's vector (through the query-vector cache) and how long it took."""
    embedder = ctx.embedder
    assert embedder is not None
    assert p.text is not None
    return await timed("embed", ctx.query_cache.vector(embedder, p.text))


async def _namespace(ctx: GraphContext, name: str) -> NamespaceRef:
    """Namespace ``name``, from the cache or looked up on a pooled connection."""
    ref = ctx.db.namespaces.get(name)
    if ref is not None:
        return ref
    async with ctx.db.searching() as conn:
        return await ctx.db.namespaces.resolve(conn, name)


async def _own(ctx: GraphContext, ns: NamespaceRef, p: SearchPlan, axis: str) -> AxisResult:
    """Axis ``axis`` on a pooled connection of its own."""
    # No explicit transaction: an axis only reads, and BEGIN and COMMIT would be two of
    # its two to four round trips.
    if p.splits_keyword:  # takes a connection per kind itself
        return await axes.keyword_by_kind(ctx, p, ns)
    async with ctx.db.searching() as conn:
        return await axes.generator(ctx, p, axis)(conn, ns)


async def _vector_when_embedded(
    ctx: GraphContext,
    ns: NamespaceRef,
    p: SearchPlan,
    embedding: asyncio.Task[tuple[list[float], float]] | None,
) -> tuple[float | None, VectorResult]:
    """The vector axis once the query text is embedded, so that it holds no search
    connection (``Database.searching``) while the model runs; and the embedding's time."""
    vector, embed_ms = (p.vector_given, None) if embedding is None else await embedding
    assert vector is not None
    async with ctx.db.searching() as conn:
        return embed_ms, await axes.vector(p, conn, ns, vector, limit=p.short or p.limit)


async def _others_then_ahead(
    ctx: GraphContext, ns: NamespaceRef, p: SearchPlan
) -> tuple[list[AxisResult], SideRows, Judged | None]:
    """The axes other than the vector axis at once, then the side rows of what they
    found, read (and those candidates judged, when the plan says so) while the vector
    axis is still embedding the text or probing its index: the filter stage after it is
    left only the rows its own statement returned."""
    results = await together([_own(ctx, ns, p, a) for a in p.others])
    found = merge(p, results)
    async with ctx.db.searching() as conn:
        side = await eligibility.read_ahead(conn, ns, p, found)
        if not p.judge_ahead:
            return results, side, None
        judged = await eligibility.judge(conn, ns, p, merge(p, results, side), found.keys())
    return results, side, judged
