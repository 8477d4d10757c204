"""The watchdog ends kgmem backends that outlive every timeout: it terminates them,
and on the embedded server, when asked, kills one that ignores termination, after which
the server serves again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from kgmem.settings.database_settings import DatabaseSettings
from kgmem.storage.engine.embedded import start_embedded
from kgmem.storage.pool import watchdog
from kgmem.storage.pool.watchdog import WATCHED_APPLICATION, Watchdog
from tests.fixtures.database import SMALL_BUFFERS

LOST = (asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError)


async def connect(url: str, application: str) -> asyncpg.Connection:
    return await asyncpg.connect(
        url, server_settings={"application_name": application, "statement_timeout": "0"}
    )


async def test_an_overdue_statement_is_terminated(pg_url: str) -> None:
    stuck = await connect(pg_url, WATCHED_APPLICATION)
    other = await connect(pg_url, "someone-else")
    dog = Watchdog(url=pg_url, limit_s=0.5, grace_s=1.0, interval_s=0.2)
    dog.start()
    try:
        async with asyncio.timeout(20):
            mine = asyncio.create_task(stuck.fetchval("SELECT pg_sleep(60)"))
            theirs = asyncio.create_task(other.fetchval("SELECT pg_sleep(3)"))
            with pytest.raises(LOST):
                await mine
            assert await theirs is None  # not kgmem's pool: left alone
    finally:
        await dog.stop()
        stuck.terminate()
        await other.close()


@pytest.mark.slow
async def test_a_backend_deaf_to_termination_is_killed_and_the_server_recovers(
    home_dir: Path,
) -> None:
    server = start_embedded(home_dir, owner=True, shared_buffers=SMALL_BUFFERS)
    holder = blocked = None
    try:
        holder = await connect(server.url, "holder")
        await holder.execute(
            "CREATE EXTENSION IF NOT EXISTS pg_textsearch; CREATE TABLE t (x text); "
            "CREATE INDEX t_bm25 ON t USING bm25 (x) WITH (text_config = 'english')"
        )
        await holder.execute("BEGIN; INSERT INTO t VALUES ('held')")
        blocked = await connect(server.url, WATCHED_APPLICATION)
        await blocked.execute("SET statement_timeout = 500")  # ignored in this wait
        # Short limits: the watchdog's limit is the longest timeout plus its grace.
        settings = DatabaseSettings(
            statement_timeout_ms=500,
            watchdog_interval_s=0.2,
            watchdog_grace_s=1.0,
            watchdog_kill=True,
        )
        dog = watchdog.from_settings(server.url, settings, cypher_timeout_ms=500, local=True)
        assert dog is not None
        dog.start()
        try:
            async with asyncio.timeout(60):
                with pytest.raises(LOST):
                    await blocked.execute("INSERT INTO t VALUES ('waits for the index lock')")
                # PostgreSQL restarts its backends after the kill: a connection opened
                # before its reset is ended by it, so connect and read until one answers.
                while True:
                    fresh = None
                    try:
                        fresh = await connect(server.url, "after")
                        rows = await fresh.fetchval("SELECT count(*) FROM t")
                        break
                    except LOST:
                        await asyncio.sleep(0.5)
                    finally:
                        if fresh is not None:
                            fresh.terminate()
                assert rows == 0
        finally:
            await dog.stop()
    finally:
        for conn in (holder, blocked):
            if conn is not None:
                conn.terminate()
        server.stop()


def test_no_watchdog_without_a_statement_timeout() -> None:
    off = DatabaseSettings(statement_timeout_ms=0)
    assert watchdog.from_settings("postgresql:///x", off, cypher_timeout_ms=1, local=True) is None
    limits = DatabaseSettings(statement_timeout_ms=30_000, watchdog_grace_s=10)
    dog = watchdog.from_settings("postgresql:///x", limits, cypher_timeout_ms=60_000, local=False)
    assert dog is not None
    assert dog.limit_s == 70
    assert dog.kill is None
    local = watchdog.from_settings("postgresql:///x", limits, cypher_timeout_ms=1, local=True)
    assert local is not None
    assert local.kill is None  # killing restarts every backend: only when asked
