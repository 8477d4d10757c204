"""The Bolt listener: accepts connections up to the caps and serves each one
(``kgmem.bolt.connection``) in a task of its own.

A connection past ``max_connections``, or past ``max_connections_per_address`` from its
client's address, is closed as soon as it is accepted, before anything is read. A TLS
handshake has ``handshake_timeout_s`` of its own. Stopping the server closes every
connection and undoes open transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from typing import Any

from kgmem.access import is_loopback
from kgmem.bolt.admission import Admission
from kgmem.bolt.connection import Connection
from kgmem.config import BoltSettings
from kgmem.memory import Memory

log = logging.getLogger(__name__)


class BoltServer:
    """Serves Bolt on ``settings.host:settings.port`` (0: a free port) for ``memory``."""

    def __init__(self, memory: Memory, settings: BoltSettings) -> None:
        self.memory = memory
        self.settings = settings
        self.server: asyncio.Server | None = None
        self.port = settings.port
        self.connections: set[asyncio.Task[None]] = set()
        self.admission = Admission(
            most=settings.max_connections, most_per_address=settings.max_connections_per_address
        )

    async def start(self) -> None:
        """Listen; ``port`` holds the bound port afterwards (where a restart listens)."""
        tls = _tls(self.settings)
        extra: dict[str, Any] = {}
        if tls is not None:
            extra = {"ssl": tls, "ssl_handshake_timeout": self.settings.handshake_timeout_s}
        self.server = await asyncio.start_server(
            self._connection, self.settings.host, self.port, **extra
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
        client = _client_host(writer)
        if not self.admission.enter(client):
            log.warning("Bolt connection from %s refused: at the connection cap", client)
            await _close(writer)
            return
        task = asyncio.current_task()
        assert task is not None
        self.connections.add(task)
        try:
            await self._serve((reader, writer), client)
        finally:
            self.connections.discard(task)
            self.admission.leave(client)
            await _close(writer)

    async def _serve(
        self, streams: tuple[asyncio.StreamReader, asyncio.StreamWriter], client: str
    ) -> None:
        address = f"{self.settings.host}:{self.port}"
        local = is_loopback(client or None)
        connection = Connection(self.memory, self.settings, streams, local=local, address=address)
        try:
            await connection.serve()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away
        except asyncio.CancelledError:
            pass  # the server is stopping: this task ends here, quietly
        except Exception:
            log.exception("a Bolt connection from %s failed and is closed", client)


def _client_host(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    return str(peer[0]) if peer else ""


async def _close(writer: asyncio.StreamWriter) -> None:
    if writer.transport.get_write_buffer_size():
        # Replies a client did not take in (it passed the idle timeout): a plain close
        # would wait for them to be sent, for as long as the client does not read.
        writer.transport.abort()
    else:
        writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()


def _tls(settings: BoltSettings) -> ssl.SSLContext | None:
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    return context
