"""Run one search: generate candidates per axis, keep those that meet every constraint,
score them on every axis that applies, fuse, and load the top ``k``.

Stages (timed when ``explain``): ``embed`` (the query text, in a worker thread and
through the query-vector cache, while the other axes run), then ``keyword``,
``temporal``, ``spatial``, ``causal``, ``graph`` and last ``vector`` (candidate
generation: a lone axis on the connection the last stages use, several axes at once on
their own pooled connections; while the vector axis embeds and probes, the side rows
of the other axes' candidates are read on another, and those candidates judged:
constraints, time and place scores), then ``filter`` (the same for the candidates not
judged yet; side rows already read are not read again), ``fuse``,
``trust`` (min_trust and order_by, ``kgmem.retrieval.trust``) and ``load``. Nothing runs
in an explicit transaction: a search only reads, and BEGIN and COMMIT would be two round
trips of the few a search needs (a vector-only search: namespace, one probe of both
indexes with the side rows, the loads). The temporal and spatial axes both generate
candidates and score the candidates other axes found, so a text match outside the
window or the area is dropped and one inside it is ranked by time or distance too.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kgmem.errors import KgmemError
from kgmem.graph import prepare
from kgmem.graph.context import GraphContext
from kgmem.metrics import instruments
from kgmem.model import (
    Axis,
    Entity,
    ExpansionQuery,
    Fact,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from kgmem.retrieval import (
    causal,
    context,
    decay,
    expansion,
    nearby,
    question,
    semantic,
    spatial,
    temporal,
    trust,
    validate,
)
from kgmem.retrieval import scope as scopes
from kgmem.retrieval.fusion import Scored, fuse
from kgmem.retrieval.scope import EPISODE, Key, Scope
from kgmem.storage import Connection, NamespaceRef, fact_reads, geo
from kgmem.storage import candidates as cand
from kgmem.storage import vertices as vertex_store
from kgmem.storage.namespace_cache import is_missing_namespace

MIN_CANDIDATES = 50
# Judge the other axes' candidates while the vector axis embeds and probes (tests turn
# it off to compare with judging every candidate in the filter stage).
JUDGE_AHEAD = True
MAX_CANDIDATES = 1000


@dataclass
class _Run:
    """State of one search as it goes through the stages."""

    q: SearchQuery
    scope: Scope
    limit: int
    axes: dict[str, dict[Key, Scored]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    plan: list[str] = field(default_factory=list)
    area: spatial.Area | None = None
    # Side rows an axis already read with its candidates (the vector probe's single
    # statement): the filter stage reads only the others.
    vertex_rows: dict[int, cand.VertexInfo] = field(default_factory=dict)
    fact_rows: dict[int, cand.FactInfo] = field(default_factory=dict)
    # (lat, lon) of fact endpoints read ahead for the spatial scores (None: not located).
    locations: dict[int, tuple[float, float] | None] = field(default_factory=dict)
    # Entities the vector probe loaded with its candidates (a lone vector axis): the
    # load stage reads only the hits not among them.
    entities: dict[int, Entity] = field(default_factory=dict)
    # How many of its nearest vertices the vector probe loads as entities: the top k
    # when it is the only axis (its order is then the hits' order), else none.
    load: int = 0
    # A lone vector axis ranked by score first probes only its top k + 1 per kind (``short``),
    # and again with the full ``limit`` only if that cannot decide the top k
    # (``_short_probe_decides``); ``probed``: (rows, last similarity) per kind.
    short: int = 0
    probed: list[tuple[int, float]] = field(default_factory=list)
    # The candidates of the other axes judged (constraints, time and place scores) while
    # the vector axis still embeds and probes: the filter stage judges only the rest.
    judged: _Judged | None = None
    # The "now" decay is measured from, the same for every candidate.
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The memory-tier decay factors applied to episode candidates (``kgmem.retrieval.decay``).
    decayed: decay.Decayed = field(default_factory=dict)

    async def timed(self, stage: str, work: Callable[[], Awaitable[Any]]) -> Any:
        start = time.perf_counter()
        result = await work()
        took = time.perf_counter() - start
        self.timings[stage] = round(took * 1000, 3)
        instruments().search_stage_seconds.labels(stage).observe(took)
        return result


async def search(ctx: GraphContext, namespace: str, q: SearchQuery) -> SearchResult:
    """Search ``namespace``; see ``kgmem.model.SearchQuery``.

    The namespace comes from the per-process cache (``kgmem.storage.namespace_cache``):
    no round trip to look it up. If a statement finds its tables gone (deleted by
    another process), the name is forgotten and looked up again: ``NamespaceNotFound``,
    or one more run on the tables of a namespace created again under the same name."""
    validate.query(ctx, q)
    trust.validate(q)
    q = question.with_time(q)
    try:
        return await _search(ctx, namespace, q)
    except KgmemError as exc:
        if not is_missing_namespace(exc):
            raise
        ctx.db.namespaces.forget(namespace)
        async with ctx.db.searching() as conn:
            await ctx.db.namespaces.resolve(conn, namespace)
    return await _search(ctx, namespace, q)


async def _search(ctx: GraphContext, namespace: str, q: SearchQuery) -> SearchResult:
    run = _Run(q, scopes.of(q), min(max(4 * q.k, MIN_CANDIDATES), MAX_CANDIDATES))
    run.now = temporal.reference_time(q.time)
    text = q.text.strip() if q.text else None
    given = prepare.vector(ctx, q.embedding)
    vector: list[float] | asyncio.Task[list[float]] | None = given
    embedder = ctx.embedder
    embedding: asyncio.Task[list[float]] | None = None
    if given is None and text and embedder is not None and q.weights.vector > 0:
        # The model runs in a worker thread while the other axes query the database.
        cache, t = ctx.query_cache, text
        embedding = asyncio.create_task(
            run.timed("embed", lambda: cache.vector(embedder, t)), name="kgmem-embed-query"
        )
        vector = embedding
    try:
        jobs = _jobs(ctx, run, text, vector)
        if len(jobs) == 1 and "vector" in run.axes:
            _lone_vector(ctx, run)
        if len(jobs) > 1:
            ns = await _apart(ctx, namespace, run, jobs, embedding)
        elif embedding is not None:
            await asyncio.shield(embedding)  # no connection held while the model runs
        # No explicit transaction: every stage only reads, and BEGIN and COMMIT would be
        # two more round trips. An element deleted between two statements is left out.
        async with ctx.db.searching() as conn:
            if len(jobs) <= 1:
                ns = ctx.db.namespaces.get(namespace) or await ctx.db.namespaces.resolve(
                    conn, namespace
                )
                for job in jobs:
                    await job(conn, ns)
            eligible, fused = await _filter_and_fuse(conn, ns, run, jobs)
            ranked = await run.timed("trust", lambda: trust.rank(conn, ns, q, fused))
            hits = await run.timed("load", lambda: _load(conn, ns, run, ranked, eligible))
            hits = decay.attach(trust.attach(hits), run.decayed)
            if q.context:
                steps = q.context
                hits = await run.timed("context", lambda: context.attach(conn, ns, hits, steps))
    finally:
        if embedding is not None and not embedding.done():
            embedding.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await embedding
    if not q.explain:
        return SearchResult(tuple(hits))
    return SearchResult(tuple(hits), tuple(run.plan), dict(run.timings))


def _lone_vector(ctx: GraphContext, run: _Run) -> None:
    """A lone vector axis loads its top k as entities, and probes only its top k + 1
    per kind first when that can decide them."""
    q = run.q
    run.load = q.k
    if q.order_by == "score" and q.min_trust is None and q.k + 1 < run.limit <= ctx.db.ef_search:
        # One more than k: the row after the k-th shows whether a tie is hidden.
        # Only while the full probe needs no wider ef_search: both are then one
        # HNSW scan, cut at different rows.
        run.short = q.k + 1
        run.plan[0] = f"{run.plan[0]}; first its top {run.short} per kind"


async def _apart(
    ctx: GraphContext,
    namespace: str,
    run: _Run,
    jobs: list[_Job],
    embedding: asyncio.Task[list[float]] | None,
) -> NamespaceRef:
    """Run independent axes at once, each on its own pooled connection, before the last
    stages take theirs: no search holds a connection while it waits for another, so a
    full pool only queues. Returns the namespace."""
    ns = await _namespace(ctx, namespace)
    if "vector" in run.axes:  # its job is the last one
        await _concurrently(
            [
                _then_side_rows(ctx, ns, run, jobs[:-1]),
                _embedded_then(embedding, ctx, ns, jobs[-1]),
            ]
        )
    else:
        await _concurrently([_on_own_connection(ctx, ns, job) for job in jobs])
    return ns


async def _namespace(ctx: GraphContext, name: str) -> NamespaceRef:
    """Namespace ``name``, from the cache or looked up on a pooled connection."""
    ref = ctx.db.namespaces.get(name)
    if ref is not None:
        return ref
    async with ctx.db.searching() as conn:
        return await ctx.db.namespaces.resolve(conn, name)


_Job = Callable[[Connection, NamespaceRef], Awaitable[None]]


def _jobs(
    ctx: GraphContext,
    run: _Run,
    text: str | None,
    vector: list[float] | asyncio.Task[list[float]] | None,
) -> list[_Job]:
    """One candidate generator per axis the query uses; each fills its own entry of
    ``run.axes``, created here so the axes keep the query's order whatever finishes
    first. The vector axis goes last: run on one connection, the other axes query
    while the text is embedded."""
    q = run.q
    # Expansion runs only when asked for: on conversations, seeding it from the names a
    # text mentions did not help the ranking (``python -m bench locomo``).
    graph = q.expansion is not None
    jobs = [
        _vector_job(run, vector, ctx.db.ef_search)
        if vector is not None and q.weights.vector > 0
        else None,
        _keyword_job(ctx, run, text) if text and q.weights.keyword > 0 else None,
        _temporal_job(run) if q.time is not None else None,
        _spatial_job(run) if q.place is not None else None,
        _causal_job(ctx, run) if q.causal is not None else None,
        _graph_job(run, text) if graph else None,
    ]
    present = [j for j in jobs if j is not None]
    return present[1:] + present[:1] if jobs[0] is not None else present


def _vector_job(run: _Run, vector: list[float] | asyncio.Task[list[float]], ef_search: int) -> _Job:
    scope = run.scope
    run.plan.append(f"vector: HNSW top {run.limit} (ef_search {max(ef_search, run.limit)})")
    run.axes["vector"] = {}

    async def job(conn: Connection, ns: NamespaceRef) -> None:
        v = vector if isinstance(vector, list) else await asyncio.shield(vector)
        limit = run.short or run.limit
        scored, found = await run.timed(
            "vector",
            lambda: semantic.vector_with_rows(
                conn, ns, v, scope, limit=limit, ef_search=ef_search, load=run.load
            ),
        )
        run.axes["vector"] = scored
        run.probed = [
            (len(rows), sims[-1] if sims else 0.0)
            for rows, sims in (
                (found.vertices, [s for _, s in found.vertices]),
                (found.facts, [s for _, s in found.facts]),
            )
        ]
        run.entities.update(found.entities)
        run.vertex_rows.update((row.id, row) for row, _ in found.vertices)
        run.fact_rows.update((row.id, row) for row, _ in found.facts)

    return job


def _keyword_job(ctx: GraphContext, run: _Run, text: str) -> _Job:
    scope, limit = run.scope, run.limit
    backend = ctx.db.keyword_search
    run.plan.append(f"keyword: {backend} top {limit}")
    run.axes["keyword"] = {}

    async def job(conn: Connection, ns: NamespaceRef) -> None:
        scored, (vertices, facts) = await run.timed(
            "keyword",
            lambda: semantic.keyword_with_rows(conn, ns, text, scope, backend=backend, limit=limit),
        )
        run.axes["keyword"] = scored
        run.vertex_rows.update((row.id, row) for row in vertices)
        run.fact_rows.update((row.id, row) for row in facts)

    return job


def _temporal_job(run: _Run) -> _Job:
    t, scope, limit = run.q.time, run.scope, run.limit
    assert t is not None
    run.plan.append("temporal: facts and timed vertices meeting the time constraint")
    run.axes["temporal"] = {}

    async def job(conn: Connection, ns: NamespaceRef) -> None:
        keys = await run.timed(
            "temporal", lambda: temporal.generate(conn, ns, t, scope, limit=limit)
        )
        run.axes["temporal"] = {k: Scored(0.0, "") for k in keys}

    return job


def _spatial_job(run: _Run) -> _Job:
    p, limit = run.q.place, run.limit
    assert p is not None
    run.plan.append("spatial: GiST box prefilter, exact haversine distance")
    run.axes["spatial"] = {}

    async def job(conn: Connection, ns: NamespaceRef) -> None:
        area = await run.timed("spatial", lambda: spatial.generate(conn, ns, p, limit=limit))
        run.area = area
        run.axes["spatial"] = {("v", i): Scored(0.0, "") for i in area.distances}

    return job


def _causal_job(ctx: GraphContext, run: _Run) -> _Job:
    c = run.q.causal
    assert c is not None
    run.plan.append(f"causal: {c.direction} from {c.anchor!r} to depth {c.depth}")
    run.axes["causal"] = {}

    async def job(conn: Connection, ns: NamespaceRef) -> None:
        found, rows = await run.timed("causal", lambda: causal.traced(ctx, conn, ns, c))
        run.axes["causal"] = _causal_candidates(found)
        # The side rows of the paths' ends were read with the hops: not read again.
        run.vertex_rows.update(rows)

    return job


def _graph_job(run: _Run, text: str | None) -> _Job:
    e = run.q.expansion or _DEFAULT_EXPANSION
    run.plan.append(f"graph: {e.hops}-hop neighbourhood, personalised PageRank")
    run.axes["graph"] = {}

    async def job(conn: Connection, ns: NamespaceRef) -> None:
        run.axes["graph"] = await run.timed("graph", lambda: expansion.expand(conn, ns, e, text))

    return job


async def _embedded_then(
    embedding: asyncio.Task[list[float]] | None, ctx: GraphContext, ns: NamespaceRef, job: _Job
) -> None:
    """The vector axis's ``job`` once the query text is embedded, so that it holds no
    search connection (``Database.searching``) while the model runs."""
    if embedding is not None:
        await asyncio.shield(embedding)
    await _on_own_connection(ctx, ns, job)


async def _on_own_connection(ctx: GraphContext, ns: NamespaceRef, job: _Job) -> None:
    # No explicit transaction: an axis only reads, and BEGIN and COMMIT would be two of
    # its two to four round trips (the final load and filter share one transaction).
    async with ctx.db.searching() as conn:
        await job(conn, ns)


async def _filter_and_fuse(
    conn: Connection, ns: NamespaceRef, run: _Run, jobs: list[_Job]
) -> tuple[_Eligible, list[Any]]:
    """The candidates meeting every constraint, and them fused; a lone vector axis's
    short probe is made again in full when it cannot decide the top k."""
    eligible = await run.timed("filter", lambda: _constrain(conn, ns, run))
    fused = await run.timed("fuse", lambda: _fuse(run, eligible))
    fused = await _tiered(conn, ns, run, eligible, fused)
    if run.short and not (
        nearby.keeps_order(run.q.weights, eligible.vertices) and _short_probe_decides(run, fused)
    ):
        run.short = 0
        run.plan.append("vector: probed again (the top k was not decided)")
        await jobs[0](conn, ns)
        eligible = await run.timed("filter", lambda: _constrain(conn, ns, run))
        fused = await run.timed("fuse", lambda: _fuse(run, eligible))
        fused = await _tiered(conn, ns, run, eligible, fused)
    return eligible, fused


async def _tiered(
    conn: Connection, ns: NamespaceRef, run: _Run, eligible: _Eligible, fused: list[Any]
) -> list[Any]:
    """Memory tiers' step: archived episodes out, episodic ones decayed."""
    fused, run.decayed = await run.timed(
        "decay", lambda: decay.weigh(conn, ns, run.now, eligible.vertices, fused)
    )
    return fused


def _short_probe_decides(run: _Run, fused: list[Any]) -> bool:
    """Whether the short probe of a lone vector axis gives the hits the full one would.

    The full probe's rows of a kind extend the short one's (one HNSW scan, cut later),
    so only a kind whose short probe came back full can hide better candidates, and
    they are no more similar than its last row. The top k is decided when k candidates
    are eligible and the k-th is strictly more similar than the last row of every such
    kind (an equal one could win the tie on uid)."""
    k = run.q.k
    if run.decayed:  # decayed scores no longer follow the similarity the probe cut at
        return False
    full = [last for rows, last in run.probed if rows >= run.short]
    if not full:
        return True
    if len(fused) < k:
        return False
    kth = run.axes["vector"][fused[k - 1].key].score
    return all(kth > _clip(last) for last in full)


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


async def _then_side_rows(ctx: GraphContext, ns: NamespaceRef, run: _Run, jobs: list[_Job]) -> None:
    """Run the axes other than the vector axis at once, then read the side rows of what
    they found while the vector axis is still embedding the text or probing its index:
    the filter stage after it is left only the rows its own statement returned."""
    if len(jobs) == 1:
        await _on_own_connection(ctx, ns, jobs[0])
    else:
        await _concurrently([_on_own_connection(ctx, ns, job) for job in jobs])
    keys = {k for name, axis in run.axes.items() if name != "vector" for k in axis}
    vertex_ids = [i for kind, i in keys if kind == "v" and i not in run.vertex_rows]
    fact_ids = [i for kind, i in keys if kind == "f" and i not in run.fact_rows]
    # Endpoints of the facts already read (the keyword axis's): located in the same
    # statement, not by one more in the filter stage.
    ends: list[int] = []
    if run.q.place is not None:
        read = (run.fact_rows[i] for kind, i in keys if kind == "f" and i in run.fact_rows)
        ends = sorted({e for f in read for e in (f.subject_id, f.object_id)})
    async with ctx.db.searching() as conn:
        if not vertex_ids and not fact_ids and not ends:
            pass
        elif run.q.place is None:
            vertices, facts = await cand.side_rows(conn, ns, vertex_ids, fact_ids)
            run.vertex_rows.update(vertices)
            run.fact_rows.update(facts)
        else:  # the facts' endpoint locations for the spatial scores in the same statement
            vertices, facts, located = await cand.side_rows_and_locations(
                conn, ns, vertex_ids, fact_ids, ends
            )
            run.locations.update(located)
            run.vertex_rows.update(vertices)
            run.fact_rows.update(facts)
        if JUDGE_AHEAD:
            run.judged = await _judge(conn, ns, run, keys)


async def _concurrently(work: list[Awaitable[None]]) -> None:
    """Run ``work`` at once; the first failure cancels the rest and is raised as is."""
    tasks = [asyncio.ensure_future(w) for w in work]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


_DEFAULT_EXPANSION = ExpansionQuery()


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


@dataclass(frozen=True, slots=True)
class _Eligible:
    """Candidates meeting every constraint, with their side rows."""

    vertices: dict[int, cand.VertexInfo]
    facts: dict[int, cand.FactInfo]


@dataclass(frozen=True, slots=True)
class _Judged:
    """Candidates ``keys`` judged: those meeting every constraint, with their side rows,
    and their time and place scores (when the query has a time or a place)."""

    keys: frozenset[Key]
    vertices: dict[int, cand.VertexInfo]
    facts: dict[int, cand.FactInfo]
    temporal: dict[Key, Scored]
    spatial: dict[Key, Scored]

    def merged(self, other: _Judged) -> _Judged:
        return _Judged(
            self.keys | other.keys,
            {**self.vertices, **other.vertices},
            {**self.facts, **other.facts},
            {**self.temporal, **other.temporal},
            {**self.spatial, **other.spatial},
        )


async def _constrain(conn: Connection, ns: NamespaceRef, run: _Run) -> _Eligible:
    """Every candidate judged (those judged ahead are not judged again); the temporal
    and spatial axes then score every eligible candidate."""
    keys = {k for axis in run.axes.values() for k in axis}
    judged = await _judge(conn, ns, run, keys - run.judged.keys if run.judged else keys)
    if run.judged is not None:
        judged = run.judged.merged(judged)
    if run.q.time is not None:
        run.axes["temporal"] = judged.temporal
    if run.q.place is not None:
        run.axes["spatial"] = judged.spatial
    return _Eligible(judged.vertices, judged.facts)


async def _judge(conn: Connection, ns: NamespaceRef, run: _Run, keys: set[Key]) -> _Judged:
    """The candidates ``keys`` meeting every constraint, and their time and place
    scores; side rows not read yet are read (one statement), as are endpoint locations
    the spatial scores need and were not read ahead."""
    q, scope = run.q, run.scope
    vrows = {i: run.vertex_rows[i] for kind, i in keys if kind == "v" and i in run.vertex_rows}
    frows = {i: run.fact_rows[i] for kind, i in keys if kind == "f" and i in run.fact_rows}
    more_v, more_f = await cand.side_rows(
        conn,
        ns,
        [i for kind, i in keys if kind == "v" and i not in vrows],
        [i for kind, i in keys if kind == "f" and i not in frows],
    )
    vrows.update(more_v)
    frows.update(more_f)
    if q.time is not None and q.time.known_at is not None:
        frows = await cand.as_known(conn, ns, frows, q.time.known_at)
    now = run.now
    vertices = {
        i: v
        for i, v in vrows.items()
        if scopes.label_ok(scope, v.label) and temporal.vertex_ok(q.time, v)
    }
    facts = {
        i: f
        for i, f in frows.items()
        if scopes.predicate_ok(scope, f.predicate) and temporal.fact_ok(q.time, f, now)
    }
    if not q.include_structural:
        facts = await scopes.without_structure(conn, ns, facts)
    if q.filters.properties:
        vertices, facts = await _with_properties(conn, ns, q, vertices, facts)
    times = _score_time(run, vertices, facts, now) if q.time is not None else {}
    places: dict[Key, Scored] = {}
    if q.place is not None:
        vertices, facts, places = await _score_place(conn, ns, run, vertices, facts)
    return _Judged(frozenset(keys), vertices, facts, times, places)


async def _with_properties(
    conn: Connection,
    ns: NamespaceRef,
    q: SearchQuery,
    vertices: dict[int, cand.VertexInfo],
    facts: dict[int, cand.FactInfo],
) -> tuple[dict[int, cand.VertexInfo], dict[int, cand.FactInfo]]:
    wanted = q.filters.properties
    props = await vertex_store.properties_of(
        conn,
        ns,
        [(i, v.label) for i, v in vertices.items()] + [(i, f.predicate) for i, f in facts.items()],
    )

    def matches(element_id: int) -> bool:
        have = props.get(element_id, {})
        return all(key in have and have[key] == value for key, value in wanted.items())

    return (
        {i: v for i, v in vertices.items() if matches(i)},
        {i: f for i, f in facts.items() if matches(i)},
    )


def _score_time(
    run: _Run, vertices: dict[int, cand.VertexInfo], facts: dict[int, cand.FactInfo], now: Any
) -> dict[Key, Scored]:
    t = run.q.time
    assert t is not None
    scored: dict[Key, Scored] = {}
    for i, v in vertices.items():
        s = temporal.vertex_score(t, v, now)
        if s is not None:
            scored[("v", i)] = s
    for i, f in facts.items():
        scored[("f", i)] = temporal.fact_score(t, f, now)
    return scored


async def _score_place(
    conn: Connection,
    ns: NamespaceRef,
    run: _Run,
    vertices: dict[int, cand.VertexInfo],
    facts: dict[int, cand.FactInfo],
) -> tuple[dict[int, cand.VertexInfo], dict[int, cand.FactInfo], dict[Key, Scored]]:
    """The candidates that meet the place, and their spatial scores."""
    p, area = run.q.place, run.area
    assert p is not None
    assert area is not None
    ends = {e for f in facts.values() for e in (f.subject_id, f.object_id)}
    known = {e: run.locations[e] for e in ends if e in run.locations}
    where = {e: at for e, at in known.items() if at is not None}
    if missing := sorted(ends - known.keys()):
        where.update(await geo.locations(conn, ns, missing))
    where.update(
        {i: (v.lat, v.lon) for i, v in vertices.items() if v.lat is not None and v.lon is not None}
    )
    # Once per element: facts share endpoints, and a vertex is often also an endpoint.
    memo: dict[int, float | None] = {}
    # Most candidates of the other axes lie outside the latitudes the circle's boxes
    # span: rejected here with one comparison (``spatial.inside`` checks the boxes).
    south, north = spatial.band(area)

    def distance(element: int) -> float | None:
        if element in memo:
            return memo[element]
        d: float | None
        if element in area.distances:  # found by the spatial axis: its distance is known
            known = area.distances[element]
            d = 0.0 if known is None else known
        else:
            at = where.get(element)
            d = None if at is None or not south <= at[0] <= north else _distance(p, area, at)
        memo[element] = d
        return d

    scored: dict[Key, Scored] = {}
    kept_v: dict[int, cand.VertexInfo] = {}
    for i, v in vertices.items():
        d = distance(i)
        if d is not None:
            kept_v[i] = v
            scored[("v", i)] = spatial.score(p, area, d)
    kept_f: dict[int, cand.FactInfo] = {}
    for i, f in facts.items():
        ds = [d for e in (f.subject_id, f.object_id) if (d := distance(e)) is not None]
        if ds:
            kept_f[i] = f
            s = spatial.score(p, area, min(ds))
            scored[("f", i)] = Scored(s.score, f"an endpoint is {s.reason}")
    return kept_v, kept_f, scored


def _distance(p: Any, area: spatial.Area, at: tuple[float, float] | None) -> float | None:
    if at is None:
        return None
    return spatial.inside(p, area, at[0], at[1])


async def _fuse(run: _Run, eligible: _Eligible) -> list[Any]:
    keys: set[Key] = {("v", i) for i in eligible.vertices} | {("f", i) for i in eligible.facts}
    order = {
        **{("v", i): ("v", v.uid) for i, v in eligible.vertices.items()},
        **{("f", i): ("f", f.uid) for i, f in eligible.facts.items()},
    }
    weights = {axis: run.q.weights.of(_axis(axis)) for axis in run.axes}
    # The ranked axes stop at ``limit``; the others return every candidate they score.
    cut = [a for a in ("keyword", "vector") if len(run.axes.get(a, ())) >= run.limit]
    return fuse(
        run.axes,
        weights,
        method=run.q.fusion,
        order=order,
        eligible=keys,
        cut=cut,
        nearby=nearby.of(run.q.weights, eligible.vertices),
    )


def _axis(name: str) -> Axis:
    return name  # type: ignore[return-value]


def _as_judged(fact: Fact, judged: cand.FactInfo | None) -> Fact:
    """The fact with the validity it was judged by: the version believed at the
    query's known time, when one was asked (the same as stored otherwise)."""
    if judged is None:
        return fact
    seen = (judged.valid_from, judged.valid_to, judged.expired_at)
    if seen == (fact.valid_from, fact.valid_to, fact.expired_at):
        return fact
    return dataclasses.replace(
        fact, valid_from=judged.valid_from, valid_to=judged.valid_to, expired_at=judged.expired_at
    )


async def _load(
    conn: Connection, ns: NamespaceRef, run: _Run, ranked: list[Any], eligible: _Eligible
) -> list[SearchHit]:
    vids = [f.key[1] for f in ranked if f.key[0] == "v"]
    fids = [f.key[1] for f in ranked if f.key[0] == "f"]
    entities = {i: run.entities[i] for i in vids if i in run.entities}
    if missing := [i for i in vids if i not in entities]:
        entities.update(await vertex_store.by_ids(conn, ns, missing))
    facts = await fact_reads.by_ids(conn, ns, fids) if fids else {}
    # Outside a transaction an element can be deleted after the filter stage read it:
    # it is left out and the ranks stay consecutive.
    ranked = [f for f in ranked if f.key[1] in (entities if f.key[0] == "v" else facts)]
    hits = []
    for rank, fused in enumerate(ranked, start=1):
        kind, element = fused.key
        present = {a: run.axes[a][fused.key] for a in fused.axis_ranks}
        scores = {a: round(s.score, 6) for a, s in present.items()}
        reasons = {a: s.reason for a, s in present.items()}
        if kind == "v":
            entity = entities[element]
            hits.append(
                SearchHit(
                    kind="episode" if entity.label == EPISODE else "entity",
                    uid=entity.uid,
                    score=fused.score,
                    rank=rank,
                    scores=scores,
                    reasons=reasons,
                    entity=entity,
                    relevance=round(fused.relevance, 6),
                )
            )
        else:
            fact = _as_judged(facts[element], eligible.facts.get(element))
            hits.append(
                SearchHit(
                    kind="fact",
                    uid=fact.uid,
                    score=fused.score,
                    rank=rank,
                    scores=scores,
                    reasons=reasons,
                    fact=fact,
                    relevance=round(fused.relevance, 6),
                )
            )
    return hits
