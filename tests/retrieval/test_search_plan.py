"""A search gives what its axes give one by one: each axis's scores are those of a
search on that axis alone, the hits are those axes' scores fused (every fusion), and
``explain`` prints the plan's lines in the plan's order, with a time for every axis."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import replace

import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.model import (
    AxisWeights,
    CausalQuery,
    ExpansionQuery,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from kgmem.retrieval.fusion import FUSIONS, Fusion, Scored, fuse
from kgmem.retrieval.plan import SearchPlan
from kgmem.retrieval.search import plan_of
from tests.retrieval.graphs import DIM
from tests.retrieval_speed.test_judge_ahead import build as build_every_axis
from tests.retrieval_speed.test_judge_ahead import queries as every_axis_queries

WORDS = ["amber", "basalt", "cobalt", "delta", "ember", "fjord", "granite", "harbor"]
AXES = ("vector", "keyword", "temporal", "spatial", "causal", "graph")
Key = tuple[str, str]


def _vector(rng: random.Random) -> list[float]:
    return [rng.uniform(-1, 1) for _ in range(DIM)]


def _only(axis: str) -> AxisWeights:
    return AxisWeights(**{a: 1.0 if a == axis else 0.0 for a in AXES})


def _key(hit: SearchHit) -> Key:
    return ("f" if hit.kind == "fact" else "v", hit.uid)


def _alone(q: SearchQuery, axis: str, k: int) -> SearchQuery:
    """``q`` ranked by ``axis`` alone, asking for ``k`` hits: the same filters, time and
    place (constraints even when they do not rank)."""
    return replace(
        q,
        text=q.text if axis in ("keyword", "graph") else None,
        embedding=q.embedding if axis == "vector" else None,
        causal=q.causal if axis == "causal" else None,
        expansion=q.expansion if axis == "graph" else None,
        weights=_only(axis),
        k=k,
        explain=False,
    )


async def _scores_alone(
    memory: Memory, namespace: str, q: SearchQuery, axis: str, k: int
) -> dict[Key, float]:
    result = await memory.search(namespace, _alone(q, axis, k))
    assert len(result.hits) < k, "every candidate of the axis must come back"
    return {_key(h): h.scores[axis] for h in result.hits}


def _reference(
    axes: Mapping[str, Mapping[Key, float]], weights: AxisWeights, fusion: Fusion
) -> list[tuple[Key, float, float]]:
    scored = {a: {k: Scored(s, "") for k, s in by.items()} for a, by in axes.items()}
    order = {k: k for by in axes.values() for k in by}
    weights_of = {a: weights.of(a) for a in axes}  # type: ignore[arg-type]
    ranked = fuse(scored, weights_of, method=fusion, order=order)
    return [(f.key, f.score, f.relevance) for f in ranked]


def _assert_ranked_as(
    hits: tuple[SearchHit, ...], expected: list[tuple[Key, float, float]], fusion: Fusion
) -> None:
    """The same hits in the same order, with the same fused score and relevance; the
    axes' scores in hits are rounded to six decimals, which can make two of them equal
    and so share a rank: a reciprocal-rank score is then one rank step off."""
    assert [_key(h) for h in hits] == [key for key, _, _ in expected]
    within = 5e-4 if fusion == "rrf" else 1e-5
    for hit, (_, score, relevance) in zip(hits, expected, strict=True):
        assert abs(hit.score - score) <= within
        assert abs(hit.relevance - relevance) <= 1e-5


def _assert_axis_scores(
    hits: tuple[SearchHit, ...], plan: SearchPlan, alone: Mapping[str, Mapping[Key, float]]
) -> None:
    """Each hit scored by the axes that score it alone, with their scores (to 1e-5: a
    BM25 score read from the index scan and one computed again can differ by one float4
    step, see ``tests.retrieval.graphs.assert_same_answers``)."""
    for hit in hits:
        want = {a: alone[a][_key(hit)] for a in plan.axes if _key(hit) in alone[a]}
        assert hit.scores.keys() == want.keys(), hit
        assert all(abs(hit.scores[a] - want[a]) <= 1e-5 for a in want), hit


def _assert_explains(result: SearchResult, plan: SearchPlan) -> None:
    assert result.plan == plan.lines
    assert [line.split(":")[0] for line in result.plan] == list(plan.axes)
    assert list(plan.axes) == [a for a in AXES if a in plan.axes]  # the query's order
    assert result.timings_ms is not None
    assert set(result.timings_ms) >= {*plan.axes, "filter", "fuse", "decay", "trust", "load"}


async def _build_words(memory: Memory, namespace: str) -> None:
    """Few enough elements that a search on one axis returns all its candidates."""
    rng = random.Random(31)
    entities = [
        EntityWrite(
            f"w{i:02d}",
            rng.choice(("Person", "Place")),
            {"name": f"W{i}", "summary": " ".join(rng.choices(WORDS, k=rng.randint(1, 3)))},
            embedding=_vector(rng),
        )
        for i in range(30)
    ]
    facts = [
        FactWrite(
            f"w{rng.randrange(30):02d}",
            "LINKS",
            f"w{rng.randrange(30):02d}",
            text=" ".join(rng.choices(WORDS, k=2)),
            embedding=_vector(rng),
        )
        for _ in range(15)
    ]
    await memory.write_batch(namespace, BatchWrite(entities=entities, facts=facts))


@pytest.mark.parametrize("fusion", FUSIONS)
async def test_keyword_and_vector_fused_as_searched_one_by_one(
    memory: Memory, namespace: str, fusion: Fusion
) -> None:
    await _build_words(memory, namespace)
    rng = random.Random(5)
    for i in range(6):
        q = SearchQuery(
            text=" ".join(rng.choices(WORDS, k=2)),
            embedding=_vector(rng),
            filters=SearchFilters(labels=("Person",)) if i % 3 == 2 else SearchFilters(),
            k=[3, 10, 40][i % 3],
            fusion=fusion,
            weights=AxisWeights(vector=0.2 + 0.3 * (i % 2), keyword=0.68),
            explain=True,
        )
        plan = plan_of(memory.ctx, q)
        assert plan.axes == ("vector", "keyword")
        result = await memory.search(namespace, q)
        _assert_explains(result, plan)
        # Each axis returns fewer than the plan's limit: no axis is cut off.
        alone = {a: await _scores_alone(memory, namespace, q, a, plan.limit) for a in plan.axes}
        _assert_axis_scores(result.hits, plan, alone)
        _assert_ranked_as(result.hits, _reference(alone, q.weights, fusion)[: q.k], fusion)


async def test_every_axis_at_once_as_searched_one_by_one(memory: Memory, namespace: str) -> None:
    """Asking for every eligible candidate (k 1000), each hit's score on each axis is
    the one that axis alone gives it (a fact's place score: its nearer endpoint's), and
    the fused order is those scores fused."""
    await build_every_axis(memory, namespace)
    checked = 0
    for i, base in enumerate(every_axis_queries()[:8]):
        q = replace(
            base,
            k=1000,
            explain=True,
            fusion=FUSIONS[i % 3],
            causal=base.causal or CausalQuery("a", depth=2),
            expansion=ExpansionQuery(hops=1) if i % 2 else None,
            # Scores of the axes alone fused; the nearby features have tests of their own.
            weights=replace(base.weights, nearby_keyword=0.0, nearby_vector=0.0),
        )
        plan = plan_of(memory.ctx, q)
        result = await memory.search(namespace, q)
        _assert_explains(result, plan)
        eligible = {_key(h) for h in result.hits}
        alone = {a: await _scores_alone(memory, namespace, q, a, 1000) for a in plan.axes}
        anywhere = replace(
            _alone(q, "spatial", 1000),
            time=None,
            filters=SearchFilters(),
            types=("entities", "episodes"),
        )
        places = await memory.search(namespace, anywhere)
        near = {h.uid: h.scores["spatial"] for h in places.hits}
        for hit in result.hits:
            if hit.fact is not None and "spatial" in hit.scores:
                ends = [near[e] for e in (hit.fact.subject, hit.fact.object) if e in near]
                assert ends, hit
                alone["spatial"][_key(hit)] = max(ends)
        axes = {a: {k: s for k, s in by.items() if k in eligible} for a, by in alone.items()}
        _assert_axis_scores(result.hits, plan, axes)
        _assert_ranked_as(result.hits, _reference(axes, q.weights, q.fusion), q.fusion)
        checked += len(result.hits)
    assert checked > 100
