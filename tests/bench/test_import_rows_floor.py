"""``bench.import_rows_floor``: the server floor under ``python -m bench import`` copies
every row of a loaded namespace into index-less scratch tables, builds each of the
namespace's indexes on them, analyses, and leaves the namespace as it was."""

from __future__ import annotations

import itertools
from pathlib import Path

import asyncpg

from bench.import_rows_floor import SCRATCH, measure_rows_floor
from kgmem import Memory
from kgmem.io.loader import ImportOptions

EX = "http://example.org/"


async def _rows_and_indexes(conn: asyncpg.Connection, namespace: str) -> tuple[int, int]:
    tables = [
        r["relname"]
        for r in await conn.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND c.relkind = 'r' AND pg_relation_size(c.oid) > 0",
            namespace,
        )
    ]
    rows = 0
    for name in tables:
        rows += await conn.fetchval(f'SELECT count(*) FROM ONLY "{namespace}"."{name}"')
    indexes = await conn.fetchval(
        "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND tablename = ANY($2::text[])",
        namespace,
        tables,
    )
    return rows, indexes


async def _checksum(conn: asyncpg.Connection, namespace: str) -> str:
    return await conn.fetchval(
        f"SELECT md5(string_agg(uid || coalesce(text, ''), ',' ORDER BY uid)) "
        f'FROM "{namespace}"._kg_fact'
    )


async def test_floor_copies_every_row_builds_every_index_and_cleans_up(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    path = tmp_path / "chain.nt"
    lines = [
        f"<{EX}n{i}> <{EX}{'next' if i % 2 else 'near'}> <{EX}n{i + 1}> .\n" for i in range(40)
    ]
    path.write_text("".join(lines), encoding="utf-8")
    report = await memory.import_file(namespace, path, ImportOptions(write_report=False))
    assert report.edges_created == 40
    rows, indexes = await _rows_and_indexes(raw_conn, namespace)
    before = await _checksum(raw_conn, namespace)
    ticks = itertools.count()

    floor = await measure_rows_floor(raw_conn, namespace, 40, lambda: float(next(ticks)))

    # 41 vertices and 40 edges in AGE's tables, their side rows, and the keyword
    # statistics' rows.
    stats = await raw_conn.fetchval(f'SELECT count(*) FROM "{namespace}"._kg_text_stats')
    assert stats > 0
    assert floor.rows == rows == 41 + 40 + 41 + 40 + stats
    assert floor.indexes == indexes == len(floor.builds)
    assert floor.triples == 40 and floor.copy_cpu == 1 and floor.analyze_cpu == 1
    assert floor.index_cpu == indexes * 2 + 1  # each build reads the clock twice
    assert floor.ceiling(2) == 40 * 2 / floor.total
    assert "_kg_fact_text" in floor.builds and "_kg_fact_uid_key" in floor.builds
    assert "server floor" in floor.describe(2)
    assert not await raw_conn.fetchval(
        "SELECT count(*) FROM pg_namespace WHERE nspname = $1", SCRATCH
    )
    assert await _rows_and_indexes(raw_conn, namespace) == (rows, indexes)
    assert await _checksum(raw_conn, namespace) == before
