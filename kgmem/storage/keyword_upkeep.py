"""Keeping the BM25 indexes' corpus statistics near the live rows, in the background.

Every ``interval_s`` the upkeep reads, on a connection of its own, each namespace's
BM25 document counts beside its live rows (``kgmem.storage.keyword_stats``) and
rebuilds, concurrently, each index that counts more than ``ratio`` times the live rows.
A rebuild reads every live row once, so with ``ratio`` r the rebuilds cost at most
1 / (r - 1) row indexings per row written, and the statistics never count more than r
times the live rows for longer than one interval. The connection is not the pool's,
so the watchdog leaves a long rebuild alone, and it sets no statement timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import asyncpg

from kgmem.database_settings import DatabaseSettings
from kgmem.storage import keyword_stats
from kgmem.storage.driver_errors import translated
from kgmem.storage.keyword_stats import IndexStats

_log = logging.getLogger("kgmem.storage.keyword_upkeep")

APPLICATION = "kgmem-keyword-upkeep"
LOCK_POLL_S = 0.5
_TRY_LOCK = "SELECT pg_try_advisory_lock(hashtext('kgmem.keyword_rebuild'), hashtext($1))"
_UNLOCK = "SELECT pg_advisory_unlock(hashtext('kgmem.keyword_rebuild'), hashtext($1))"
_SETTINGS = {"application_name": APPLICATION, "statement_timeout": "0"}


async def connect(url: str) -> asyncpg.Connection:
    """A connection for rebuilds: outside the pool, without a statement timeout."""
    return await asyncpg.connect(url, server_settings=_SETTINGS)


async def refresh(
    conn: asyncpg.Connection, namespace: str, *, ratio: float, wait: bool = True
) -> list[tuple[IndexStats, IndexStats | None]]:
    """Rebuild each BM25 index of ``namespace`` that counts more than ``ratio`` times
    its live rows (every one when ``ratio`` is 1.0 or less: on demand). Each index's
    statistics before, and after when it was rebuilt. One rebuilder of a namespace at a
    time, in every process: the others wait (or, without ``wait``, do nothing)."""
    while not await conn.fetchval(_TRY_LOCK, namespace):
        if not wait:
            return []
        # Polled, not waited for in one statement: a rebuild waits for every snapshot
        # older than its own, a waiting statement's included.
        await asyncio.sleep(LOCK_POLL_S)
    try:
        return await _refresh(conn, namespace, ratio)
    finally:
        await conn.execute(_UNLOCK, namespace)


async def _refresh(
    conn: asyncpg.Connection, namespace: str, ratio: float
) -> list[tuple[IndexStats, IndexStats | None]]:
    await keyword_stats.drop_leftovers(conn, namespace)
    done: list[tuple[IndexStats, IndexStats | None]] = []
    for before in await keyword_stats.stats(conn, namespace):
        if ratio > 1.0 and before.ratio <= ratio:
            done.append((before, None))
            continue
        await keyword_stats.rebuild(conn, before.index)
        after = [s for s in await keyword_stats.stats(conn, namespace) if s.index == before.index]
        done.append((before, after[0] if after else None))
    return done


async def refresh_on_own_connection(
    url: str, namespace: str, *, ratio: float
) -> list[tuple[IndexStats, IndexStats | None]]:
    """``refresh`` on a connection of its own (closed after), driver errors translated."""
    with translated():
        conn = await connect(url)
        try:
            return await refresh(conn, namespace, ratio=ratio)
        finally:
            await conn.close()


async def namespaces(conn: asyncpg.Connection) -> list[str]:
    """Every namespace's name."""
    return [name for (name,) in await conn.fetch("SELECT name FROM kgmem.namespace ORDER BY 1")]


@dataclass
class KeywordUpkeep:
    """Rebuilds the BM25 indexes of ``url``'s namespaces whose statistics drifted."""

    url: str
    ratio: float
    interval_s: float
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    def start(self) -> None:
        """Keep the statistics in the background until ``stop()``."""
        if self._task is None:
            # Long-lived: runs from start() to stop(), beyond any one scope.
            self._task = asyncio.create_task(self._run(), name="kgmem-keyword-upkeep")

    async def stop(self) -> None:
        """Stop; a rebuild under way is cancelled (PostgreSQL keeps the old index)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        conn: asyncpg.Connection | None = None
        try:
            while True:
                await asyncio.sleep(self.interval_s)
                try:
                    if conn is None or conn.is_closed():
                        conn = await connect(self.url)
                    await self.sweep(conn)
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    _log.warning("keeping the BM25 statistics failed: %s", exc)
                    if conn is not None:
                        conn.terminate()
                    conn = None
        finally:
            if conn is not None:
                conn.terminate()

    async def sweep(self, conn: asyncpg.Connection) -> list[IndexStats]:
        """One look at every namespace; the statistics of the indexes rebuilt."""
        rebuilt = []
        for name in await namespaces(conn):
            for before, after in await refresh(conn, name, ratio=self.ratio, wait=False):
                if after is not None:
                    _log.info(
                        "rebuilt %s: %s documents counted for %d live rows, now %s",
                        before.index,
                        before.documents,
                        before.live,
                        after.documents,
                    )
                    rebuilt.append(after)
        return rebuilt


def from_settings(url: str, settings: DatabaseSettings) -> KeywordUpkeep | None:
    """The upkeep ``settings`` ask for (None when off)."""
    if settings.keyword_upkeep_interval_s == 0:
        return None
    return KeywordUpkeep(
        url=url,
        ratio=settings.keyword_rebuild_ratio,
        interval_s=settings.keyword_upkeep_interval_s,
    )
