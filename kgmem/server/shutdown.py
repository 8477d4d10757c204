"""Stopping a server in bounded time, also while requests are stuck in the database.

On SIGTERM or SIGINT, ``GracefulServer``:

1. stops accepting connections; requests in flight get ``drain_s`` seconds
   (``KGMEM_SERVER_SHUTDOWN_TIMEOUT_S``) to finish;
2. past that, cancels their statements (pg_cancel_backend), and ``GRACE_S`` later
   terminates their backends (pg_terminate_backend);
3. ``GRACE_S`` later still, cancels the requests left (uvicorn's graceful timeout);
4. closes the store: the pool, then the embedded PostgreSQL when this process owns it
   (a fast shutdown, then immediate, then SIGKILL: ``kgmem.storage.engine.postmaster``).

A second signal skips the waiting: backends are terminated at once, the pool's
connections dropped and PostgreSQL given an immediate shutdown. Each step logs one
line saying what it did.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from types import FrameType

import uvicorn

from kgmem.errors import KgmemError
from kgmem.memory import Memory

_log = logging.getLogger("kgmem.server")

GRACE_S = 2.0
"""Seconds between cancelling statements, terminating backends and cancelling requests."""

Others = Callable[[threading.Event], None]
"""Stops other processes (workers) within the shutdown; runs in a thread, may watch
the event that a second signal sets."""


def graceful_timeout(drain_s: float) -> int:
    """uvicorn's ``timeout_graceful_shutdown`` (whole seconds) for a drain of ``drain_s``."""
    return math.ceil(drain_s + 2 * GRACE_S)


class GracefulServer(uvicorn.Server):
    """A uvicorn server that closes ``memory`` within a bounded shutdown."""

    def __init__(
        self, config: uvicorn.Config, memory: Memory, *, others: Others | None = None
    ) -> None:
        super().__init__(config)
        self.memory = memory
        self.drain_s = memory.settings.server.shutdown_timeout_s
        self.hard = threading.Event()
        """Set by a second signal."""
        self._others = others

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:
            self.hard.set()
            self.force_exit = True
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        started = time.monotonic()
        _log.info(
            "shutdown: stopped accepting connections; %d request(s) in flight get up to %g s",
            len(self.server_state.tasks),
            self.drain_s,
        )
        # Both run to their end whatever the drain raises (asyncio.wait, not a task group:
        # a failure of one must not cancel the other, nor the workers' stop in a thread).
        others = asyncio.create_task(asyncio.to_thread(self._others or _nothing, self.hard))
        escalation = asyncio.create_task(self._escalate())
        try:
            await super().shutdown(sockets)
        finally:
            if not self.hard.is_set():  # the hard path's terminate must still run
                escalation.cancel()
            await asyncio.wait([others, escalation])
            await self.memory.close(hard=self.hard)
        _log.info("shutdown: complete in %.1f s", time.monotonic() - started)

    async def _escalate(self) -> None:
        """Cancel, then terminate, the statements of requests that outlive the drain."""
        db = self.memory.ctx.db
        if not await self._wait(self.drain_s):
            if not self.server_state.tasks:
                _log.info("shutdown: all requests finished")
                return
            running = len(self.server_state.tasks)  # counted before a cancel ends them
            count = await _signalled(db.cancel_statements)
            _log.warning(
                "shutdown: %d request(s) still running after %g s; cancelled %s statement(s) "
                "(pg_cancel_backend)",
                running,
                self.drain_s,
                count,
            )
            if not await self._wait(GRACE_S) and not self.server_state.tasks:
                return
        why = "second signal" if self.hard.is_set() else "requests still running"
        count = await _signalled(db.terminate_backends)
        _log.warning("shutdown: %s; terminated %s backend(s) (pg_terminate_backend)", why, count)

    async def _wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` while requests run; True when a second signal came."""
        deadline = time.monotonic() + seconds
        while self.server_state.tasks and not self.hard.is_set():
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.05)
        return self.hard.is_set()


async def _signalled(signal: Callable[[], Awaitable[int]]) -> str:
    try:
        return str(await signal())
    except KgmemError as exc:
        return f"no (the database did not answer: {exc.detail})"


def _nothing(_: threading.Event) -> None:
    return None
