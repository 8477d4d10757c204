"""A link lost while a transaction commits: the write is not acknowledged, the caller is
told its outcome is unknown (a retryable 503 with Retry-After), and the connection is
dropped; a read-only transaction losing its link is only unavailable."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import DatabaseUnavailable
from kgmem.failover_errors import CommitOutcomeUnknown
from kgmem.server.problems import from_error


@pytest.fixture
async def slow_commit(memory: Memory) -> AsyncIterator[str]:
    """A table whose rows make COMMIT wait (a deferred constraint trigger sleeping)."""
    table = f"slow_commit_{uuid.uuid4().hex[:8]}"
    async with memory.ctx.db.acquire() as conn:
        await conn.execute(
            f"CREATE TABLE public.{table} (x int);"
            f"CREATE FUNCTION public.{table}_wait() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$;"
            f"CREATE CONSTRAINT TRIGGER wait AFTER INSERT ON public.{table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.{table}_wait()"
        )
    try:
        yield table
    finally:
        async with memory.ctx.db.acquire() as conn:
            await conn.execute(f"DROP TABLE public.{table}; DROP FUNCTION public.{table}_wait()")


async def _terminate_soon(url: str, pid: int) -> None:
    await asyncio.sleep(0.5)
    killer = await asyncpg.connect(url)
    try:
        await killer.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await killer.close()


async def test_a_link_lost_during_commit_is_an_unknown_outcome(
    memory: Memory, slow_commit: str
) -> None:
    db = memory.ctx.db
    tasks: list[asyncio.Task[None]] = []

    async def write() -> None:
        async with db.transaction() as conn:
            await conn.execute(f"INSERT INTO public.{slow_commit} VALUES (1)")
            tasks.append(asyncio.create_task(_terminate_soon(db.url, conn.get_server_pid())))

    with pytest.raises(CommitOutcomeUnknown) as caught:
        await write()
    await tasks[0]
    answer = from_error(caught.value)
    assert answer.status_code == 503 and answer.headers["retry-after"] == "2"
    assert b"unknown" in answer.body
    async with db.acquire() as conn:  # the pool serves on with a new connection
        assert await conn.fetchval("SELECT 1") == 1


async def test_a_read_only_transaction_losing_its_link_is_only_unavailable(
    memory: Memory,
) -> None:
    db = memory.ctx.db

    async def read() -> None:
        async with db.transaction(readonly=True) as conn:
            killing = asyncio.create_task(_terminate_soon(db.url, conn.get_server_pid()))
            try:
                await conn.execute("SELECT pg_sleep(3)")
            finally:
                await killing

    with pytest.raises(DatabaseUnavailable) as caught:
        await read()
    assert not isinstance(caught.value, CommitOutcomeUnknown)
