"""Building a keyword design on the corpus, remembering it for ``--reuse``, and sizing it.

``kw_bench.built`` records each design built in the database with the corpus it holds
(rows, vocabulary, seed), and whether it still holds only that corpus: a writes or
crash part adds rows, and the design is then built again by the next run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import asyncpg

from bench.keyword_layouts import Design

COPY_CHUNK = 50_000

_RECORD = """
CREATE SCHEMA IF NOT EXISTS kw_bench;
CREATE TABLE IF NOT EXISTS kw_bench.built (
  design text PRIMARY KEY, rows bigint NOT NULL, vocabulary int NOT NULL, seed int NOT NULL,
  clean boolean NOT NULL
);
"""


async def reusable(conn: asyncpg.Connection, design: Design, corpus: tuple[int, int, int]) -> bool:
    """Whether ``design`` is built on ``corpus`` (rows, vocabulary, seed) and nothing else."""
    await conn.execute(_RECORD)
    found = await conn.fetchval(
        "SELECT clean AND (rows, vocabulary, seed) = ($2, $3, $4) FROM kw_bench.built "
        "WHERE design = $1",
        design.name,
        *corpus,
    )
    return bool(found)


async def record(
    conn: asyncpg.Connection, design: Design, corpus: tuple[int, int, int] | None
) -> None:
    """Remember ``design`` as built on ``corpus``, or (None) as holding other rows too."""
    await conn.execute(_RECORD)
    if corpus is None:
        await conn.execute("UPDATE kw_bench.built SET clean = false WHERE design = $1", design.name)
        return
    await conn.execute(
        "INSERT INTO kw_bench.built VALUES ($1, $2, $3, $4, true) ON CONFLICT (design) "
        "DO UPDATE SET rows = $2, vocabulary = $3, seed = $4, clean = true",
        design.name,
        *corpus,
    )


async def build(
    conn: asyncpg.Connection, design: Design, records: Sequence[tuple[int, str]]
) -> dict[str, Any]:
    """A fresh schema for ``design`` with ``records`` (id, text) loaded by COPY, then
    indexed, then vacuumed and analysed: the seconds each step took."""
    await conn.execute(f"DROP SCHEMA IF EXISTS {design.schema} CASCADE")
    await conn.execute(f"CREATE SCHEMA {design.schema}")
    await conn.execute(design.setup)
    schema, name = design.table.split(".")
    await conn.execute("SET statement_timeout = 0")
    start = time.perf_counter()
    for at in range(0, len(records), COPY_CHUNK):
        await conn.copy_records_to_table(
            name, schema_name=schema, columns=["id", "text"], records=records[at : at + COPY_CHUNK]
        )
    loaded = time.perf_counter()
    await conn.execute(design.build)
    indexed = time.perf_counter()
    await vacuum(conn, design)
    return {
        "load s": loaded - start,
        "index s": indexed - loaded,
        "build s": indexed - start,
        "vacuum analyze s": time.perf_counter() - indexed,
    }


async def vacuum(conn: asyncpg.Connection, design: Design) -> None:
    """VACUUM ANALYZE every table of ``design``'s schema."""
    tables = await conn.fetch(
        "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = $1",
        design.schema,
    )
    for (table,) in tables:
        await conn.execute(f"VACUUM ANALYZE {table}")


async def sizes(conn: asyncpg.Connection, design: Design) -> dict[str, Any]:
    """Megabytes of the rows' table (with TOAST, without indexes), of the design's own
    keyword relations, of the column it adds to the rows, and their total. What
    pg_textsearch holds in shared memory (its newest entries) is in none of them."""
    schema, name = design.table.split(".")
    mb = 2.0**20
    table = await conn.fetchval(
        "SELECT pg_table_size(format('%I.%I', $1::text, $2::text)::regclass)", schema, name
    )
    keyword = await conn.fetchval(
        "SELECT coalesce(sum(CASE WHEN c.relkind = 'i' THEN pg_relation_size(c.oid) "
        "ELSE pg_table_size(c.oid) END), 0)::bigint FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = ANY($2)",
        schema,
        list(design.keyword),
    )
    column = 0
    if design.column:
        column = await conn.fetchval(
            f"SELECT coalesce(sum(pg_column_size({design.column})), 0)::bigint FROM {design.table}"
        )
    return {
        "rows table MB": table / mb,
        "keyword relations MB": keyword / mb,
        "added column MB": column / mb,
        "keyword total MB": (keyword + column) / mb,
    }
