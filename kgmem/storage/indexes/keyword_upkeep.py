"""The keyword index's background upkeep: a check after an unclean stop, then compaction.

Writers add signed delta rows to a namespace's keyword statistics (``_kg_text_stats``);
every ``interval_s`` the upkeep folds each written namespace's rows into one per key
(``text_index.compact``), so a search sums few rows; a namespace nobody wrote since its
last compaction found nothing to fold is passed over. Nothing here is needed for the
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

from kgmem.process.periodic import Periodic
from kgmem.storage.indexes import text_index

_log = logging.getLogger("kgmem.storage.indexes.keyword_upkeep")

APPLICATION = "kgmem-keyword-upkeep"
_SETTINGS = {"application_name": APPLICATION, "statement_timeout": "0"}

State = Literal["ok", "checking", "repaired"]
CHECK_ONLY_INTERVAL_S = 30.0
"""How often the upkeep looks for a database restart to check after, when it does not
compact (``KGMEM_DATABASE_KEYWORD_UPKEEP_INTERVAL_S`` 0)."""


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
    _settled: dict[str, int] = field(default_factory=dict, init=False)
    """Per namespace, its rows inserted when a compaction last found nothing to fold."""

    def __post_init__(self) -> None:
        # With compaction off (an interval of 0), the service still wakes up to check
        # the statistics after a restart of the database.
        every = self.interval_s or CHECK_ONLY_INTERVAL_S
        self.service = Periodic(
            "keyword-upkeep", every, self._step, connect=lambda: connect(self.url)
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
        if self.interval_s:
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
        """Fold the statistics rows of every namespace written since its last compaction
        found nothing to fold; how many rows were folded. A namespace nobody writes
        costs one look at PostgreSQL's row counters per step, not a pass over its
        statistics."""
        folded = 0
        inserted = await inserted_rows(conn)
        for name in await namespaces(conn):
            seen = inserted.get(name)
            if seen is not None and self._settled.get(name) == seen:
                continue
            try:
                async with conn.transaction():
                    now = await text_index.compact(conn, name)
            except asyncpg.UndefinedTableError:
                continue  # deleted meanwhile
            folded += now
            # Settled once a compaction finds nothing to fold (its own folding counted
            # as rows inserted), until more rows are inserted.
            if now == 0 and seen is not None:
                self._settled[name] = seen
            else:
                self._settled.pop(name, None)
        return folded


async def inserted_rows(conn: asyncpg.Connection) -> dict[str, int]:
    """Rows ever inserted into each namespace's keyword statistics, by PostgreSQL's
    cumulative statistics (reported by each writer shortly after it commits)."""
    records = await conn.fetch(
        "SELECT schemaname, n_tup_ins FROM pg_stat_user_tables WHERE relname = '_kg_text_stats'"
    )
    return {schema: int(n) for schema, n in records}
