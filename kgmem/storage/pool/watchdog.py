"""A watchdog for kgmem's own backends that outlive every timeout.

A statement normally ends at its ``statement_timeout``. A few waits inside extensions
ignore it, and cancellation and termination too (a graph cache lock in AGE, a
lock inside any other extension): such a backend keeps its pooled connection
and the request waiting for it forever. Every ``interval_s`` the watchdog looks, on a
connection of its own, for backends of kgmem's pool (``application_name`` ``kgmem``)
that have run one statement, or sat idle inside a transaction, for longer than the
longest timeout kgmem sets plus ``grace_s``. It terminates each one; a backend still
there ``grace_s`` later is logged once, and killed with SIGKILL only when the server is
kgmem's embedded one and ``KGMEM_DATABASE_WATCHDOG_KILL`` asks for it (PostgreSQL then
restarts every backend, which costs every tenant's open transactions). The request
that waited gets its connection's error and the pool replaces the connection, so
nothing leaks. Work that may legitimately run longer
(imports, prewarming) renames its backend while it does.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import asyncpg

from kgmem.process.periodic import Periodic
from kgmem.settings.database_settings import DatabaseSettings
from kgmem.storage import rows
from kgmem.storage.engine import backends
from kgmem.storage.pool.database import APPLICATION

_log = logging.getLogger("kgmem.storage.pool.watchdog")

WATCHED_APPLICATION = APPLICATION
"""The application_name of the pool's connections: the only backends watched."""


class _Overdue(NamedTuple):
    """A backend of the service past its time limit."""

    pid: int
    state: str
    waiting: str
    seconds: Decimal


_OVERDUE = """
SELECT pid, state, coalesce(wait_event_type || ':' || wait_event, '') AS waiting,
       extract(epoch FROM now() - CASE WHEN state = 'active' THEN query_start
                                       ELSE state_change END) AS seconds
FROM pg_stat_activity
WHERE datname = current_database() AND application_name = $1
  AND pid <> pg_backend_pid()
  AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')
  AND now() - CASE WHEN state = 'active' THEN query_start ELSE state_change END
      > make_interval(secs => $2)
"""


@dataclass
class Watchdog:
    """Terminates (then kills, when ``kill`` is given) overdue backends of ``url``."""

    url: str
    limit_s: float
    """How long a statement or an idle transaction may last before it is overdue."""
    grace_s: float = 10.0
    interval_s: float = 5.0
    kill: Callable[[int], None] | None = None
    """Kills a backend by pid (the embedded server's processes are local)."""
    _terminated: dict[int, float] = field(default_factory=dict, init=False)
    _reported: set[int] = field(default_factory=set, init=False)
    service: Periodic = field(init=False)
    """The background service that sweeps every ``interval_s`` on a connection of its own."""

    def __post_init__(self) -> None:
        self.service = Periodic(
            "watchdog", self.interval_s, self._step, connect=self._connect,
            failure_level=logging.DEBUG,
        )  # fmt: skip

    def start(self) -> None:
        """Watch in the background until ``stop()``."""
        self.service.start()

    async def stop(self) -> None:
        """Stop watching."""
        await self.service.stop()

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(
            self.url, server_settings={"application_name": "kgmem-watchdog"}
        )

    async def _step(self, conn: asyncpg.Connection | None) -> None:
        assert conn is not None
        await self.sweep(conn)

    async def sweep(self, conn: asyncpg.Connection) -> list[int]:
        """One look: terminate the overdue backends, kill those that ignored it.
        Returns the pids acted on."""
        overdue = await rows.fetch(conn, _Overdue, _OVERDUE, WATCHED_APPLICATION, self.limit_s)
        now = time.monotonic()
        present = {r.pid for r in overdue}
        self._terminated = {p: t for p, t in self._terminated.items() if p in present}
        self._reported &= present
        acted = []
        for row in overdue:
            pid = row.pid
            first = self._terminated.get(pid)
            if first is None:
                _log.warning(
                    "backend %d overdue (%s for %.0f s%s): terminating it",
                    pid,
                    row.state,
                    row.seconds,
                    f", waiting on {row.waiting}" if row.waiting else "",
                )
                await backends.signal(conn, [pid], "terminate")
                self._terminated[pid] = now
                acted.append(pid)
            elif now - first >= self.grace_s and self.kill is None:
                if pid not in self._reported:
                    self._reported.add(pid)
                    _log.error(
                        "backend %d ignored termination for %.0f s; left running "
                        "(KGMEM_DATABASE_WATCHDOG_KILL is off)",
                        pid,
                        now - first,
                    )
            elif now - first >= self.grace_s and self.kill is not None:
                _log.error(
                    "backend %d ignored termination for %.0f s: killing it "
                    "(PostgreSQL restarts its backends)",
                    pid,
                    now - first,
                )
                self.kill(pid)
                acted.append(pid)
        return acted


def from_settings(
    url: str, settings: DatabaseSettings, *, cypher_timeout_ms: int, local: bool
) -> Watchdog | None:
    """The watchdog ``settings`` ask for (None when off or without a statement timeout);
    ``local``: the server is kgmem's own embedded one, whose backends it may kill when
    ``watchdog_kill`` says so."""
    if settings.watchdog_interval_s == 0 or settings.statement_timeout_ms == 0:
        return None
    longest_ms = max(settings.statement_timeout_ms, cypher_timeout_ms)
    return Watchdog(
        url=url,
        limit_s=longest_ms / 1000 + settings.watchdog_grace_s,
        grace_s=settings.watchdog_grace_s,
        interval_s=settings.watchdog_interval_s,
        kill=_kill if local and settings.watchdog_kill else None,
    )


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
