"""A pooled connection whose backend goes away: 503, discarded, and the pool recovers.

Also the driver errors that mean the link is gone, and the shutdown's signals to busy
backends (cancel, then terminate)."""

import asyncio

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import DatabaseUnavailable
from kgmem.storage.engine.driver_errors import breaks_link, translate


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.InternalClientError("unexpected message"),
        asyncpg.exceptions.ProtocolError("broken mid-message"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.InterfaceError("connection is closed"),
        ConnectionResetError("reset by peer"),
    ],
)
def test_every_connection_level_failure_is_database_unavailable(exc: Exception) -> None:
    assert isinstance(translate(exc), DatabaseUnavailable)
    assert breaks_link(exc)


def test_a_statement_error_does_not_discard_the_connection() -> None:
    exc = asyncpg.exceptions.UniqueViolationError("duplicate key")
    assert not breaks_link(exc) and not isinstance(translate(exc), DatabaseUnavailable)


async def test_terminated_backend_answers_503_and_the_pool_replaces_it(memory: Memory) -> None:
    db = memory.ctx.db
    killer = await asyncpg.connect(db.url)
    pids: list[int] = []

    async def query_after_termination() -> None:
        async with db.acquire() as conn:
            pids.append(conn.get_server_pid())
            assert await killer.fetchval("SELECT pg_terminate_backend($1)", pids[0])
            await asyncio.sleep(0.2)
            await conn.fetchval("SELECT 1")

    try:
        with pytest.raises(DatabaseUnavailable):
            await query_after_termination()
    finally:
        await killer.close()
    # The broken connection was discarded: the next ones all work.
    for _ in range(db.pool.get_max_size() + 1):
        async with db.acquire() as conn:
            assert conn.get_server_pid() != pids[0]
            assert await conn.fetchval("SELECT 1") == 1


async def test_shutdown_signals_reach_only_busy_backends_of_the_pool(memory: Memory) -> None:
    db = memory.ctx.db
    assert await db.cancel_statements() == 0  # nothing running
    async with db.acquire() as conn:
        sleeping = asyncio.create_task(conn.fetchval("SELECT pg_sleep(30)"))
        await asyncio.sleep(0.3)
        assert await db.cancel_statements() == 1
        with pytest.raises(asyncpg.exceptions.QueryCanceledError):
            await asyncio.wait_for(sleeping, 5)
        assert await conn.fetchval("SELECT 2") == 2  # cancelled, not ended

    async def terminated_in_a_transaction() -> None:
        async with db.transaction() as conn:
            sleeping = asyncio.create_task(conn.fetchval("SELECT pg_sleep(30)"))
            await asyncio.sleep(0.3)
            assert await db.terminate_backends() == 1
            await asyncio.wait_for(sleeping, 5)

    with pytest.raises(DatabaseUnavailable):
        await terminated_in_a_transaction()
    assert await db.ping()
