"""Transactions that PostgreSQL undoes for a deadlock run again, a bounded number of
times, then fail with a clear ``WriteConflict``; other errors are not retried."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import StorageError, WriteConflict
from kgmem.storage import Connection
from kgmem.storage.pool.database import WRITE_ATTEMPTS

DEADLOCK = "DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = 'deadlock_detected'; END $$"


@pytest.fixture
async def probe(raw_conn: asyncpg.Connection) -> AsyncIterator[str]:
    """A two-row table of counters, dropped afterwards."""
    name = f"retry_{uuid.uuid4().hex[:10]}"
    await raw_conn.execute(f"CREATE TABLE public.{name} (id int PRIMARY KEY, n int NOT NULL)")
    await raw_conn.execute(f"INSERT INTO public.{name} VALUES (1, 0), (2, 0)")
    try:
        yield f"public.{name}"
    finally:
        await raw_conn.execute(f"DROP TABLE public.{name}")


async def test_a_real_deadlock_is_retried_and_both_writes_commit_once(
    memory: Memory, probe: str, raw_conn: asyncpg.Connection
) -> None:
    both_hold_one_row = asyncio.Barrier(2)
    runs = {1: 0, 2: 0}

    async def writer(first: int) -> None:
        second = 3 - first

        async def work(conn: Connection) -> None:
            runs[first] += 1
            await conn.execute(f"UPDATE {probe} SET n = n + 1 WHERE id = $1", first)
            if runs[first] == 1:
                await asyncio.wait_for(both_hold_one_row.wait(), 30)
            # Opposite orders: PostgreSQL detects the deadlock and undoes one of them.
            await conn.execute(f"UPDATE {probe} SET n = n + 1 WHERE id = $1", second)

        await memory.database.in_transaction(work)

    await asyncio.wait_for(asyncio.gather(writer(1), writer(2)), 60)
    assert sorted(runs.values()) == [1, 2]  # exactly one of them ran again
    counts = await raw_conn.fetch(f"SELECT id, n FROM {probe} ORDER BY id")
    assert [(r["id"], r["n"]) for r in counts] == [(1, 2), (2, 2)]  # nothing doubled


async def test_retries_are_bounded_and_end_in_a_write_conflict(
    memory: Memory, probe: str, raw_conn: asyncpg.Connection
) -> None:
    runs = 0

    async def work(conn: Connection) -> None:
        nonlocal runs
        runs += 1
        await conn.execute(f"UPDATE {probe} SET n = n + 1")
        await conn.execute(DEADLOCK)

    with pytest.raises(WriteConflict) as err:
        await memory.database.in_transaction(work, attempts=3)
    assert runs == 3
    assert err.value.code == "write_conflict" and "3 times" in err.value.detail
    assert await raw_conn.fetchval(f"SELECT sum(n) FROM {probe}") == 0  # nothing kept
    assert WRITE_ATTEMPTS >= 3


async def test_other_errors_are_not_retried(memory: Memory, probe: str) -> None:
    runs = 0

    async def work(conn: Connection) -> None:
        nonlocal runs
        runs += 1
        await conn.execute(f"INSERT INTO {probe} VALUES (1, 0)")  # duplicate key

    with pytest.raises(StorageError) as err:
        await memory.database.in_transaction(work)
    assert not isinstance(err.value, WriteConflict)
    assert err.value.extra["sqlstate"] == "23505"
    assert runs == 1


async def test_success_after_one_failure_commits_the_last_run_only(
    memory: Memory, probe: str, raw_conn: asyncpg.Connection
) -> None:
    runs = 0

    async def work(conn: Connection) -> int:
        nonlocal runs
        runs += 1
        n: int = await conn.fetchval(f"UPDATE {probe} SET n = n + 1 WHERE id = 1 RETURNING n")
        if runs == 1:
            await conn.execute(DEADLOCK)
        return n

    assert await memory.database.in_transaction(work) == 1
    assert runs == 2
    assert await raw_conn.fetchval(f"SELECT n FROM {probe} WHERE id = 1") == 1
