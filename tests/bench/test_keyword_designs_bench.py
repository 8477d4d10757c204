"""``python -m bench keyword-designs`` at a tiny size: the shipped gin-stats design and
the postings design rank like exact BM25 while every query's words are within the
candidate budget, after the bulk build and after concurrent writers added rows."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import asyncpg
import pytest

from bench import keyword_designs
from bench.keyword_corpus import Corpus, Query, common_queries, mixed_queries
from bench.keyword_exact import Exact
from bench.keyword_layouts import Design
from bench.keyword_probe import recall, within_budget
from bench.keyword_writes import throughput

ROWS = 500


async def assert_exact(
    conn: asyncpg.Connection, design: Design, corpus: Corpus, queries: Sequence[Query]
) -> None:
    exact = Exact(corpus)
    assert all(within_budget(exact, queries))
    rankings = [exact.rank(q.words) for q in queries]
    assert await recall(conn, design, queries, rankings) == [1.0] * len(queries), design.name
    for query, ranking in zip(queries, rankings, strict=True):
        rows = await conn.fetch(design.query, query.text, 10, *design.extra)
        best = sorted(ranking.scores, reverse=True)[:10]
        assert [float(score) for _, score in rows] == pytest.approx(best, rel=1e-9), query.text


@pytest.mark.slow
async def test_gin_stats_and_postings_rank_like_exact_bm25(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    url = await fresh_database()
    args = keyword_designs.parse(
        ["--rows", str(ROWS), "--vocabulary", "2000", "--designs", "gin-stats,postings"]
    )
    async with asyncio.timeout(60):
        await keyword_designs.migrate(url, tmp_path)
        conn = await asyncpg.connect(url)
        try:
            corpus, writer = await keyword_designs.make_corpus(conn, args)
            chosen, built = await keyword_designs.build_all(conn, args, corpus)
            assert [d.name for d in chosen] == ["gin-stats", "postings"]
            assert all(row["status"] == "built" for row in built.values())
            grown = corpus.plus(writer.draw(200))
            drawn = mixed_queries(corpus, 40, 1) + common_queries(corpus, 5, 1)
            # The queries ranked exactly: their words within the budget after the writes.
            under = within_budget(Exact(grown), drawn)
            queries = [q for q, ok in zip(drawn, under, strict=True) if ok]
            assert len(queries) >= 30
            for design in chosen:
                await assert_exact(conn, design, corpus, queries)
            for design in chosen:
                rows = grown.rows(corpus.n, grown.n)
                assert await throughput(url, design, rows, writers=2, batch=50) > 0
                await assert_exact(conn, design, grown, queries)
        finally:
            await conn.close()
