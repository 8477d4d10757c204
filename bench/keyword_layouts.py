"""The keyword index designs ``bench keyword-designs`` compares, each in its own schema
of one database, on a plain table of ``(id bigint, text text)`` rows:

- ``pg_textsearch``: what kgmem ran before migration 0018, pg_textsearch 1.0's
  ``bm25`` index under ``english``, with the statement-level advisory lock every
  writer took (migration 0900), queried with ``ORDER BY text <@> to_bm25query(...)``.
  The score of each returned row is computed again by the operator; kgmem's probe read
  the scan's cached one instead, a little less work per row.
- ``gin-stats`` (design A, shipped): ``kgmem.add_text_index`` itself lays out the
  generated ``tsv`` column, its GIN index, ``_kg_text_stats`` and the statement
  triggers (the table is named ``_kg_vertex``, the function's name for it), and the
  query is kgmem's own (``keyword_search.kind_ctes``).
- ``postings`` (design B): an inverted index kgmem keeps in a table, one row per
  (lexeme, document) with its term frequency, the document's length and an impact
  (the term's BM25 weight without idf, under the average length when written); a
  B-tree on (lexeme, impact DESC, id) holding tf and length serves each lexeme's best
  ``top_m`` postings from the index alone. The same statistics table as design A, kept
  by one statement trigger. A query sums BM25 per document over each query lexeme's
  ``top_m`` postings: exact while no query lexeme is in more than ``top_m`` documents,
  and never more than ``top_m`` postings a lexeme read. Only inserts are maintained:
  deleting a document's postings would need a second B-tree, on id.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgmem.storage.indexes.keyword_search import K1, B, kind_ctes

DESIGNS = ("pg_textsearch", "gin-stats", "postings")


@dataclass(frozen=True)
class Design:
    """One design's SQL: ``setup`` makes its empty tables, ``build`` indexes the rows
    loaded into ``table`` (and installs what keeps the index up to date), ``query``
    takes the text ($1), the limit ($2) and ``extra`` and returns (id, score)."""

    name: str
    schema: str
    table: str
    setup: str
    build: str
    query: str
    extra: tuple[object, ...]
    # The design's own relations: its keyword index(es) and side tables.
    keyword: tuple[str, ...]
    # A column the design adds to the rows' table, whose bytes count towards its size.
    column: str | None = None


_TERMS = "terms AS (SELECT DISTINCT u.lexeme FROM unnest(to_tsvector('english'::regconfig, $1)) u)"
_STATS = """
CREATE TABLE {s}._kg_text_stats (
  kind   "char" NOT NULL CHECK (kind IN ('v', 'f')),
  lexeme text,
  docs   bigint NOT NULL,
  tokens bigint NOT NULL DEFAULT 0
);
CREATE INDEX _kg_text_stats_key ON {s}._kg_text_stats (kind, lexeme);
"""


def textsearch() -> Design:
    s = "kw_textsearch"
    return Design(
        name="pg_textsearch",
        schema=s,
        table=f"{s}.docs",
        setup=f"""
CREATE EXTENSION IF NOT EXISTS pg_textsearch;
CREATE TABLE {s}.docs (id bigint PRIMARY KEY, text text NOT NULL);
CREATE FUNCTION {s}.lock_text_index() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('kgmem.text_index'), hashtext(TG_TABLE_SCHEMA));
  RETURN NULL;
END $fn$;
""",
        build=f"""
CREATE INDEX docs_text ON {s}.docs USING bm25 (text) WITH (text_config = 'english');
CREATE TRIGGER _kg_lock_text_index BEFORE INSERT OR UPDATE ON {s}.docs
FOR EACH STATEMENT EXECUTE FUNCTION {s}.lock_text_index();
""",
        query=(
            f"SELECT id, -(text <@> to_bm25query($1, '{s}.docs_text')) AS score FROM {s}.docs "
            f"ORDER BY text <@> to_bm25query($1, '{s}.docs_text') LIMIT $2"
        ),
        extra=(),
        keyword=("docs_text",),
    )


def gin_stats() -> Design:
    s = "kw_gin"
    ctes = kind_ctes("v", f"{s}._kg_vertex", f"{s}._kg_text_stats", "true")
    return Design(
        name="gin-stats",
        schema=s,
        table=f"{s}._kg_vertex",
        setup=f"""
CREATE TABLE {s}._kg_vertex (id bigint PRIMARY KEY, text text NOT NULL);
CREATE TABLE {s}._kg_fact (id bigint PRIMARY KEY, text text NOT NULL);
""",
        build=f"SELECT kgmem.add_text_index('{s}', 'english')",
        # keyword_search._best's order, on the plain table's id.
        query=(
            f"WITH {_TERMS}, {ctes} SELECT s.id, s.score FROM v_s s WHERE s.score > 0 "
            "ORDER BY s.score DESC, s.id LIMIT $2"
        ),
        extra=(),
        keyword=("_kg_vertex_text", "_kg_text_stats", "_kg_text_stats_key"),
        column="tsv",
    )


def _bm25_weight(tf: str, length: str, avgdl: str) -> str:
    return f"{tf} * {K1 + 1} / ({tf} + {K1} * ({1 - B} + {B} * {length} / greatest({avgdl}, 1e-9)))"


def _index_rows(s: str, source: str) -> str:
    """The statement adding the postings and statistics deltas of the rows of
    ``source`` (an ``(id, text)`` relation); impacts use the average length with them."""
    impact = _bm25_weight("greatest(cardinality(u.positions), 1)", "d.len", "c.avgdl")
    return f"""
WITH d AS MATERIALIZED (
  SELECT v.id, v.tsv, kgmem.text_length(v.tsv) AS len
  FROM (SELECT r.id, kgmem.text_vector('english', r.text) AS tsv FROM {source} r) v
  WHERE length(v.tsv) > 0
), c AS (
  SELECT (coalesce(sum(x.tokens), 0) + (SELECT coalesce(sum(d.len), 0) FROM d))::float8
         / greatest(coalesce(sum(x.docs), 0) + (SELECT count(*) FROM d), 1) AS avgdl
  FROM {s}._kg_text_stats x WHERE x.kind = 'v' AND x.lexeme IS NULL
), stats AS (
  INSERT INTO {s}._kg_text_stats (kind, lexeme, docs, tokens)
  SELECT 'v', NULL, count(*), sum(d.len) FROM d HAVING count(*) > 0
  UNION ALL
  SELECT 'v', u.lexeme, count(*), 0 FROM d, unnest(d.tsv) u GROUP BY u.lexeme
)
INSERT INTO {s}.postings (lexeme, id, tf, doclen, impact)
SELECT u.lexeme, d.id, greatest(cardinality(u.positions), 1), d.len, {impact}
FROM d CROSS JOIN c, unnest(d.tsv) u"""


def postings(top_m: int) -> Design:
    s = "kw_postings"
    weight = _bm25_weight("p.tf", "p.doclen", "c.avgdl")
    query = f"""WITH {_TERMS},
c AS (SELECT coalesce(sum(x.docs), 0)::float8 AS n,
      coalesce(sum(x.tokens), 0)::float8 / greatest(coalesce(sum(x.docs), 0), 1) AS avgdl
      FROM {s}._kg_text_stats x WHERE x.kind = 'v' AND x.lexeme IS NULL),
w AS (SELECT t.lexeme, ln(1 + (c.n - d.df + 0.5) / (d.df + 0.5)) AS idf
      FROM terms t CROSS JOIN c CROSS JOIN LATERAL (SELECT sum(x.docs)::float8 AS df
      FROM {s}._kg_text_stats x WHERE x.kind = 'v' AND x.lexeme = t.lexeme) d WHERE d.df > 0),
p AS (SELECT p.id, w.idf * {weight} AS part FROM w CROSS JOIN c CROSS JOIN LATERAL
      (SELECT q.id, q.tf, q.doclen FROM {s}.postings q WHERE q.lexeme = w.lexeme
       ORDER BY q.impact DESC, q.id LIMIT $3) p)
SELECT p.id, sum(p.part) AS score FROM p GROUP BY p.id ORDER BY score DESC, p.id LIMIT $2"""
    return Design(
        name="postings",
        schema=s,
        table=f"{s}.docs",
        setup=f"""
CREATE TABLE {s}.docs (id bigint PRIMARY KEY, text text NOT NULL);
CREATE TABLE {s}.postings (
  lexeme text NOT NULL, id bigint NOT NULL, tf int NOT NULL, doclen int NOT NULL,
  impact real NOT NULL
);
{_STATS.format(s=s)}
CREATE FUNCTION {s}.postings_added() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
{_index_rows(s, "added")};
  RETURN NULL;
END $fn$;
""",
        build=f"""
{_index_rows(s, f"{s}.docs")};
CREATE INDEX postings_top ON {s}.postings (lexeme, impact DESC, id) INCLUDE (tf, doclen);
CREATE TRIGGER postings_added AFTER INSERT ON {s}.docs REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION {s}.postings_added();
""",
        query=query,
        extra=(top_m,),
        keyword=("postings", "postings_top", "_kg_text_stats", "_kg_text_stats_key"),
    )


def designs(names: list[str], *, top_m: int) -> list[Design]:
    """The designs named (``DESIGNS``), in that order; ``top_m`` is the postings
    design's budget of postings read per query lexeme."""
    made = {"pg_textsearch": textsearch, "gin-stats": gin_stats}
    return [postings(top_m) if n == "postings" else made[n]() for n in names]
