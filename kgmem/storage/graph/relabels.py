"""Run a Cypher statement that sets or removes labels, and settle the nodes it moved.

AGE writes a vertex's label into its graph id, so ``kgmem_cypher.relabel`` (migration
0024) moves a node whose labels change to the table of its new label set under a new
graph id, re-points the relationships at it and records (old id, new id) in the
transaction's ``pg_temp.kgmem_relabelled``. ``run`` wraps the statement:

- it names the graph for ``relabel`` (the transaction's ``kgmem.cypher_graph``);
- it runs the statement in a savepoint; when ``relabel`` (or an APOC write, migration
  0032) meets a label set that has no AGE label yet (SQLSTATE ``KGL01``), it creates it
  as ``kgmem.storage.graph.label_sets`` does for CREATE (parents, inheritance, schema
  indexes, advisory lock) and runs the statement again; the same for a relationship
  type an APOC write meets (``KGL02``);
- after the statement, ``settle`` re-points every row still holding a moved node's
  old id: relationships a later ``SET r.x`` wrote back from a copy read before the
  move, every ``graphid`` column of kgmem's side tables in the graph's schema (found in
  the catalogue, so a new side table is covered without a list to keep), and the
  ``graphid`` columns of the store-wide tables a namespace owns
  (``namespace_parts.PARTS``). A REST entity keeps its label while the node still
  carries it, else takes the node's first label (sorted), or ``_ag_label_vertex`` when
  none is left.
"""

from __future__ import annotations

import json
from dataclasses import replace

import asyncpg

from kgmem.errors import CypherSemanticError, KgmemError, LabelKindConflict
from kgmem.schema import GraphSchema, label_names
from kgmem.storage.graph import cypher as cypher_store
from kgmem.storage.graph import label_sets, namespace_parts
from kgmem.storage.graph.counters import Tally
from kgmem.storage.graph.labels import check_age_name, create_label_indexes
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import ident, table

MISSING_LABEL = "KGL01"
MISSING_TYPE = "KGL02"  # an APOC write met a relationship type with no AGE label yet
MOVED = "pg_temp.kgmem_relabelled"
# Label sets one statement may meet for the first time (each costs one more run).
MAX_NEW_LABELS = 32

_GRAPHID_COLUMNS = """
SELECT n.nspname::text, c.relname::text, a.attname::text
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.atttypid = 'ag_catalog.graphid'::regtype AND a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p')
  AND ((n.nspname = $1 AND c.oid NOT IN (
         SELECT relation FROM ag_catalog.ag_label WHERE graph = $2))
       OR (n.nspname = 'kgmem' AND c.relname = ANY($3::text[])))
ORDER BY 1, 2, 3
"""


async def run(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    call: cypher_store.CypherCall,
    schema: GraphSchema,
    extend: label_sets.Extend,
    tally: Tally | None = None,
) -> cypher_store.CypherRows:
    """Run ``call`` (whose text calls ``kgmem_cypher.relabel``) inside the caller's
    transaction, creating the label sets it needs, then ``settle``; ``tally`` counts
    the attempt that succeeds, not what ``settle`` re-points."""
    await conn.execute("SELECT set_config('kgmem.cypher_graph', $1, true)", ns.name)
    for _ in range(MAX_NEW_LABELS):
        try:
            async with conn.transaction():
                if tally is not None:
                    await tally.begin(conn)
                rows = await cypher_store.run(conn, call)
                if tally is not None:
                    await tally.end(conn)
                return replace(rows, moved=await settle(conn, ns))
        except KgmemError as exc:
            missing = _missing(exc)
            kind = _missing_type(exc)
            if missing is None and kind is None:
                raise
        if missing is not None:
            await label_sets.ensure(conn, ns, [missing], schema, extend)
        if kind is not None:
            await _edge_label(conn, ns, kind, schema)
    raise CypherSemanticError(
        f"the query gives nodes more than {MAX_NEW_LABELS} label sets that do not exist yet; "
        "set those labels in smaller queries"
    )


def _missing(exc: KgmemError) -> tuple[str, list[str]] | None:
    """(name, labels) of the label set ``relabel`` asked for, if ``exc`` is that."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) != MISSING_LABEL:
        return None
    labels = json.loads(str(getattr(cause, "detail", "[]")))
    return str(getattr(cause, "message", "")), [str(label) for label in labels]


def _missing_type(exc: KgmemError) -> str | None:
    """The relationship type an APOC write asked for that has no AGE label yet."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) != MISSING_TYPE:
        return None
    return str(getattr(cause, "message", ""))


async def _edge_label(
    conn: asyncpg.Connection, ns: NamespaceRef, name: str, schema: GraphSchema
) -> None:
    """Make the relationship type ``name`` with kgmem's indexes, under the lock
    ``kgmem.storage.graph.labels`` takes."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", ns.name, name)
    kind = await conn.fetchval(_KIND, ns.graph_oid, name)
    if kind is not None and kind != b"e":
        written = label_names.written(name)
        raise LabelKindConflict(
            f"{written!r} is already a node label in namespace {ns.name!r}; it cannot also "
            "be a relationship type",
            label=written,
        )
    if kind is None:
        check_age_name(name)
        await conn.execute(
            "SELECT ag_catalog.create_elabel($1::text::cstring, $2::text::cstring)", ns.name, name
        )
        await create_label_indexes(conn, ns, name, "edge", schema)


_KIND = "SELECT kind FROM ag_catalog.ag_label WHERE graph = $1 AND name = $2"

_MOVES_TABLE = """
CREATE TEMP TABLE IF NOT EXISTS kgmem_relabelled (
  old_id ag_catalog.graphid PRIMARY KEY, new_id ag_catalog.graphid NOT NULL
) ON COMMIT DROP
"""


async def record_move(conn: asyncpg.Connection, old_id: int, new_id: int) -> None:
    """Record that a node moved from ``old_id`` to ``new_id`` outside Cypher (REST's
    change of an entity's label), as ``kgmem_cypher.relabel`` records its moves, for
    ``settle``; inside the caller's transaction."""
    await conn.execute(_MOVES_TABLE)
    await conn.execute(
        f"INSERT INTO {MOVED} VALUES ($1::text::ag_catalog.graphid, $2::text::ag_catalog.graphid)",
        str(old_id),
        str(new_id),
    )


async def settle(conn: asyncpg.Connection, ns: NamespaceRef) -> tuple[tuple[int, int], ...]:
    """Re-point every row that still holds the old graph id of a node the statement
    moved, then forget the moves; returns them as (old id, new id)."""
    if await conn.fetchval("SELECT to_regclass($1)", MOVED) is None:
        return ()
    moved = await conn.fetch(f"SELECT old_id::text, new_id::text FROM {MOVED} ORDER BY 1")
    if not moved:
        return ()
    await _edges(conn, ns)
    columns = await side_columns(conn, ns)
    for schema_name, relation, column in columns:
        await conn.execute(_repoint(ns, schema_name, relation, column), *_args(ns, schema_name))
    if any(s == ns.name and r == "_kg_vertex" for s, r, _ in columns):
        await conn.execute(_ENTITY_LABELS.format(side=table(ns.name, "_kg_vertex")), ns.graph_oid)
    await conn.execute(f"DELETE FROM {MOVED}")
    return tuple((int(old), int(new)) for old, new in moved)


async def _edges(conn: asyncpg.Connection, ns: NamespaceRef) -> None:
    edges = table(ns.name, "_ag_label_edge")
    for column in ("start_id", "end_id"):
        await conn.execute(
            f"UPDATE {edges} AS e SET {column} = m.new_id FROM {MOVED} AS m "
            f"WHERE e.{column} = m.old_id"
        )


async def side_columns(conn: asyncpg.Connection, ns: NamespaceRef) -> list[tuple[str, str, str]]:
    """(schema, table, column) of every ``graphid`` column outside AGE's label tables
    that holds ids of ``ns``'s graph: kgmem's side tables in the graph's schema and the
    store-wide tables of ``namespace_parts.PARTS``."""
    parts = [p.table for p in namespace_parts.PARTS]
    found = await conn.fetch(_GRAPHID_COLUMNS, ns.name, ns.graph_oid, parts)
    return [(schema, relation, column) for schema, relation, column in found]


def _repoint(ns: NamespaceRef, schema_name: str, relation: str, column: str) -> str:
    col = ident(column)
    sql = (
        f"UPDATE {table(schema_name, relation)} AS t SET {col} = m.new_id "
        f"FROM {MOVED} AS m WHERE t.{col} = m.old_id"
    )
    if schema_name == ns.name:
        return sql
    rows = namespace_parts.part(relation).rows.format(namespace="$1")
    return f"{sql} AND ({rows})"


def _args(ns: NamespaceRef, schema_name: str) -> tuple[str, ...]:
    return () if schema_name == ns.name else (ns.name,)


_ENTITY_LABELS = f"""
UPDATE {{side}} AS v
SET label = CASE WHEN v.label = ANY (l.labels) THEN v.label
                 ELSE coalesce(l.labels[1], '_ag_label_vertex') END
FROM (SELECT m.new_id, kgmem_cypher._label_list(
        ag_catalog._label_name($1::oid, m.new_id)::text) AS labels
      FROM {MOVED} AS m) AS l
WHERE v.id = l.new_id
"""
