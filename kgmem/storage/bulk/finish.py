"""The end of a load: which tables to analyse and how, the secondary indexes a large
load drops and builds again, and the texts still waiting for their vectors."""

from __future__ import annotations

import re

import asyncpg

from kgmem.schema.label_names import written
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table


async def label_kinds(conn: asyncpg.Connection, ns: NamespaceRef) -> dict[str, str]:
    """Every label and type of ``ns`` (as written) with its kind (``vertex`` or
    ``edge``)."""
    records = await conn.fetch(
        "SELECT name::text AS name, kind FROM ag_catalog.ag_label WHERE graph = $1", ns.graph_oid
    )
    return {written(name): "vertex" if kind == b"v" else "edge" for name, kind in records}


async def empty_tables(conn: asyncpg.Connection, ns: NamespaceRef) -> set[str]:
    """The tables of ``ns`` without a row (without a page: a load only adds rows)."""
    records = await conn.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind = 'r' AND pg_relation_size(c.oid) = 0",
        ns.name,
    )
    return {relname for (relname,) in records}


async def analyze_targets(conn: asyncpg.Connection, ns: NamespaceRef) -> list[str]:
    """The tables of ``ns`` worth analysing after a load, largest first (so that two
    connections working through the list finish close together): every table with
    rows, AGE's two parent tables (whose statistics cover all their labels) included.
    Tables without a page are left out: a load only adds rows, so those are the labels
    and side tables it did not write (in a fresh namespace about thirty of them, each
    ANALYZE a round trip and a catalog update)."""
    records = await conn.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind = 'r' AND (pg_relation_size(c.oid) > 0 "
        "OR c.relname IN ('_ag_label_vertex', '_ag_label_edge')) "
        "ORDER BY c.relname IN ('_ag_label_vertex', '_ag_label_edge') DESC, "
        "pg_relation_size(c.oid) DESC, c.relname",
        ns.name,
    )
    return [relname for (relname,) in records]


LABEL_STATISTICS_TARGET = 10


async def analyze_table(conn: asyncpg.Connection, ns: NamespaceRef, name: str) -> None:
    """Refresh the planner statistics of one table of ``ns``. kgmem's side tables get
    PostgreSQL's default sample (30,000 rows); AGE's label tables and their two parents
    are sampled with a statistics target of 10 (3,000 rows): nearly all of their
    ANALYZE time goes to the agtype ``properties`` column and the property-index
    expressions over it (several times less at 10 than at the default), and their uid
    lookups go through unique indexes, whose estimates do not depend on the sample.

    Edge label tables and their parent ``_ag_label_edge`` are analysed on their plain
    columns only (``id``, ``start_id``, ``end_id``: what the planner estimates joins
    and endpoint lookups with). PostgreSQL then skips the agtype ``properties`` column,
    whose statistics no query of kgmem or AGE's Cypher uses (property lookups go
    through expressions over it, not the column), and the expression of the edges'
    unique ``uid`` index, which saves server CPU on every load.

    The two parents are analysed ``ONLY`` (on PostgreSQL 18 and later): since 18 a plain
    ANALYZE of an inheritance parent also analyses each child on its own, which would
    sample every label table a second time (and the empty ones the load did not touch);
    ``ANALYZE ONLY`` still gathers the parent's statistics over the whole tree."""
    if not name.startswith("_kg_"):  # AGE's tables: labels and their two parents
        await conn.execute(f"SET LOCAL default_statistics_target = {LABEL_STATISTICS_TARGET}")
        parent = name in ("_ag_label_vertex", "_ag_label_edge")
        only = "ONLY " if parent and conn.get_server_version().major >= 18 else ""
        if name == "_ag_label_edge" or await conn.fetchval(
            "SELECT kind = 'e' FROM ag_catalog.ag_label WHERE graph = $1 AND name = $2",
            ns.graph_oid,
            name,
        ):
            await conn.execute(f"ANALYZE {only}{table(ns.name, name)} (id, start_id, end_id)")
            return
        await conn.execute(f"ANALYZE {only}{table(ns.name, name)}")
        return
    await conn.execute(f"ANALYZE {table(ns.name, name)}")


async def pending_texts(
    conn: asyncpg.Connection, ns: NamespaceRef, after: int, limit: int
) -> list[tuple[int, str]]:
    """Up to ``limit`` (graph id, text) of vertices after id ``after`` that have text
    but no vector, in id order."""
    records = await conn.fetch(
        f"SELECT v.id, v.text FROM {table(ns.name, '_kg_vertex')} v "
        f"WHERE v.text IS NOT NULL AND v.id > $1 AND NOT EXISTS "
        f"(SELECT 1 FROM {table(ns.name, '_kg_vertex_vector')} x WHERE x.id = v.id) "
        "ORDER BY v.id LIMIT $2",
        after,
        limit,
    )
    return [(id_, text) for id_, text in records]


async def count_pending_texts(conn: asyncpg.Connection, ns: NamespaceRef) -> int:
    """How many vertices have text but no vector."""
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM {table(ns.name, '_kg_vertex')} v WHERE v.text IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {table(ns.name, '_kg_vertex_vector')} x "
            "WHERE x.id = v.id)"
        )
    )


async def defer_indexes(conn: asyncpg.Connection, ns: NamespaceRef) -> int:
    """Drop the secondary indexes of ``ns``, keeping their definitions in
    ``kgmem.deferred_index``: every non-unique index (text, time, endpoint, property
    indexes) and the unique indexes of AGE's label tables (their ``uid`` and edge ``id``
    indexes). Primary keys and kgmem's side-table unique indexes stay, so uniqueness
    holds throughout: every label row of a vertex or edge has its side row in
    ``_kg_vertex`` or ``_kg_fact`` (unique ``uid``, unique ``id``), written in the same
    transaction, and graph ids come from the labels' sequences. Called again at the
    end of each batch of a deferred load, so the indexes of labels that batch created
    are dropped too, in the batch's own transaction. Returns how many were dropped."""
    records = await conn.fetch(
        "SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND NOT i.indisprimary AND (NOT i.indisunique OR i.indrelid IN "
        "(SELECT relation FROM ag_catalog.ag_label WHERE graph = $2 "
        "AND name NOT IN ('_ag_label_vertex', '_ag_label_edge')))",
        ns.name,
        ns.graph_oid,
    )
    for name, definition in records:
        await conn.execute(
            "INSERT INTO kgmem.deferred_index (namespace, name, definition) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING",
            ns.name,
            name,
            definition,
        )
        await conn.execute(f"DROP INDEX {table(ns.name, name)}")
    return len(records)


async def has_deferred_indexes(conn: asyncpg.Connection, namespace: str) -> bool:
    """Whether an import of ``namespace`` dropped indexes it has not built again."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM kgmem.deferred_index WHERE namespace = $1)", namespace
        )
    )


_INDEX_TARGET = re.compile(
    r' ON (?:ONLY )?(?:"(?:[^"]|"")+"|[^."\s]+)\.("(?:[^"]|"")+"|[^\s]+) USING (\w+)'
)
_SLOW_METHODS = ("gin", "gist")


async def deferred_indexes(conn: asyncpg.Connection, ns: NamespaceRef) -> list[tuple[str, str]]:
    """The indexes an import of ``ns`` dropped and has not built again, each with the
    name of its table, costliest first: text, GIN and GiST indexes before b-trees (the
    fact texts' keyword (GIN) index is by far the longest build; started first, it runs beside
    all the others), each kind by the size of its table, largest first."""
    records = await conn.fetch(
        "SELECT name, definition FROM kgmem.deferred_index WHERE namespace = $1 ORDER BY name",
        ns.name,
    )
    sizes = {
        relname: size
        for relname, size in await conn.fetch(
            "SELECT c.relname, pg_relation_size(c.oid) AS size FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 "
            "AND c.relkind = 'r'",
            ns.name,
        )
    }
    found: list[tuple[bool, int, str, str]] = []
    for index, definition in records:
        match = _INDEX_TARGET.search(definition)
        name, method = match.groups() if match else ("", "")
        if name.startswith('"'):
            name = name[1:-1].replace('""', '"')
        slow = method in _SLOW_METHODS
        found.append((not slow, -sizes.get(name, 0), index, name))
    return [(index, target) for _, _, index, target in sorted(found)]


async def restore_index(conn: asyncpg.Connection, namespace: str, name: str) -> None:
    """Build one deferred index again and strike it from the list, in the caller's
    transaction (a crash leaves it listed, and the rerun builds it)."""
    definition = await conn.fetchval(
        "SELECT definition FROM kgmem.deferred_index WHERE namespace = $1 AND name = $2",
        namespace,
        name,
    )
    if definition is None:
        return
    for head in ("CREATE INDEX ", "CREATE UNIQUE INDEX "):
        if definition.startswith(head):
            definition = definition.replace(head, head + "IF NOT EXISTS ", 1)
    await conn.execute(definition)
    await conn.execute(
        "DELETE FROM kgmem.deferred_index WHERE namespace = $1 AND name = $2", namespace, name
    )


async def is_empty(conn: asyncpg.Connection, ns: NamespaceRef) -> bool:
    """Whether ``ns`` has no vertices."""
    return not await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table(ns.name, '_kg_vertex')})")
