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
from kgmem.storage.driver_errors import index_swap
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
    return [(id_, float(score)) for id_, score in records if score > 0]


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
    return [(id_, float(score)) for id_, score in records if score > 0]


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


# The BM25 score of each row as the index scan computed it (pg_textsearch caches it
# for ``bm25_get_current_score()``): computing ``text <@> query`` again in the select
# list re-scores every returned row, about 20 us each, most of a probe's cost. The
# cache is only right while the rows come from the BM25 index scan; a plan that sorts
# instead (a small table) leaves one stale value for the whole part. So each part
# also scores its first and last row exactly: if both agree, every row between them
# (ordered by the same score) is right; if not, the caller runs the exact statement.
# The scores then differ from the operator's only past float4 precision (1e-7).

# Both side-row shapes (candidates.VERTEX_COLUMNS, FACT_COLUMNS) name these columns.
_ROW = (
    "kind, id, uid, label, occurred_at, updated_at, lat, lon, subject_id, object_id, "
    "valid_from, valid_to, recorded_at, expired_at"
)


def _with_scan_scores(side: str, where: str, index: str, columns: str) -> str:
    """The bm25 ``_query`` of ``side`` (alias ``s``) selecting the scan's cached score,
    and ``exact``, the score computed again, on its first and last row (else NULL)."""
    index = _index_literal(index)
    return (
        f"SELECT {_ROW}, score, CASE WHEN n = 1 OR n = total THEN "
        f"-(kgmem_text <@> to_bm25query($1, '{index}')) END AS exact "
        "FROM (SELECT c.*, row_number() OVER () AS n, count(*) OVER () AS total FROM "
        f"(SELECT {columns}, s.text AS kgmem_text, -bm25_get_current_score() AS score "
        f"FROM {side} s WHERE {where} "
        f"ORDER BY s.text <@> to_bm25query($1, '{index}') LIMIT $2) c) k"
    )


def _scan_scores_hold(records: Sequence[asyncpg.Record]) -> bool:
    """Whether the cached score of every checked row is its exact score (the cache
    holds float4, the operator float8)."""
    return all(
        abs(r["score"] - r["exact"]) <= 1e-5 * max(1.0, abs(r["exact"]))
        for r in records
        if r["exact"] is not None
    )


async def _fetch(
    conn: asyncpg.Connection, parts: list[str], cached: list[str], args: list[object]
) -> list[asyncpg.Record]:
    """The rows of ``parts`` in one statement; with ``cached`` (the same parts reading
    the scan's scores) that one first, and ``parts`` only if its check fails."""
    if cached:
        records: list[asyncpg.Record] = await conn.fetch(" UNION ALL ".join(cached), *args)
        if _scan_scores_hold(records):
            return records
    sql = " UNION ALL ".join(f"SELECT * FROM ({part}) k{i}" for i, part in enumerate(parts))
    exact: list[asyncpg.Record] = await conn.fetch(sql, *args)
    return exact


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
    cached: list[str] = []  # the same parts with the scan's scores (bm25)

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
        index = f"{ns.name}._kg_vertex_text"
        parts.append(_query(backend, side, "s", clause, index, VERTEX_COLUMNS))
        cached.append(_with_scan_scores(side, clause, index, VERTEX_COLUMNS))
    if facts is not None:
        predicates = facts.predicate_arg()
        clause = f"({arg(predicates)}::text[] IS NULL OR s.predicate = ANY(${len(args)}::text[]))"
        side = table(ns.name, "_kg_fact")
        index = f"{ns.name}._kg_fact_text"
        parts.append(_query(backend, side, "s", clause, index, FACT_COLUMNS))
        cached.append(_with_scan_scores(side, clause, index, FACT_COLUMNS))
    found_v: list[tuple[VertexInfo, float]] = []
    found_f: list[tuple[FactInfo, float]] = []
    if not parts:
        return found_v, found_f
    try:
        records = await _fetch(conn, parts, cached if backend == "bm25" else [], args)
    except asyncpg.PostgresError as exc:
        # A BM25 index swapped under the statement by a rebuild (``driver_errors.
        # index_swap``): run once more, the statement finds the rebuilt index.
        if not index_swap(exc):
            raise
        records = await _fetch(conn, parts, cached if backend == "bm25" else [], args)
    # A side row (built by position) followed by its score, read by name: its position
    # differs between the vertex and the fact rows.
    for record in records:
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
