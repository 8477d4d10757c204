"""Streaming replicas of the primary: one pool each, their health, and how far each has
replayed the primary's WAL.

A replica's pool opens no connection until a read needs one, so a replica that is down
at start does not stop the service. One that fails (cannot be reached, or drops the
link) is left out for ``retry_s`` seconds; its reads go to the next replica, else to
the primary. Write positions are PostgreSQL LSNs (``pg_current_wal_flush_lsn()`` on
the primary, ``pg_last_wal_replay_lsn()`` on a replica), passed around as their text
form (``16/B374D848``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field, replace

import asyncpg

from kgmem.errors import DatabaseUnavailable, InvalidRequest
from kgmem.failover_errors import PrimaryUnavailable
from kgmem.settings.database_settings import DatabaseSettings
from kgmem.settings.replica_settings import ReplicaSettings
from kgmem.storage.engine import conninfo
from kgmem.storage.engine.failover import Failovers
from kgmem.storage.pool.database import Database, open_pool

_log = logging.getLogger("kgmem.replicas")

STANDBY = "prefer-standby"
"""What a replica pool over a host list asks for: a standby, else whichever answers."""

_LSN_TEXT = "0123456789ABCDEFabcdef/"
_POLL_S = 0.005


@dataclass
class Replica:
    """One replica's pool (as a read-only ``Database``) and when it may be tried again."""

    name: str
    db: Database
    down_until: float = 0.0

    @property
    def up(self) -> bool:
        return time.monotonic() >= self.down_until


@dataclass
class Replicas:
    """Every configured replica, tried in turn."""

    members: list[Replica] = field(default_factory=list)
    settings: ReplicaSettings = field(default_factory=ReplicaSettings)
    _next: int = 0

    def __bool__(self) -> bool:
        return bool(self.members)

    def candidates(self) -> list[Replica]:
        """The replicas that are not left out, starting from the next in turn."""
        up = [r for r in self.members if r.up]
        if not up:
            return []
        self._next = (self._next + 1) % len(up)
        return up[self._next :] + up[: self._next]

    def failed(self, replica: Replica, exc: Exception) -> None:
        """Leave ``replica`` out for a while; logged once per outage."""
        if replica.up:
            _log.warning(
                "replica %s failed (%s); its reads go elsewhere for %.0f s",
                replica.name,
                exc,
                self.settings.retry_s,
            )
        replica.down_until = time.monotonic() + self.settings.retry_s

    async def close(self) -> None:
        """Close every replica's pool."""
        # gather, not a task group: one pool failing to close must not cancel the others'.
        await asyncio.gather(*(r.db.close(timeout_s=5.0) for r in self.members))


async def open_replicas(
    primary: Database, settings: ReplicaSettings, database: DatabaseSettings
) -> Replicas:
    """Pools for ``settings.urls``, sharing the primary's knowledge of the server
    (extensions, version, build parameters): a replica is a copy of it."""
    members = []
    pool_settings = database.model_copy(
        update={"pool_min_size": 0, "pool_max_size": settings.pool_max_size}
    )
    for secret in settings.urls:
        url = conninfo.normalise(secret.get_secret_value(), wanted=STANDBY)
        pool, connections = await open_pool(url, pool_settings)
        # The same cluster: the namespace and label caches hold for it too.
        db = replace(
            primary,
            pool=pool,
            url=url,
            connections=connections,
            failovers=Failovers(hosts=(_name(url),), standby=True),
            shared_connections=settings.pool_max_size,  # no health checks nor writes here
        )
        members.append(Replica(name=_name(url), db=db))
    return Replicas(members=members, settings=settings)


def check_lsn(text: str) -> str:
    """``text`` if it is an LSN's text form, else ``InvalidRequest``."""
    high, _, low = text.partition("/")
    if not (high and low and len(text) <= 17 and all(c in _LSN_TEXT for c in text)):
        raise InvalidRequest(f"{text!r} is not a PostgreSQL LSN (like 16/B374D848)")
    return text


async def write_position(primary: Database) -> str:
    """The primary's WAL position flushed so far: every write committed (and flushed) so
    far is before it. Not the insert position: WAL past the flush point, such as the
    change events' asynchronous commits, reaches replicas only when it is flushed."""
    async with primary.acquire() as conn:
        return str(await conn.fetchval("SELECT pg_current_wal_flush_lsn()::text"))


async def caught_up(replica: Database, lsn: str, wait_s: float) -> bool:
    """Whether ``replica`` has replayed the WAL up to ``lsn``, waiting up to ``wait_s``.
    A server that is not in recovery (the primary's own URL listed among the replicas, to
    spread reads over it too) has every write: caught up at once."""
    deadline = time.monotonic() + wait_s
    async with replica.acquire() as conn:
        while True:
            done = await conn.fetchval(
                "SELECT NOT pg_is_in_recovery() "
                "OR coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, false)",
                lsn,
            )
            if done or time.monotonic() >= deadline:
                return bool(done)
            await asyncio.sleep(_POLL_S)


async def replay_position(replica: Database) -> str | None:
    """How far ``replica`` has replayed (None: it is not a replica)."""
    async with replica.acquire() as conn:
        value = await conn.fetchval("SELECT pg_last_wal_replay_lsn()::text")
    return None if value is None else str(value)


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the replica could not serve (rather than the read being bad)."""
    if isinstance(exc, PrimaryUnavailable):  # a write only the primary can do
        return False
    return isinstance(exc, DatabaseUnavailable | OSError | asyncpg.InterfaceError)


def _name(url: str) -> str:
    """A replica's host and port for logs (never its password)."""
    return conninfo.display(url)
