"""The Bolt door's transport limits, on the wire: message sizes before and after
authentication, the handshake and idle timeouts, and the connection caps. Each test
runs under a hard time limit, with small limits set through BoltSettings."""

import asyncio
import socket
import struct
import time

import pytest

from kgmem.bolt.connection import MAGIC
from kgmem.bolt.packstream import Structure, pack
from tests.fixtures.bolt import FAILURE, RECORD, SUCCESS, Bolt, BoltFactory, Wire, offer, replies

V5 = offer(5, 4) + bytes(12)
LIMIT_S = 20  # the hard limit of each test
MARGIN_S = 1.5  # how late a deadline's close may come on a busy machine
INVALID = "Neo.ClientError.Request.Invalid"


async def answers_return_1(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        records, _, _ = await driver.execute_query("RETURN 1 AS x", database_="alpha")
    assert records[0]["x"] == 1


async def closed_after(wire: Wire) -> tuple[bytes, float]:
    """What the server sent before it closed, and how long the close took."""
    started = time.monotonic()
    rest = await wire.rest()
    return rest, time.monotonic() - started


def refused_as_too_large(rest: bytes) -> None:
    (reply,) = replies(rest)
    assert reply.tag == FAILURE
    assert reply.fields[0]["code"] == INVALID
    assert "larger than" in reply.fields[0]["message"]


async def test_a_chunk_past_the_limit_before_authentication_is_refused_at_its_header(
    bolt: Bolt,
) -> None:
    async with asyncio.timeout(LIMIT_S):
        wire, _ = await Wire.open(bolt.port, V5)
        wire.writer.write(b"\xff\xff")  # a 65535-byte chunk announced, none of it sent
        rest, took = await closed_after(wire)
        refused_as_too_large(rest)
        assert took < MARGIN_S
        await wire.close()
        await answers_return_1(bolt)


async def test_the_chunks_of_one_message_count_together_against_the_limit(bolt: Bolt) -> None:
    async with asyncio.timeout(LIMIT_S):
        wire, _ = await Wire.open(bolt.port, V5)
        chunk = struct.pack(">H", 4000) + bytes(4000)
        wire.writer.write(chunk + chunk + struct.pack(">H", 4000))  # 12000 bytes > 8 KiB
        refused_as_too_large((await closed_after(wire))[0])
        await wire.close()


async def test_a_16_mib_flood_before_hello_is_cut_off_unread(bolt: Bolt) -> None:
    async def flood(wire: Wire) -> int:
        sent = 0
        frame = b"\xff\xff" + bytes(0xFFFF)
        try:
            while sent < 16 * 1024 * 1024:
                wire.writer.write(frame)
                await wire.writer.drain()
                sent += len(frame)
        except ConnectionError:
            pass
        return sent

    async with asyncio.timeout(LIMIT_S):
        wire, _ = await Wire.open(bolt.port, V5)
        sending = asyncio.create_task(flood(wire))
        rest, took = await closed_after(wire)
        sent = await sending
        # The FAILURE goes out first, but a reset may overtake it on the client's side.
        assert rest == b"" or replies(rest)[0].fields[0]["code"] == INVALID
        assert took < 5
        assert sent < 16 * 1024 * 1024  # the server stopped reading and closed
        await wire.close()
        await answers_return_1(bolt)


async def test_after_authentication_the_larger_message_limit_applies(
    bolt_with: BoltFactory,
) -> None:
    bolt = await bolt_with(max_message_bytes=0x10000)
    async with asyncio.timeout(LIMIT_S):
        wire, _ = await Wire.open(bolt.port, V5)
        await wire.authenticate(bolt.writer)
        await wire.send(0x10, "RETURN size($s) AS n", {"s": "x" * 20_000}, {"db": "alpha"})
        await wire.send(0x3F, {"n": -1})
        answers = [await wire.receive() for _ in range(3)]
        assert [a.tag for a in answers] == [SUCCESS, RECORD, SUCCESS]
        assert answers[1].fields[0] == [20_000]
        data = pack(Structure(0x10, ("RETURN 1", {"s": "x" * 70_000}, {})))
        # The first chunk fits in 64 KiB, the second's header takes the message past it.
        wire.writer.write(b"\xff\xff" + data[:0xFFFF] + struct.pack(">H", len(data) - 0xFFFF))
        refused_as_too_large((await closed_after(wire))[0])
        await wire.close()


async def test_a_connection_that_says_nothing_is_closed_at_the_handshake_timeout(
    bolt_with: BoltFactory,
) -> None:
    bolt = await bolt_with(handshake_timeout_s=0.5)
    async with asyncio.timeout(LIMIT_S):
        reader, writer = await asyncio.open_connection("127.0.0.1", bolt.port)
        wire = Wire(reader, writer)
        rest, took = await closed_after(wire)
        assert rest == b""
        assert 0.4 < took < 0.5 + MARGIN_S
        await wire.close()


async def test_the_handshake_timeout_runs_until_authentication_however_busy_the_client(
    bolt_with: BoltFactory,
) -> None:
    bolt = await bolt_with(handshake_timeout_s=0.8)
    async with asyncio.timeout(LIMIT_S):
        started = time.monotonic()
        wire, agreed = await Wire.open(bolt.port, V5)
        assert agreed == bytes((0, 0, 4, 5))
        await wire.send(0x01, {"user_agent": "wire"})  # HELLO, but never LOGON
        assert (await wire.receive()).tag == SUCCESS
        try:
            while True:  # a RESET every 0.1 s does not extend the deadline
                await wire.send(0x0F)
                assert (await wire.receive()).tag == SUCCESS
                await asyncio.sleep(0.1)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        assert 0.7 < time.monotonic() - started < 0.8 + MARGIN_S
        await wire.close()


async def test_an_authenticated_connection_outlives_the_handshake_timeout_until_idle(
    bolt_with: BoltFactory,
) -> None:
    bolt = await bolt_with(handshake_timeout_s=0.3, idle_timeout_s=1.0)
    async with asyncio.timeout(LIMIT_S):
        wire, _ = await Wire.open(bolt.port, V5)
        await wire.authenticate(bolt.writer)
        for _ in range(4):  # 1.2 s of queries, past the handshake timeout
            await asyncio.sleep(0.3)
            await wire.send(0x10, "RETURN 1 AS x", {}, {"db": "alpha"})
            await wire.send(0x2F, {"n": -1})
            assert [(await wire.receive()).tag for _ in range(2)] == [SUCCESS, SUCCESS]
        rest, took = await closed_after(wire)
        assert rest == b""
        assert 0.9 < took < 1.0 + MARGIN_S
        await wire.close()


async def test_logoff_starts_the_handshake_timeout_again(bolt_with: BoltFactory) -> None:
    bolt = await bolt_with(handshake_timeout_s=0.5, idle_timeout_s=30)
    async with asyncio.timeout(LIMIT_S):
        wire, _ = await Wire.open(bolt.port, V5)
        await wire.authenticate(bolt.writer)
        await asyncio.sleep(0.6)  # idle, but authenticated: still open
        await wire.send(0x6B)  # LOGOFF
        assert (await wire.receive()).tag == SUCCESS
        rest, took = await closed_after(wire)
        assert rest == b""
        assert 0.4 < took < 0.5 + MARGIN_S
        await wire.close()


async def test_an_idle_open_transaction_is_closed_and_undone(bolt_with: BoltFactory) -> None:
    bolt = await bolt_with(idle_timeout_s=0.5)
    async with asyncio.timeout(LIMIT_S):
        wire, _ = await Wire.open(bolt.port, V5)
        await wire.authenticate(bolt.writer)
        await wire.send(0x11, {"db": "alpha"})
        await wire.send(0x10, "CREATE (:Idle)", {}, {})
        await wire.send(0x3F, {"n": -1})
        assert [(await wire.receive()).tag for _ in range(3)] == [SUCCESS] * 3
        rest, took = await closed_after(wire)
        assert rest == b""
        assert 0.4 < took < 0.5 + MARGIN_S
        await wire.close()
        result = await bolt.memory.cypher("alpha", "MATCH (i:Idle) RETURN count(i) AS n")
        assert result.rows == [[0]]


async def test_connections_past_the_server_cap_are_closed_at_once(bolt_with: BoltFactory) -> None:
    bolt = await bolt_with(max_connections=3)
    async with asyncio.timeout(LIMIT_S):
        held = [(await Wire.open(bolt.port, V5))[0] for _ in range(3)]
        reader, writer = await asyncio.open_connection("127.0.0.1", bolt.port)
        extra = Wire(reader, writer)
        rest, took = await closed_after(extra)
        assert rest == b"" and took < MARGIN_S
        await extra.close()
        await held.pop().close()
        await asyncio.sleep(0.2)  # the server sees the close
        again, agreed = await Wire.open(bolt.port, V5)
        assert agreed == bytes((0, 0, 4, 5))
        for wire in [*held, again]:
            await wire.close()
        await asyncio.sleep(0.2)
        await answers_return_1(bolt)


async def test_connections_past_the_per_address_cap_are_closed_at_once(
    bolt_with: BoltFactory,
) -> None:
    bolt = await bolt_with(max_connections=10, max_connections_per_address=2)
    async with asyncio.timeout(LIMIT_S):
        held = [(await Wire.open(bolt.port, V5))[0] for _ in range(2)]
        reader, writer = await asyncio.open_connection("127.0.0.1", bolt.port)
        extra = Wire(reader, writer)
        rest, took = await closed_after(extra)
        assert rest == b"" and took < MARGIN_S
        await extra.close()
        # Another loopback address is another client.
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", bolt.port, local_addr=("127.0.0.2", 0)
        )
        other = Wire(reader, writer)
        other.writer.write(b"\x60\x60\xb0\x17" + V5)
        assert await other.reader.readexactly(4) == bytes((0, 0, 4, 5))
        for wire in [*held, other]:
            await wire.close()


async def test_a_driver_refused_at_the_cap_retries_until_a_connection_is_free(
    bolt_with: BoltFactory, caplog: pytest.LogCaptureFixture
) -> None:
    bolt = await bolt_with(max_connections=1)
    async with asyncio.timeout(LIMIT_S):
        held, _ = await Wire.open(bolt.port, V5)
        querying = asyncio.create_task(answers_return_1(bolt))
        await asyncio.sleep(1.0)
        assert not querying.done()  # refused, and retrying
        assert any("refused" in r.getMessage() for r in caplog.records)
        await held.close()
        await querying


async def test_a_client_that_does_not_take_in_its_replies_is_cut_off_at_the_idle_timeout(
    bolt_with: BoltFactory,
) -> None:
    bolt = await bolt_with(idle_timeout_s=0.5)
    answer_bytes = 5000 * 2000
    async with asyncio.timeout(LIMIT_S):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # little room in flight
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", bolt.port))
        reader, writer = await asyncio.open_connection(sock=sock)
        wire = Wire(reader, writer)
        writer.write(MAGIC + V5)
        await reader.readexactly(4)
        await wire.authenticate(bolt.writer)
        query = "UNWIND range(1, 5000) AS i RETURN i, $s AS s"
        await wire.send(0x10, query, {"s": "x" * 2000}, {"db": "alpha"})
        assert (await wire.receive()).tag == SUCCESS
        await wire.send(0x3F, {"n": -1})
        await asyncio.sleep(0.5 + MARGIN_S)  # reading nothing meanwhile
        rest = await wire.rest()
        assert len(rest) < answer_bytes  # the server dropped what was not taken in
        await wire.close()
        await answers_return_1(bolt)
