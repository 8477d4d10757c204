"""Write throughput of a keyword design: rows inserted by concurrent writers, each a
connection of its own inserting ``batch`` rows a statement (one transaction each), as
kgmem's writers do."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import asyncpg

from bench.keyword_layouts import Design


async def insert(conn: asyncpg.Connection, design: Design, rows: Sequence[tuple[int, str]]) -> None:
    """Insert ``rows`` (id, text) into ``design``'s table in one statement."""
    await conn.execute(
        f"INSERT INTO {design.table} (id, text) SELECT * FROM unnest($1::bigint[], $2::text[])",
        [row_id for row_id, _ in rows],
        [text for _, text in rows],
    )


async def throughput(
    url: str, design: Design, rows: Sequence[tuple[int, str]], *, writers: int, batch: int
) -> float:
    """Rows/s of ``writers`` connections inserting ``rows`` into ``design``, statements
    of ``batch`` rows dealt round-robin (connections opened before the clock starts)."""
    batches = [rows[at : at + batch] for at in range(0, len(rows), batch)]
    conns = [await asyncpg.connect(url) for _ in range(writers)]
    try:
        start = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for w, conn in enumerate(conns):
                group.create_task(_write(conn, design, batches[w::writers]))
        return len(rows) / (time.perf_counter() - start)
    finally:
        for conn in conns:
            await conn.close()


async def _write(
    conn: asyncpg.Connection, design: Design, batches: Sequence[Sequence[tuple[int, str]]]
) -> None:
    for rows in batches:
        await insert(conn, design, rows)


async def compact(url: str, design: Design, *, timeout_s: float) -> dict[str, Any] | None:
    """Compacting ``design``'s statistics with ``kgmem.compact_text_stats``: the rows
    before, the seconds and the rows folded (or that it was cancelled after
    ``timeout_s``); None for a design without statistics."""
    if "_kg_text_stats" not in design.keyword:
        return None
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetchval(f"SELECT count(*) FROM {design.schema}._kg_text_stats")
        await conn.execute(f"SET statement_timeout = {int(timeout_s * 1000)}")
        start = time.perf_counter()
        try:
            folded: object = await conn.fetchval(
                "SELECT kgmem.compact_text_stats($1)", design.schema
            )
        except asyncpg.QueryCanceledError:
            folded = f"cancelled after {timeout_s:g} s"
        return {"rows before": rows, "seconds": time.perf_counter() - start, "rows folded": folded}
    finally:
        await conn.close()
