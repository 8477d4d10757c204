"""The PostgreSQL objects behind a declared Neo4j constraint, on a label's tables.

Each constraint is one CHECK on its label's table (PostgreSQL copies it to the tables
inheriting from it) calling a function of schema ``kgmem_neo4j`` (migration 0028
says what each checks and raises), plus, for uniqueness and keys, a btree expression
index on the label's table and on each table inheriting from it, which serves the
function's lookup and is the constraint's owned RANGE index.

Names: the CHECK is named after the constraint alone (``check_name``), since a table
that inherits must carry its parent's CHECK under the same name; an index is named
after the constraint and its table (``index_name``), as index names are per schema.
Adding a CHECK validates the rows already there through the same function, so
existing data that breaks the constraint fails the creation with the row named.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import asyncpg

from kgmem.neo4j_schema.errors import ConstraintViolation
from kgmem.neo4j_schema.model import Constraint
from kgmem.storage.engine.driver_errors import constraint_violation
from kgmem.storage.neo4j_schema.names import pg_name
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import ident, literal, table

INDEXED = frozenset({"UNIQUENESS", "KEY"})
"""The constraint types that own an index."""


def check_name(c: Constraint) -> str:
    """The CHECK's name, the same on every table of the label."""
    return pg_name(c.name, "", "chk")


def index_name(c: Constraint, table_name: str) -> str:
    """The name of the constraint's index on ``table_name``."""
    return pg_name(c.name, table_name, "idx")


def _property(prop: str) -> str:
    """``n.prop`` as AGE's planner matches it (``kgmem.storage.graph.labels``)."""
    key = literal(json.dumps(prop, ensure_ascii=False))
    return (
        f"ag_catalog.agtype_access_operator(VARIADIC ARRAY[properties, {key}::ag_catalog.agtype])"
    )


def _texts(values: Sequence[str]) -> str:
    return "ARRAY[" + ", ".join(literal(v) for v in values) + "]::text[]"


def check_sql(ns: NamespaceRef, c: Constraint, sequence: str, allowed: Sequence[str]) -> str:
    """The CHECK expression of ``c``; ``sequence`` is the label's id sequence (its
    schema is where ``unique`` looks), ``allowed`` the Neo4j types of a PROPERTY_TYPE
    constraint."""
    head = f"id, properties, {literal(c.name)}, {literal(c.entity)}, {literal(c.label)}"
    keys = _texts(c.properties)
    seq = f"{literal(table(ns.name, sequence))}::regclass"
    unique = f"kgmem_neo4j.unique({seq}, {head}, {keys})"
    present = f"kgmem_neo4j.present({head}, {keys})"
    if c.type == "UNIQUENESS":
        return unique
    if c.type == "KEY":
        return f"{present} AND {unique}"
    if c.type == "PROPERTY_EXISTENCE":
        return present
    return f"kgmem_neo4j.typed({head}, {literal(c.properties[0])}, {_texts(allowed)})"


async def label_sequence(conn: asyncpg.Connection, ns: NamespaceRef, label: str) -> str:
    """The id sequence of AGE label ``label`` (unqualified, in the graph's schema)."""
    found = await conn.fetchval(
        "SELECT seq_name::text FROM ag_catalog.ag_label WHERE graph = $1 AND name = $2",
        ns.graph_oid,
        label,
    )
    if found is None:
        raise LookupError(f"no label {label!r} in namespace {ns.name!r}")
    return str(found)


async def add_check(
    conn: asyncpg.Connection, ns: NamespaceRef, table_name: str, expr: str, c: Constraint
) -> None:
    """Add ``c``'s CHECK to ``table_name``, validating its rows (and those of the
    tables inheriting from it): ``ConstraintViolation`` naming the first row that
    breaks it."""
    sql = (
        f"ALTER TABLE {table(ns.name, table_name)} "
        f"ADD CONSTRAINT {ident(check_name(c))} CHECK ({expr})"
    )
    try:
        await conn.execute(sql)
    except asyncpg.PostgresError as exc:
        violation = constraint_violation(exc)
        if violation is None:
            raise
        raise ConstraintViolation(
            f"Unable to create constraint `{c.name}`: {violation.detail}",
            constraint=c.name,
            creation=True,
        ) from exc


async def build_index(
    conn: asyncpg.Connection, ns: NamespaceRef, table_name: str, c: Constraint
) -> None:
    """Build ``c``'s btree expression index on ``table_name`` (if missing)."""
    columns = ", ".join(_property(p) for p in c.properties)
    await conn.execute(
        f"CREATE INDEX IF NOT EXISTS {ident(index_name(c, table_name))} "
        f"ON {table(ns.name, table_name)} ({columns})"
    )


async def drop_check(
    conn: asyncpg.Connection, ns: NamespaceRef, table_name: str, c: Constraint
) -> None:
    """Drop ``c``'s CHECK from ``table_name`` where it is its own (a table that got it
    only by inheriting loses it with its parent's)."""
    await conn.execute(
        f"ALTER TABLE {table(ns.name, table_name)} DROP CONSTRAINT IF EXISTS {ident(check_name(c))}"
    )


async def drop_index(
    conn: asyncpg.Connection, ns: NamespaceRef, table_name: str, c: Constraint
) -> None:
    """Drop ``c``'s index on ``table_name`` if there is one."""
    name = f"{ident(ns.name)}.{ident(index_name(c, table_name))}"
    await conn.execute(f"DROP INDEX IF EXISTS {name}")


_INHERITING = """
WITH RECURSIVE t(oid) AS (
  SELECT c.oid FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relname = $2
  UNION
  SELECT i.inhrelid FROM pg_inherits i JOIN t ON i.inhparent = t.oid
)
SELECT c.relname::text FROM t JOIN pg_class c ON c.oid = t.oid ORDER BY c.relname <> $2, 1
"""


async def label_tables(conn: asyncpg.Connection, ns: NamespaceRef, label: str) -> list[str]:
    """The label's table, then every table inheriting from it (recursively): what the
    constraints' tests and bench pass to the handler until the schema core's own
    ``tables_of`` is merged (which should replace it)."""
    rows = await conn.fetch(_INHERITING, ident(ns.name), label)
    return [str(r[0]) for r in rows]
