"""The declared schema objects of a namespace: table ``_kg_declared`` in its graph
schema, one row per index or constraint as ``CREATE INDEX`` / ``CREATE CONSTRAINT``
declared it (``kgmem.neo4j_schema.model``).

Living in the graph schema, the table goes wherever the label tables go: ``pg_dump -n``
backups and restores under another name, replicas, namespace deletes. It is created on
first use (``ensure``, under the namespace's schema lock); every read works when it is
absent (no declarations yet). Names are unique per namespace across indexes and
constraints together, as Neo4j requires (the primary key).

The namespace's reader role may SELECT it (``SHOW INDEXES`` reads it in procedures).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from kgmem.neo4j_schema.model import Constraint, Index, SchemaObject, State
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import ident, reader_role, table

TABLE = "_kg_declared"

_COLUMNS = (
    "name, kind, type, entity, labels, properties, property_type, options, owner, state, created_at"
)

_CREATE = """
CREATE TABLE IF NOT EXISTS {table} (
    name text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('INDEX', 'CONSTRAINT')),
    type text NOT NULL,
    entity text NOT NULL CHECK (entity IN ('NODE', 'RELATIONSHIP')),
    labels text[] NOT NULL,
    properties text[] NOT NULL,
    property_type text,
    options jsonb NOT NULL DEFAULT '{{}}',
    owner text,
    state text NOT NULL DEFAULT 'ONLINE',
    created_at timestamptz NOT NULL DEFAULT now(),
    id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    failure text,
    progress real NOT NULL DEFAULT 100
)
"""

SELECT_SQL = f"SELECT {_COLUMNS}, id, failure, progress FROM {{schema}}.{TABLE} ORDER BY name"
"""The rows, for procedure bodies' ``Reader.sql`` (``{schema}``: the graph schema): the
columns ``from_row`` reads, then the id, the failure message of a FAILED index and the
percentage of a POPULATING one's tables built."""

EXISTS_SQL = f"SELECT to_regclass('{{schema}}.{TABLE}') IS NOT NULL"
"""Whether the table exists yet, for ``Reader.sql``."""


def lock_key(ns: NamespaceRef) -> str:
    """The advisory lock text that serialises schema changes of ``ns``."""
    return f"kgmem.neo4j_schema:{ns.name}"


async def lock(conn: asyncpg.Connection, ns: NamespaceRef) -> None:
    """Take ``ns``'s schema lock for the rest of the transaction."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", lock_key(ns))


async def ensure(conn: asyncpg.Connection, ns: NamespaceRef) -> None:
    """Create the table if missing (under the schema lock), readable by the
    namespace's reader role when that role exists."""
    await lock(conn, ns)
    if await _exists(conn, ns):
        return
    await conn.execute(_CREATE.format(table=table(ns.name, TABLE)))
    role = reader_role(ns.name)
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role):
        await conn.execute(f"GRANT SELECT ON {table(ns.name, TABLE)} TO {ident(role)}")


async def _exists(conn: asyncpg.Connection, ns: NamespaceRef) -> bool:
    found = await conn.fetchval("SELECT to_regclass($1)", table(ns.name, TABLE))
    return found is not None


async def declared(conn: asyncpg.Connection, ns: NamespaceRef) -> list[SchemaObject]:
    """Every declared object of ``ns``, by name (none when the table is absent)."""
    if not await _exists(conn, ns):
        return []
    records = await conn.fetch(SELECT_SQL.replace("{schema}", ident(ns.name)))
    return [from_row(r) for r in records]


async def get(conn: asyncpg.Connection, ns: NamespaceRef, name: str) -> SchemaObject | None:
    """The object named ``name`` (index or constraint), or None."""
    if not await _exists(conn, ns):
        return None
    record = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM {table(ns.name, TABLE)} WHERE name = $1", name
    )
    return None if record is None else from_row(record)


async def insert(conn: asyncpg.Connection, ns: NamespaceRef, obj: SchemaObject) -> None:
    """Record ``obj`` (``ensure`` the table first; the caller checked the name is free)."""
    await conn.execute(
        f"INSERT INTO {table(ns.name, TABLE)} (name, kind, type, entity, labels, properties, "
        "property_type, options, owner, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        *to_row(obj),
    )


async def delete(conn: asyncpg.Connection, ns: NamespaceRef, name: str) -> None:
    """Forget the object named ``name``."""
    if await _exists(conn, ns):
        await conn.execute(f"DELETE FROM {table(ns.name, TABLE)} WHERE name = $1", name)


async def set_state(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    name: str,
    state: State,
    *,
    failure: str | None = None,
    progress: float = 100.0,
) -> None:
    """Record that ``name`` is now ``state`` (ONLINE once built, FAILED with
    ``failure``), ``progress`` percent of its tables built."""
    await conn.execute(
        f"UPDATE {table(ns.name, TABLE)} SET state = $2, failure = $3, progress = $4 "
        "WHERE name = $1",
        name,
        state,
        failure,
        progress,
    )


def to_row(obj: SchemaObject) -> tuple[Any, ...]:
    """The values of ``obj``'s row, in ``insert``'s column order."""
    options = json.dumps(dict(obj.options), sort_keys=True, default=str)
    if isinstance(obj, Index):
        return (
            obj.name, "INDEX", obj.type, obj.entity, list(obj.labels), list(obj.properties),
            None, options, obj.owner, obj.state,
        )  # fmt: skip
    return (
        obj.name, "CONSTRAINT", obj.type, obj.entity, [obj.label], list(obj.properties),
        obj.property_type, options, None, "ONLINE",
    )  # fmt: skip


def from_row(record: Sequence[Any] | asyncpg.Record) -> SchemaObject:
    """The object a row (as ``SELECT_SQL`` gives its columns) stands for."""
    name, kind, type_, entity, labels, properties, property_type, options, owner, state = tuple(
        record
    )[:10]
    options = json.loads(options) if isinstance(options, str) else dict(options or {})
    if kind == "INDEX":
        return Index(name, type_, entity, tuple(labels), tuple(properties), options, owner, state)
    return Constraint(name, type_, entity, labels[0], tuple(properties), property_type, options)
