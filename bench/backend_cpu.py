"""CPU time the store's PostgreSQL backends spend, read through psutil: a figure that other
processes on a busy machine do not distort, unlike wall-clock latencies."""

from __future__ import annotations

import psutil

from kgmem import Memory


async def backends(memory: Memory) -> list[int]:
    """Process ids of the store's pooled connections (they name themselves kgmem)."""
    async with memory.database.acquire() as conn:
        # This connection too: the calls reuse it once it is back in the pool.
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE application_name = 'kgmem'")
    return [r["pid"] for r in rows]


def cpu_ms(pids: list[int]) -> float | None:
    """User plus system CPU of ``pids`` in milliseconds; None when psutil cannot see
    them (a server on another machine or in another container)."""
    total = 0.0
    for pid in pids:
        used = _pid_ms(pid)
        if used is None:
            return None
        total += used
    return total


class Meter:
    """CPU of the pool's backends between ``start`` and ``stop``, counting also the
    connections the pool opened meanwhile (all their CPU falls in the interval)."""

    def __init__(self) -> None:
        self.begin: dict[int, float] = {}

    async def start(self, memory: Memory) -> None:
        self.begin = {}
        for pid in await backends(memory):
            used = _pid_ms(pid)
            if used is not None:
                self.begin[pid] = used

    async def stop(self, memory: Memory) -> float | None:
        """Milliseconds since ``start``; None when no backend is seen or one that
        was measured at the start has gone (its CPU since then is unknown)."""
        now = set(await backends(memory)) | set(self.begin)
        total = 0.0
        for pid in now:
            used = _pid_ms(pid)
            if used is None:
                return None
            total += used - self.begin.get(pid, 0.0)
        return total if now else None


def _pid_ms(pid: int) -> float | None:
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return (times.user + times.system) * 1000


def server_ms(postmaster: int) -> float | None:
    """CPU milliseconds of a whole PostgreSQL server so far: the postmaster, its live
    children (backends, walsenders, background workers) and the children it has reaped
    (their CPU moves into its own counters when they exit, so backends that come and go
    within an interval are counted). None when the postmaster cannot be seen."""
    try:
        server = psutil.Process(postmaster)
        times = server.cpu_times()
        children = server.children()
    except psutil.Error:
        return None
    total = (times.user + times.system + times.children_user + times.children_system) * 1000
    for child in children:
        total += _pid_ms(child.pid) or 0.0
    return total
