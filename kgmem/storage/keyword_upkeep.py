"""The keyword index's background upkeep: a check after an unclean stop, then compaction.

Writers add signed delta rows to a namespace's keyword statistics (``_kg_text_stats``);
every ``interval_s`` the upkeep folds each namespace's rows into one per key
(``text_index.compact``), so a search sums few rows. Nothing here is needed for the
statistics to be right: they are exact at every moment.

At start, when the store was not stopped cleanly last time (a crash or ``kill -9`` of
the server or of PostgreSQL: ``store_meta['serving']`` still says it is serving), and
after the embedded PostgreSQL was restarted by the supervisor, it first checks every
namespace's statistics against the rows (``text_index.check``) and writes those that
differ again from the rows, saying so in the log and in ``state`` (shown by /health).
The work runs on a connection of its own, outside the pool.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import asyncpg

from kgmem.storage import text_index
from kgmem.storage.periodic import Periodic

_log = logging.getLogger("kgmem.storage.keyword_upkeep")

APPLICATION = "kgmem-keyword-upkeep"
_SETTINGS = {"application_name": APPLICATION, "statement_timeout": "0"}

State = Literal["ok", "checking", "repaired"]


async def connect(url: str) -> asyncpg.Connection:
    """A connection for the upkeep: outside the pool, without a statement timeout."""
    return await asyncpg.connect(url, server_settings=_SETTINGS)


async def namespaces(conn: asyncpg.Connection) -> list[str]:
    """Every namespace's name."""
    return [name for (name,) in await conn.fetch("SELECT name FROM kgmem.namespace ORDER BY 1")]


async def check_and_repair(
    conn: asyncpg.Connection, namespace: str, *, repair: bool
) -> list[tuple[text_index.TextIndexCheck, bool]]:
    """Each kind's check of ``namespace`` (one snapshot), and whether its statistics
    were written again: when ``repair`` and a kind differs from its rows."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        checks = await text_index.check(conn, namespace)
    mend = repair and not all(c.ok for c in checks)
    if mend:
        async with conn.transaction():
            await text_index.repair(conn, namespace)
    return [(c, mend) for c in checks]


async def mark_serving(conn: asyncpg.Connection) -> bool:
    """Record that a server is serving the store; whether the last one stopped cleanly
    (True for a store never served)."""
    before = await conn.fetchval("SELECT value FROM kgmem.store_meta WHERE key = 'serving'")
    await conn.execute(
        "INSERT INTO kgmem.store_meta (key, value) VALUES ('serving', $1::jsonb) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()",
        json.dumps({"clean": False}),
    )
    return before is None or bool(json.loads(before).get("clean", True))


async def mark_stopped(conn: asyncpg.Connection) -> None:
    """Record a clean stop."""
    await conn.execute(
        "UPDATE kgmem.store_meta SET value = $1::jsonb, updated_at = now() WHERE key = 'serving'",
        json.dumps({"clean": True}),
    )


@dataclass
class KeywordUpkeep:
    """Checks (when needed) and compacts the keyword statistics of ``url``'s namespaces."""

    url: str
    interval_s: float
    restarts: Callable[[], int] = lambda: 0
    """How often the database was restarted under this process (a check follows each)."""
    state: State = "ok"
    repaired: list[str] = field(default_factory=list)
    service: Periodic = field(init=False)
    """The background service that runs every ``interval_s`` on a connection of its own."""
    _clean: bool = field(default=True, init=False)
    _checked_restarts: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.service = Periodic(
            "keyword-upkeep", self.interval_s, self._step, connect=lambda: connect(self.url)
        )

    async def open(self) -> None:
        """Mark the store as served and learn whether it was stopped cleanly."""
        conn = await connect(self.url)
        try:
            self._clean = await mark_serving(conn)
        finally:
            await conn.close()
        if not self._clean:
            self.state = "checking"
            self._checked_restarts = -1  # check before the first compaction

    def start(self) -> None:
        """Run in the background until ``stop()``."""
        self.service.start()

    async def stop(self, *, clean: bool = True) -> None:
        """Stop; with ``clean``, record a clean stop."""
        await self.service.stop()
        if clean:
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                conn = await connect(self.url)
                try:
                    await mark_stopped(conn)
                finally:
                    await conn.close()

    async def _step(self, conn: asyncpg.Connection | None) -> None:
        """A check when the store was not stopped cleanly or the database restarted
        since the last one, then a compaction."""
        assert conn is not None
        if self.restarts() != self._checked_restarts:
            seen = self.restarts()
            await self.check_all(conn)
            self._checked_restarts = seen
        await self.compact_all(conn)

    async def check_all(self, conn: asyncpg.Connection) -> list[str]:
        """Check every namespace against its rows and repair those that differ; the
        namespaces repaired."""
        self.state = "checking"
        mended = []
        for name in await namespaces(conn):
            try:
                found = await check_and_repair(conn, name, repair=True)
            except asyncpg.UndefinedTableError:
                continue  # deleted meanwhile
            for check, repaired in found:
                if repaired and not check.ok:
                    _log.warning(
                        "keyword statistics of %s.%s differed from the rows (documents %d, "
                        "counted %d; tokens %d, counted %d; %d lexemes off): written again",
                        name,
                        check.kind,
                        check.documents,
                        check.counted,
                        check.tokens,
                        check.counted_tokens,
                        check.mismatched_lexemes,
                    )
                    if name not in mended:
                        mended.append(name)
        _log.info("keyword index checked against the rows: %d namespace(s) repaired", len(mended))
        self.repaired.extend(mended)
        self.state = "repaired" if self.repaired else "ok"
        return mended

    async def compact_all(self, conn: asyncpg.Connection) -> int:
        """Fold every namespace's statistics rows; how many rows were folded."""
        folded = 0
        for name in await namespaces(conn):
            try:
                async with conn.transaction():
                    folded += await text_index.compact(conn, name)
            except asyncpg.UndefinedTableError:
                continue  # deleted meanwhile
        return folded
