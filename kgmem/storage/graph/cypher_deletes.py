"""What a Cypher ``DELETE`` leaves behind, removed in the same transaction.

A Cypher statement deletes rows of AGE's label tables only; the entity's side row and
vector, and a fact's row, claims, revisions and vector (kgmem's own tables) would stay,
so REST would still answer a deleted entity and a later write of its uid would find a
side row without a vertex. After a statement that deleted rows (``counters.Changes``),
the side rows whose graph id belongs to a label table that lost rows, and that table no
longer holds, go as ``vertices.delete_many`` removes them.

An AGE graph id carries its label's id in its upper bits, so the side rows of one label
table are a range of the side table's primary key: the sweep reads those of the tables
that lost rows, not the whole namespace.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from kgmem.storage.graph import element_rows
from kgmem.storage.graph.counters import Changes, TableChange
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

# The side rows ``{side}`` of label table ``{relation}`` (AGE label $1) it no longer holds.
_GONE = (
    "SELECT s.id FROM {side} s WHERE s.id >= ag_catalog._graphid($1, 0) "
    "AND s.id < ag_catalog._graphid($1 + 1, 0) "
    "AND NOT EXISTS (SELECT 1 FROM ONLY {relation} t WHERE t.id = s.id)"
)


async def settle(conn: asyncpg.Connection, ns: NamespaceRef, changes: Changes) -> None:
    """Remove kgmem's rows of the vertices and edges the statement of ``changes``
    deleted: facts first (their claims, history, revisions and vectors), then the
    vertices' side rows, vectors and the claims they made as sources or episodes."""
    emptied = [t for t in changes.tables if t.deleted > 0]
    if not emptied:
        return
    facts = await _gone(conn, ns, "_kg_fact", [t for t in emptied if not t.vertex])
    if facts:
        await element_rows.drop_facts(conn, ns, facts)
    vertices = await _gone(conn, ns, "_kg_vertex", [t for t in emptied if t.vertex])
    if vertices:
        await element_rows.drop_vertices(conn, ns, vertices)


async def _gone(
    conn: asyncpg.Connection, ns: NamespaceRef, side: str, tables: Sequence[TableChange]
) -> list[int]:
    ids: list[int] = []
    for change in tables:
        sql = _GONE.format(side=table(ns.name, side), relation=change.relation)
        ids.extend(r[0] for r in await conn.fetch(sql, change.label_id))
    return ids
