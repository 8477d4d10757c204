"""Open Bolt sessions follow their key (``kgmem.keys.key_watch``): revoked, narrowed to other
namespaces, or a namespace deleted by another process, they are refused within a second
with the FAILURE a new connection gets, and an open transaction is rolled back at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from pathlib import Path

import neo4j
from neo4j.exceptions import Neo4jError

from kgmem import Memory
from tests.fixtures.bolt import Bolt
from tests.fixtures.database import store_settings
from tests.fixtures.key_changes import (
    open_transactions,
    regrant_elsewhere,
    revoke_elsewhere,
    revoke_with_cli,
    within,
)

UNAUTHORIZED = "Neo.ClientError.Security.Unauthorized"
FORBIDDEN = "Neo.ClientError.Security.Forbidden"
NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"


def url_of(bolt: Bolt) -> str:
    url = bolt.memory.settings.database.url
    assert url is not None
    return url.get_secret_value()


async def code_of(work: Awaitable[object]) -> str:
    """The Neo4j code ``work`` failed with, "ok" if it did not."""
    try:
        await work
    except Neo4jError as exc:
        return str(exc.code)
    return "ok"


async def run(session: neo4j.AsyncSession | neo4j.AsyncTransaction, query: str) -> None:
    await (await session.run(query)).consume()


async def new_connection_code(bolt: Bolt, key: str, database: str) -> str:
    """What a new connection presenting ``key`` gets for a query on ``database``."""
    async with bolt.driver(key) as driver, driver.session(database=database) as session:
        return await code_of(run(session, "RETURN 1"))


async def test_a_key_revoked_by_the_cli_stops_an_open_session_within_a_second(
    bolt: Bolt, tmp_path: Path
) -> None:
    issued = await bolt.memory.create_key("doomed", ["write"])
    asked: list[tuple[float, float, str]] = []  # (started, answered, code)

    async def keep_asking(session: neo4j.AsyncSession) -> None:
        while not asked or asked[-1][2] == "ok":
            started = time.monotonic()
            code = await code_of(run(session, "RETURN 1"))
            asked.append((started, time.monotonic(), code))
            await asyncio.sleep(0.02)

    async with bolt.driver(issued.secret) as driver, driver.session(database="alpha") as session:
        asking = asyncio.create_task(keep_asking(session))
        revoked = await revoke_with_cli(
            issued.key.id,
            KGMEM_HOME=str(tmp_path / "cli"),
            KGMEM_DATABASE_URL=url_of(bolt),
            KGMEM_EMBEDDING_PROVIDER="none",
            KGMEM_EMBEDDING_DIMENSION="384",
        )
        async with asyncio.timeout(5):
            await asking
        again = await code_of(run(session, "RETURN 1"))
    _, answered, code = asked[-1]
    print(f"bolt session: refused {answered - revoked:.3f} s after the revocation")
    assert code == again == UNAUTHORIZED
    assert answered - revoked < 1.0
    assert all(start < revoked + 1.0 for start, _, c in asked if c == "ok")
    assert len(asked) > 1  # it was answering before
    assert await new_connection_code(bolt, issued.secret, "alpha") == UNAUTHORIZED


async def test_an_open_transaction_of_a_revoked_key_is_rolled_back_at_once(bolt: Bolt) -> None:
    url = url_of(bolt)
    issued = await bolt.memory.create_key("doomed", ["write"])
    async with bolt.driver(issued.secret) as driver, driver.session(database="alpha") as session:
        tx = await session.begin_transaction()
        await run(tx, "CREATE (:Doomed {name: 'uncommitted'})")
        assert await open_transactions(url) == 1
        revoked = await revoke_elsewhere(url, issued.key.id)
        rolled_back = await within(1.0, lambda: _none_open(url))
        code = await code_of(run(tx, "RETURN 1"))
        answered = time.monotonic() - revoked
        await tx.close()
    print(f"bolt transaction: rolled back {rolled_back:.3f} s, refused {answered:.3f} s after")
    assert code == UNAUTHORIZED
    assert answered < 1.0
    records, _, _ = await _as_writer(bolt, "MATCH (n:Doomed) RETURN count(n) AS n", "alpha")
    assert records[0]["n"] == 0


async def test_a_grant_that_no_longer_covers_the_namespace_ends_its_transaction(
    bolt: Bolt,
) -> None:
    url = url_of(bolt)
    issued = await bolt.memory.create_key("narrowed", ["write"], ["alpha"])
    async with bolt.driver(issued.secret) as driver, driver.session(database="alpha") as session:
        tx = await session.begin_transaction()
        await run(tx, "CREATE (:Narrowed {name: 'uncommitted'})")
        changed = await regrant_elsewhere(url, issued.key.id, ["beta"])
        rolled_back = await within(1.0, lambda: _none_open(url))
        code = await code_of(run(tx, "RETURN 1"))
        answered = time.monotonic() - changed
        await tx.close()
        # The session goes on under the new grant: alpha refused, beta served.
        assert await code_of(run(session, "RETURN 1")) == FORBIDDEN
    print(f"bolt grant change: rolled back {rolled_back:.3f} s, refused {answered:.3f} s after")
    assert code == FORBIDDEN
    assert answered < 1.0
    assert await new_connection_code(bolt, issued.secret, "alpha") == FORBIDDEN
    assert await new_connection_code(bolt, issued.secret, "beta") == "ok"
    records, _, _ = await _as_writer(bolt, "MATCH (n:Narrowed) RETURN count(n) AS n", "alpha")
    assert records[0]["n"] == 0


async def test_deleting_a_namespace_elsewhere_ends_a_transaction_open_on_it(
    bolt: Bolt, tmp_path: Path
) -> None:
    url = url_of(bolt)
    other = await Memory.open(store_settings(url, tmp_path / "other"))  # another worker
    try:
        async with bolt.driver() as driver, driver.session(database="beta") as session:
            tx = await session.begin_transaction()
            await run(tx, "CREATE (:Gone {name: 'uncommitted'})")
            started = time.monotonic()
            # Without the announcement this waits for the transaction (KGMEM_BOLT_IDLE_TIMEOUT_S).
            async with asyncio.timeout(10):
                await other.delete_namespace("beta")
            deleted = time.monotonic()
            code = await code_of(run(tx, "RETURN 1"))
            answered = time.monotonic() - deleted
            await tx.close()
            assert await code_of(run(session, "RETURN 1")) == NOT_FOUND
    finally:
        await other.close()
    print(f"bolt namespace deletion: took {deleted - started:.3f} s, refused {answered:.3f} s")
    assert deleted - started < 5.0
    assert code == NOT_FOUND
    assert answered < 1.0
    assert await new_connection_code(bolt, bolt.writer, "beta") == NOT_FOUND


async def _none_open(url: str) -> bool:
    return await open_transactions(url) == 0


async def _as_writer(bolt: Bolt, query: str, database: str) -> neo4j.EagerResult:
    async with bolt.driver() as driver:
        return await driver.execute_query(query, database_=database)
