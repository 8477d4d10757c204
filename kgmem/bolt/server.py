"""The Bolt listener: accepts connections up to the caps and serves each one
(``kgmem.bolt.connection``) in a task of its own.

A connection past a cap (``kgmem.bolt.admission``: all connections and those not
authenticated yet, in all and from its client's address) is closed as soon as it is
accepted, before anything is read; the refusal is counted and logged at most once a
minute per address (``kgmem.bolt.refusals``). A TLS handshake comes after admission,
so the connection counts as unauthenticated meanwhile, and has ``handshake_timeout_s``
of its own. Stopping the server closes every connection and undoes open transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl

from kgmem.access import is_loopback
from kgmem.bolt.admission import Admission, Caps, Ticket, client_of
from kgmem.bolt.connection import Connection
from kgmem.bolt.refusals import Refusals
from kgmem.errors import ConfigurationError
from kgmem.memory import Memory
from kgmem.process.metrics import instruments
from kgmem.settings.bolt_settings import BoltSettings

log = logging.getLogger(__name__)


class BoltServer:
    """Serves Bolt on ``settings.host:settings.port`` (0: a free port) for ``memory``."""

    def __init__(self, memory: Memory, settings: BoltSettings) -> None:
        self.memory = memory
        self.settings = settings
        self.server: asyncio.Server | None = None
        self.port = settings.port
        self.connections: set[asyncio.Task[None]] = set()
        self.admission = Admission(Caps.of(settings))
        self.refusals = Refusals()
        self.tls: ssl.SSLContext | None = None

    async def start(self) -> None:
        """Listen; ``port`` holds the bound port afterwards (where a restart listens)."""
        self.tls = _tls(self.settings)
        try:
            self.server = await asyncio.start_server(
                self._connection, self.settings.host, self.port
            )
        except OSError as exc:
            raise ConfigurationError(
                f"cannot serve Bolt on {self.settings.host}:{self.port}: {exc.strerror} "
                "(a Neo4j server often holds 7687); set KGMEM_BOLT_PORT to a free port, "
                "or to 0 to turn Bolt off"
            ) from None
        self.port = self.server.sockets[0].getsockname()[1]
        tls = " (TLS)" if self.tls else ""
        log.info("Bolt on %s:%s%s", self.settings.host, self.port, tls)

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
        self.refusals.flush()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = _client_host(writer)
        client = client_of(host)
        reason = self.admission.refusal(client)
        if reason is not None:
            self.refusals.refused(client, reason)
            await _close(writer)
            return
        ticket = self.admission.enter(client)
        task = asyncio.current_task()
        assert task is not None
        self.connections.add(task)
        try:
            if await self._secured(writer):
                await self._serve((reader, writer), ticket, host)
        finally:
            self.connections.discard(task)
            ticket.leave()
            await _close(writer)

    async def _serve(
        self,
        streams: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        ticket: Ticket,
        client: str,
    ) -> None:
        address = f"{self.settings.host}:{self.port}"
        local = is_loopback(client or None)
        connection = Connection(
            self.memory, self.settings, streams, local=local, address=address, ticket=ticket
        )
        try:
            await connection.serve()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away
        except asyncio.CancelledError:
            pass  # the server is stopping: this task ends here, quietly
        except Exception:
            log.exception("a Bolt connection from %s failed and is closed", client)

    async def _secured(self, writer: asyncio.StreamWriter) -> bool:
        """Whether the connection may go on: no TLS, or its TLS handshake done within
        ``handshake_timeout_s``. The handshake comes after admission, so that a socket
        that never finishes it counts among the unauthenticated ones meanwhile."""
        if self.tls is None:
            return True
        bound = self.settings.handshake_timeout_s
        try:
            async with asyncio.timeout(bound):
                await writer.start_tls(self.tls, ssl_handshake_timeout=bound)
        except (TimeoutError, ConnectionAbortedError):  # asyncio's own handshake timeout
            instruments().bolt_auth_timeouts.inc()
            return False
        except (ssl.SSLError, ConnectionError):
            return False  # not TLS, or the client went away
        return True


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
