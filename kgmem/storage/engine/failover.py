"""Following the primary of a PostgreSQL cluster from the service pool.

The pool connects through the database URL, which may list several hosts and ask for
the one that takes writes (``kgmem.storage.engine.conninfo``). ``Failovers`` notes the
server every new connection reaches: a different one than before is a failover, logged
once and counted. When a connection finds the server gone or read-only, the database
expires the pool's connections (``Database.acquire``) and ``lost`` notes it, once per
outage, so the next acquire looks the primary up again; each request refused meanwhile
is counted. ``replication`` reads each standby's lag from the primary.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import asyncpg

from kgmem.model.cluster import ClusterReport, ReplicationLag
from kgmem.process.metrics import instruments
from kgmem.storage import rows

_log = logging.getLogger("kgmem.failover")


@dataclass
class Failovers:
    """The primary as seen by one pool of this process."""

    hosts: tuple[str, ...] = ()
    primary: str | None = None
    failovers: int = 0
    last_failover_at: datetime | None = None
    refused: int = 0
    standby: bool = False
    """A replica pool's: a write refused as read-only is expected there, not a failover."""
    _lost: bool = field(default=False, repr=False)

    def connected(self, conn: Any) -> None:
        """A new pooled connection reached the server at ``conn``'s address."""
        where = address(conn)
        if self.primary is not None and where != self.primary:
            self.failovers += 1
            self.last_failover_at = datetime.now(UTC)
            instruments().database_failovers.inc()
            _log.warning(
                "failover: the primary moved from %s to %s (%d seen)",
                self.primary,
                where,
                self.failovers,
            )
        elif self._lost:
            _log.warning("the primary at %s answers again", where)
        self._lost = False
        if where != self.primary:
            primary_gauge = instruments().database_primary
            if self.primary is not None:
                primary_gauge.labels(self.primary).set(0)
            primary_gauge.labels(where).set(1)
        self.primary = where

    def lost(self, reason: BaseException) -> None:
        """The server went away or turned read-only: logged once per outage."""
        if not self._lost:
            self._lost = True
            _log.warning(
                "lost the server at %s (%s); its connections are dropped and the next "
                "request looks the server up again",
                self.primary or "?",
                type(reason).__name__,
            )

    @property
    def away(self) -> bool:
        """Whether the server was lost and no new connection has reached one since."""
        return self._lost

    def refused_one(self, code: str) -> None:
        """A request was refused because the database was unavailable."""
        self.refused += 1
        instruments().database_refused.labels(code).inc()

    def report(self, replicas: tuple[ReplicationLag, ...] = ()) -> ClusterReport:
        """What /health shows."""
        return ClusterReport(
            hosts=self.hosts,
            primary=self.primary,
            failovers=self.failovers,
            last_failover_at=self.last_failover_at,
            refused=self.refused,
            replicas=replicas,
        )


class _OneLine(logging.Filter):
    """asyncpg's pool logs each failed attempt to reopen its floor of connections with
    a traceback; while the primary is away that is expected: one line is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        failure = record.exc_info[1] if record.exc_info else None
        if failure is not None:
            record.msg = f"{record.getMessage()} ({type(failure).__name__}: {failure})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_pool_log() -> None:
    """Log asyncpg's pool failures on one line each (installed once per process)."""
    logger = logging.getLogger("asyncpg.pool")
    if not any(isinstance(f, _OneLine) for f in logger.filters):
        logger.addFilter(_OneLine())


def address(conn: Any) -> str:
    """``host:port`` (or the socket path) of the server ``conn`` reached."""
    addr = getattr(conn, "_addr", None)
    if isinstance(addr, tuple) and len(addr) >= 2:
        return f"{addr[0]}:{addr[1]}"
    socket, _, port = str(addr or "?").rpartition("/.s.PGSQL.")
    return f"{socket}:{port}" if socket else str(addr or "?")  # as the URL names it


class _Standby(NamedTuple):
    name: str
    address: str | None
    state: str
    sync_state: str
    replay_lag_s: float | None
    lag_bytes: int | None


_STANDBYS = """
SELECT application_name AS name,
       host(client_addr) || ':' || client_port AS address,
       coalesce(state, '') AS state, coalesce(sync_state, '') AS sync_state,
       extract(epoch FROM replay_lag)::float8 AS replay_lag_s,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::int8 AS lag_bytes
FROM pg_stat_replication
WHERE NOT pg_is_in_recovery()
ORDER BY application_name
"""


async def replication(conn: asyncpg.Connection) -> tuple[ReplicationLag, ...]:
    """Each standby streaming from the server of ``conn`` and how far it lags (none when
    that server is itself a standby)."""
    found = await rows.fetch(conn, _Standby, _STANDBYS)
    gauge = instruments().replication_lag
    for s in found:
        gauge.labels(s.name, "seconds").set(s.replay_lag_s or 0.0)
        gauge.labels(s.name, "bytes").set(s.lag_bytes or 0)
    return tuple(ReplicationLag(**s._asdict()) for s in found)
