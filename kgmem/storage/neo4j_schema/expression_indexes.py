"""B-tree expression indexes on AGE label tables, on the expression AGE's planner
matches for ``n.p`` (``agtype_access_operator(VARIADIC ARRAY[properties, '"p"'])``),
and the label tables an index must cover.

PostgreSQL does not inherit indexes: a label's elements live in its own table and in
every composite label table inheriting from it (``kgmem.storage.graph.label_sets``),
so an index on a label is one PostgreSQL index per table of ``tables``.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import ident, literal, table

_TABLES = """
WITH RECURSIVE tree(rel) AS (
    SELECT l.relation FROM ag_catalog.ag_label l WHERE l.graph = $1 AND l.name = $2
    UNION
    SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.rel
)
SELECT c.relname::text FROM tree JOIN pg_class c ON c.oid = tree.rel ORDER BY 1
"""


async def tables(conn: asyncpg.Connection, ns: NamespaceRef, label: str) -> list[str]:
    """The table names (in ``ns``'s schema) holding ``label``'s elements: its own table
    and every table inheriting from it, recursively; empty when the label is absent."""
    return [r[0] for r in await conn.fetch(_TABLES, ns.graph_oid, label)]


def property_expression(prop: str) -> str:
    """The SQL expression AGE's planner matches for ``n.<prop>``."""
    key = literal('"' + prop.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return f"ag_catalog.agtype_access_operator(VARIADIC ARRAY[properties, {key}::agtype])"


async def create_btree(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    name: str,
    on: str,
    properties: Sequence[str],
    *,
    unique: bool = False,
) -> None:
    """Create (if missing) btree index ``name`` on table ``on`` over ``properties``."""
    await conn.execute(btree_sql(ns, name, on, properties, unique=unique))


def btree_sql(
    ns: NamespaceRef, name: str, on: str, properties: Sequence[str], *, unique: bool = False
) -> str:
    """``CREATE [UNIQUE] INDEX IF NOT EXISTS`` of btree ``name`` on table ``on``."""
    columns = ", ".join(property_expression(p) for p in properties)
    return (
        f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS {ident(name)} "
        f"ON {table(ns.name, on)} ({columns})"
    )


async def drop(conn: asyncpg.Connection, ns: NamespaceRef, name: str) -> None:
    """Drop index ``name`` of ``ns``'s schema if it exists."""
    await conn.execute(f"DROP INDEX IF EXISTS {table(ns.name, name)}")
