"""The round-trip counter counts what it is asked to: every connection's statements, one
connection's (``on``), or only those of the code inside its block and the tasks that
code starts (``own``), whatever background work queries meanwhile."""

from __future__ import annotations

import asyncio

import asyncpg

from bench.roundtrips import RoundTrips
from kgmem import Memory


async def _background(memory: Memory, go: asyncio.Event, done: asyncio.Event) -> None:
    """Work started before the block (as the watchdog or prewarming is) that sends one
    statement on a pooled connection and one on a connection of its own while the
    block runs."""
    own = await asyncpg.connect(memory.database.url)
    try:
        async with memory.database.acquire() as pooled:
            await go.wait()
            await pooled.fetchval("SELECT 1")
            await own.fetchval("SELECT 2")
            done.set()
    finally:
        await own.close()


async def _measured(memory: Memory, go: asyncio.Event, done: asyncio.Event) -> None:
    """Two statements here and one in a task started here, each on a pooled connection;
    the background's two are sent in between."""
    async with memory.database.acquire() as conn:
        await conn.fetchval("SELECT 3")
        go.set()
        await asyncio.wait_for(done.wait(), timeout=10)
        await conn.execute("SELECT 4")

    async def child() -> None:
        async with memory.database.acquire() as other:
            await other.fetch("SELECT 5")

    await asyncio.gather(child())


async def _warm(memory: Memory) -> None:
    """Three pooled connections open and answering, so none is opened (with its setup
    statements) inside the block: one held by the background, two by the block."""

    async def one() -> None:
        async with memory.database.acquire() as conn:
            await conn.fetchval("SELECT 0")
            await asyncio.sleep(0.05)

    await asyncio.gather(one(), one(), one())


async def test_own_counts_the_block_and_its_tasks_not_background_work(memory: Memory) -> None:
    for own in (True, False):
        await _warm(memory)
        go, done = asyncio.Event(), asyncio.Event()
        background = asyncio.create_task(_background(memory, go, done))
        await asyncio.sleep(0)
        with RoundTrips(own=own) as trips:
            await asyncio.wait_for(_measured(memory, go, done), timeout=20)
        await asyncio.wait_for(background, timeout=10)
        queries = {q for q in trips.by_query if q.startswith("SELECT")}
        if own:
            assert trips.by_kind == {"fetchval": 1, "execute": 1, "fetch": 1}
            assert queries == {"SELECT 3", "SELECT 4", "SELECT 5"}
        else:  # every connection's: the background's two as well
            assert queries == {"SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4", "SELECT 5"}


async def test_own_and_on_together_count_one_connection_of_the_block(memory: Memory) -> None:
    async with memory.database.acquire() as first, memory.database.acquire() as second:
        with RoundTrips(first, own=True) as trips, RoundTrips(own=True) as outer:
            await first.fetchval("SELECT 1")
            await second.fetchval("SELECT 2")
            await asyncio.gather(first.fetchval("SELECT 3"))
    assert set(trips.by_query) == {"SELECT 1", "SELECT 3"}
    assert set(outer.by_query) == {"SELECT 1", "SELECT 2", "SELECT 3"}
