"""A pooled connection whose server session ended while it sat idle in the pool (a
server shutting down tells its idle sessions so, then closes them) is not handed to a
transaction: it fails at BEGIN, before anything of the caller was sent, and the
transaction begins on a fresh connection instead."""

from __future__ import annotations

import time

import psycopg

from kgmem.settings.database_settings import DatabaseSettings
from kgmem.storage.pool import database


def _end_without_the_loop(url: str, pid: int) -> None:
    """End session ``pid`` while the event loop is held (called straight from the test,
    not in a thread): its end reaches this process's socket, but the pool does not see
    it before the next transaction takes the connection."""
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.3)


async def test_a_connection_ended_while_idle_is_replaced_at_begin(
    fresh_database,  # type: ignore[no-untyped-def]
) -> None:
    url = await fresh_database()
    db = await database.open_database(
        url, DatabaseSettings(pool_min_size=1, pool_max_size=1, pool_reserve=0)
    )
    try:
        async with db.acquire() as conn:
            ended = conn.get_server_pid()
        _end_without_the_loop(url, ended)
        for _ in range(2):
            async with db.transaction() as conn:
                assert await conn.fetchval("SELECT pg_backend_pid()") != ended
        assert db.failovers.refused == 0  # no request was refused for it
    finally:
        await db.close()
