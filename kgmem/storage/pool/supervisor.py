"""Keeping the embedded PostgreSQL running: notice its postmaster died, start it again.

The server that owns ``KGMEM_HOME`` runs one ``Supervisor``, a background service like
the others (``kgmem.process.periodic``; /health shows it in ``services`` as
``supervisor``). It checks the postmaster every ``CHECK_S`` seconds. When it is gone,
the database's state becomes ``restarting`` (requests get 503 ``database_unavailable``
at once instead of waiting for a connection), and the supervisor starts PostgreSQL
again, waiting 0.5 s before the first attempt and twice as long before each next one,
at most ``MAX_DELAY_S``. Once a query answers, the pool's old connections are expired
(the pool opens new ones on later acquires) and the state is ``up`` again. After
``attempts`` failed tries the state is ``down`` and the supervisor stops trying (it
still notices when someone else has started the server, and the state is ``up`` again).
"""

from __future__ import annotations

import asyncio
import logging
import time

from kgmem.errors import ConfigurationError
from kgmem.process.periodic import Periodic
from kgmem.storage.engine.embedded import EmbeddedPostgres
from kgmem.storage.pool.database import Database, DatabaseState

_log = logging.getLogger("kgmem.embedded")

CHECK_S = 0.5
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0
READY_S = 30.0
"""How long a started postmaster may take to answer a query (crash recovery replays
the WAL first) before the attempt counts as failed."""


class Supervisor:
    """Restarts the embedded PostgreSQL of ``db`` when its postmaster dies."""

    def __init__(self, db: Database, embedded: EmbeddedPostgres, *, attempts: int) -> None:
        self._db = db
        self._embedded = embedded
        self._attempts = attempts
        self._starting: asyncio.Future[None] | None = None
        self.service = Periodic("supervisor", CHECK_S, self._check)

    def start(self) -> None:
        """Begin watching (in a background task of the running loop)."""
        if self._attempts > 0:
            self.service.start()

    async def close(self) -> None:
        """Stop watching. A start of PostgreSQL under way is waited for (it runs in a
        thread that cannot be interrupted), so that stopping the server comes after it.
        Closing twice is harmless."""
        await self.service.stop()
        if self._starting is not None:
            await asyncio.wait([self._starting], timeout=READY_S)

    async def _check(self, _: object) -> None:
        """One look at the postmaster: restart it if it died, or notice it is back."""
        running = await asyncio.to_thread(self._embedded.running)
        if self._db.state.status == "down":
            await self._seen_again(running)
        elif not running:
            await self._recover()

    async def _seen_again(self, running: bool) -> None:
        """After giving up: up again once someone else has started the server."""
        if running and await self._db.answers():
            await self._db.pool.expire_connections()
            self._db.state = DatabaseState("up", 0, self._db.state.restarts, None)
            _log.warning("embedded PostgreSQL answers again")

    async def _recover(self) -> None:
        """Restart the server, or leave the state ``down`` when every attempt failed."""
        _log.error("the embedded PostgreSQL died; restarting it")
        started = time.monotonic()
        delay = FIRST_DELAY_S
        restarts = self._db.state.restarts
        for attempt in range(1, self._attempts + 1):
            self._db.state = DatabaseState("restarting", attempt, restarts, self._db.state.error)
            await asyncio.sleep(delay)
            try:
                await self._restart()
            except Exception as exc:  # any failure is one failed attempt, reported below
                self._db.state = DatabaseState("restarting", attempt, restarts, repr(exc))
                _log.warning(
                    "restart attempt %d of %d failed: %r",
                    attempt,
                    self._attempts,
                    exc,
                    exc_info=not isinstance(exc, ConfigurationError),
                )
                delay = min(delay * 2, MAX_DELAY_S)
                continue
            self._db.state = DatabaseState("up", 0, restarts + 1, None)
            _log.warning(
                "embedded PostgreSQL restarted (attempt %d, %.1f s after it was found dead)",
                attempt,
                time.monotonic() - started,
            )
            return
        self._db.state = DatabaseState("down", self._attempts, restarts, self._db.state.error)
        _log.error("embedded PostgreSQL is down: %d restart attempts failed", self._attempts)

    async def _restart(self) -> None:
        """Start the postmaster unless one runs already, then wait until it answers."""
        if not await asyncio.to_thread(self._embedded.running):
            # Shielded and kept: the start runs in a thread that cannot be interrupted,
            # and close() waits for it even after the watch is cancelled.
            self._starting = asyncio.ensure_future(asyncio.to_thread(self._embedded.restart))
            await asyncio.shield(self._starting)
        deadline = time.monotonic() + READY_S
        while not await self._db.answers():
            if time.monotonic() > deadline:
                raise ConfigurationError(f"PostgreSQL started but did not answer in {READY_S} s")
            await asyncio.sleep(0.2)
        await self._db.pool.expire_connections()
