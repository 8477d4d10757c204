"""Keyword search of both kinds with their side rows in one statement
(``search_with_rows``) gives BM25 of the live rows (computed here) with the side rows a
separate read gives, under every filter and limit."""

from __future__ import annotations

import random

import pytest

from kgmem import Memory
from kgmem.model import AxisWeights, BatchWrite, EntityWrite, FactWrite, SearchQuery
from kgmem.storage.filters import ElementFilter
from kgmem.storage.graph import namespaces
from kgmem.storage.indexes import candidates as cand
from kgmem.storage.indexes import keyword_search as kw
from tests.retrieval.graphs import add_people
from tests.retrieval.test_keyword_search import reference_bm25

ONLY_KEYWORD = AxisWeights(vector=0, keyword=1, temporal=0, spatial=0, causal=0, graph=0)
WORDS = ["rocket", "anvil", "engine", "river", "market", "signal", "harbour", "garden"]

FILTERS = [
    (ElementFilter(), ElementFilter()),
    (ElementFilter(labels=("Person",)), ElementFilter(predicates=("WORKS_AT",))),
    (ElementFilter(exclude_labels=("Person",)), None),
    (None, ElementFilter(predicates=("NO_SUCH",))),
    (None, None),
]


async def _random_graph(memory: Memory, namespace: str) -> None:
    rng = random.Random(4)
    labels = ("Person", "Organization", "Thing")
    entities = [
        EntityWrite(
            f"e{i:03d}",
            rng.choice(labels),
            {"name": f"E{i}", "summary": " ".join(rng.choices(WORDS, k=rng.randint(1, 4)))},
        )
        for i in range(50)
    ]
    facts = [
        FactWrite(
            f"e{rng.randrange(50):03d}",
            rng.choice(("WORKS_AT", "LINKS")),
            f"e{rng.randrange(50):03d}",
            text=" ".join(rng.choices(WORDS, k=3)),
        )
        for _ in range(40)
    ]
    await memory.write_batch(namespace, BatchWrite(entities=entities, facts=facts))


def best(scores: dict[int, float], keep: set[int], limit: int) -> list[tuple[int, float]]:
    """The ``limit`` best of ``scores`` among ``keep``, as the search orders them."""
    ranked = sorted(((i, s) for i, s in scores.items() if i in keep), key=lambda p: (-p[1], p[0]))
    return ranked[:limit]


def same_matches(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    """The same matches in the same order with the same scores (float sums may differ
    in their last bits)."""
    assert [i for i, _ in got] == [i for i, _ in want]
    for (_, s), (_, t) in zip(got, want, strict=True):
        assert s == pytest.approx(t, rel=1e-9)


async def test_one_statement_gives_bm25_of_both_kinds_with_filters_and_limits(
    memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    await _random_graph(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        labels = {
            r["id"]: r["label"]
            for r in await conn.fetch(f'SELECT id, label FROM "{namespace}"._kg_vertex')
        }
        predicates = {
            r["id"]: r["predicate"]
            for r in await conn.fetch(f'SELECT id, predicate FROM "{namespace}"._kg_fact')
        }
    for text in ("rocket", "anvil engine", "globex", "market river signal", "nothing"):
        want_v = await reference_bm25(memory, namespace, text)
        want_f = await reference_bm25(memory, namespace, text, "_kg_fact")
        for vertex_filter, fact_filter in FILTERS:
            for limit in (1, 5, 50):
                async with memory.database.transaction(readonly=True) as conn:
                    vertices, facts = await kw.search_with_rows(
                        conn, ns, text, limit=limit, vertices=vertex_filter, facts=fact_filter
                    )
                    if vertex_filter is not None:
                        keep = {
                            i
                            for i, label in labels.items()
                            if (vertex_filter.labels is None or label in vertex_filter.labels)
                            and label not in (vertex_filter.exclude_labels or ())
                        }
                        same_matches([(r.id, s) for r, s in vertices], best(want_v, keep, limit))
                    else:
                        assert vertices == []
                    if fact_filter is not None:
                        keep = {
                            i
                            for i, p in predicates.items()
                            if fact_filter.predicates is None or p in fact_filter.predicates
                        }
                        same_matches([(r.id, s) for r, s in facts], best(want_f, keep, limit))
                    else:
                        assert facts == []
                    assert {r.id: r for r, _ in vertices} == await cand.vertex_rows(
                        conn, ns, [r.id for r, _ in vertices]
                    )
                    assert {r.id: r for r, _ in facts} == await cand.fact_rows(
                        conn, ns, [r.id for r, _ in facts]
                    )


async def test_keyword_search_reads_no_side_rows_after_its_statement(
    memory: Memory, namespace: str
) -> None:
    from bench.roundtrips import RoundTrips

    await add_people(memory, namespace)
    await _random_graph(memory, namespace)
    query = SearchQuery(text="rocket engine", weights=ONLY_KEYWORD, types=("entities",), k=5)
    first = await memory.search(namespace, query)
    # The search's own statements, on whichever pooled connections it takes; not
    # those of background work (the watchdog's sweep) that happen meanwhile.
    with RoundTrips(own=True) as rt:
        again = await memory.search(namespace, query)
    assert again == first and first.hits
    # The keyword statement, then the load of the hits: no side-row read between.
    assert rt.total == 2, rt.by_query


async def test_a_lone_keyword_search_of_both_kinds_runs_them_at_once_with_the_same_scores(
    memory: Memory, namespace: str
) -> None:
    from bench.roundtrips import RoundTrips
    from kgmem.retrieval import axes, semantic
    from kgmem.retrieval.search import plan_of

    await _random_graph(memory, namespace)
    for text in ("rocket engine garden", "anvil", "signal harbour market river"):
        query = SearchQuery(text=text, weights=ONLY_KEYWORD, types=("entities", "facts"))
        p = plan_of(memory.ctx, query)
        assert p.splits_keyword
        async with memory.database.acquire() as conn:
            ns = (await namespaces.list_all(conn, [namespace]))[0]
            found = await semantic.keyword_rows(conn, ns, text, p.scope, limit=p.limit)
        one = semantic.keyword_scored(*found)
        apart = await axes.keyword_by_kind(memory.ctx, p, ns)
        # The same candidates with the same scores as both kinds in one statement.
        assert {k for k, _ in one.items()} == set(apart.scored)
        for key, scored in one.items():
            assert apart.scored[key].score == pytest.approx(scored.score, rel=1e-9)
        assert {k[0] for k in apart.scored} == {"v", "f"}
    got = await memory.search(namespace, query)
    with RoundTrips(own=True) as rt:
        assert await memory.search(namespace, query) == got
    # One statement per kind (each on its own connection), then the loads of the hits.
    keyword = sum(n for q, n in rt.by_query.items() if q.startswith("WITH terms AS"))
    assert keyword == 2, rt.by_query
