"""Read the vector tables and their HNSW indexes into PostgreSQL's shared buffers.

After a restart an HNSW index is on disk only, and the first searches pay a disk read
for almost every graph node they visit (at 1M entities, a cold search is many times
slower than a warm one). pg_prewarm is not part of every server (the embedded one lacks it), so this
walks each index with pgvector's own scan instead: an iterative scan (pgvector 0.8+)
allowed to visit every tuple reads every index page through the buffer manager. A
plain sequential scan would not do: PostgreSQL reads tables larger than a quarter of
shared_buffers through a small ring buffer, leaving the cache as cold as before.

Then the tables every search reads rows of (``side_tables``): each namespace's side
tables ``_kg_vertex`` and ``_kg_fact`` (candidates' labels, times, places), then its
AGE label tables (the properties of the hits), each with its index on ``id``; between
them its keyword statistics and GIN text indexes (read by every keyword search). They are
read by bitmap scans: a bitmap heap scan, unlike a sequential one, goes
through the shared buffers without a ring, and it reads every leaf of the index too.
What is read is bounded by shared_buffers: a table that would not fit in what is left
of 90% of it after the vector tables, or in a quarter of it if that is more (at 1M the
vector tables alone exceed it), is skipped.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import asyncpg

from kgmem.storage.sql import table as sql_table

_log = logging.getLogger("kgmem.prewarm")

_TABLES = ("_kg_vertex_vector", "_kg_fact_vector")


async def vector_tables(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """(schema, table) of every vector table with an HNSW index, largest first."""
    rows = await conn.fetch(
        "SELECT n.nspname, c.relname FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = ANY($1::text[]) AND c.relkind = 'r' AND EXISTS ("
        "  SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "  JOIN pg_am am ON am.oid = ic.relam "
        "  WHERE i.indrelid = c.oid AND am.amname = 'hnsw') "
        "ORDER BY c.relpages DESC",
        list(_TABLES),
    )
    return [(nspname, relname) for nspname, relname in rows]


async def prewarm_table(conn: asyncpg.Connection, schema: str, name: str) -> int:
    """Walk the HNSW index of one vector table; the number of rows the walk reached."""
    table = sql_table(schema, name)
    async with conn.transaction(readonly=True):
        rows = await conn.fetchval(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = $1::regclass", table
        )
        if not rows:
            rows = await conn.fetchval(f"SELECT count(*) FROM {table}")
        if not rows:
            return 0
        probe = await conn.fetchval(f"SELECT embedding FROM {table} LIMIT 1")
        if probe is None:
            return 0
        await conn.execute(
            "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), "
            "set_config('hnsw.max_scan_tuples', $1, true), "
            "set_config('hnsw.ef_search', '1000', true), "
            "set_config('enable_seqscan', 'off', true), "
            "set_config('statement_timeout', '0', true), "
            "set_config('application_name', 'kgmem-prewarm', true), "
            "set_config('work_mem', '256MB', true)",
            str(min(int(rows) * 2, 2_000_000_000)),
        )
        return int(
            await conn.fetchval(
                f"SELECT count(*) FROM (SELECT x.id FROM {table} x "
                "ORDER BY x.embedding <=> $1 LIMIT $2) s",
                probe,
                int(rows) * 2,
            )
        )


async def prewarm(pool: asyncpg.Pool) -> None:
    """Prewarm every namespace's vector indexes, one at a time, logging what it took."""
    async with pool.acquire() as conn:
        tables = await vector_tables(conn)
        for schema, name in tables:
            start = time.perf_counter()
            reached = await prewarm_table(conn, schema, name)
            _log.info(
                "prewarmed %s.%s: %d rows in %.1f s",
                schema,
                name,
                reached,
                time.perf_counter() - start,
            )
        start = time.perf_counter()
        warmed = await side_tables(conn, await _room(conn, tables))
        _log.info(
            "prewarmed %d side, keyword and label structures (%.0f MB) in %.1f s",
            len(warmed),
            sum(size for _, size in warmed) / 2**20,
            time.perf_counter() - start,
        )


# The share of shared_buffers prewarming may fill: the rest stays for what searches
# read that is not prewarmed (other indexes, TOAST, the catalogues).
_SHARE = 0.9


async def _room(conn: asyncpg.Connection, vector_tables: list[tuple[str, str]]) -> int:
    """Bytes of shared_buffers for the side and label tables: what is left of 90% of
    it after the vector tables and their indexes, and at least a quarter of it."""
    buffers = int(
        await conn.fetchval(
            "SELECT setting::bigint * current_setting('block_size')::bigint "
            "FROM pg_settings WHERE name = 'shared_buffers'"
        )
    )
    used = await conn.fetchval(
        "SELECT coalesce(sum(pg_total_relation_size(format('%I.%I', s, t)::regclass)), 0) "
        "FROM unnest($1::text[], $2::text[]) AS v(s, t)",
        [s for s, _ in vector_tables],
        [t for _, t in vector_tables],
    )
    # At least a quarter of it: at 1M the vector tables alone exceed shared_buffers, and
    # the side and label tables are read by every search too.
    return max(int(buffers * _SHARE) - int(used), buffers // 4)


@dataclass(frozen=True, slots=True)
class Part:
    """Something prewarming reads: a table with its index on ``id`` (``how`` "rows"), a
    namespace's keyword statistics with their key index ("stats"), or a GIN text index
    of a side table ("text"; ``index`` is the GIN index)."""

    schema: str
    table: str
    index: str
    bytes: int
    how: str = "rows"


async def warm_order(conn: asyncpg.Connection) -> list[Part]:
    """Every namespace's side tables, then its keyword statistics and text indexes,
    then its label tables; smallest first within each group (a small namespace is
    never left cold for a large one)."""
    rows = await conn.fetch(
        "SELECT n.nspname, c.relname, ic.relname, "
        "pg_relation_size(c.oid) + pg_relation_size(ic.oid) AS bytes, "
        "CASE WHEN c.relname IN ('_kg_vertex', '_kg_fact') THEN 0 ELSE 2 END AS tier "
        "FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN ag_catalog.ag_graph g ON g.namespace = n.oid "
        "JOIN LATERAL (SELECT i.indexrelid FROM pg_index i JOIN pg_attribute a "
        "  ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        "  WHERE i.indrelid = c.oid AND a.attname = 'id' AND i.indnatts = 1 "
        "  ORDER BY i.indisprimary DESC LIMIT 1) x ON true "
        "JOIN pg_class ic ON ic.oid = x.indexrelid "
        "WHERE c.relkind = 'r' AND (c.relname IN ('_kg_vertex', '_kg_fact') OR EXISTS "
        "  (SELECT 1 FROM ag_catalog.ag_label l WHERE l.relation = c.oid "
        "   AND l.name NOT IN ('_ag_label_vertex', '_ag_label_edge'))) "
        "ORDER BY tier, bytes"
    )
    tables = [Part(r[0], r[1], r[2], int(r[3])) for r in rows]
    first = [p for p in tables if p.table in _SIDES]
    labels = [p for p in tables if p.table not in _SIDES]
    return first + sorted(await keyword_parts(conn), key=lambda p: p.bytes) + labels


_SIDES = ("_kg_vertex", "_kg_fact")


async def keyword_parts(conn: asyncpg.Connection) -> list[Part]:
    """Each namespace's keyword statistics (with their key index) and the GIN text
    indexes of its side tables: what every keyword search reads besides the rows."""
    rows = await conn.fetch(
        "SELECT n.nspname, c.relname, ic.relname, "
        "CASE WHEN c.relname = '_kg_text_stats' "
        "  THEN pg_relation_size(c.oid) ELSE 0 END + pg_relation_size(ic.oid), "
        "CASE WHEN c.relname = '_kg_text_stats' THEN 'stats' ELSE 'text' END "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN ag_catalog.ag_graph g ON g.namespace = n.oid "
        "JOIN pg_index i ON i.indrelid = c.oid JOIN pg_class ic ON ic.oid = i.indexrelid "
        "WHERE (c.relname = '_kg_text_stats' AND ic.relname = '_kg_text_stats_key') "
        "OR (c.relname IN ('_kg_vertex', '_kg_fact') AND ic.relname = c.relname || '_text')"
    )
    return [Part(r[0], r[1], r[2], int(r[3]), r[4]) for r in rows]


async def side_tables(conn: asyncpg.Connection, room: int) -> list[tuple[str, int]]:
    """Read the parts of ``warm_order`` that fit in ``room`` bytes into shared buffers;
    the (schema.relation, bytes) of those read."""
    warmed: list[tuple[str, int]] = []
    for part in await warm_order(conn):
        if part.bytes > room:
            continue
        room -= part.bytes
        await _warm(conn, part)
        name = part.index if part.how == "text" else part.table
        warmed.append((f"{part.schema}.{name}", part.bytes))
    return warmed


async def _warm(conn: asyncpg.Connection, part: Part) -> None:
    if part.how == "rows":
        await warm_table(conn, part.schema, part.table)
    elif part.how == "stats":
        await warm_stats(conn, part.schema)
    else:
        await warm_text_index(conn, part.schema, part.table)


async def bitmap_only(conn: asyncpg.Connection) -> None:
    """In the caller's transaction: read through bitmap scans (no ring buffer)."""
    await conn.execute(
        "SELECT set_config('enable_seqscan', 'off', true), "
        "set_config('enable_indexscan', 'off', true), "
        "set_config('enable_indexonlyscan', 'off', true), "
        "set_config('application_name', 'kgmem-prewarm', true), "
        "set_config('work_mem', '64MB', true), "
        "set_config('statement_timeout', '0', true)"
    )


async def warm_stats(conn: asyncpg.Connection, schema: str) -> None:
    """Read a namespace's keyword statistics and their key index (a bitmap scan)."""
    async with conn.transaction(readonly=True):
        await bitmap_only(conn)
        await conn.fetchval(
            f"SELECT count(docs) FROM {sql_table(schema, '_kg_text_stats')} "
            "WHERE kind IN ('v', 'f')"
        )


# Every lexeme by its first character, letters and digits (others stay cold).
_EVERY_LEXEME = (
    "(SELECT string_agg('''' || y.c || ''':*', ' | ')::tsquery FROM (SELECT DISTINCT "
    "left(x.lexeme, 1) AS c FROM {stats} x "
    "WHERE x.kind::text = $1 AND x.lexeme ~ '^[[:alnum:]]') y)"
)


def text_index_read(schema: str, side: str) -> str:
    """The statement reading the GIN text index of side table ``side`` ($1 its kind): a
    bitmap index scan of a query matching every lexeme by its first character reads the
    whole index (entries and postings) before the LIMIT stops the table's rows at one."""
    every = _EVERY_LEXEME.format(stats=sql_table(schema, "_kg_text_stats"))
    return (
        f"SELECT count(*) FROM (SELECT 1 FROM {sql_table(schema, side)} s "
        f"WHERE s.tsv @@ {every} LIMIT 1) z"
    )


async def warm_text_index(conn: asyncpg.Connection, schema: str, side: str) -> None:
    """Read the GIN text index of side table ``side`` (``text_index_read``)."""
    async with conn.transaction(readonly=True):
        await bitmap_only(conn)
        await conn.fetchval(text_index_read(schema, side), "v" if side == "_kg_vertex" else "f")


async def warm_table(conn: asyncpg.Connection, schema: str, name: str) -> None:
    """Read table ``name`` and its index on ``id`` through the shared buffers (a bitmap
    scan of the index, reading a column of every row)."""
    async with conn.transaction(readonly=True):
        await bitmap_only(conn)
        column = "uid" if name.startswith("_kg_") else "properties"
        await conn.fetchval(
            f"SELECT count({column}) FROM {sql_table(schema, name)} WHERE id >= '0'::graphid"
        )
