"""LISTENing on PostgreSQL notification channels: one connection per process and
database, shared by every channel it listens on.

The pool keeps no session state, so the LISTEN connection is one of its own
(``application_name`` ``kgmem-listen``), opened by the first ``Listener`` started and
closed when the last one stops. While it is open, a background service (``listen`` in
/health ``services``, ``kgmem.process.periodic``) looks at it every second; when
it was lost, the service opens it again (waiting longer after each failed try, up to
``MAX_RETRY_S``) and then calls every listener's ``on_gap()``: notifications sent
meanwhile are lost, and each caller decides what to assume instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable

import asyncpg

from kgmem.errors import KgmemError
from kgmem.process.periodic import EXPECTED, Periodic
from kgmem.storage.engine.driver_errors import translated
from kgmem.storage.pool.database import Database

_log = logging.getLogger("kgmem.storage")

APPLICATION = "kgmem-listen"
CHECK_S = 1.0
"""How often the LISTEN connection is looked at (and opened again once lost)."""
MAX_RETRY_S = 5.0
"""The longest wait between two tries to open it again."""


class Listener:
    """Calls ``on_payload(payload)`` in the event loop for every notification on
    ``channel``, from this process and from every other one on the same database,
    between ``start()`` and ``stop()``."""

    def __init__(
        self,
        db: Database,
        channel: str,
        on_payload: Callable[[str], None],
        on_gap: Callable[[], None] = lambda: None,
    ) -> None:
        self._hub = _hub(db)
        self.channel = channel
        self._on_payload = on_payload
        self.on_gap = on_gap

    @property
    def running(self) -> bool:
        """Whether this listener is started and the LISTEN connection is up."""
        return self._hub.listens(self)

    @property
    def service(self) -> Periodic:
        """The background service keeping the shared LISTEN connection open."""
        return self._hub.service

    @property
    def connection(self) -> asyncpg.Connection | None:
        """The LISTEN connection (shared with the process's other listeners)."""
        return self._hub.conn

    async def start(self) -> None:
        """LISTEN (again, if the connection was lost); harmless when already listening."""
        await self._hub.add(self)

    async def stop(self) -> None:
        """Stop listening; the connection closes with the last listener."""
        await self._hub.remove(self)

    def notified(self, payload: str) -> None:
        try:
            self._on_payload(payload)
        except Exception:
            _log.exception("the %s notification callback failed", self.channel)


_HUBS: dict[int, _Hub] = {}
"""Each open ``Database``'s hub, by the database object's id (forgotten with it)."""


def _hub(db: Database) -> _Hub:
    """The one LISTEN connection of ``db``'s process."""
    hub = _HUBS.get(id(db))
    if hub is None:
        hub = _HUBS[id(db)] = _Hub(db)
        weakref.finalize(db, _HUBS.pop, id(db), None)
    return hub


class _Hub:
    """One LISTEN connection and the listeners it serves, by channel."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._listeners: dict[str, list[Listener]] = {}
        self.conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self.service = Periodic(
            "listen",
            CHECK_S,
            self._check,
            max_backoff_s=MAX_RETRY_S,
            failure_level=logging.DEBUG,  # the loss itself is logged once, by _lost
            expected=(KgmemError, *EXPECTED),
        )

    def listens(self, listener: Listener) -> bool:
        up = self.conn is not None and not self.conn.is_closed()
        return up and listener in self._listeners.get(listener.channel, [])

    async def add(self, listener: Listener) -> None:
        async with self._lock:
            channel = listener.channel
            listening = self._listeners.setdefault(channel, [])
            if listener not in listening:
                listening.append(listener)
            if self.conn is None or self.conn.is_closed():
                await self._connect()
                self.service.start()
            elif len(listening) == 1:
                await self.conn.add_listener(channel, self._notified)

    async def remove(self, listener: Listener) -> None:
        async with self._lock:
            listening = self._listeners.get(listener.channel, [])
            if listener in listening:
                listening.remove(listener)
            if not listening:
                self._listeners.pop(listener.channel, None)
                if self.conn is not None and not self.conn.is_closed():
                    with contextlib.suppress(Exception):
                        await self.conn.remove_listener(listener.channel, self._notified)
            if not self._listeners:
                await self._close()

    async def _connect(self) -> None:
        """Open the connection and LISTEN on every channel (under the lock)."""
        with translated():
            conn = await asyncpg.connect(
                self._db.url, server_settings={"application_name": APPLICATION}
            )
            try:
                for channel in self._listeners:
                    await conn.add_listener(channel, self._notified)
            except BaseException:
                await conn.close()
                raise
        conn.add_termination_listener(self._lost)
        self.conn = conn

    async def _close(self) -> None:
        """Stop the service and close the connection (under the lock)."""
        await self.service.stop()
        conn, self.conn = self.conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=5)
            conn.terminate()

    def _lost(self, conn: object) -> None:
        if conn is self.conn and self._listeners:
            _log.warning(
                "the LISTEN connection (%s) was lost; reconnecting", ", ".join(self._listeners)
            )

    async def _check(self, _: object) -> None:
        """One step of the service: open the connection again if it was lost, then tell
        every listener about the gap."""
        if self.conn is not None and not self.conn.is_closed():
            return
        async with self._lock:
            if not self._listeners or (self.conn is not None and not self.conn.is_closed()):
                return
            await self._connect()
        for listening in list(self._listeners.values()):
            for listener in list(listening):
                listener.on_gap()

    def _notified(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        for listener in list(self._listeners.get(channel, [])):
            listener.notified(payload)
