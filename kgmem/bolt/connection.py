"""One Bolt connection on the wire: the handshake, then request messages in and replies
out, every wait bounded.

Versions spoken: 5.4 down to 5.0, and 4.4 (the newest each client offers). Until the
connection has authenticated (from connecting, and again from a LOGOFF), all its waits
share one deadline, ``handshake_timeout_s``, and a message may hold at most
``max_message_bytes_before_auth``; once authenticated, each whole message in and each
batch of replies taken in by the client has ``idle_timeout_s``, and a message may hold
``max_message_bytes``. A deadline passed closes the connection without a FAILURE (the
client is not waiting for one). While a transaction is open, the client has
``transaction_idle_timeout_s`` to send its next message: past it the transaction is
rolled back and the connection waits on, the next message answering why; a client
not taking in replies for that long is closed. A message too large, or not
PackStream, gets a FAILURE and the connection closes: the rest of it is unread, so the
next message cannot be found. Bad magic or no common version closes the connection as
Neo4j does. While the connection is open, its session follows changes of its key
(``Session.follow_key``); a session that refuses its key's connection (past the key's
limit) is closed once the FAILURE is sent. The connection's admission ``Ticket`` is
told after each message whether it is authenticated, so that it counts among the
unauthenticated connections only until then (``kgmem.bolt.admission``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import TypeVar

from kgmem.bolt.admission import Ticket
from kgmem.bolt.errors import neo4j_code
from kgmem.bolt.framing import frame, read_message
from kgmem.bolt.packstream import PackStreamError, Structure, pack, unpack
from kgmem.bolt.session import Goodbye, Session, failure
from kgmem.errors import PayloadTooLarge
from kgmem.memory import Memory
from kgmem.process.metrics import instruments
from kgmem.settings.bolt_settings import BoltSettings

log = logging.getLogger(__name__)
MAGIC = b"\x60\x60\xb0\x17"
SUPPORTED = [(5, 4), (5, 3), (5, 2), (5, 1), (5, 0), (4, 4)]
INVALID_FORMAT = "Neo.ClientError.Request.InvalidFormat"  # Neo4j's code for bad PackStream
_T = TypeVar("_T")


def choose(offers: bytes) -> tuple[int, int] | None:
    """The newest supported version among the client's four offers (each
    ``[0, range, minor, major]``: minor down to minor - range)."""
    for at in range(0, 16, 4):
        _, spread, minor, major = offers[at : at + 4]
        for version in SUPPORTED:
            if version[0] == major and minor - spread <= version[1] <= minor:
                return version
    return None


class Connection:
    """The conversation on one accepted socket; ``local`` tells whether the client is on
    this machine, ``address`` is the server's host:port given to routing drivers,
    ``ticket`` its place in the server's admission counts."""

    def __init__(
        self,
        memory: Memory,
        settings: BoltSettings,
        streams: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        *,
        local: bool,
        address: str,
        ticket: Ticket,
    ) -> None:
        self.memory = memory
        self.settings = settings
        self.reader, self.writer = streams
        self.local = local
        self.address = address
        self.ticket = ticket
        self.auth_deadline = _now() + settings.handshake_timeout_s

    async def serve(self) -> None:
        """Converse until the client leaves or says GOODBYE, a limit is passed, or the
        task is cancelled; an open transaction is undone on the way out. Raises
        ``asyncio.IncompleteReadError`` or ``ConnectionError`` when the client goes."""
        try:
            version = await self._within(None, self._negotiate())
            if version is None:
                return
            with self.memory.key_watch.hold() as hold:
                session = Session(
                    self.memory,
                    self.settings,
                    version,
                    local=self.local,
                    address=self.address,
                    hold=hold,
                )
                try:
                    await self._converse(session)
                finally:
                    await session.close()
        except Goodbye:
            return
        except _DeadlinePassed:
            if not self.ticket.is_authenticated:
                # At debug: a flood of sockets that never authenticate would flood the log.
                instruments().bolt_auth_timeouts.inc()
                log.debug("a Bolt connection did not authenticate in time: closed")
            else:
                log.info("a Bolt connection passed its idle deadline: closed")

    async def _negotiate(self) -> tuple[int, int] | None:
        if await self.reader.readexactly(4) != MAGIC:
            return None
        version = choose(await self.reader.readexactly(16))
        self.writer.write(bytes((0, 0, version[1], version[0])) if version else bytes(4))
        await self.writer.drain()
        return version

    async def _converse(self, session: Session) -> None:
        # Lives exactly as long as this conversation: cancelled and awaited below.
        following = asyncio.get_running_loop().create_task(session.follow_key())
        try:
            await self._exchange(session)
        finally:
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await following

    async def _exchange(self, session: Session) -> None:
        while not session.closing:
            try:
                data = await self._next_message(session)
            except PayloadTooLarge as exc:
                await self._send(session, [failure(neo4j_code(exc), exc.detail)])
                return
            message = _decode(data)
            if message is None:
                await self._send(session, [failure(INVALID_FORMAT, "not a valid Bolt message")])
                return
            await self._send(session, await self._handle(session, message))

    async def _next_message(self, session: Session) -> bytes:
        """The next message's bytes; an open transaction the client leaves waiting past
        its idle timeout meanwhile is ended, the read goes on."""
        reading = asyncio.ensure_future(
            self._within(session, read_message(self.reader, self._limit(session)))
        )
        try:
            while session.tx is not None:
                idle = self.settings.transaction_idle_timeout_s
                done, _ = await asyncio.wait({reading}, timeout=idle)
                if done:
                    break
                await session.end_idle_transaction()
            return await reading
        finally:
            reading.cancel()  # nothing when it is done; a stopping server otherwise

    async def _handle(self, session: Session, message: Structure) -> list[Structure]:
        authenticated = session.who is not None
        replies = await session.handle(message)
        if authenticated and session.who is None:  # LOGOFF: authenticate again in time
            self.auth_deadline = _now() + self.settings.handshake_timeout_s
        self.ticket.authenticated(session.who is not None)
        return replies

    async def _send(self, session: Session, replies: list[Structure]) -> None:
        try:
            frames = [frame(pack(reply)) for reply in replies]
        except PackStreamError as exc:  # a value Bolt cannot carry: the request fails
            frames = [frame(pack(reply)) for reply in session.unsendable(str(exc))]
        for framed in frames:
            self.writer.write(framed)
        bound = self.settings.idle_timeout_s
        if session.tx is not None:
            bound = min(bound, self.settings.transaction_idle_timeout_s)
        await self._within(session, self.writer.drain(), bound)

    def _limit(self, session: Session) -> int:
        if session.who is None:
            return self.settings.max_message_bytes_before_auth
        return self.settings.max_message_bytes

    async def _within(
        self, session: Session | None, wait: Awaitable[_T], bound: float | None = None
    ) -> _T:
        """``wait`` awaited within its bound: the authentication deadline until the
        session has authenticated, then ``bound`` (by default the idle timeout)."""
        try:
            if session is None or session.who is None:
                async with asyncio.timeout_at(self.auth_deadline):
                    return await wait
            async with asyncio.timeout(bound or self.settings.idle_timeout_s):
                return await wait
        except TimeoutError:
            raise _DeadlinePassed from None


class _DeadlinePassed(Exception):
    """A wait on the client outlasted its bound."""


def _decode(data: bytes) -> Structure | None:
    """The message ``data`` holds, None when it is not PackStream or not a structure."""
    try:
        message = unpack(data)
    except PackStreamError:
        return None
    return message if isinstance(message, Structure) else None


def _now() -> float:
    return asyncio.get_running_loop().time()
