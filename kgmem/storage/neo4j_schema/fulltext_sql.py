"""Full-text indexes in PostgreSQL: a GIN expression index per label table, and the
SQL that finds and scores their documents.

Each table of the index's labels (the label's own table and every composite label
table inheriting from it) gets
``CREATE INDEX kgd_<hash>_ft ON t USING gin (kgmem_neo4j.fulltext_document(properties,
ARRAY['p', 'q'], '<config>'::regconfig))`` (migration ``0030_neo4j_fulltext``), with a
JSON comment naming the declared index, so that a query finds its tables (and the
declaration) in PostgreSQL's catalogue alone, readable by the namespace's reader role,
and ``pg_dump -n`` carries both. A query repeats the indexed expression exactly, so
the planner answers ``@@`` from the index.

Scores are BM25 as Lucene computes it (k1 1.2, b 0.75, no (k1 + 1) factor, idf
``ln(1 + (N - df + 0.5) / (df + 0.5))``) over one document per element: its indexed
properties together (Lucene scores each property as a field of its own).
- exact: ``tf`` (positions of the lexeme in the document, in the weights asked for),
  the document length (its number of distinct lexemes, as kgmem's own keyword index
  counts it: read from the tsvector's header, where the number of tokens would cost an
  unnest per document; Lucene counts tokens), ``df`` (documents matching the lexeme,
  counted through the index);
- estimated: ``N`` and the average document length, from a page sample of the tables
  (``statistics_sql``; the caller decides how large and how long to keep it:
  ``kgmem.neo4j_schema.fulltext.Statistics``).
Candidates are the first ``CANDIDATES`` matching rows in table order, then scored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from asyncpg import Connection

from kgmem.storage.neo4j_schema import names
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import ident, literal, table

CANDIDATES: Final = 10_000
K1: Final = 1.2
B: Final = 0.75
COMMENT_KEY: Final = "kgmem_fulltext"


def pg_name(index_name: str, table_name: str) -> str:
    """The PostgreSQL name of ``index_name``'s GIN index on ``table_name``."""
    return names.pg_name(index_name, table_name, "ft")


def document_sql(properties: Sequence[str], config: str) -> str:
    """The indexed expression, as the index and every query must write it."""
    keys = ", ".join(literal(p) for p in properties)
    return (
        f"kgmem_neo4j.fulltext_document(properties, ARRAY[{keys}]::text[], "
        f"{literal(config)}::regconfig)"
    )


async def create(
    conn: Connection, ns: NamespaceRef, description: Mapping[str, Any], tables: Sequence[str]
) -> None:
    """The GIN index of the full-text index ``description`` (its name, properties and
    text search configuration, kept as the index's comment) on each of ``tables``."""
    for name in tables:
        await _create_on(conn, ns, description, name)


async def _create_on(
    conn: Connection, ns: NamespaceRef, description: Mapping[str, Any], name: str
) -> None:
    _index, create_sql, comment_sql = statements(ns, description, name)
    await conn.execute(create_sql)
    await conn.execute(comment_sql)


def statements(ns: NamespaceRef, description: Mapping[str, Any], name: str) -> tuple[str, str, str]:
    """The GIN index's name on table ``name``, its ``CREATE INDEX IF NOT EXISTS`` and
    the ``COMMENT`` that makes queries find it."""
    index = pg_name(description["name"], name)
    document = document_sql(description["properties"], description["config"])
    create_sql = (
        f"CREATE INDEX IF NOT EXISTS {ident(index)} ON {table(ns.name, name)} "
        f"USING gin ({document})"
    )
    comment = json.dumps({COMMENT_KEY: description["name"], **description})
    return index, create_sql, f"COMMENT ON INDEX {table(ns.name, index)} IS {literal(comment)}"


async def drop(conn: Connection, ns: NamespaceRef, name: str) -> None:
    """Every GIN index of the full-text index ``name`` in the namespace."""
    rows = await conn.fetch(FIND, ns.name, name)
    for row in rows:
        await conn.execute(f"DROP INDEX IF EXISTS {table(ns.name, row['index_name'])}")


FIND: Final = f"""
SELECT x.relname AS index_name, t.relname AS table_name, d.description,
       pg_catalog.pg_relation_size(t.oid)::float8
         / pg_catalog.current_setting('block_size')::float8 AS pages
FROM ag_catalog.ag_graph g
JOIN ag_catalog.ag_label l ON l.graph = g.graphid
JOIN pg_catalog.pg_index i ON i.indrelid = l.relation
JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
JOIN pg_catalog.pg_description d
  ON d.objoid = x.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
WHERE g.name = $1 AND x.relname LIKE 'kgd\\_%\\_ft'
  AND d.description LIKE '{{"{COMMENT_KEY}": %'
  AND d.description::jsonb ->> '{COMMENT_KEY}' = $2
ORDER BY t.relname
"""
"""The tables of the full-text index named $2 in the namespace $1, with its
description (JSON) and size in pages: what a query needs to know."""


def statistics_sql(properties: Sequence[str], config: str, tables: Sequence[str]) -> str:
    """The documents (non-empty) and their total length in a page sample of ``tables``
    ($1: the percentage of pages read; 100 reads every row), for N and the average
    document length."""
    doc = document_sql(properties, config)
    each = "\n  UNION ALL ".join(
        f"SELECT length({doc}) AS len "
        f"FROM ONLY {{schema}}.{ident(t)} TABLESAMPLE SYSTEM ($1::float4)"
        for t in tables
    )
    return (
        "SELECT count(*) FILTER (WHERE len > 0)::float8, coalesce(sum(len), 0)::float8 "
        f"FROM (\n  {each}) AS sampled"
    )


def query_sql(properties: Sequence[str], config: str, tables: Sequence[str]) -> str:
    """The statement that finds, scores and orders the documents of the full-text index
    on ``properties`` (text search ``config``) held in ``tables`` (each read ``ONLY``:
    every element lives in exactly one table). ``{schema}`` stands for the namespace's
    schema. Parameters: $1 the tsquery text, $2 the query's text search configuration,
    $3/$4/$5 the scored words, their weights and boosts, $6/$7 the constant-scored
    tsquery texts and boosts, $8 N and $9 the average document length, $10 skip, $11
    limit."""
    doc = document_sql(properties, config)
    froms = [f"ONLY {{schema}}.{ident(t)}" for t in tables]

    def each(select: str, where: str) -> str:
        return "\n    UNION ALL ".join(f"SELECT {select} FROM {f} {where}" for f in froms)

    return f"""
WITH sample AS (SELECT $8::float8 AS n, $9::float8 AS avgdl),
wanted AS MATERIALIZED (
  SELECT CASE WHEN querytree(q) = 'T' THEN ''::tsquery ELSE q END AS q
  FROM (SELECT to_tsquery($2::text::regconfig, $1) AS q) AS given
),
candidates AS MATERIALIZED (
  SELECT id, doc, length(doc) AS len FROM (
    {each(f"id, {doc} AS doc", f"WHERE {doc} @@ (SELECT q FROM wanted)")}
    LIMIT {CANDIDATES}) AS found
),
terms AS (
  SELECT t.lexeme, w.weights, sum(w.boost) AS boost,
         kgmem_neo4j.fulltext_lexeme(t.lexeme, w.weights) AS q
  FROM unnest($3::text[], $4::text[], $5::float8[]) AS w(words, weights, boost),
       LATERAL unnest(to_tsvector($2::text::regconfig, w.words)) AS t
  GROUP BY t.lexeme, w.weights
),
idf AS (
  SELECT terms.lexeme, terms.weights, terms.boost,
         ln(1 + (greatest(sample.n, f.df) - f.df + 0.5) / (f.df + 0.5)) AS idf
  FROM terms CROSS JOIN sample,
       LATERAL (SELECT count(*) AS df FROM (
         {each("1", f"WHERE {doc} @@ terms.q")}) AS matched) AS f
),
bm25 AS (
  -- unnest in the select list: a ProjectSet, with no tuplestore per document
  SELECT v.id, sum(idf.boost * idf.idf * tf.n
                   / (tf.n + {K1} * (1 - {B} + {B} * v.len / sample.avgdl))) AS score
  FROM (SELECT c.id, c.len, (unnest(c.doc)).* FROM candidates AS c) AS v
       JOIN idf ON idf.lexeme = v.lexeme
       CROSS JOIN sample,
       LATERAL (SELECT CASE WHEN idf.weights = 'ABCD' THEN cardinality(v.positions)
                 ELSE (SELECT count(*) FROM unnest(v.weights) AS w
                       WHERE strpos(idf.weights, w) > 0) END AS n) AS tf
  WHERE tf.n > 0
  GROUP BY v.id
),
constant AS (
  SELECT c.id, sum(k.boost) AS score
  FROM candidates AS c,
       unnest($6::text[], $7::float8[]) AS k(q, boost)
  WHERE c.doc @@ to_tsquery($2::text::regconfig, k.q)
  GROUP BY c.id
)
SELECT c.id::text::bigint AS id,
       (coalesce(bm25.score, 0) + coalesce(constant.score, 0))::float8 AS score
FROM candidates AS c
LEFT JOIN bm25 ON bm25.id = c.id
LEFT JOIN constant ON constant.id = c.id
ORDER BY score DESC, id
OFFSET $10 LIMIT $11
"""
