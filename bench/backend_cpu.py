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
        """Milliseconds since ``start``; None when /proc shows no backend or one that
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
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def server_ms(postmaster: int) -> float | None:
    """CPU milliseconds of a whole PostgreSQL server so far: the postmaster, its live
    children (backends, walsenders, background workers) and the children it has reaped
    (their CPU moves into its own counters when they exit, so backends that come and go
    within an interval are counted). None when /proc does not show the postmaster."""
    try:
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    total = ticks * 1000 / os.sysconf("SC_CLK_TCK")
    for child in _children(postmaster):
        total += _pid_ms(child) or 0.0
    return total


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(entry.name))
    return found
