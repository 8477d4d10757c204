"""Composite labels: the AGE label of the nodes that carry several labels.

A node with the labels {A, B} lives in a composite label (named by
``kgmem.cypher.label_sets.composite``, which the caller applies) whose table inherits
from A's and B's tables, so AGE's scans of A or B (which include the tables inheriting
from them) find it; a label AGE cannot hold as it is (``Big Co``) has a table of its own
under its stored name, a one-part composite, which is the parent. ``ensure`` makes the
composites a query writes to before the query runs, in the caller's transaction: the
missing base labels, the composite itself (``create_vlabel``), its inheritance (``ALTER
TABLE ... INHERIT``), the uid index and the indexes kgmem's schema gives its parents
(PostgreSQL does not inherit indexes), and the indexes and constraints declared on its
parents by Neo4j's schema statements (``extend``, which the caller hands in:
``kgmem.neo4j_schema.dispatch.extend_to``, a package above storage).
Each creation takes the same advisory lock as ``kgmem.storage.graph.labels`` does for a
label, so concurrent writers create it once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence

import asyncpg

from kgmem.errors import LabelKindConflict
from kgmem.schema import GraphSchema, label_names
from kgmem.storage.graph.labels import check_age_name, create_label_indexes, property_index_sql
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

_KIND = "SELECT kind FROM ag_catalog.ag_label WHERE graph = $1 AND name = $2"

Extend = Callable[[asyncpg.Connection, NamespaceRef, str, list[str]], Awaitable[None]]
"""Builds on a new composite label's table (its name) the objects declared on its parents."""


async def ensure(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    composites: Iterable[tuple[str, Sequence[str]]],
    schema: GraphSchema,
    extend: Extend,
) -> None:
    """Create each composite label of ``composites`` (its name, then the AGE labels of
    its labels: ``kgmem.cypher.label_sets.stored``) that does not exist yet, inheriting
    from its labels' tables."""
    for name, labels in composites:
        if await conn.fetchval(_KIND, ns.graph_oid, name) is None:
            await _create(conn, ns, name, sorted(set(labels)), schema, extend)


async def _create(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    name: str,
    parents: list[str],
    schema: GraphSchema,
    extend: Extend,
) -> None:
    for parent in parents:
        await _vertex_label(conn, ns, parent, schema)
    if not await _vertex_label(conn, ns, name, schema):
        return  # a concurrent writer made it while this one waited for the lock
    # PostgreSQL does not inherit indexes, and a CHECK must be on the child before it
    # inherits: build the parents' declared indexes and constraints on it first.
    await extend(conn, ns, name, parents)
    for parent in parents:
        await conn.execute(f"ALTER TABLE {table(ns.name, name)} INHERIT {table(ns.name, parent)}")
        for prop in schema.indexed_properties(parent, "vertex"):
            await conn.execute(property_index_sql(ns, name, prop, unique=False))


async def _vertex_label(
    conn: asyncpg.Connection, ns: NamespaceRef, name: str, schema: GraphSchema
) -> bool:
    """Make the vertex label ``name`` if missing; True when this call created it."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", ns.name, name)
    kind = await conn.fetchval(_KIND, ns.graph_oid, name)
    if kind is not None and kind != b"v":
        written = label_names.written(name)
        raise LabelKindConflict(
            f"{written!r} is already a relationship type in namespace {ns.name!r}; "
            "it cannot also be a node label",
            label=written,
        )
    if kind is not None:
        return False
    check_age_name(name)
    await conn.execute(
        "SELECT ag_catalog.create_vlabel($1::text::cstring, $2::text::cstring)", ns.name, name
    )
    await create_label_indexes(conn, ns, name, "vertex", schema)
    return True
