"""Nearest neighbours by cosine distance over the HNSW indexes of ``_kg_vertex_vector``
and ``_kg_fact_vector``.

Filters (labels, predicates) join the side table and are applied while the index is
scanned: ``hnsw.iterative_scan = relaxed_order`` lets pgvector keep scanning until
``limit`` rows pass the filter instead of returning fewer. Both settings are set with
``set_config(..., true)``, so they last for the caller's transaction only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
from pgvector import Vector

from kgmem.model import Entity, GeoPoint
from kgmem.storage import agtype
from kgmem.storage.filters import ElementFilter
from kgmem.storage.indexes.candidates import (
    FACT_COLUMNS,
    VERTEX_COLUMNS,
    FactInfo,
    VertexInfo,
    side_row,
)
from kgmem.storage.indexes.embeddings import vector_table
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

VectorFilter = ElementFilter


async def tune(conn: asyncpg.Connection, ef_search: int) -> None:
    """Set the HNSW search breadth and iterative scanning for this transaction."""
    await conn.execute(
        "SELECT set_config('hnsw.ef_search', $1, true), "
        "set_config('hnsw.iterative_scan', 'relaxed_order', true)",
        str(ef_search),
    )


async def nearest_vertices(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    query: Sequence[float],
    *,
    limit: int,
    where: VectorFilter,
) -> list[tuple[int, float]]:
    """(graph id, cosine similarity) of the ``limit`` nearest vertices, best first."""
    labels, excluded = where.label_args()
    return await _nearest(
        conn,
        vector_table(ns, "vertex"),
        query,
        limit,
        [
            (f"(SELECT v.label FROM {table(ns.name, '_kg_vertex')} v WHERE v.id = x.id)", op, arg)
            for op, arg in (("= ANY", labels), ("<> ALL", excluded))
            if arg is not None
        ],
    )


async def nearest_facts(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    query: Sequence[float],
    *,
    limit: int,
    where: VectorFilter,
) -> list[tuple[int, float]]:
    """(graph id, cosine similarity) of the ``limit`` nearest facts, best first."""
    predicates = where.predicate_arg()
    column = f"(SELECT f.predicate FROM {table(ns.name, '_kg_fact')} f WHERE f.id = x.id)"
    filters = [(column, "= ANY", predicates)] if predicates is not None else []
    return await _nearest(conn, vector_table(ns, "fact"), query, limit, filters)


async def _nearest(
    conn: asyncpg.Connection,
    vectors: str,
    query: Sequence[float],
    limit: int,
    filters: list[tuple[str, str, list[str]]],
) -> list[tuple[int, float]]:
    # Filters are scalar subqueries on the side row, evaluated per row the HNSW scan
    # yields: a join would let the planner scan and sort every vector instead.
    clauses = [f"{expr} {op}(${i + 3}::text[])" for i, (expr, op, _) in enumerate(filters)]
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    records = await conn.fetch(
        f"SELECT x.id, x.embedding <=> $1 AS d FROM {vectors} x {where}"
        "ORDER BY x.embedding <=> $1 LIMIT $2",
        Vector(list(query)),
        limit,
        *(arg for _, _, arg in filters),
    )
    return [(id_, 1.0 - float(d)) for id_, d in records]


async def exact_vertices(
    conn: asyncpg.Connection, ns: NamespaceRef, query: Sequence[float], *, limit: int
) -> list[int]:
    """The true ``limit`` nearest vertex ids by a full scan (for measuring HNSW recall)."""
    await conn.execute("SELECT set_config('enable_indexscan', 'off', true)")
    records = await conn.fetch(
        f"SELECT id FROM {vector_table(ns, 'vertex')} ORDER BY embedding <=> $1 LIMIT $2",
        Vector(list(query)),
        limit,
    )
    await conn.execute("SELECT set_config('enable_indexscan', 'on', true)")
    return [id_ for (id_,) in records]


@dataclass(frozen=True, slots=True)
class Nearest:
    """What one probe of both indexes found: (side row, cosine similarity) per vertex
    and per fact, each best first; and the nearest vertices loaded as entities (with
    their properties) when the probe was asked to load them."""

    vertices: list[tuple[VertexInfo, float]]
    facts: list[tuple[FactInfo, float]]
    entities: dict[int, Entity] = field(default_factory=dict)


async def nearest_with_rows(  # noqa: PLR0913 - keyword-only parts of one statement
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    query: Sequence[float],
    *,
    limit: int,
    vertices: VectorFilter | None,
    facts: VectorFilter | None,
    load: int = 0,
) -> Nearest:
    """The ``limit`` nearest vertices (unless ``vertices`` is None) and facts (unless
    ``facts`` is None) with their side rows, in ONE statement: each index is probed in
    its own ``ORDER BY ... LIMIT`` subquery (an HNSW scan, filtered as in
    ``nearest_vertices``), and only the rows it returns are joined to their side table.
    Elements without a side row are left out, as the filter stage would.

    With ``load`` > 0 the same statement also reads the ``load`` nearest vertices'
    creation time and properties (AGE's parent vertex table, one row each), returned
    as entities: a search whose hits are among them needs no statement to load them."""
    args: list[object] = [Vector(list(query)), limit]
    parts: list[str] = []

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if vertices is not None:
        side = table(ns.name, "_kg_vertex")
        clauses = [
            f"(SELECT v.label FROM {side} v WHERE v.id = x.id) {op}({arg(value)}::text[])"
            for op, value in zip(("= ANY", "<> ALL"), vertices.label_args(), strict=True)
            if value is not None
        ]
        parent = table(ns.name, "_ag_label_vertex")
        parts.append(
            f"SELECT {VERTEX_COLUMNS}, c.d, s.created_at, CASE WHEN c.rank <= {arg(load)} THEN "
            f"(SELECT p.properties FROM {parent} p WHERE p.id = c.id) END AS properties "
            f"FROM (SELECT c.id, c.d, row_number() OVER (ORDER BY c.d) AS rank "
            f"FROM ({_probe(vector_table(ns, 'vertex'), clauses)}) c) c "
            f"JOIN {side} s ON s.id = c.id"
        )
    if facts is not None:
        side = table(ns.name, "_kg_fact")
        predicates = facts.predicate_arg()
        column = f"(SELECT f.predicate FROM {side} f WHERE f.id = x.id)"
        clauses = [f"{column} = ANY({arg(predicates)}::text[])"] if predicates is not None else []
        parts.append(
            f"SELECT {FACT_COLUMNS}, c.d, NULL::timestamptz, NULL::ag_catalog.agtype "
            f"FROM ({_probe(vector_table(ns, 'fact'), clauses)}) c "
            f"JOIN {side} s ON s.id = c.id"
        )
    found = Nearest([], [])
    if not parts:
        return found
    # Each record is a side row (built by position) followed by the probe's own columns,
    # read by name: their positions differ between the vertex and the fact rows.
    for record in await conn.fetch(" UNION ALL ".join(parts), *args):
        row, sim = side_row(record), 1.0 - float(record["d"])
        if isinstance(row, VertexInfo):
            found.vertices.append((row, sim))
            if (properties := record["properties"]) is not None:
                found.entities[row.id] = _entity(row, record["created_at"], properties)
        else:
            found.facts.append((row, sim))
    # Best first (an iterative scan may return neighbours slightly out of order).
    found.vertices.sort(key=lambda pair: -pair[1])
    found.facts.sort(key=lambda pair: -pair[1])
    return found


def _entity(row: VertexInfo, created_at: datetime, properties: str) -> Entity:
    """The entity of a vertex the probe found (so it has an embedding)."""
    props = agtype.decode(properties)
    props.pop("uid", None)
    return Entity(
        uid=row.uid,
        label=row.label,
        properties=props,
        id=row.id,
        location=GeoPoint(lat=row.lat, lon=row.lon)
        if row.lat is not None and row.lon is not None
        else None,
        has_embedding=True,
        created_at=created_at,
        updated_at=row.updated_at,
    )


def _probe(vectors: str, clauses: list[str]) -> str:
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    return (
        f"SELECT x.id, x.embedding <=> $1 AS d FROM {vectors} x {where}"
        "ORDER BY x.embedding <=> $1 LIMIT $2"
    )
