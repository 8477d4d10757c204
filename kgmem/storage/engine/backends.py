"""Signalling PostgreSQL backends: cancel the statement one runs, or end it. The
graceful shutdown does both to the pool's busy connections; the watchdog ends the
backends that outlived every timeout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import asyncpg

Action = Literal["cancel", "terminate"]

_FUNCTIONS: dict[Action, str] = {"cancel": "pg_cancel_backend", "terminate": "pg_terminate_backend"}
# Only backends still busy (running a statement or inside a transaction): one that has
# gone idle meanwhile has nothing left to stop.
_BUSY = (
    "SELECT count(*) FILTER (WHERE {}(pid)) FROM pg_stat_activity "
    "WHERE pid = ANY($1::int[]) AND state <> 'idle'"
)


async def signal(
    conn: asyncpg.Connection, pids: Sequence[int], action: Action, *, timeout_s: float = 5.0
) -> int:
    """``pg_cancel_backend`` or ``pg_terminate_backend`` (``action``) for each of ``pids``
    that is busy, sent on ``conn`` (not one of them); how many were signalled."""
    if not pids:
        return 0
    query = _BUSY.format(_FUNCTIONS[action])
    return int(await conn.fetchval(query, list(pids), timeout=timeout_s))
