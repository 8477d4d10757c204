"""No key can deny service, on a real served kgmem (HTTP and Bolt over one store): a
read key opening more Bolt connections and transactions than it may, and holding them
idle, never makes /health slower than 2 s nor stops another key's writes (4 within
5 s); the idle transactions are rolled back after KGMEM_BOLT_TRANSACTION_IDLE_TIMEOUT_S
and the client is told so on its next message. Each test runs under a hard limit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest

from kgmem.bolt import BoltServer
from kgmem.settings.config import Settings
from tests.fixtures.bolt import FAILURE, IGNORED, SUCCESS, Wire, offer
from tests.fixtures.database import store_settings
from tests.fixtures.key_changes import Served, open_transactions, served_store

V5 = offer(5, 4) + bytes(12)
LIMIT_S = 60  # the hard limit of each test
IDLE_S = 2.0  # the transaction idle timeout the tests set
HEALTH_S = 2.0
WRITES_S = 5.0
TIMED_OUT = "Neo.ClientError.Transaction.TransactionTimedOut"
TOO_MANY_TRANSACTIONS = "Neo.TransientError.Transaction.MaximumTransactionLimitReached"
EXHAUSTED = "Neo.TransientError.Request.ResourceExhaustion"
BUSY = "Neo.TransientError.General.DatabaseUnavailable"


@dataclass
class Door:
    """A served store with a Bolt door, a read key and a write key."""

    served: Served
    bolt_port: int
    reader: str
    writer: str


DoorFactory = Callable[..., Awaitable[Door]]


@pytest.fixture
async def door_with(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> AsyncIterator[DoorFactory]:
    """Serve a store of its own over HTTP and Bolt with settings ``quota``, ``database``
    and ``bolt`` (sections as dicts); the Bolt transaction idle timeout is ``IDLE_S``
    unless ``bolt`` says otherwise."""
    stack: list[tuple[Any, BoltServer]] = []

    async def start(**sections: dict[str, Any]) -> Door:
        url = await fresh_database()
        base = store_settings(url, tmp_path)
        database = {"url": url, **sections.get("database", {})}
        settings = Settings(
            home=base.home,
            database=database,
            embedding=base.embedding.model_dump(),
            quota=sections.get("quota", {}),
            bolt={"port": 0, "transaction_idle_timeout_s": IDLE_S, **sections.get("bolt", {})},
        )
        served_cm = served_store(url, settings)
        served = await served_cm.__aenter__()
        server = BoltServer(served.memory, settings.bolt)
        await server.start()
        stack.append((served_cm, server))
        reader = (await served.memory.create_key("r", ["read"])).secret
        writer = (await served.memory.create_key("w", ["write"])).secret
        return Door(served, server.port, reader, writer)

    try:
        yield start
    finally:
        for served_cm, server in reversed(stack):
            await server.stop()
            await served_cm.__aexit__(None, None, None)


async def hold_idle_transactions(door: Door, count: int) -> list[tuple[Wire, str | None]]:
    """``count`` connections of the read key, each BEGIN, one query, then idle; each
    with the code it was refused with (None: its transaction is open)."""

    async def one() -> tuple[Wire, str | None]:
        wire, _ = await Wire.open(door.bolt_port, V5)
        await wire.send(0x01, {"user_agent": "denial"})
        await wire.send(0x6A, {"scheme": "basic", "principal": "x", "credentials": door.reader})
        answers = [await wire.receive() for _ in range(2)]
        if answers[1].tag == FAILURE:
            return wire, answers[1].fields[0]["code"]
        await wire.send(0x11, {"db": "alpha", "mode": "r"})
        await wire.send(0x10, "MATCH (n) RETURN count(n) AS n", {}, {})
        await wire.send(0x3F, {"n": -1})
        begun = await wire.receive()
        if begun.tag == FAILURE:
            assert [(await wire.receive()).tag for _ in range(2)] == [IGNORED, IGNORED]
            return wire, begun.fields[0]["code"]
        assert [(await wire.receive()).tag for _ in range(3)] == [SUCCESS, 0x71, SUCCESS]
        return wire, None

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def health_stays_fast(base: str) -> None:
    """/health answers 200 within 2 s, ten times."""
    async with httpx.AsyncClient(base_url=base, timeout=HEALTH_S) as client:
        for _ in range(10):
            started = time.monotonic()
            response = await client.get("/health")
            assert response.status_code == 200, response.text
            assert time.monotonic() - started < HEALTH_S


async def writes_go_through(base: str, key: str) -> None:
    """Four writes of another key, at once, all done within 5 s."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=WRITES_S) as client:
        started = time.monotonic()
        answers = await asyncio.gather(
            *(
                client.put(f"/v1/namespaces/alpha/entities/w{i}", json={"properties": {"i": i}})
                for i in range(4)
            )
        )
        assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
        assert time.monotonic() - started < WRITES_S


async def told_timed_out_then_usable(wire: Wire) -> None:
    """The next message of a connection whose transaction went idle fails with
    TransactionTimedOut; after RESET the connection answers queries again."""
    await wire.send(0x10, "RETURN 1 AS x", {}, {})
    failed = await wire.receive()
    assert failed.tag == FAILURE and failed.fields[0]["code"] == TIMED_OUT, failed
    await wire.send(0x0F)
    assert (await wire.receive()).tag == SUCCESS
    await wire.send(0x10, "RETURN 1 AS x", {}, {"db": "alpha"})
    await wire.send(0x3F, {"n": -1})
    assert [(await wire.receive()).tag for _ in range(3)] == [SUCCESS, 0x71, SUCCESS]


async def test_a_read_key_past_its_limits_never_starves_health_nor_writes(
    door_with: DoorFactory,
) -> None:
    door = await door_with(quota={"connections": 8, "transactions": 3})
    async with asyncio.timeout(LIMIT_S):
        held = await hold_idle_transactions(door, 10)
        codes = sorted(str(code) for _, code in held)
        assert codes == sorted(["None"] * 3 + [TOO_MANY_TRANSACTIONS] * 5 + [EXHAUSTED] * 2)
        began = time.monotonic()
        await health_stays_fast(door.served.url)
        await writes_go_through(door.served.url, door.writer)
        await asyncio.sleep(max(0.0, IDLE_S + 1.0 - (time.monotonic() - began)))
        assert await open_transactions(door.served.database_url) == 0
        for wire, code in held:
            if code is None:
                await told_timed_out_then_usable(wire)
            await wire.close()


async def test_transactions_of_many_keys_leave_the_pool_reserve_free(
    door_with: DoorFactory,
) -> None:
    door = await door_with(
        quota={"transactions": 100},
        database={"pool_max_size": 6, "pool_reserve": 2, "connect_timeout_s": 2.0},
        bolt={"transaction_idle_timeout_s": 30.0},  # the waits for a place end first
    )
    async with asyncio.timeout(LIMIT_S):
        held = await hold_idle_transactions(door, 10)
        codes = sorted(str(code) for _, code in held)
        assert codes == sorted(["None"] * 4 + [BUSY] * 6), codes  # 6 - 2 may be held
        await health_stays_fast(door.served.url)
        await writes_go_through(door.served.url, door.writer)
        for wire, _ in held:
            await wire.close()


async def test_a_driver_transaction_left_idle_is_rolled_back_and_told(
    door_with: DoorFactory,
) -> None:
    door = await door_with()
    uri = f"bolt://127.0.0.1:{door.bolt_port}"
    async with asyncio.timeout(LIMIT_S):
        async with neo4j.AsyncGraphDatabase.driver(uri, auth=("kgmem", door.writer)) as driver:
            async with driver.session(database="alpha") as session:
                tx = await session.begin_transaction()
                await (await tx.run("CREATE (:Forgotten)")).consume()
                await asyncio.sleep(IDLE_S + 1.0)
                with pytest.raises(neo4j.exceptions.ClientError) as caught:
                    await (await tx.run("RETURN 1")).consume()
                assert caught.value.code == TIMED_OUT
                await tx.close()
            records, _, _ = await driver.execute_query(
                "MATCH (f:Forgotten) RETURN count(f) AS n", database_="alpha"
            )
        assert records[0]["n"] == 0
