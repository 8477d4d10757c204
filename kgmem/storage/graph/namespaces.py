"""Namespaces: one AGE graph each, registered in ``kgmem.namespace``.

Creating a namespace creates the graph, its side tables (``kgmem.create_namespace_tables``)
and the labels of the graph schema, in one transaction. Deleting it drops the graph
schema with every label table and side table in it.
"""

from __future__ import annotations

import asyncpg

from kgmem.errors import InvalidInput, NamespaceExists, NamespaceNotFound
from kgmem.model import Namespace, NamespaceStats
from kgmem.schema import GraphSchema
from kgmem.storage import rows
from kgmem.storage.graph import fact_data, namespace_parts, structural
from kgmem.storage.graph.labels import LabelCatalog, create_label_indexes
from kgmem.storage.indexes import text_index
from kgmem.storage.indexes.embeddings import PGVECTOR_HNSW, build_vector_indexes
from kgmem.storage.neo4j_schema import catalog as declarations
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import ident, reader_role, table


async def create(
    conn: asyncpg.Connection,
    name: str,
    *,
    description: str,
    dimension: int,
    hnsw: tuple[int, int] = PGVECTOR_HNSW,
    text_config: str = "english",
) -> NamespaceRef:
    """Create namespace ``name`` (already validated) with vectors of ``dimension``, indexed
    by HNSW graphs built with ``hnsw`` = (m, ef_construction), and texts indexed under
    text search configuration ``text_config`` (``InvalidInput`` if the server has none
    of that name)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('kgmem.namespace'), hashtext($1))", name
    )
    taken = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM kgmem.namespace WHERE name = $1) "
        "OR EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
        name,
    )
    if taken:
        raise NamespaceExists(f"namespace {name!r} already exists", namespace=name)
    await conn.execute("SELECT ag_catalog.create_graph($1)", name)
    await conn.execute("SELECT kgmem.create_namespace_tables($1, $2)", name, dimension)
    if hnsw != PGVECTOR_HNSW:  # the tables are empty: the new indexes cost nothing to build
        await build_vector_indexes(conn, name, m=hnsw[0], ef_construction=hnsw[1])
    await conn.execute("SELECT kgmem.create_verification_tables($1)", name)
    await conn.execute("SELECT kgmem.add_retrieval_columns($1)", name)
    await conn.execute("SELECT kgmem.add_fact_revisions($1)", name)
    await conn.execute("SELECT kgmem.add_update_indexes($1)", name)
    await conn.execute("SELECT kgmem.add_claim_history($1)", name)
    await conn.execute("SELECT kgmem.add_closers($1)", name)
    await conn.execute("SELECT kgmem.add_claim_statements($1)", name)
    await conn.execute(
        "INSERT INTO kgmem.namespace (name, description) VALUES ($1, $2)", name, description
    )
    await _index_texts(conn, name, text_config)
    ns = await resolve(conn, name)
    await declarations.ensure(conn, ns)  # so every namespace's parts include it
    return ns


async def _index_texts(conn: asyncpg.Connection, name: str, text_config: str) -> None:
    known = await text_index.configurations(conn)
    if text_config not in known:
        raise InvalidInput(
            f"unknown text search configuration {text_config!r}; "
            f"this server has: {', '.join(known)}",
            field="text_config",
        )
    await text_index.set_configuration(conn, name, text_config)


STANDING_VERTICES = ("Episode", "Source")
STANDING_EDGES = ("MENTIONS", "PART_OF", "PRECEDES", "ASSERTS")
"""The labels every namespace has from its creation: kgmem's own statements read their
tables by name. Every other label, the graph schema's included, is made on its first
use (a write, an import, a Cypher ``CREATE``, a Neo4j index or constraint), with the
indexes the schema declares for it: a label table with its indexes is a dozen catalog
entries to make and to drop, which a namespace that never uses the label need not pay
for."""


async def apply_schema(
    conn: asyncpg.Connection, ns: NamespaceRef, schema: GraphSchema, labels: LabelCatalog
) -> None:
    """Create the standing labels in ``ns`` where missing, the schema's indexes on every
    label it has, and the columns of the fact's declared data fields (idempotent)."""
    await fact_data.ensure_columns(conn, ns)
    await labels.ensure(conn, ns, STANDING_VERTICES, "vertex", schema)
    await labels.ensure(conn, ns, STANDING_EDGES, "edge", schema)
    for info in (await labels.known(conn, ns)).values():
        await create_label_indexes(conn, ns, info.table, info.kind, schema)


async def resolve(conn: asyncpg.Connection, name: str) -> NamespaceRef:
    """The namespace ``name``, or ``NamespaceNotFound``."""
    oid = await conn.fetchval(
        "SELECT g.graphid FROM kgmem.namespace n "
        "JOIN ag_catalog.ag_graph g ON g.name = n.name::name WHERE n.name = $1",
        name,
    )
    if oid is None:
        raise NamespaceNotFound(f"namespace {name!r} does not exist", namespace=name)
    return NamespaceRef(name=name, graph_oid=int(oid))


# A namespace's record (``model.Namespace``) as a select list of kgmem.namespace.
_RECORD = (
    "name, description, created_at, coalesce(config->>'text_config', 'english') AS text_config"
)


async def get(conn: asyncpg.Connection, name: str) -> Namespace:
    """The record of namespace ``name``, or ``NamespaceNotFound``."""
    row = await rows.fetchrow(
        conn,
        Namespace,
        f"SELECT {_RECORD} FROM kgmem.namespace WHERE name = $1",
        name,
    )
    if row is None:
        raise NamespaceNotFound(f"namespace {name!r} does not exist", namespace=name)
    return row


async def list_all(conn: asyncpg.Connection, only: list[str] | None = None) -> list[Namespace]:
    """All namespaces by name, or only those in ``only``."""
    return await rows.fetch(
        conn,
        Namespace,
        f"SELECT {_RECORD} FROM kgmem.namespace "
        "WHERE $1::text[] IS NULL OR name = ANY($1::text[]) ORDER BY name",
        only,
    )


async def delete(conn: asyncpg.Connection, ns: NamespaceRef) -> None:
    """Drop the graph of ``ns`` with all its label and side tables, its rows in the
    store-wide tables (``namespace_parts``: all but its events) and its Cypher reader
    role (roles are cluster-wide: left alone they would pile up)."""
    await conn.execute("SELECT ag_catalog.drop_graph($1, true)", ns.name)
    for statement in namespace_parts.deletes("$1"):
        await conn.execute(statement, ns.name)
    role = reader_role(ns.name)
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role):
        if await conn.fetchval(_HELD_ELSEWHERE, role):
            return  # a namespace of that name in another database still reads through it
        await conn.execute(f"DROP OWNED BY {ident(role)}")
        await conn.execute(f"DROP ROLE {ident(role)}")


# Whether role $1 holds privileges in another database of the server: another store on
# the same PostgreSQL with a namespace of the same name (role names are cluster-wide).
_HELD_ELSEWHERE = (
    "SELECT EXISTS (SELECT 1 FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid "
    "WHERE d.refclassid = 'pg_authid'::regclass AND r.rolname = $1 AND d.dbid NOT IN "
    "(0, (SELECT oid FROM pg_database WHERE datname = current_database())))"
)


async def stats(conn: asyncpg.Connection, ns: NamespaceRef) -> NamespaceStats:
    """Exact counts per label, fact and embedding counts, and size on disk."""
    vertices = await _count_by_label(conn, ns, "_ag_label_vertex", "v")
    edges = await _count_by_label(conn, ns, "_ag_label_edge", "e")
    linked = structural.condition(ns)
    current, closed, structural_edges, embedded_facts = await conn.fetchrow(
        f"SELECT count(*) FILTER (WHERE expired_at IS NULL AND NOT {linked}) AS current, "
        f"count(*) FILTER (WHERE expired_at IS NOT NULL AND NOT {linked}) AS closed, "
        f"count(*) FILTER (WHERE {linked}) AS structural, "
        f"(SELECT count(*) FROM {table(ns.name, '_kg_fact_vector')}) AS embedded "
        f"FROM {table(ns.name, '_kg_fact')} f"
    )
    embedded_entities = await conn.fetchval(
        f"SELECT count(*) FROM {table(ns.name, '_kg_vertex_vector')}"
    )
    size = await conn.fetchval(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')",
        ns.name,
    )
    return NamespaceStats(
        name=ns.name,
        vertices=vertices,
        edges=edges,
        facts_current=current,
        facts_closed=closed,
        structural_edges=structural_edges,
        embedded_entities=embedded_entities,
        embedded_facts=embedded_facts,
        bytes=int(size),
    )


async def _count_by_label(
    conn: asyncpg.Connection, ns: NamespaceRef, base: str, kind: str
) -> dict[str, int]:
    found = await conn.fetch(
        f"SELECT l.name::text AS label, count(t.id) AS n FROM ag_catalog.ag_label l "
        f"LEFT JOIN {table(ns.name, base)} t ON t.tableoid = l.relation::oid "
        f"WHERE l.graph = $1 AND l.kind::text = $2 AND l.name <> $3 GROUP BY l.name ORDER BY 1",
        ns.graph_oid,
        kind,
        base,
    )
    return {label: n for label, n in found}
