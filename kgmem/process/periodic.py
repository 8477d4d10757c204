"""One way to run a background service: a step every so often, on a connection of its
own, with backoff after failures and a state anyone can read.

A ``Periodic`` runs ``step`` every ``interval_s`` from ``start()`` to ``stop()``. With
``connect``, the step gets a connection of its own (outside the pool), opened on first
use and again after a failure. A failure (the database unreachable, a statement
refused) is logged, ends the connection, and the next step waits twice as long as the
last, up to ``max_backoff_s`` (never less than the interval); a step that succeeds
brings the interval back. A failure of any other kind is a bug: it is logged with its
traceback and the service goes on the same way, so one bad step cannot stop it for
good.

``status()`` says what the service is doing (``running``, ``failing``, ``stopped``),
how many steps failed in a row and the last error: /health reports each service this
way, and the ``kgmem_background_service_up`` and ``kgmem_background_service_failures``
metrics count the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

import asyncpg

from kgmem.model import ServiceStatus
from kgmem.process.metrics import instruments

_log = logging.getLogger("kgmem.services")

State = Literal["starting", "running", "failing", "stopped"]

EXPECTED = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
"""Failures of a step that say the database could not do it now, not that it is wrong."""


@dataclass
class Periodic:
    """Runs ``step`` every ``interval_s`` in the background (see the module docstring)."""

    name: str
    interval_s: float
    step: Callable[[asyncpg.Connection | None], Awaitable[object]]
    connect: Callable[[], Awaitable[asyncpg.Connection]] | None = None
    max_backoff_s: float = 30.0
    failure_level: int = logging.WARNING
    """How loudly an expected failure is logged (a watchdog's sweep: quietly)."""
    expected: tuple[type[Exception], ...] = EXPECTED
    """Failures that say the step could not be done now (logged at ``failure_level``)."""
    stopped: Callable[[], Awaitable[object]] | None = None
    """What stopping the service ends besides its steps (a listener and its connections)."""
    _state: State = field(default="stopped", init=False)
    _failures: int = field(default=0, init=False)
    _last_error: str | None = field(default=None, init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    def start(self) -> None:
        """Run in the background until ``stop()``; starting twice is harmless."""
        if self._task is None:
            self._state = "starting"
            # Long-lived: runs from start() to stop(), beyond any one scope.
            self._task = asyncio.create_task(self._run(), name=f"kgmem-{self.name}")

    async def stop(self) -> None:
        """Stop (a step under way is cancelled); stopping twice is harmless."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            if self.stopped is not None:
                await self.stopped()
        self._state = "stopped"
        self._up(0)

    def status(self) -> ServiceStatus:
        return ServiceStatus(self._state, self._failures, self._last_error)

    def delay(self) -> float:
        """How long to wait before the next step: the interval, doubled per failure in
        a row up to ``max_backoff_s`` (at least the interval)."""
        if not self._failures:
            return self.interval_s
        ceiling = max(self.max_backoff_s, self.interval_s)
        return float(min(self.interval_s * 2.0 ** (self._failures - 1), ceiling))

    async def _run(self) -> None:
        conn: asyncpg.Connection | None = None
        try:
            while True:
                try:
                    if self.connect is not None and (conn is None or conn.is_closed()):
                        conn = await self.connect()
                    await self.step(conn)
                except self.expected as exc:
                    self._failed(exc, self.failure_level, trace=False)
                    conn = _dropped(conn)
                except Exception as exc:  # a bug: said loudly, and the service goes on
                    self._failed(exc, logging.ERROR, trace=True)
                    conn = _dropped(conn)
                else:
                    self._state, self._failures, self._last_error = "running", 0, None
                    self._up(1)
                await asyncio.sleep(self.delay())
        finally:
            _dropped(conn)

    def _failed(self, exc: Exception, level: int, *, trace: bool) -> None:
        self._state, self._failures, self._last_error = "failing", self._failures + 1, str(exc)
        self._up(0)
        instruments().background_failures.labels(self.name).inc()
        _log.log(
            level,
            "%s failed (%d in a row; next try in %.1f s): %s",
            self.name,
            self._failures,
            self.delay(),
            exc,
            exc_info=exc if trace else None,
        )

    def _up(self, value: int) -> None:
        instruments().background_up.labels(self.name).set(value)


def _dropped(conn: asyncpg.Connection | None) -> asyncpg.Connection | None:
    """Close ``conn`` without waiting (it may be broken); None, for the caller's variable."""
    if conn is not None:
        conn.terminate()
    return None
