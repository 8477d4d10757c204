"""Two writers of the same value, each in an open transaction: the second waits for
the first. Once the first commits, the second's lookup (READ COMMITTED) sees its row:
a one-statement write runs again, where a MERGE finds the node as Neo4j's racing
MERGEs do and a CREATE is refused; an explicit transaction (SQL, or Cypher's
multi-statement transaction) gets a serialization failure to retry. When the first
rolls back, the second goes through."""

import asyncio

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import WriteConflict
from kgmem.graph.cypher import CypherRequest
from kgmem.graph.cypher_transaction import Runner
from kgmem.neo4j_schema.errors import ConstraintViolation
from tests.neo4j_schema.constraint_helpers import declare, unique


async def _until(conn: asyncpg.Connection, granted: bool) -> None:
    """Until some advisory lock is held (``granted``) or waited for (not ``granted``)."""
    query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = $1"
    for _ in range(200):
        if await conn.fetchval(query, granted):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no writer " + ("took" if granted else "waited for") + " a lock")


async def _holding_first(
    memory: Memory, namespace: str, release: asyncio.Event, *, undo: bool
) -> None:
    async with memory.cypher_transaction(namespace, "write") as run:
        await _run(run, "CREATE (:L {k: 1})")
        await release.wait()
        if undo:
            raise _Undo


@pytest.mark.parametrize("second", ["MERGE (:L {k: 1})", "CREATE (:L {k: 1})"])
@pytest.mark.parametrize("first_ends", ["commit", "rollback"])
async def test_a_one_statement_writer_racing_another_leaves_one_node(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection, first_ends: str, second: str
) -> None:
    await memory.cypher(namespace, "CREATE (:L {k: 0})", mode="write")
    await declare(memory, namespace, unique("L", "k"))
    release = asyncio.Event()
    one = asyncio.create_task(
        _holding_first(memory, namespace, release, undo=first_ends == "rollback")
    )
    await _until(raw_conn, granted=True)
    two = asyncio.create_task(memory.cypher(namespace, second, mode="write"))
    await _until(raw_conn, granted=False)
    release.set()
    if first_ends == "rollback":
        with pytest.raises(_Undo):
            await one
        await two
    else:
        await one
        if second.startswith("MERGE"):
            await two  # run again: its MERGE found the committed node
        else:
            with pytest.raises(ConstraintViolation):
                await two
    rows = await memory.cypher(namespace, "MATCH (n:L {k: 1}) RETURN count(n)")
    assert rows.rows == [[1]]


async def test_a_second_explicit_cypher_transaction_gets_a_retryable_failure(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.cypher(namespace, "CREATE (:L {k: 0})", mode="write")
    await declare(memory, namespace, unique("L", "k"))
    release = asyncio.Event()
    one = asyncio.create_task(_holding_first(memory, namespace, release, undo=False))
    await _until(raw_conn, granted=True)

    async def second() -> None:
        async with memory.cypher_transaction(namespace, "write") as run:
            await _run(run, "CREATE (:L {k: 1})")

    two = asyncio.create_task(second())
    await _until(raw_conn, granted=False)
    release.set()
    await one
    with pytest.raises(WriteConflict) as caught:
        await two
    assert caught.value.extra.get("sqlstate") == "40001"
    rows = await memory.cypher(namespace, "MATCH (n:L {k: 1}) RETURN count(n)")
    assert rows.rows == [[1]]


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
        await _until(watch, granted=False)
        assert not waiting.done()
        await a.execute("COMMIT")
        with pytest.raises(asyncpg.SerializationError):
            await waiting
        await b.execute("ROLLBACK")
        with pytest.raises(asyncpg.UniqueViolationError, match="already exists"):
            await b.execute(insert)  # run again: refused
        count = await watch.fetchval(f'SELECT count(*) FROM "{namespace}"."L"')
        assert count == 2
    finally:
        for conn in (a, b, watch):
            await conn.close()


class _Undo(Exception):
    """Makes the first writer roll back."""


async def _run(run: Runner, query: str) -> None:
    await run(CypherRequest(query=query, params={}, mode="write"))
