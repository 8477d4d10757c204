"""The cluster as /health shows it: the pool's view of the primary (``failover``) and
each standby's lag, read from the primary within a short deadline, so that a database
that does not answer leaves the lag out rather than holding the health check."""

from __future__ import annotations

import asyncio

from kgmem.errors import KgmemError
from kgmem.model.cluster import ClusterReport, ReplicationLag
from kgmem.storage.engine.failover import replication
from kgmem.storage.pool.database import Database

LAG_DEADLINE_S = 1.0


async def cluster_report(db: Database) -> ClusterReport:
    """Where the primary is, failovers and refusals seen, and the standbys' lag."""
    return db.failovers.report(await standbys(db))


async def standbys(db: Database) -> tuple[ReplicationLag, ...]:
    """The standbys streaming from the primary (empty when it cannot tell in time)."""
    if db.state.status != "up":
        return ()
    try:
        async with asyncio.timeout(LAG_DEADLINE_S), db.acquire() as conn:
            return await replication(conn)
    except (KgmemError, TimeoutError):
        return ()
