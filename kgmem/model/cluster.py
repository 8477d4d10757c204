"""What kgmem sees of a PostgreSQL cluster: the server its pool reaches, the failovers
it noticed, the requests refused meanwhile, and how far each standby lags."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ReplicationLag:
    """One standby streaming from the primary (a row of ``pg_stat_replication``)."""

    name: str
    """The standby's application_name (Patroni: its member name)."""
    address: str | None
    state: str
    sync_state: str
    """async, potential, sync or quorum."""
    replay_lag_s: float | None
    """Seconds the standby's replay trails the primary (None: no recent WAL to time)."""
    lag_bytes: int | None
    """WAL bytes written on the primary and not yet replayed on the standby."""


@dataclass(frozen=True, slots=True)
class ClusterReport:
    """The primary as this process sees it."""

    hosts: tuple[str, ...]
    """The servers the database URL names, ``host:port``, in the order tried."""
    primary: str | None
    """``host:port`` of the server the pool's newest connection reached."""
    failovers: int = 0
    """Times the pool found the primary at another server than before."""
    last_failover_at: datetime | None = None
    refused: int = 0
    """Requests refused because the database was unavailable (a failover, a restart)."""
    replicas: tuple[ReplicationLag, ...] = field(default_factory=tuple)
