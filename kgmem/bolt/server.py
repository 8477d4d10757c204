"""The Bolt listener: handshake, chunked message framing, one ``Session`` per connection.

Versions spoken: 5.4 down to 5.0, and 4.4 (the newest each client offers). Messages
travel in chunks (two-byte length, then data; a zero length ends a message). A message
larger than ``MAX_MESSAGE_BYTES`` or malformed PackStream closes the connection after
a FAILURE; a server stopping closes every connection and undoes open transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import struct

from kgmem.access import is_loopback
from kgmem.bolt.packstream import PackStreamError, Structure, pack, unpack
from kgmem.bolt.session import FAILURE, Goodbye, Session
from kgmem.config import BoltSettings
from kgmem.memory import Memory

log = logging.getLogger(__name__)
MAGIC = b"\x60\x60\xb0\x17"
SUPPORTED = [(5, 4), (5, 3), (5, 2), (5, 1), (5, 0), (4, 4)]
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_CHUNK = 0xFFFF


def choose(offers: bytes) -> tuple[int, int] | None:
    """The newest supported version among the client's four offers (each
    ``[0, range, minor, major]``: minor down to minor - range)."""
    for at in range(0, 16, 4):
        _, spread, minor, major = offers[at : at + 4]
        for version in SUPPORTED:
            if version[0] == major and minor - spread <= version[1] <= minor:
                return version
    return None


class BoltServer:
    """Serves Bolt on ``settings.host:settings.port`` (0: a free port) for ``memory``."""

    def __init__(self, memory: Memory, settings: BoltSettings) -> None:
        self.memory = memory
        self.settings = settings
        self.server: asyncio.Server | None = None
        self.port = settings.port
        self.connections: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Listen; ``port`` holds the bound port afterwards."""
        tls = _tls(self.settings)
        self.server = await asyncio.start_server(
            self._connection, self.settings.host, self.settings.port, ssl=tls
        )
        self.port = self.server.sockets[0].getsockname()[1]
        log.info("Bolt on %s:%s%s", self.settings.host, self.port, " (TLS)" if tls else "")

    async def stop(self) -> None:
        """Stop listening and close every connection (open transactions are undone)."""
        if self.server is not None:
            self.server.close()
        # asyncio.start_server creates the connection tasks, so no task group owns them.
        for task in list(self.connections):
            task.cancel()
        await asyncio.gather(*self.connections, return_exceptions=True)
        if self.server is not None:
            await self.server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.connections.add(task)
        try:
            await self._converse(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, Goodbye):
            pass
        except asyncio.CancelledError:
            pass  # the server is stopping: this task ends here, quietly
        finally:
            self.connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if await reader.readexactly(4) != MAGIC:
            return
        version = choose(await reader.readexactly(16))
        writer.write(bytes((0, 0, version[1], version[0])) if version else bytes(4))
        await writer.drain()
        if version is None:
            return
        peer = writer.get_extra_info("peername")
        local = is_loopback(peer[0] if peer else None)
        address = f"{self.settings.host}:{self.port}"
        session = Session(self.memory, self.settings, version, local=local, address=address)
        try:
            while True:
                message = await _read_message(reader)
                if message is None:
                    writer.write(_frame(_protocol_failure("a message is not valid PackStream")))
                    await writer.drain()
                    return
                for response in await session.handle(message):
                    writer.write(_frame(response))
                await writer.drain()
        finally:
            await session.close()


async def _read_message(reader: asyncio.StreamReader) -> Structure | None:
    """The next message (skipping keep-alive empty chunks), None when it is malformed."""
    data = bytearray()
    while True:
        (size,) = struct.unpack(">H", await reader.readexactly(2))
        if size == 0:
            if data:
                break
            continue
        data += await reader.readexactly(size)
        if len(data) > MAX_MESSAGE_BYTES:
            return None
    try:
        message = unpack(bytes(data))
    except PackStreamError:
        return None
    return message if isinstance(message, Structure) else None


def _frame(message: Structure) -> bytes:
    data = pack(message)
    out = bytearray()
    for at in range(0, len(data), MAX_CHUNK):
        chunk = data[at : at + MAX_CHUNK]
        out += struct.pack(">H", len(chunk)) + chunk
    return bytes(out + b"\x00\x00")


def _protocol_failure(message: str) -> Structure:
    return Structure(FAILURE, ({"code": "Neo.ClientError.Request.Invalid", "message": message},))


def _tls(settings: BoltSettings) -> ssl.SSLContext | None:
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    return context
