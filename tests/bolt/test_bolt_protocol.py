"""Bolt on the wire, without a driver: version 4.4, malformed input, and concurrency."""

import asyncio

import neo4j
import pytest

from kgmem.bolt.connection import choose
from tests.fixtures.bolt import FAILURE, IGNORED, RECORD, SUCCESS, Bolt, Wire, offer


def test_the_newest_offered_version_is_chosen() -> None:
    offers = offer(5, 8, 8) + offer(4, 4, 2) + bytes(8)
    assert choose(offers) == (5, 4)
    assert choose(offer(4, 4) + bytes(12)) == (4, 4)
    assert choose(offer(3, 0) + bytes(12)) is None


async def test_bolt_4_4_authenticates_in_hello_and_streams_nodes(bolt: Bolt) -> None:
    await bolt.memory.cypher("alpha", "CREATE (:P {n: 1})", mode="write")
    wire, agreed = await Wire.open(bolt.port, offer(4, 4) + bytes(12))
    assert agreed == bytes((0, 0, 4, 4))
    auth = {"scheme": "basic", "principal": "x", "credentials": bolt.reader, "user_agent": "t"}
    await wire.send(0x01, auth)
    assert (await wire.receive()).tag == SUCCESS
    await wire.send(0x10, "MATCH (p:P) RETURN p", {}, {"db": "alpha"})
    assert (await wire.receive()).fields[0]["fields"] == ["p"]
    await wire.send(0x3F, {"n": -1})
    record = await wire.receive()
    node = record.fields[0][0]
    assert record.tag == RECORD and node.tag == 0x4E and len(node.fields) == 3
    assert node.fields[1:] == (["P"], {"n": 1})
    assert (await wire.receive()).tag == SUCCESS
    await wire.close()


async def test_no_common_version_gets_zero_and_the_connection_closes(bolt: Bolt) -> None:
    wire, agreed = await Wire.open(bolt.port, offer(3, 0) + bytes(12))
    assert agreed == bytes(4)
    assert await wire.reader.read() == b""
    await wire.close()


async def test_after_a_failure_messages_are_ignored_until_reset(bolt: Bolt) -> None:
    wire, _ = await Wire.open(bolt.port, offer(5, 4) + bytes(12))
    await wire.send(0x01, {"user_agent": "t"})
    assert (await wire.receive()).tag == SUCCESS
    await wire.send(0x10, "RETURN 1 AS x", {}, {})
    failure = await wire.receive()
    assert failure.tag == FAILURE  # no LOGON yet
    assert failure.fields[0]["code"] == "Neo.ClientError.Security.Forbidden"
    await wire.send(0x6A, {"scheme": "basic", "principal": "x", "credentials": bolt.writer})
    assert (await wire.receive()).tag == IGNORED
    await wire.send(0x0F)
    assert (await wire.receive()).tag == SUCCESS
    await wire.send(0x6A, {"scheme": "basic", "principal": "x", "credentials": bolt.writer})
    assert (await wire.receive()).tag == SUCCESS
    await wire.send(0x10, "RETURN 1 AS x", {}, {"db": "alpha"})
    assert (await wire.receive()).tag == SUCCESS
    await wire.close()


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\x03\xb1\x10\xe5\x00\x00",  # an unknown marker (0xFF is the integer -1)
        b"\x00\x02\x90\x01\x00\x00",  # not a structure
        b"\x00\x05\xb3\x10\x85ab\x00\x00",  # a string cut short
        b"\x00\x02\xb0\x55\x00\x00",  # an unknown message
    ],
)
async def test_malformed_messages_get_a_failure_and_the_server_stays_up(
    bolt: Bolt, garbage: bytes
) -> None:
    wire, _ = await Wire.open(bolt.port, offer(5, 4) + bytes(12))
    wire.writer.write(garbage)
    await wire.writer.drain()
    reply = await asyncio.wait_for(wire.receive(), 10)
    assert reply.tag == FAILURE
    await wire.close()
    async with bolt.driver() as driver:
        records, _, _ = await driver.execute_query("RETURN 2 AS x", database_="alpha")
    assert records[0]["x"] == 2


async def test_concurrent_sessions_all_finish_within_a_hard_limit(bolt: Bolt) -> None:
    async def one(driver: neo4j.AsyncDriver, i: int) -> int:
        async with driver.session(database="alpha") as session:
            await session.execute_write(lambda tx: tx.run("CREATE (:C {i: $i})", i=i))
            result = await session.run("MATCH (c:C {i: $i}) RETURN c.i AS i", i=i)
            record = await result.single()
            assert record is not None
            return int(record["i"])

    # AGE creates a label's table on its first write; two first writes at once collide.
    await bolt.memory.cypher("alpha", "CREATE (c:C) DELETE c", mode="write")
    async with bolt.driver(max_connection_pool_size=16) as driver:
        got = await asyncio.wait_for(asyncio.gather(*(one(driver, i) for i in range(24))), 120)
    assert sorted(got) == list(range(24))
    assert (await bolt.memory.namespace_stats("alpha")).vertices["C"] == 24


async def test_a_dropped_connection_undoes_its_open_transaction(bolt: Bolt) -> None:
    wire, _ = await Wire.open(bolt.port, offer(5, 4) + bytes(12))
    await wire.send(0x01, {"user_agent": "t"})
    await wire.send(0x6A, {"scheme": "basic", "principal": "x", "credentials": bolt.writer})
    await wire.send(0x11, {"db": "alpha"})
    await wire.send(0x10, "CREATE (:Gone)", {}, {})
    await wire.send(0x3F, {"n": -1})
    replies = [await wire.receive() for _ in range(5)]
    assert [r.tag for r in replies] == [SUCCESS] * 5
    await wire.close()
    for _ in range(50):
        await asyncio.sleep(0.1)
        stats = await bolt.memory.namespace_stats("alpha")
        if "Gone" not in stats.vertices or stats.vertices["Gone"] == 0:
            break
    result = await bolt.memory.cypher("alpha", "MATCH (g:Gone) RETURN count(g) AS n")
    assert result.rows == [[0]]
