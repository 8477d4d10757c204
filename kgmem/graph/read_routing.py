"""Where a search or a Cypher read runs: on a streaming replica when one is configured,
up, and (if the caller asked to see a write) has replayed that write; else on the
primary.

A caller that must see its own write passes the write's position (an LSN, from the
``X-Kgmem-Lsn`` header of the write's response) as ``read_after``. The read waits up to
``KGMEM_REPLICA_WAIT_MS`` for the next replica in turn to replay it; past that it runs
on the primary, or fails with ``ReplicaBehind`` when ``KGMEM_REPLICA_ON_LAG`` is
``unavailable``. A replica that cannot be reached is left out for a while and the read
goes to the next one, else to the primary: a replica that is down never takes reads
down. Reads have no side effects, so running one again elsewhere after a failure is
safe.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from kgmem.errors import (
    DatabaseBusy,
    DatabaseUnavailable,
    QueryTimeout,
    ReplicaBehind,
    StorageError,
)
from kgmem.graph.graph_context import GraphContext
from kgmem.process.metrics import instruments
from kgmem.settings.replica_settings import ReplicaSettings
from kgmem.storage.engine.conninfo import several_hosts
from kgmem.storage.pool.replicas import Replica, Replicas, caught_up, unavailable

T = TypeVar("T")
_log = logging.getLogger("kgmem.replicas")

read_after: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kgmem_read_after", default=None
)
"""The LSN the current read must see (set by the server from ``X-Kgmem-Min-Lsn``)."""


@dataclass
class ReadNote:
    """Where the reads of one request ran (``replica`` or ``primary``), for its answer,
    and whether the request only read (a search sent as a POST: its answer carries no
    write position, so it never asks the primary for one)."""

    served_by: str = ""
    reads_only: bool = False


def reads_only() -> None:
    """Note that the current request only reads (``ReadNote.reads_only``)."""
    note = read_note.get()
    if note is not None:
        note.reads_only = True


read_note: contextvars.ContextVar[ReadNote | None] = contextvars.ContextVar(
    "kgmem_read_note", default=None
)


class ReadRouter:
    """Runs reads on the replicas or the primary (see the module docstring)."""

    def __init__(self, primary: GraphContext, replicas: Replicas, settings: ReplicaSettings):
        self.primary = primary
        self.replicas = replicas
        self.settings = settings
        self._contexts = {id(r): replace(primary, db=r.db) for r in replicas.members}

    async def run(self, work: Callable[[GraphContext], Awaitable[T]]) -> T:
        """``work`` on a replica if one may serve it, else on the primary."""
        if not self.replicas:
            return await work(self.primary)
        reason = "down"
        for replica in self.replicas.candidates():
            outcome = await self._on_replica(replica, work)
            if isinstance(outcome, _Refused):
                reason = outcome.reason
                if reason != "down":  # lagging or refused: the others would be too
                    break
                continue
            return outcome.value
        if reason == "lagging" and self.settings.on_lag == "unavailable":
            _served(reason)
            raise ReplicaBehind(
                f"no replica replayed the write at {read_after.get()} within "
                f"{self.settings.wait_ms} ms; retry, or read without X-Kgmem-Min-Lsn"
            )
        _served(reason)
        return await work(self.primary)

    async def _on_replica(
        self, replica: Replica, work: Callable[[GraphContext], Awaitable[T]]
    ) -> _Served[T] | _Refused:
        lsn = read_after.get()
        for attempt in _ATTEMPTS:
            try:
                if lsn is not None and not await caught_up(
                    replica.db, lsn, self.settings.wait_ms / 1000
                ):
                    return _Refused("lagging")
                value = await work(self._contexts[id(replica)])
            except Exception as exc:
                if not unavailable(exc):
                    return self._refusal(replica, exc)
                if attempt < _ATTEMPTS[-1] and await _another_host(replica):
                    continue
                self.replicas.failed(replica, exc)
                return _Refused("down")
            _served("replica")
            return _Served(value)
        raise AssertionError("unreachable")

    def _refusal(self, replica: Replica, exc: Exception) -> _Refused:
        """A replica's refusal of a read for ``exc`` (not its being down), else raise."""
        if isinstance(exc, StorageError) and not isinstance(exc, QueryTimeout):
            # What only the primary can do (a Cypher reader role not yet created).
            _log.debug("replica %s refused a read (%s); the primary serves it", replica.name, exc)
            return _Refused("refused")
        raise exc

    async def lookup(self, work: Callable[[GraphContext], Awaitable[T]]) -> T:
        """``work`` (a small read: an API key, the count of keys) on the primary, whose
        answer is the newest; on a replica when the primary is unavailable (lost in a
        failover: then tried last), so that callers keep being admitted while a replica
        is up. A replica's answer is as new as its replay: a change (a revoked key) is
        seen there once the replica has replayed it, within a second with streaming
        replication."""
        if not self.replicas:
            return await work(self.primary)
        if not self.primary.db.failovers.away:
            try:
                return await work(self.primary)
            except DatabaseUnavailable as exc:
                if isinstance(exc, DatabaseBusy):
                    raise
                failure: Exception = exc
        else:
            failure = DatabaseUnavailable("the primary is away")
        served = await self._on_any_replica(work)
        if served is not None:
            return served.value
        if self.primary.db.failovers.away:
            return await work(self.primary)
        raise failure

    async def _on_any_replica(
        self, work: Callable[[GraphContext], Awaitable[T]]
    ) -> _Served[T] | None:
        """``work`` on the first replica up that answers (None: none did)."""
        for replica in self.replicas.candidates():
            for attempt in _ATTEMPTS:
                try:
                    return _Served(await work(self._contexts[id(replica)]))
                except Exception as exc:
                    if not unavailable(exc):
                        raise
                    if attempt < _ATTEMPTS[-1] and await _another_host(replica):
                        continue
                    self.replicas.failed(replica, exc)
        return None

    def pool_use(self) -> dict[str, tuple[int, int]]:
        """(open, in use) connections of the primary's pool and of the replicas' together."""
        use = self.primary.db.pool_use()
        if self.replicas:
            parts = [r.db.pool_use()["primary"] for r in self.replicas.members]
            use["replica"] = (sum(p[0] for p in parts), sum(p[1] for p in parts))
        return use


@dataclass(frozen=True, slots=True)
class _Served(Generic[T]):
    value: T


@dataclass(frozen=True, slots=True)
class _Refused:
    reason: str


_ATTEMPTS = (1, 2, 3)
"""How often a read is tried on a replica whose URL lists several hosts. A host that is
going down can still take a connection for a moment, which then fails too; by the
third try it refuses them, and the connection goes to the next host."""


async def _another_host(replica: Replica) -> bool:
    """Whether a read that found ``replica`` down may be tried on it once more: its URL
    lists several hosts, so the one that went (a standby's machine, or a standby
    promoted since the pool connected, then lost) leaves others. The pool's connections
    are expired, so the next one looks a standby up again among them."""
    if not several_hosts(replica.db.url):
        return False
    await replica.db.pool.expire_connections()
    return True


def _served(by: str) -> None:
    instruments().replica_reads.labels(by).inc()
    note = read_note.get()
    if note is not None:
        note.served_by = "replica" if by == "replica" else "primary"
