"""Reading a whole namespace, or the subgraph around some vertices, in chunks (exports).

Reads run in one read-only repeatable-read transaction per pass with a server-side
cursor, so an export sees one consistent snapshot and holds a chunk at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from kgmem.storage import agtype
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table


@dataclass(frozen=True, slots=True)
class DumpedVertex:
    """A stored vertex as exported (properties without ``uid``)."""

    uid: str
    label: str
    properties: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DumpedEdge:
    """A stored edge as exported (all its agtype properties) with its claim sources."""

    uid: str
    label: str
    start: str
    end: str
    properties: dict[str, Any]
    sources: tuple[str, ...]


async def subgraph(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str], depth: int
) -> list[int]:
    """Graph ids of the vertices ``uids`` and of those within ``depth`` edges of them
    (either direction)."""
    edges = table(ns.name, "_ag_label_edge")
    records = await conn.fetch(
        f"""
        WITH RECURSIVE near(id, d) AS (
          SELECT id, 0 FROM {table(ns.name, "_kg_vertex")} WHERE uid = ANY($1::text[])
          UNION
          SELECT CASE WHEN e.start_id = n.id THEN e.end_id ELSE e.start_id END, n.d + 1
          FROM near n JOIN {edges} e ON e.start_id = n.id OR e.end_id = n.id
          WHERE n.d < $2
        )
        SELECT DISTINCT id FROM near
        """,
        list(uids),
        depth,
    )
    return [r["id"] for r in records]


async def vertices(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int] | None, chunk: int = 5000
) -> AsyncIterator[list[DumpedVertex]]:
    """Vertices in uid order (only ``ids`` if given); call inside a transaction."""
    where = "" if ids is None else "WHERE v.id = ANY($1::graphid[])"
    sql = (
        f"SELECT v.uid, v.label, t.properties FROM {table(ns.name, '_kg_vertex')} v "
        f"JOIN {table(ns.name, '_ag_label_vertex')} t ON t.id = v.id {where} ORDER BY v.uid"
    )
    args = [] if ids is None else [list(ids)]
    batch: list[DumpedVertex] = []
    async for r in conn.cursor(sql, *args, prefetch=chunk):
        props = agtype.decode(r["properties"])
        props.pop("uid", None)
        batch.append(DumpedVertex(r["uid"], r["label"], props))
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch


async def edges(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int] | None, chunk: int = 5000
) -> AsyncIterator[list[DumpedEdge]]:
    """Edges in uid order (only those between ``ids`` if given); inside a transaction."""
    where = (
        ""
        if ids is None
        else "WHERE e.start_id = ANY($1::graphid[]) AND e.end_id = ANY($1::graphid[])"
    )
    vertex, claim = table(ns.name, "_kg_vertex"), table(ns.name, "_kg_claim")
    sql = (
        f"SELECT f.uid, f.predicate, s.uid AS start, o.uid AS end, e.properties, "
        f"ARRAY(SELECT x.uid FROM {claim} c JOIN {vertex} x ON x.id = c.source_id "
        f"WHERE c.fact_id = f.id ORDER BY x.uid) AS sources "
        f"FROM {table(ns.name, '_kg_fact')} f "
        f"JOIN {table(ns.name, '_ag_label_edge')} e ON e.id = f.id "
        f"JOIN {vertex} s ON s.id = e.start_id JOIN {vertex} o ON o.id = e.end_id "
        f"{where} ORDER BY f.uid"
    )
    args = [] if ids is None else [list(ids)]
    batch: list[DumpedEdge] = []
    async for r in conn.cursor(sql, *args, prefetch=chunk):
        props = agtype.decode(r["properties"])
        batch.append(
            DumpedEdge(r["uid"], r["predicate"], r["start"], r["end"], props, tuple(r["sources"]))
        )
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch
