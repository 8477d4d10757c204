"""Run one search: generate candidates per axis, keep those that meet every constraint,
score them on every axis that applies, fuse, and load the top ``k``.

Stages (timed when ``explain``): ``embed`` (the query text, outside the transaction),
then in one read-only transaction ``vector``, ``keyword``, ``temporal``, ``spatial``,
``causal``, ``graph`` (candidate generation), ``filter`` (constraints and scores for
every candidate), ``fuse``, ``trust`` (min_trust and order_by, ``kgmem.retrieval.trust``)
and ``load``. The temporal and spatial axes both generate
candidates and score the candidates other axes found, so a text match outside the
window or the area is dropped and one inside it is ranked by time or distance too.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from kgmem.graph import prepare
from kgmem.graph.context import GraphContext
from kgmem.model import Axis, ExpansionQuery, SearchHit, SearchQuery, SearchResult
from kgmem.retrieval import causal, expansion, semantic, spatial, temporal, trust, validate
from kgmem.retrieval import scope as scopes
from kgmem.retrieval.fusion import Scored, fuse
from kgmem.retrieval.scope import EPISODE, Key, Scope
from kgmem.storage import Connection, NamespaceRef, geo, namespaces
from kgmem.storage import candidates as cand
from kgmem.storage import facts as fact_store
from kgmem.storage import vertices as vertex_store

MIN_CANDIDATES = 50
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

    async def timed(self, stage: str, work: Callable[[], Awaitable[Any]]) -> Any:
        start = time.perf_counter()
        result = await work()
        self.timings[stage] = round((time.perf_counter() - start) * 1000, 3)
        return result


async def search(ctx: GraphContext, namespace: str, q: SearchQuery) -> SearchResult:
    """Search ``namespace``; see ``kgmem.model.SearchQuery``."""
    validate.query(ctx, q)
    trust.validate(q)
    run = _Run(q, scopes.of(q), min(max(4 * q.k, MIN_CANDIDATES), MAX_CANDIDATES))
    text = q.text.strip() if q.text else None
    vector = prepare.vector(ctx, q.embedding)
    embedder = ctx.embedder
    if vector is None and text and embedder is not None and q.weights.vector > 0:
        rows = await run.timed("embed", lambda: embedder.embed([text]))
        vector = [float(x) for x in rows[0]]
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        await _generate(ctx, conn, ns, run, text, vector)
        eligible = await run.timed("filter", lambda: _constrain(conn, ns, run))
        fused = await run.timed("fuse", lambda: _fuse(run, eligible))
        ranked, trusted = await run.timed("trust", lambda: trust.rank(conn, ns, q, fused))
        hits = await run.timed("load", lambda: _load(conn, ns, run, ranked, eligible))
        hits = trust.attach(hits, trusted)
    if not q.explain:
        return SearchResult(tuple(hits))
    return SearchResult(tuple(hits), tuple(run.plan), dict(run.timings))


async def _generate(
    ctx: GraphContext,
    conn: Connection,
    ns: NamespaceRef,
    run: _Run,
    text: str | None,
    vector: list[float] | None,
) -> None:
    q, scope, limit = run.q, run.scope, run.limit
    if vector is not None and q.weights.vector > 0:
        run.plan.append(f"vector: HNSW top {limit} (ef_search >= {semantic.EF_SEARCH})")
        run.axes["vector"] = await run.timed(
            "vector", lambda: semantic.vector(conn, ns, vector, scope, limit=limit)
        )
    if text and q.weights.keyword > 0:
        backend = ctx.db.keyword_search
        run.plan.append(f"keyword: {backend} top {limit}")
        run.axes["keyword"] = await run.timed(
            "keyword",
            lambda: semantic.keyword(conn, ns, text, scope, backend=backend, limit=limit),
        )
    if q.time is not None:
        t = q.time
        run.plan.append("temporal: facts and timed vertices meeting the time constraint")
        keys = await run.timed(
            "temporal", lambda: temporal.generate(conn, ns, t, scope, limit=limit)
        )
        run.axes["temporal"] = {k: Scored(0.0, "") for k in keys}
    if q.place is not None:
        p = q.place
        run.plan.append("spatial: GiST box prefilter, exact haversine distance")
        area = await run.timed("spatial", lambda: spatial.generate(conn, ns, p, limit=limit))
        run.area = area
        run.axes["spatial"] = {("v", i): Scored(0.0, "") for i in area.distances}
    if q.causal is not None:
        c = q.causal
        run.plan.append(f"causal: {c.direction} from {c.anchor!r} to depth {c.depth}")
        found = await run.timed("causal", lambda: causal.paths(ctx, conn, ns, c))
        run.axes["causal"] = await _causal_candidates(conn, ns, found)
    if q.expansion is not None or (text and q.weights.graph > 0):
        e = q.expansion or _DEFAULT_EXPANSION
        run.plan.append(f"graph: {e.hops}-hop neighbourhood, personalised PageRank")
        run.axes["graph"] = await run.timed("graph", lambda: expansion.expand(conn, ns, e, text))


_DEFAULT_EXPANSION = ExpansionQuery()


async def _causal_candidates(
    conn: Connection, ns: NamespaceRef, found: list[Any]
) -> dict[Key, Scored]:
    ends = {p.end for p in found}
    refs = await vertex_store.resolve(conn, ns, ends)
    fact_ids = {r.uid: r.id for r in (await _fact_refs(conn, ns, found))}
    scored: dict[Key, Scored] = {}
    for path in found:
        chain = " -> ".join([path.steps[0].cause, *(s.effect for s in path.steps)])
        flag = "; a cause starts after its effect" if path.flagged else ""
        key: Key = ("v", refs[path.end].id)
        if key not in scored or scored[key].score < path.strength:
            scored[key] = Scored(path.strength, f"{chain} (strength {path.strength:.3f}){flag}")
        last = path.steps[-1]
        fkey: Key = ("f", fact_ids[last.fact])
        if fkey not in scored or scored[fkey].score < path.strength:
            scored[fkey] = Scored(path.strength, f"on causal path {chain}")
    return scored


@dataclass(frozen=True, slots=True)
class _FactRef:
    uid: str
    id: int


async def _fact_refs(conn: Connection, ns: NamespaceRef, found: list[Any]) -> list[_FactRef]:
    uids = sorted({s.fact for p in found for s in p.steps})
    rows = await cand.fact_uids(conn, ns, uids)
    return [_FactRef(u, i) for u, i in rows.items()]


@dataclass(frozen=True, slots=True)
class _Eligible:
    """Candidates meeting every constraint, with their side rows."""

    vertices: dict[int, cand.VertexInfo]
    facts: dict[int, cand.FactInfo]


async def _constrain(conn: Connection, ns: NamespaceRef, run: _Run) -> _Eligible:
    q, scope = run.q, run.scope
    keys = {k for axis in run.axes.values() for k in axis}
    vrows = await cand.vertex_rows(conn, ns, [i for kind, i in keys if kind == "v"])
    frows = await cand.fact_rows(conn, ns, [i for kind, i in keys if kind == "f"])
    now = temporal.reference_time(q.time)
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
    if q.filters.properties:
        vertices, facts = await _with_properties(conn, ns, q, vertices, facts)
    if q.time is not None:
        _score_time(run, vertices, facts, now)
    if q.place is not None:
        vertices, facts = await _score_place(conn, ns, run, vertices, facts)
    return _Eligible(vertices, facts)


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
) -> None:
    t = run.q.time
    assert t is not None
    scored: dict[Key, Scored] = {}
    for i, v in vertices.items():
        s = temporal.vertex_score(t, v, now)
        if s is not None:
            scored[("v", i)] = s
    for i, f in facts.items():
        scored[("f", i)] = temporal.fact_score(t, f, now)
    run.axes["temporal"] = scored


async def _score_place(
    conn: Connection,
    ns: NamespaceRef,
    run: _Run,
    vertices: dict[int, cand.VertexInfo],
    facts: dict[int, cand.FactInfo],
) -> tuple[dict[int, cand.VertexInfo], dict[int, cand.FactInfo]]:
    p, area = run.q.place, run.area
    assert p is not None
    assert area is not None
    ends = {e for f in facts.values() for e in (f.subject_id, f.object_id)}
    where = await geo.locations(conn, ns, sorted(ends))
    where.update(
        {i: (v.lat, v.lon) for i, v in vertices.items() if v.lat is not None and v.lon is not None}
    )
    scored: dict[Key, Scored] = {}
    kept_v: dict[int, cand.VertexInfo] = {}
    for i, v in vertices.items():
        d = _distance(p, area, where.get(i))
        if d is not None:
            kept_v[i] = v
            scored[("v", i)] = spatial.score(p, area, d)
    kept_f: dict[int, cand.FactInfo] = {}
    for i, f in facts.items():
        ds = [
            d
            for e in (f.subject_id, f.object_id)
            if (d := _distance(p, area, where.get(e))) is not None
        ]
        if ds:
            kept_f[i] = f
            s = spatial.score(p, area, min(ds))
            scored[("f", i)] = Scored(s.score, f"an endpoint is {s.reason}")
    run.axes["spatial"] = scored
    return kept_v, kept_f


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
    return fuse(run.axes, weights, order=order, eligible=keys)


def _axis(name: str) -> Axis:
    return name  # type: ignore[return-value]


async def _load(
    conn: Connection, ns: NamespaceRef, run: _Run, ranked: list[Any], eligible: _Eligible
) -> list[SearchHit]:
    vids = [f.key[1] for f in ranked if f.key[0] == "v"]
    fids = [f.key[1] for f in ranked if f.key[0] == "f"]
    entities = await vertex_store.by_ids(conn, ns, vids)
    facts = await fact_store.by_ids(conn, ns, fids)
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
                )
            )
        else:
            fact = facts[element]
            hits.append(
                SearchHit(
                    kind="fact",
                    uid=fact.uid,
                    score=fused.score,
                    rank=rank,
                    scores=scores,
                    reasons=reasons,
                    fact=fact,
                )
            )
    return hits
