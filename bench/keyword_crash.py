"""The crash part of ``bench keyword-designs``: what a design's keyword search still
finds after PostgreSQL is killed, and how long the server takes to come back.

Per design, in turn: a checkpoint (so recovery replays this design's rows only), then
``rows`` rows committed, each with a word no other row has (``keyword_corpus.marker``),
and counted as found by keyword search; then the postmaster killed with SIGKILL, the
processes it leaves killed, and the server started again. Reported: the seconds from
that start until a connection is accepted (pgserver's launcher included, which waits
on a lock shared by every pgserver process of the machine), the seconds the server's
log shows from its start to accepting connections, the first query's milliseconds, how many of
the rows are still stored and how many keyword search finds (by its word: found when
in the top 10), and recall@10 of the mixed queries against the exact ranking of every
row written so far.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.keyword_build import record
from bench.keyword_corpus import Corpus, Query, Writer, marker, marker_queries, with_markers
from bench.keyword_exact import Exact, Ranking
from bench.keyword_layouts import Design
from bench.keyword_probe import recall, recall_summary, search, within_budget
from bench.keyword_writes import insert
from kgmem.errors import ConfigurationError
from kgmem.storage.engine import postmaster
from kgmem.storage.engine.embedded import EmbeddedPostgres

BATCH = 1000
START_LIMIT_S = 600.0
_POLL_S = 0.02


async def crash(
    server: EmbeddedPostgres,
    designs: Sequence[Design],
    corpus: Corpus,
    writer: Writer,
    queries: Sequence[Query],
    *,
    rows: int,
) -> tuple[dict[str, dict[str, Any]], Corpus]:
    """The crash figures of each design, and the corpus with the rows it wrote (the
    same rows in every design)."""
    first_word = len(corpus.words)
    docs = with_markers(writer.draw(rows), first_word)
    grown = corpus.plus(docs, tuple(marker(i) for i in range(rows)))
    written = Written(grown.rows(corpus.n, grown.n), marker_queries(grown, first_word, rows))
    exact = Exact(grown)
    checks = Checks(queries, [exact.rank(q.words) for q in queries], within_budget(exact, queries))
    table = {}
    for design in designs:
        print(f"crash: {design.name} ...", flush=True)
        table[design.name] = await _crash_one(server, design, written, checks)
    return table, grown


@dataclass(frozen=True)
class Checks:
    """The queries run after the start, their exact rankings and ``within_budget``."""

    queries: Sequence[Query]
    rankings: Sequence[Ranking]
    under: Sequence[bool]


class Written:
    """The rows written before a kill, and the query finding each one by its word."""

    def __init__(self, rows: list[tuple[int, str]], markers: list[Query]) -> None:
        self.rows = rows
        self.markers = markers

    async def found(self, conn: asyncpg.Connection, design: Design) -> int:
        """How many of the rows ``design``'s keyword search finds by their word."""
        hits = 0
        for (row_id, _), query in zip(self.rows, self.markers, strict=True):
            hits += row_id in await search(conn, design, query.text)
        return hits


async def _crash_one(
    server: EmbeddedPostgres,
    design: Design,
    written: Written,
    checks: Checks,
) -> dict[str, Any]:
    conn = await asyncpg.connect(server.url)
    try:
        await record(conn, design, None)
        await conn.execute("CHECKPOINT")
        for at in range(0, len(written.rows), BATCH):
            await insert(conn, design, written.rows[at : at + BATCH])
        before = await written.found(conn, design)
    finally:
        await conn.close()
    ready_s = await kill_and_start(server)
    conn = await asyncpg.connect(server.url)
    try:
        start = time.perf_counter()
        await search(conn, design, checks.queries[0].text)
        first_ms = (time.perf_counter() - start) * 1000
        first_id = written.rows[0][0]
        stored = await conn.fetchval(
            f"SELECT count(*) FROM {design.table} WHERE id >= $1", first_id
        )
        figures = {
            "rows written": len(written.rows),
            "found before kill": before,
            "start s": ready_s,
            "logged start s": logged_start(server.pgdata),
            "first query ms": first_ms,
            "rows stored": stored,
            "found after start": await written.found(conn, design),
        }
        found = await recall(conn, design, checks.queries, checks.rankings)
        after = recall_summary(found, checks.under)
        return {
            **figures,
            "recall@10 after": after["all"],
            "df <= budget": after["df <= budget"],
        }
    finally:
        await conn.close()


async def kill_and_start(server: EmbeddedPostgres) -> float:
    """SIGKILL ``server``'s postmaster, then start it again: seconds from the start
    until it accepts a connection (recovery included)."""
    pid = postmaster.postmaster_pid(server.pgdata)
    if pid is None:
        raise RuntimeError("the embedded server is not running")
    os.kill(pid, signal.SIGKILL)
    for _ in range(int(10 / _POLL_S)):  # the postmaster is gone in a moment
        if postmaster.postmaster_pid(server.pgdata) is None:
            break
        await asyncio.sleep(_POLL_S)
    postmaster.kill_leftovers(server.pgdata)
    postmaster.remove_stale_lock_files(server.pgdata)
    start = time.perf_counter()
    starting = asyncio.create_task(asyncio.to_thread(server.restart))
    while True:
        if await _accepts(server.url):
            ready = time.perf_counter() - start
            break
        if time.perf_counter() - start > START_LIMIT_S:
            raise RuntimeError(f"the server did not come back within {START_LIMIT_S:g} s")
        await asyncio.sleep(_POLL_S)
    try:
        await starting
    except ConfigurationError as exc:  # pgserver gave up waiting; the server came anyway
        print(f"note: pgserver reported {exc}; the server accepted connections regardless")
    return ready


def logged_start(pgdata: Path) -> float | None:
    """Seconds from the last "starting PostgreSQL" line of the server's log to the
    "ready to accept connections" after it (crash recovery included, none of the
    launcher's own work), or None if the log does not show both."""
    started = ready = None
    for line in (pgdata / "log").read_text(errors="replace").splitlines():
        if "starting PostgreSQL" in line:
            started, ready = _stamp(line), None
        elif "ready to accept connections" in line and started is not None:
            ready = _stamp(line)
    if started is None or ready is None:
        return None
    return (ready - started).total_seconds()


def _stamp(line: str) -> datetime:
    return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f")


async def _accepts(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=2)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        return False
    await conn.close()
    return True
