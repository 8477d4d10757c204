"""Declaring constraints in the tests of the constraints, until the schema core's
``CREATE CONSTRAINT`` is merged: the handler is called directly on a connection of the
store, as the core's dispatch will call it."""

from __future__ import annotations

import asyncpg

from kgmem import Memory
from kgmem.neo4j_schema.constraints import ConstraintHandler
from kgmem.neo4j_schema.model import Constraint
from kgmem.storage.neo4j_schema.constraint_sql import label_tables
from kgmem.storage.refs import NamespaceRef


async def ref(conn: asyncpg.Connection, namespace: str) -> NamespaceRef:
    oid = await conn.fetchval("SELECT graphid FROM ag_catalog.ag_graph WHERE name = $1", namespace)
    return NamespaceRef(name=namespace, graph_oid=int(oid))


async def declare(memory: Memory, namespace: str, c: Constraint) -> None:
    """Build ``c`` on its label's tables (the label must exist: write one element)."""
    async with memory.ctx.db.transaction() as conn:
        ns = await ref(conn, namespace)
        await ConstraintHandler().create(conn, ns, c, await label_tables(conn, ns, c.label))


async def undeclare(memory: Memory, namespace: str, c: Constraint) -> None:
    async with memory.ctx.db.transaction() as conn:
        ns = await ref(conn, namespace)
        await ConstraintHandler().drop(conn, ns, c, await label_tables(conn, ns, c.label))


def unique(label: str, *props: str, name: str = "c_unique") -> Constraint:
    return Constraint(name=name, type="UNIQUENESS", entity="NODE", label=label, properties=props)
