"""Neo4j's full-text indexes: the functions their GIN expression indexes are built on.

A full-text index ``FOR (n:A|B) ON EACH [n.p, n.q]`` is a GIN index on every table of
its labels (``kgmem.storage.neo4j_schema.fulltext_sql``) over
``kgmem_neo4j.fulltext_document(properties, ARRAY['p', 'q'], '<config>'::regconfig)``:
the tsvector of the listed properties, each weighted by its place (A, B, C, then D for
the fourth and every later one) so that ``field:value`` can select a field. Only
strings and the strings of lists are indexed, as Neo4j does; other values are left out.
AGE's writes bypass triggers but fill expression indexes, so every door keeps them
current.

- ``fulltext_text(value)``: the text of one property value (a string, or a list's
  strings joined by spaces), null for anything else.
- ``fulltext_document(properties, keys, config)``: the weighted tsvector.
- ``fulltext_length(document)``: its number of tokens (BM25's document length).
- ``fulltext_lexeme(lexeme, weights)``: the tsquery matching one lexeme in the given
  weights (BM25's document frequency of a query term, counted through the index).
- The text search configuration ``kgmem_neo4j.standard``: Neo4j's ``standard``
  analyzer (lower case, English stop words, no stemming).

All are IMMUTABLE and read no table; the schema is usable by everyone, so the
namespace reader roles (and every writer, whose writes compute the documents) call
them without further grants.

Revision ID: 0030_neo4j_fulltext
Revises: 0026_import_jobs
"""

from alembic import op

revision = "0030_neo4j_fulltext"
down_revision = "0026_import_jobs"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE SCHEMA IF NOT EXISTS kgmem_neo4j;
GRANT USAGE ON SCHEMA kgmem_neo4j TO PUBLIC;

CREATE FUNCTION kgmem_neo4j.fulltext_text(value ag_catalog.agtype) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE left(ag_catalog.agtype_out(value)::text, 1)
    WHEN '"' THEN ag_catalog.agtype_to_text(value)
    WHEN '[' THEN (
      SELECT string_agg(ag_catalog.agtype_to_text(e), ' ' ORDER BY i)
      FROM generate_series(0, ag_catalog.agtype_to_int4(ag_catalog.age_size(value)) - 1) AS i,
           LATERAL (SELECT ag_catalog.agtype_access_operator(
                      VARIADIC ARRAY[value, i::text::ag_catalog.agtype]) AS e) AS element
      WHERE left(ag_catalog.agtype_out(e)::text, 1) = '"')
  END
$fn$;

CREATE AGGREGATE kgmem_neo4j.fulltext_concat(tsvector) (
  SFUNC = pg_catalog.tsvector_concat, STYPE = tsvector, INITCOND = ''
);

CREATE FUNCTION kgmem_neo4j.fulltext_document(
  properties ag_catalog.agtype, keys text[], config regconfig
) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT coalesce(kgmem_neo4j.fulltext_concat(
           setweight(to_tsvector(config, t), (ARRAY['A', 'B', 'C', 'D'])[least(k, 4)]::"char")
           ORDER BY k), ''::tsvector)
  FROM unnest(keys) WITH ORDINALITY AS f(key, k),
       LATERAL (SELECT kgmem_neo4j.fulltext_text(ag_catalog.agtype_access_operator(
                  VARIADIC ARRAY[properties, to_json(key)::text::ag_catalog.agtype])) AS t) AS v
  WHERE t IS NOT NULL
$fn$;

CREATE FUNCTION kgmem_neo4j.fulltext_length(document tsvector) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT coalesce(sum(cardinality(positions)), 0)::integer FROM unnest(document)
$fn$;

CREATE FUNCTION kgmem_neo4j.fulltext_lexeme(lexeme text, weights text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''':' || weights)::tsquery
$fn$;

CREATE TEXT SEARCH DICTIONARY kgmem_neo4j.english_stop (TEMPLATE = simple, STOPWORDS = english);
CREATE TEXT SEARCH CONFIGURATION kgmem_neo4j.standard (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION kgmem_neo4j.standard
  ALTER MAPPING FOR asciiword, word, numword, asciihword, hword, numhword,
                    hword_asciipart, hword_part, hword_numpart
  WITH kgmem_neo4j.english_stop;
"""

DOWNGRADE = r"""
DROP TEXT SEARCH CONFIGURATION kgmem_neo4j.standard;
DROP TEXT SEARCH DICTIONARY kgmem_neo4j.english_stop;
DROP FUNCTION kgmem_neo4j.fulltext_lexeme(text, text);
DROP FUNCTION kgmem_neo4j.fulltext_length(tsvector);
DROP FUNCTION kgmem_neo4j.fulltext_document(ag_catalog.agtype, text[], regconfig);
DROP AGGREGATE kgmem_neo4j.fulltext_concat(tsvector);
DROP FUNCTION kgmem_neo4j.fulltext_text(ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
