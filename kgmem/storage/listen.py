"""A connection of its own LISTENing on one PostgreSQL notification channel.

The pool keeps no session state, so a listener holds a connection outside it. When the
connection is lost, the listener reconnects every second and then calls ``on_gap()``:
notifications sent meanwhile are lost, and the caller decides what to assume instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

from kgmem.storage.database import Database
from kgmem.storage.driver_errors import translated

_log = logging.getLogger("kgmem.storage")


class Listener:
    """Calls ``on_payload(payload)`` in the event loop for every notification on
    ``channel``, from this process and from every other one on the same database;
    ``name`` is the connection's ``application_name``."""

    def __init__(
        self,
        db: Database,
        channel: str,
        on_payload: Callable[[str], None],
        on_gap: Callable[[], None] = lambda: None,
        *,
        name: str,
    ) -> None:
        self._db = db
        self._name = name
        self._channel = channel
        self._on_payload = on_payload
        self._on_gap = on_gap
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._stopped = False
        self._retry: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether the LISTEN connection is up."""
        return self._conn is not None and not self._conn.is_closed()

    async def start(self) -> None:
        """LISTEN (again, if the connection was lost); harmless when already listening."""
        async with self._lock:
            if self.running:
                return
            with translated():
                conn = await asyncpg.connect(
                    self._db.url,
                    server_settings={"application_name": self._name},
                )
                try:
                    await conn.add_listener(self._channel, self._notified)
                except BaseException:
                    await conn.close()
                    raise
            conn.add_termination_listener(self._lost)
            self._conn = conn
            self._stopped = False

    def _lost(self, _conn: object) -> None:
        if self._stopped or (self._retry is not None and not self._retry.done()):
            return
        _log.warning("the LISTEN connection of %s was lost; reconnecting", self._channel)
        # Started from a connection callback and kept until stop(): no scope to hold it.
        self._retry = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        while not self._stopped:
            await asyncio.sleep(1.0)
            try:
                await self.start()
            except Exception as exc:
                _log.debug("LISTEN %s reconnect failed: %s", self._channel, exc)
                continue
            self._on_gap()
            return

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self._on_payload(payload)
        except Exception:
            _log.exception("the %s notification callback failed", self._channel)

    async def stop(self) -> None:
        """Close the LISTEN connection."""
        self._stopped = True
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), timeout=5)
                conn.terminate()
