"""Connections that never authenticate, on the wire: they hold only the places kept for
connections on their way in (per address and in all), only until the handshake
timeout, and never those of authenticated sessions. Each test runs under a hard time
limit, with small caps set through BoltSettings."""

import asyncio
import time

from kgmem.bolt.connection import MAGIC
from kgmem.process.metrics import instruments
from tests.fixtures.bolt import SUCCESS, Bolt, BoltFactory, Flood, Wire, offer

V5 = offer(5, 4) + bytes(12)
LIMIT_S = 20  # the hard limit of each test
MARGIN_S = 1.5  # how late a deadline's close may come on a busy machine
TIMEOUT_S = 1.0  # the handshake timeout the tests set


def refused(reason: str) -> float:
    return instruments().bolt_refused.labels(reason)._value.get()


def timed_out() -> float:
    return instruments().bolt_auth_timeouts._value.get()


async def return_1_without_retries(bolt: Bolt) -> None:
    """RETURN 1 through a new driver, hence a new connection; a session's own query,
    which the driver does not retry."""
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        record = await (await session.run("RETURN 1 AS x")).single()
    assert record is not None and record["x"] == 1


async def refused_at_once(port: int, source: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    started = time.monotonic()
    writer.write(MAGIC + V5)
    rest = await Wire(reader, writer).rest()
    assert rest == b"" and time.monotonic() - started < MARGIN_S
    writer.close()


async def test_a_flood_from_one_address_holds_its_few_places_only_until_the_timeout(
    bolt_with: BoltFactory,
) -> None:
    bolt = await bolt_with(
        handshake_timeout_s=TIMEOUT_S,
        max_connections=10,
        max_unauthenticated_connections=6,
        max_unauthenticated_connections_per_address=3,
    )
    before_refused, before_timed_out = refused("unauthenticated_per_address"), timed_out()
    flood = Flood(bolt.port, ["127.0.0.2"], 12, handshake=True)  # more than all places
    async with asyncio.timeout(LIMIT_S):
        flood.start()
        try:
            await asyncio.sleep(0.3)  # the flood holds its three places
            for _ in range(5):
                await return_1_without_retries(bolt)
            await asyncio.sleep(TIMEOUT_S + 0.5)  # the first three are closed and reopened
        finally:
            await flood.stop()
    assert flood.lived, "no socket of the flood was let in"
    assert all(TIMEOUT_S - 0.1 < lived < TIMEOUT_S + MARGIN_S for lived in flood.lived)
    assert flood.refused > 0
    assert refused("unauthenticated_per_address") - before_refused >= flood.refused
    assert timed_out() - before_timed_out >= len(flood.lived)


async def test_a_full_unauthenticated_budget_refuses_new_sockets_not_sessions(
    bolt_with: BoltFactory,
) -> None:
    bolt = await bolt_with(
        handshake_timeout_s=TIMEOUT_S,
        max_connections=6,
        max_unauthenticated_connections=2,
        max_unauthenticated_connections_per_address=2,
    )
    before = refused("unauthenticated")
    async with asyncio.timeout(LIMIT_S):
        session, _ = await Wire.open(bolt.port, V5)
        await session.authenticate(bolt.writer)
        silent = [(await Wire.open(bolt.port, V5))[0] for _ in range(2)]  # the two places are taken
        await refused_at_once(bolt.port, "127.0.0.3")
        assert refused("unauthenticated") - before == 1
        for _ in range(3):  # the authenticated session goes on
            await session.send(0x10, "RETURN 1 AS x", {}, {"db": "alpha"})
            await session.send(0x3F, {"n": -1})
            assert [(await session.receive()).tag for _ in range(3)] == [SUCCESS, 0x71, SUCCESS]
        for wire in silent:
            assert await wire.rest() == b""  # closed at the timeout, freeing the places
            await wire.close()
        await return_1_without_retries(bolt)
        await session.close()


async def test_a_driver_connection_leaves_the_unauthenticated_count_once_logged_on(
    bolt_with: BoltFactory,
) -> None:
    bolt = await bolt_with(
        max_unauthenticated_connections=1, max_unauthenticated_connections_per_address=1
    )
    async with asyncio.timeout(LIMIT_S):
        async with bolt.driver() as driver:
            sessions = [driver.session(database="alpha") for _ in range(3)]
            results = [await s.run("RETURN 1 AS x") for s in sessions]  # 3 connections held
            records = [await r.single() for r in results]
            assert [r["x"] for r in records if r is not None] == [1, 1, 1]
            for s in sessions:
                await s.close()
