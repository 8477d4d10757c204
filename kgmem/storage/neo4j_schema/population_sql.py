"""The SQL of populating an index in the background: which declared indexes are
``POPULATING`` in any namespace, how many elements an index would cover, and building
one PostgreSQL index with ``CREATE INDEX CONCURRENTLY`` (writes go on meanwhile).

A build interrupted by a crash, a restart or a cancellation leaves an *invalid* index
behind (PostgreSQL marks a concurrent build valid only at its end); ``build`` drops
such a leftover first, so building again is always safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from kgmem.storage.neo4j_schema.catalog import TABLE
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import ident, table

_CREATE = "CREATE INDEX IF NOT EXISTS "


@dataclass(frozen=True, slots=True)
class IndexBuild:
    """One step of building a declared index on one table: ``sql``, a ``CREATE INDEX
    IF NOT EXISTS`` of the PostgreSQL index ``name`` (run concurrently in the
    background), or any other statement when ``name`` is None; then ``after`` (a
    comment on the index, say)."""

    name: str | None
    sql: str
    after: tuple[str, ...] = ()


_DECLARING = f"""
SELECT n.nspname::text FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = '{TABLE}' AND c.relkind = 'r' ORDER BY 1
"""


async def populating(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """Every (namespace, index name) declared ``POPULATING``, in any namespace."""
    found: list[tuple[str, str]] = []
    for (schema,) in await conn.fetch(_DECLARING):
        rows = await conn.fetch(
            f"SELECT name FROM {table(schema, TABLE)} WHERE state = 'POPULATING' ORDER BY id"
        )
        found.extend((schema, r["name"]) for r in rows)
    return found


_UNINDEXED = """
SELECT n.nspname::text AS schema, s.index_name, s.statement
FROM ag_catalog.ag_label l
JOIN ag_catalog.ag_graph g ON g.graphid = l.graph
JOIN pg_catalog.pg_class c ON c.oid = l.relation
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL kgmem_neo4j.id_index_sql(l.graph, l.relation, l.kind) s
WHERE l.name NOT IN ('_ag_label_vertex', '_ag_label_edge')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class x
                  ON x.oid = i.indexrelid
                  WHERE i.indrelid = l.relation AND x.relname = s.index_name)
ORDER BY 1, 2
"""


async def missing_id_indexes(conn: asyncpg.Connection) -> list[tuple[str, IndexBuild]]:
    """The ``id(n)`` index (and a relationship table's ``start_id(r)`` and ``end_id(r)``
    ones) of every label table that lacks it (a label AGE created by itself in a Cypher
    ``CREATE``), with its namespace: ``kgmem_neo4j.id_index_sql``."""
    return [
        (r["schema"], IndexBuild(r["index_name"], r["statement"]))
        for r in await conn.fetch(_UNINDEXED)
    ]


async def elements_over(
    conn: asyncpg.Connection, ns: NamespaceRef, tables: Sequence[str], limit: int
) -> bool:
    """Whether ``tables`` hold more than ``limit`` rows together (counting stops there)."""
    if not tables:
        return False
    union = " UNION ALL ".join(f"SELECT 1 FROM ONLY {table(ns.name, t)}" for t in tables)
    found = await conn.fetchval(f"SELECT count(*) FROM ({union} LIMIT {limit + 1}) AS rows")
    return int(found) > limit


async def build(conn: asyncpg.Connection, schema: str, step: IndexBuild) -> None:
    """Run ``step`` on ``conn`` (not in a transaction) for the namespace whose schema is
    ``schema``: a leftover invalid index of its name dropped, then built concurrently."""
    if step.name is not None and step.sql.startswith(_CREATE):
        if await _invalid(conn, schema, step.name):
            await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {table(schema, step.name)}")
        await conn.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS " + step.sql[len(_CREATE) :])
    else:
        await conn.execute(step.sql)
    for statement in step.after:
        await conn.execute(statement)


async def _invalid(conn: asyncpg.Connection, schema: str, name: str) -> bool:
    found = await conn.fetchval(
        "SELECT NOT i.indisvalid FROM pg_catalog.pg_index i WHERE i.indexrelid = to_regclass($1)",
        table(schema, name),
    )
    return bool(found)


async def drop_leftovers(conn: asyncpg.Connection, ns: NamespaceRef, names: Sequence[str]) -> None:
    """Drop the indexes ``names`` of a declaration dropped while it was being built."""
    for name in names:
        await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {ident(ns.name)}.{ident(name)}")
