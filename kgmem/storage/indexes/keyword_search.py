"""Keyword search: BM25 over the text of vertices and facts, scored by kgmem.

Each side table (``_kg_vertex``, ``_kg_fact``) keeps its text's lexemes in ``tsv`` (a
generated column under the namespace's text search configuration) with a GIN index,
and ``_kg_text_stats`` keeps the corpus figures BM25 needs, exact in every snapshot
(migration ``0018_keyword_index``). All of it is ordinary WAL-logged PostgreSQL data:
it survives restarts and crashes, comes back with a restore and is there on replicas.

A search is one statement per call, both kinds at once. Per kind: the query's lexemes
under the namespace's configuration; each one's document frequency and the corpus
size and average length from the statistics; the rows holding the rarest lexemes
(at most ``candidates`` of them, so a query of very common words never scores the
whole namespace); then each such row's BM25 score from its own term frequencies and
length, best first::

    score = sum over query lexemes t in the row of
            idf(t) * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average length))
    idf(t) = ln(1 + (documents - df(t) + 0.5) / (df(t) + 0.5))

A term's tf counts a text's own words twice and its context once (an episode's
previous turns: ``kgmem.text_vector``, migration ``0043_keyword_own_words``), as BM25F
weighs two fields. A document's length is its number of distinct lexemes (read from the
tsvector's header; on LoCoMo it ranked a little better than the count of tokens, and
scoring reads only the query's own lexemes of each row). A row is found only if it
holds one of the lexemes probed: every lexeme while the documents holding them number
at most ``candidates`` (then the ranking is exact); else, up to that budget in all, the
rows holding all of the query's lexemes, then those holding two of them, then those
holding the rarest ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from kgmem.storage.filters import ElementFilter
from kgmem.storage.indexes.candidates import (
    FACT_COLUMNS,
    VERTEX_COLUMNS,
    FactInfo,
    VertexInfo,
    side_row,
)
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

K1 = 1.2
B = 0.75
OWN_WORDS = 2
"""How many times ``kgmem.text_vector`` counts each word of a text's own part (the whole
text when it has no context): a tf is twice that word's count in it plus its count in
the context."""
CANDIDATES = 1000
"""Most rows one kind's search scores by default (``KGMEM_DATABASE_KEYWORD_CANDIDATES``)."""

# The query's lexemes under the namespace's configuration ($1 the text, $3 the name).
_TERMS = (
    "terms AS (SELECT DISTINCT u.lexeme FROM unnest(to_tsvector(coalesce("
    "(SELECT n.config->>'text_config' FROM kgmem.namespace n WHERE n.name = $3), "
    "'english')::regconfig, $1)) u)"
)


def _candidate(kind: str, side: str, where: str, probe: str) -> str:
    """A candidate row of ``side`` matching ``kind``'s probe query ``probe``: its id,
    length and the query's lexemes it holds (then a LIMIT may follow)."""
    return (
        "s.id, length(s.tsv) AS len, "
        f"ts_filter(setweight(s.tsv, 'A', (SELECT array_agg(w.lexeme) FROM {kind}_w w)), "
        f"'{{a}}') AS tsv FROM {side} s "
        f"WHERE s.tsv @@ (SELECT p.{probe} FROM {kind}_p p) AND {where}"
    )


def kind_ctes(
    kind: str,
    side: str,
    stats: str,
    where: str,
    candidates: int = CANDIDATES,
    bm25: tuple[float, float] = (K1, B),
) -> str:
    """The CTEs of one kind (``kind`` 'v' or 'f') of ``side`` (alias ``s`` in
    ``where``): its corpus ``{kind}_c``, weighted lexemes ``{kind}_w``, probes
    ``{kind}_p``, at most ``candidates`` candidates ``{kind}_h`` and their ids with
    scores ``{kind}_s`` (BM25 with ``bm25`` = (k1, b))."""
    k, budget = kind, int(candidates)
    k1, b = float(bm25[0]), float(bm25[1])
    return (
        f"{k}_c AS (SELECT coalesce(sum(x.docs), 0)::float8 AS n, "
        f"coalesce(sum(x.tokens), 0)::float8 / greatest(coalesce(sum(x.docs), 0), 1) AS avgdl "
        f"FROM {stats} x WHERE x.kind = '{k}' AND x.lexeme IS NULL), "
        f"{k}_w AS (SELECT t.lexeme, d.df, ln(1 + (c.n - d.df + 0.5) / (d.df + 0.5)) AS idf "
        f"FROM terms t CROSS JOIN {k}_c c CROSS JOIN LATERAL (SELECT sum(x.docs)::float8 AS df "
        f"FROM {stats} x WHERE x.kind = '{k}' AND x.lexeme = t.lexeme) d WHERE d.df > 0), "
        # The probes: rows holding every query lexeme, then two of them (among the
        # rarest eight; only for three lexemes or more, else the same rows), then any of
        # the rarest up to the budget; the first two only when the query's lexemes are
        # in more rows than the budget.
        f"{k}_p AS (SELECT kgmem.any_lexeme(array_agg(r.lexeme) FILTER "
        f"(WHERE r.rarer < {budget})) AS q, kgmem.all_lexemes(array_agg(r.lexeme)) AS qa, "
        "kgmem.lexeme_pairs(array_agg(r.lexeme) FILTER (WHERE r.rank <= 8)) AS q2, "
        f"count(*) > 1 AND sum(r.df) > {budget} AS over, "
        f"count(*) > 2 AND sum(r.df) > {budget} AS over2 FROM "
        f"(SELECT w.lexeme, w.df, sum(w.df) OVER (ORDER BY w.df, w.lexeme) - w.df AS rarer, "
        f"row_number() OVER (ORDER BY w.df, w.lexeme) AS rank FROM {k}_w w) r), "
        # The candidates (at most the budget, in the probes' order), each with its length
        # and only the query's lexemes of its own (weight A marks them, then only those
        # are kept: no scan of the whole tsvector).
        f"{k}_h AS MATERIALIZED (SELECT DISTINCT ON (x.id) x.* FROM (SELECT * FROM ("
        f"(SELECT {_candidate(k, side, where, 'qa')} AND (SELECT p.over FROM {k}_p p)) "
        f"UNION ALL (SELECT {_candidate(k, side, where, 'q2')} "
        f"AND (SELECT p.over2 FROM {k}_p p)) "
        f"UNION ALL (SELECT {_candidate(k, side, where, 'q')})) y "
        f"LIMIT {budget}) x ORDER BY x.id), "
        # Scored all at once: a row per candidate and query lexeme it holds (unnest in
        # the select list: cheaper per row than a lateral function scan).
        f"{k}_s AS (SELECT x.id, sum(w.idf * x.tf * {k1 + 1!r} / (x.tf + {k1!r} * "
        f"({1 - b!r} + {b!r} * x.len / greatest(c.avgdl, 1e-9)))) AS score "
        "FROM (SELECT y.id, y.len, (y.u).lexeme, greatest(cardinality((y.u).positions), 1) AS tf "
        f"FROM (SELECT h.id, h.len, unnest(h.tsv) AS u FROM {k}_h h) y) x "
        f"JOIN {k}_w w ON w.lexeme = x.lexeme CROSS JOIN {k}_c c GROUP BY x.id)"
    )


def _best(kind: str, side: str, columns: str, limit: str) -> str:
    """The best ``limit`` scored rows of ``kind``: side row (``columns`` of ``side``,
    read by id for those rows only), then ``kgmem_score``."""
    return (
        f"(SELECT {columns}, t.score AS kgmem_score FROM (SELECT x.id, x.score FROM {kind}_s x "
        f"WHERE x.score > 0 ORDER BY x.score DESC, x.id LIMIT {limit}) t "
        f"JOIN {side} s ON s.id = t.id ORDER BY t.score DESC, t.id)"
    )


async def search_with_rows(  # noqa: PLR0913 - keyword-only parts of one statement
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    text: str,
    *,
    limit: int,
    vertices: ElementFilter | None,
    facts: ElementFilter | None,
    candidates: int = CANDIDATES,
    bm25: tuple[float, float] = (K1, B),
) -> tuple[list[tuple[VertexInfo, float]], list[tuple[FactInfo, float]]]:
    """The best ``limit`` keyword matches among vertices (unless ``vertices`` is None)
    and among facts (unless ``facts`` is None), in ONE statement, each with its side
    row and BM25 score (``bm25`` = (k1, b)): (side row, score) per kind, best first; at
    most ``candidates`` rows scored per kind."""
    args: list[object] = [text, limit, ns.name]
    ctes: list[str] = [_TERMS]
    parts: list[str] = []
    stats = table(ns.name, "_kg_text_stats")

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
        ctes.append(kind_ctes("v", side, stats, clause, candidates, bm25))
        parts.append(_best("v", side, VERTEX_COLUMNS, "$2"))
    if facts is not None:
        predicates = facts.predicate_arg()
        clause = f"({arg(predicates)}::text[] IS NULL OR s.predicate = ANY(${len(args)}::text[]))"
        side = table(ns.name, "_kg_fact")
        ctes.append(kind_ctes("f", side, stats, clause, candidates, bm25))
        parts.append(_best("f", side, FACT_COLUMNS, "$2"))
    if not parts:
        return [], []
    sql = f"WITH {', '.join(ctes)} " + " UNION ALL ".join(parts)
    records = await conn.fetch(sql, *args)
    found_v: list[tuple[VertexInfo, float]] = []
    found_f: list[tuple[FactInfo, float]] = []
    for record in records:
        row = side_row(record)
        score = float(record["kgmem_score"])
        if isinstance(row, VertexInfo):
            found_v.append((row, score))
        else:
            found_f.append((row, score))
    return found_v, found_f


async def search_vertices(
    conn: asyncpg.Connection, ns: NamespaceRef, text: str, *, limit: int, where: ElementFilter
) -> list[tuple[int, float]]:
    """(graph id, score) of the best-matching vertices, best first."""
    found, _ = await search_with_rows(conn, ns, text, limit=limit, vertices=where, facts=None)
    return [(row.id, score) for row, score in found]


async def search_facts(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    text: str,
    *,
    limit: int,
    predicates: Sequence[str] | None = None,
) -> list[tuple[int, float]]:
    """(graph id, score) of the best-matching facts, best first."""
    where = ElementFilter(predicates=predicates)
    _, found = await search_with_rows(conn, ns, text, limit=limit, vertices=None, facts=where)
    return [(row.id, score) for row, score in found]
