"""Bolt on the wire, without a driver: version 4.4, malformed input, and concurrency."""

import asyncio
import struct
from typing import Any

import neo4j
import pytest

from kgmem.bolt.packstream import Structure, pack, unpack
from kgmem.bolt.server import MAGIC, choose
from tests.fixtures.bolt import Bolt

SUCCESS, RECORD, IGNORED, FAILURE = 0x70, 0x71, 0x7E, 0x7F


class Wire:
    """A hand-written Bolt client: enough to speak one version and read the replies."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, bolt: Bolt, offers: bytes) -> tuple["Wire", bytes]:
        port = int(bolt.uri.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(MAGIC + offers)
        return cls(reader, writer), await reader.readexactly(4)

    async def send(self, tag: int, *fields: Any) -> None:
        data = pack(Structure(tag, fields))
        self.writer.write(struct.pack(">H", len(data)) + data + b"\x00\x00")
        await self.writer.drain()

    async def receive(self) -> Structure:
        data = b""
        while True:
            (size,) = struct.unpack(">H", await self.reader.readexactly(2))
            if size == 0 and data:
                message = unpack(data)
                assert isinstance(message, Structure)
                return message
            data += await self.reader.readexactly(size)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def _offer(major: int, minor: int, spread: int = 0) -> bytes:
    return bytes((0, spread, minor, major))


def test_the_newest_offered_version_is_chosen() -> None:
    offers = _offer(5, 8, 8) + _offer(4, 4, 2) + bytes(8)
    assert choose(offers) == (5, 4)
    assert choose(_offer(4, 4) + bytes(12)) == (4, 4)
    assert choose(_offer(3, 0) + bytes(12)) is None


async def test_bolt_4_4_authenticates_in_hello_and_streams_nodes(bolt: Bolt) -> None:
    await bolt.memory.cypher("alpha", "CREATE (:P {n: 1})", mode="write")
    wire, agreed = await Wire.open(bolt, _offer(4, 4) + bytes(12))
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
    wire, agreed = await Wire.open(bolt, _offer(3, 0) + bytes(12))
    assert agreed == bytes(4)
    assert await wire.reader.read() == b""
    await wire.close()


async def test_after_a_failure_messages_are_ignored_until_reset(bolt: Bolt) -> None:
    wire, _ = await Wire.open(bolt, _offer(5, 4) + bytes(12))
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
        b"\x00\x03\xb1\x10\xff\x00\x00",  # an unknown marker
        b"\x00\x02\x90\x01\x00\x00",  # not a structure
        b"\x00\x05\xb3\x10\x85ab\x00\x00",  # a string cut short
        b"\x00\x02\xb0\x55\x00\x00",  # an unknown message
    ],
)
async def test_malformed_messages_get_a_failure_and_the_server_stays_up(
    bolt: Bolt, garbage: bytes
) -> None:
    wire, _ = await Wire.open(bolt, _offer(5, 4) + bytes(12))
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
    wire, _ = await Wire.open(bolt, _offer(5, 4) + bytes(12))
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
