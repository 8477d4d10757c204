"""Searches use at most ``search_connections`` pooled connections at once per process
(``Database.searching``); the rest wait in line, other work does not, and a fused
search, which runs its axes on several connections, still finishes with one."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest

from kgmem import Memory, Settings
from kgmem.settings.database_settings import DatabaseSettings
from kgmem.storage.pool import database
from tests.retrieval.graphs import assert_same_answers
from tests.retrieval_speed.test_judge_ahead import build, queries


async def test_a_search_waits_for_a_free_search_connection(pg_url: str) -> None:
    db = await database.open_database(pg_url, DatabaseSettings(search_connections=2))
    try:
        async with AsyncExitStack() as held:
            for _ in range(2):
                conn = await held.enter_async_context(db.searching())
                assert await conn.fetchval("SELECT 1") == 1
            third = asyncio.ensure_future(_one_search_statement(db))
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(asyncio.shield(third), timeout=0.3)
            async with db.acquire() as other:  # other work is not held back
                assert await other.fetchval("SELECT 2") == 2
            assert not third.done()
        assert await asyncio.wait_for(third, timeout=5) == 3
    finally:
        await db.close()


async def _one_search_statement(db: database.Database) -> int:
    async with db.searching() as conn:
        return int(await conn.fetchval("SELECT 3"))


async def test_one_search_connection_gives_the_same_answers(
    memory: Memory, namespace: str, settings: Settings
) -> None:
    await build(memory, namespace)
    expected = [await memory.search(namespace, q) for q in queries()]
    one = settings.model_copy(
        update={"database": settings.database.model_copy(update={"search_connections": 1})}
    )
    narrow = await Memory.open(one)
    try:
        # All at once: each fused search runs several axes, and none may hold its one
        # connection while waiting for another.
        got = await asyncio.wait_for(
            asyncio.gather(*(narrow.search(namespace, q) for q in queries())), timeout=60
        )
    finally:
        await narrow.close()
    assert_same_answers(got, expected)
    assert sum(len(r.hits) for r in expected) > 40


async def test_keyword_searches_of_both_kinds_finish_with_one_search_connection(
    memory: Memory, namespace: str, settings: Settings
) -> None:
    from kgmem.model import AxisWeights, SearchQuery

    await build(memory, namespace)
    only = AxisWeights(vector=0, keyword=1, temporal=0, spatial=0, causal=0, graph=0)
    asked = [SearchQuery(text=q.text, weights=only, k=q.k) for q in queries()]
    expected = [await memory.search(namespace, q) for q in asked]
    one = settings.model_copy(
        update={"database": settings.database.model_copy(update={"search_connections": 1})}
    )
    narrow = await Memory.open(one)
    try:
        # Each takes a connection per kind, one after the other through the one place.
        got = await asyncio.wait_for(
            asyncio.gather(*(narrow.search(namespace, q) for q in asked)), timeout=60
        )
    finally:
        await narrow.close()
    assert_same_answers(got, expected)
    assert sum(len(r.hits) for r in expected) > 20


def test_search_connections_must_be_positive() -> None:
    with pytest.raises(ValueError, match="search_connections"):
        DatabaseSettings(search_connections=0)
