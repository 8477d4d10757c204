"""CPU time the store's PostgreSQL backends spend, read from /proc: a figure that other
processes on a busy machine do not distort, unlike wall-clock latencies."""

from __future__ import annotations

import os
from pathlib import Path

from kgmem import Memory


async def backends(memory: Memory) -> list[int]:
    """Process ids of the store's pooled connections (they name themselves kgmem)."""
    async with memory.database.acquire() as conn:
        # This connection too: the calls reuse it once it is back in the pool.
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE application_name = 'kgmem'")
    return [r["pid"] for r in rows]


def cpu_ms(pids: list[int]) -> float | None:
    """User plus system CPU of ``pids`` in milliseconds; None when /proc does not show
    them (a server on another machine or in another container)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        ticks += int(fields[11]) + int(fields[12])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")
