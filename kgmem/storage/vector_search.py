"""Nearest neighbours by cosine distance over the HNSW indexes of ``_kg_vertex_vector``
and ``_kg_fact_vector``.

Filters (labels, predicates) join the side table and are applied while the index is
scanned: ``hnsw.iterative_scan = relaxed_order`` lets pgvector keep scanning until
``limit`` rows pass the filter instead of returning fewer. Both settings are set with
``set_config(..., true)``, so they last for the caller's transaction only.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from pgvector import Vector

from kgmem.storage.embeddings import vector_table
from kgmem.storage.filters import ElementFilter
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
    records = await conn.fetch(
        f"SELECT x.id, x.embedding <=> $1 AS d FROM {vector_table(ns, 'vertex')} x "
        f"JOIN {table(ns.name, '_kg_vertex')} v ON v.id = x.id "
        "WHERE ($2::text[] IS NULL OR v.label = ANY($2::text[])) "
        "AND ($3::text[] IS NULL OR v.label <> ALL($3::text[])) "
        "ORDER BY x.embedding <=> $1 LIMIT $4",
        Vector(list(query)),
        *where.label_args(),
        limit,
    )
    return [(r["id"], 1.0 - float(r["d"])) for r in records]


async def nearest_facts(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    query: Sequence[float],
    *,
    limit: int,
    where: VectorFilter,
) -> list[tuple[int, float]]:
    """(graph id, cosine similarity) of the ``limit`` nearest facts, best first."""
    if where.predicates is None:
        sql = (
            f"SELECT x.id, x.embedding <=> $1 AS d FROM {vector_table(ns, 'fact')} x "
            "ORDER BY x.embedding <=> $1 LIMIT $2"
        )
        records = await conn.fetch(sql, Vector(list(query)), limit)
    else:
        sql = (
            f"SELECT x.id, x.embedding <=> $1 AS d FROM {vector_table(ns, 'fact')} x "
            f"JOIN {table(ns.name, '_kg_fact')} f ON f.id = x.id "
            "WHERE f.predicate = ANY($3::text[]) ORDER BY x.embedding <=> $1 LIMIT $2"
        )
        records = await conn.fetch(sql, Vector(list(query)), limit, list(where.predicates))
    return [(r["id"], 1.0 - float(r["d"])) for r in records]


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
    return [r["id"] for r in records]
