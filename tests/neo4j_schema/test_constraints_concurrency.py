"""Two writers of the same value, each in an open transaction: the second waits for
the first and is refused once it commits (READ COMMITTED: its lookup then sees the
committed row), through Cypher and through SQL; the second goes through when the first
rolls back."""

import asyncio

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import ConstraintViolation
from kgmem.graph.cypher import CypherRequest
from kgmem.graph.cypher_transaction import Runner
from tests.neo4j_schema.constraint_helpers import declare, unique


async def _waiting(conn: asyncpg.Connection) -> int:
    """Backends waiting for an advisory lock now."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        )
    )


async def _until_waiting(conn: asyncpg.Connection, task: asyncio.Task[object]) -> None:
    for _ in range(200):
        if await _waiting(conn):
            return
        assert not task.done(), task
        await asyncio.sleep(0.05)
    raise AssertionError("the second writer never waited for the first")


@pytest.mark.parametrize("first_ends", ["commit", "rollback"])
async def test_two_cypher_writers_cannot_both_create_the_value(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection, first_ends: str
) -> None:
    await memory.cypher(namespace, "CREATE (:L {k: 0})", mode="write")
    await declare(memory, namespace, unique("L", "k"))
    release = asyncio.Event()

    async def first() -> None:
        async with memory.cypher_transaction(namespace, "write") as run:
            await run_query(run, "CREATE (:L {k: 1})")
            await release.wait()
            if first_ends == "rollback":
                raise _Undo

    async def second() -> None:
        async with memory.cypher_transaction(namespace, "write") as run:
            await run_query(run, "MERGE (:L {k: 1}) WITH 1 AS x CREATE (:L {k: 1})")

    one = asyncio.create_task(first())
    await _until_locked(raw_conn)
    two = asyncio.create_task(second())
    await _until_waiting(raw_conn, two)
    release.set()
    if first_ends == "commit":
        await one
        with pytest.raises(ConstraintViolation):
            await two
    else:
        with pytest.raises(_Undo):
            await one
        with pytest.raises(ConstraintViolation):  # its MERGE made one, its CREATE another
            await two
    rows = await memory.cypher(namespace, "MATCH (n:L {k: 1}) RETURN count(n)")
    assert rows.rows == [[1 if first_ends == "commit" else 0]]


async def test_a_second_sql_writer_waits_then_is_refused(
    memory: Memory, namespace: str, pg_url: str
) -> None:
    await memory.cypher(namespace, "CREATE (:L {k: 0})", mode="write")
    await declare(memory, namespace, unique("L", "k"))
    insert = f'INSERT INTO "{namespace}"."L" (properties) VALUES (\'{{"k": 1}}\')'
    a, b, watch = [await asyncpg.connect(pg_url) for _ in range(3)]
    try:
        for conn in (a, b):
            await conn.execute("LOAD 'age'")
            await conn.execute("BEGIN")
        await a.execute(insert)
        waiting = asyncio.create_task(b.execute(insert))
        await _until_waiting(watch, waiting)
        await a.execute("COMMIT")
        with pytest.raises(asyncpg.UniqueViolationError, match="already exists"):
            await waiting
        await b.execute("ROLLBACK")
        count = await watch.fetchval(f'SELECT count(*) FROM "{namespace}"."L"')
        assert count == 2
    finally:
        for conn in (a, b, watch):
            await conn.close()


class _Undo(Exception):
    """Makes the first writer roll back."""


async def run_query(run: Runner, query: str) -> None:
    await run(CypherRequest(query=query, params={}, mode="write"))


async def _until_locked(conn: asyncpg.Connection) -> None:
    """Until an advisory lock is held (the first writer's, once its CREATE ran)."""
    query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    for _ in range(200):
        if await conn.fetchval(query):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the first writer never took its lock")
