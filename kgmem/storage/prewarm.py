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
AGE label tables (the properties of the hits), each with its index on ``id``. They are
read by a bitmap scan of that index: a bitmap heap scan, unlike a sequential one, goes
through the shared buffers without a ring, and it reads every leaf of the index too.
What is read is bounded by shared_buffers: a table that would not fit in what is left
of 90% of it after the vector tables, or in a quarter of it if that is more (at 1M the
vector tables alone exceed it), is skipped.
"""

from __future__ import annotations

import logging
import time

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
            "prewarmed %d side and label tables (%.0f MB) in %.1f s",
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


async def warm_order(conn: asyncpg.Connection) -> list[tuple[str, str, str, int]]:
    """(schema, table, its index on ``id``, bytes of both) of every namespace's side
    tables, then of its label tables; smallest first within each group (a small
    namespace is never left cold for a large one)."""
    rows = await conn.fetch(
        "SELECT n.nspname, c.relname, ic.relname, "
        "pg_relation_size(c.oid) + pg_relation_size(ic.oid) AS bytes, "
        "CASE WHEN c.relname IN ('_kg_vertex', '_kg_fact') THEN 0 ELSE 1 END AS tier "
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
    return [(r[0], r[1], r[2], int(r[3])) for r in rows]


async def side_tables(conn: asyncpg.Connection, room: int) -> list[tuple[str, int]]:
    """Read the side and label tables (``warm_order``) that fit in ``room`` bytes into
    shared buffers; the (schema.table, bytes) of those read."""
    warmed: list[tuple[str, int]] = []
    for schema, name, _, size in await warm_order(conn):
        if size > room:
            continue
        room -= size
        await warm_table(conn, schema, name)
        warmed.append((f"{schema}.{name}", size))
    return warmed


async def warm_table(conn: asyncpg.Connection, schema: str, name: str) -> None:
    """Read table ``name`` and its index on ``id`` through the shared buffers (a bitmap
    scan of the index, reading a column of every row)."""
    async with conn.transaction(readonly=True):
        await conn.execute(
            "SELECT set_config('enable_seqscan', 'off', true), "
            "set_config('enable_indexscan', 'off', true), "
            "set_config('enable_indexonlyscan', 'off', true), "
            "set_config('application_name', 'kgmem-prewarm', true), "
            "set_config('statement_timeout', '0', true)"
        )
        column = "uid" if name.startswith("_kg_") else "properties"
        await conn.fetchval(
            f"SELECT count({column}) FROM {sql_table(schema, name)} WHERE id >= '0'::graphid"
        )
