"""Keyword search over the indexed text of vertices and facts.

With pg_textsearch installed this is BM25 (``text <@> to_bm25query(query, index)``,
which yields the negated BM25 score, so ascending order is best first). Without it,
PostgreSQL full-text ranking: ``ts_rank_cd`` over an OR of the query's lexemes, using
the GIN index migration 0001 creates instead. ``/health`` reports which one is in use.
Scores are returned positive (higher is better) in both cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import asyncpg

from kgmem.storage.candidates import FACT_COLUMNS, VERTEX_COLUMNS, FactInfo, VertexInfo, side_row
from kgmem.storage.filters import ElementFilter
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

Backend = Literal["bm25", "fulltext"]


async def search_vertices(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    text: str,
    *,
    backend: Backend,
    limit: int,
    where: ElementFilter,
) -> list[tuple[int, float]]:
    """(graph id, score) of the best-matching vertices, best first."""
    clause = (
        "($3::text[] IS NULL OR v.label = ANY($3::text[])) "
        "AND ($4::text[] IS NULL OR v.label <> ALL($4::text[]))"
    )
    side = table(ns.name, "_kg_vertex")
    sql = _query(backend, side, "v", clause, f"{ns.name}._kg_vertex_text")
    records = await conn.fetch(sql, text, limit, *where.label_args())
    return [(r["id"], float(r["score"])) for r in records if r["score"] > 0]


async def search_facts(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    text: str,
    *,
    backend: Backend,
    limit: int,
    predicates: Sequence[str] | None = None,
) -> list[tuple[int, float]]:
    """(graph id, score) of the best-matching facts, best first."""
    where = "($3::text[] IS NULL OR v.predicate = ANY($3::text[]))"
    side = table(ns.name, "_kg_fact")
    sql = _query(backend, side, "v", where, f"{ns.name}._kg_fact_text")
    records = await conn.fetch(
        sql, text, limit, list(predicates) if predicates is not None else None
    )
    return [(r["id"], float(r["score"])) for r in records if r["score"] > 0]


def _query(
    backend: Backend, side: str, alias: str, where: str, index: str, columns: str | None = None
) -> str:
    """The best matches of ``side`` (table alias ``alias``) meeting ``where``, with a
    positive ``score``; ``columns`` (default: the id) are what each row selects."""
    columns = columns or f"{alias}.id"
    if backend == "bm25":
        # Rows without a matching term score 0 and are dropped by the caller.
        rank = f"{alias}.text <@> to_bm25query($1, '{_index_literal(index)}')"
        return (
            f"SELECT {columns}, -({rank}) AS score FROM {side} {alias} "
            f"WHERE {where} ORDER BY {rank} LIMIT $2"
        )
    vector = f"to_tsvector('english', coalesce({alias}.text, ''))"
    query = (
        "(SELECT coalesce(to_tsquery('english', string_agg(quote_literal(w), ' | ')), "
        "''::tsquery) AS q FROM unnest(tsvector_to_array(to_tsvector('simple', $1))) AS w)"
    )
    return (
        f"SELECT {columns}, ts_rank_cd({vector}, qq.q) AS score FROM {side} {alias}, "
        f"{query} AS qq WHERE {vector} @@ qq.q AND {where} ORDER BY score DESC, {alias}.id "
        "LIMIT $2"
    )


def _index_literal(index: str) -> str:
    # Namespace names are validated identifiers ([a-z][a-z0-9_]*), so this is plain text.
    return index.replace("'", "''")


async def search_with_rows(  # noqa: PLR0913 - keyword-only parts of one statement
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    text: str,
    *,
    backend: Backend,
    limit: int,
    vertices: ElementFilter | None,
    facts: ElementFilter | None,
) -> tuple[list[tuple[VertexInfo, float]], list[tuple[FactInfo, float]]]:
    """``search_vertices`` (unless ``vertices`` is None) and ``search_facts`` (unless
    ``facts`` is None) in ONE statement, each match with its side row (the text is a
    column of the side table, so no join): (side row, score) per kind, best first."""
    args: list[object] = [text, limit]
    parts: list[str] = []

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if vertices is not None:
        labels, excluded = vertices.label_args()
        clause = (
            f"({arg(labels)}::text[] IS NULL OR s.label = ANY(${len(args)}::text[])) "
            f"AND ({arg(excluded)}::text[] IS NULL OR s.label <> ALL(${len(args)}::text[]))"
        )
        side = table(ns.name, "_kg_vertex")
        parts.append(
            _query(backend, side, "s", clause, f"{ns.name}._kg_vertex_text", VERTEX_COLUMNS)
        )
    if facts is not None:
        predicates = facts.predicate_arg()
        clause = f"({arg(predicates)}::text[] IS NULL OR s.predicate = ANY(${len(args)}::text[]))"
        side = table(ns.name, "_kg_fact")
        parts.append(_query(backend, side, "s", clause, f"{ns.name}._kg_fact_text", FACT_COLUMNS))
    found_v: list[tuple[VertexInfo, float]] = []
    found_f: list[tuple[FactInfo, float]] = []
    if not parts:
        return found_v, found_f
    sql = " UNION ALL ".join(f"SELECT * FROM ({part}) k{i}" for i, part in enumerate(parts))
    for record in await conn.fetch(sql, *args):
        score = float(record["score"])
        if score <= 0:
            continue
        row = side_row(record)
        if isinstance(row, VertexInfo):
            found_v.append((row, score))
        else:
            found_f.append((row, score))
    found_v.sort(key=lambda pair: -pair[1])
    found_f.sort(key=lambda pair: -pair[1])
    return found_v, found_f
