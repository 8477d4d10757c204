"""Keyword search of both kinds with their side rows in one statement
(``search_with_rows``) gives the answers of the per-kind searches plus side-row reads,
for both backends, filters and limits."""

from __future__ import annotations

import random

import pytest

from kgmem import Memory
from kgmem.model import AxisWeights, BatchWrite, EntityWrite, FactWrite, SearchQuery
from kgmem.storage import candidates as cand
from kgmem.storage import keyword_search as kw
from kgmem.storage import namespaces
from kgmem.storage.filters import ElementFilter
from tests.retrieval.graphs import add_people

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


def same_matches(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    """The same matches with the same scores: BM25 scores read from the index scan are
    float4 (``keyword_search._with_scan_scores``), the per-kind statement's float8."""
    assert sorted(i for i, _ in got) == sorted(i for i, _ in want)
    scores = dict(want)
    for i, s in got:
        assert s == pytest.approx(scores[i], rel=1e-6)


@pytest.mark.parametrize("backend", ["bm25", "fulltext"])
async def test_one_statement_matches_the_per_kind_searches(
    memory: Memory, namespace: str, backend: kw.Backend
) -> None:
    if backend == "bm25" and memory.database.keyword_search != "bm25":
        pytest.skip("pg_textsearch is not installed on this server")
    await add_people(memory, namespace)
    await _random_graph(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        for text in ("rocket", "anvil engine", "globex", "market river signal", "nothing"):
            for vertex_filter, fact_filter in FILTERS:
                for limit in (1, 5, 50):
                    vertices, facts = await kw.search_with_rows(
                        conn,
                        ns,
                        text,
                        backend=backend,
                        limit=limit,
                        vertices=vertex_filter,
                        facts=fact_filter,
                    )
                    old_v = (
                        await kw.search_vertices(
                            conn, ns, text, backend=backend, limit=limit, where=vertex_filter
                        )
                        if vertex_filter is not None
                        else []
                    )
                    old_f = (
                        await kw.search_facts(
                            conn,
                            ns,
                            text,
                            backend=backend,
                            limit=limit,
                            predicates=fact_filter.predicates,
                        )
                        if fact_filter is not None
                        else []
                    )
                    same_matches([(r.id, s) for r, s in vertices], old_v)
                    same_matches([(r.id, s) for r, s in facts], old_f)
                    assert [s for _, s in vertices] == sorted(
                        (s for _, s in vertices), reverse=True
                    )
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
