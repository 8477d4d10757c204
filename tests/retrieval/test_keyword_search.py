"""Keyword search: BM25 scored by kgmem over the GIN-indexed lexemes, with the corpus
statistics of the live rows, equal to BM25 computed here from the rows."""

import math

import pytest

from kgmem import Memory
from kgmem.storage.filters import ElementFilter
from kgmem.storage.graph import namespaces
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.indexes import keyword_search as kw
from kgmem.storage.sql import table
from tests.retrieval.graphs import add_people


async def test_matching_texts_are_found_and_filtered(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        found = await kw.search_vertices(
            conn, ns, "makers of anvils", limit=10, where=ElementFilter()
        )
        people = await kw.search_vertices(
            conn, ns, "rocket", limit=10, where=ElementFilter(labels=("Person",))
        )
        names = await vertex_store.by_ids(conn, ns, [i for i, _ in found + people])
        facts = await kw.search_facts(conn, ns, "globex", limit=10)
    assert names[found[0][0]].uid == "acme"
    assert all(score > 0 for _, score in found)
    assert sorted(names[i].uid for i, _ in people) == ["alice", "bob"]
    assert len(facts) == 1


async def reference_bm25(
    memory: Memory,
    namespace: str,
    query: str,
    side: str = "_kg_vertex",
    bm25: tuple[float, float] = (kw.K1, kw.B),
) -> dict[int, float]:
    """BM25 (``bm25`` = (k1, b)) of every row of ``side`` for ``query``, computed here
    from the rows' lexemes."""
    k1, b = bm25
    async with memory.database.acquire() as conn:
        docs = await conn.fetch(
            "SELECT s.id, array_agg(u.lexeme) AS lexemes, "
            "array_agg(greatest(cardinality(u.positions), 1)) AS tfs "
            f"FROM {table(namespace, side)} s, unnest(s.tsv) u GROUP BY s.id"
        )
        terms = {
            t
            for (t,) in await conn.fetch(
                "SELECT lexeme FROM unnest(to_tsvector('english', $1))", query
            )
        }
    tf = {r["id"]: dict(zip(r["lexemes"], r["tfs"], strict=True)) for r in docs}
    n = len(tf)
    if not n:
        return {}
    avgdl = sum(len(d) for d in tf.values()) / n  # a length: the distinct lexemes
    df = {t: sum(1 for d in tf.values() if t in d) for t in terms}
    scores = {}
    for id_, d in tf.items():
        length = len(d)
        score = 0.0
        for t in terms & d.keys():
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            score += idf * d[t] * (k1 + 1) / (d[t] + k1 * (1 - b + b * length / avgdl))
        if score > 0:
            scores[id_] = score
    return scores


@pytest.mark.parametrize("query", ["makers of anvils", "rocket rocket scientist", "acme globex"])
async def test_scores_are_bm25_of_the_live_rows(memory: Memory, namespace: str, query: str) -> None:
    await add_people(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        found = await kw.search_vertices(conn, ns, query, limit=100, where=ElementFilter())
    expected = await reference_bm25(memory, namespace, query)
    assert {i for i, _ in found} == set(expected)
    for id_, score in found:
        assert score == pytest.approx(expected[id_], rel=1e-9)


@pytest.mark.parametrize("bm25", [(0.6, 0.3), (2.0, 0.9), (1.2, 0.0)])
async def test_k1_and_b_given_are_the_ones_scored(
    memory: Memory, namespace: str, bm25: tuple[float, float]
) -> None:
    await add_people(memory, namespace)
    query = "rocket rocket scientist makers of anvils"
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        found, _ = await kw.search_with_rows(
            conn, ns, query, limit=100, vertices=ElementFilter(), facts=None, bm25=bm25
        )
    expected = await reference_bm25(memory, namespace, query, bm25=bm25)
    assert {r.id for r, _ in found} == set(expected)
    for row, score in found:
        assert score == pytest.approx(expected[row.id], rel=1e-9)
