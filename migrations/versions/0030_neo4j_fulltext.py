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
- ``fulltext_lexeme(lexeme, weights)``: the tsquery matching one lexeme in the given
  weights (BM25's document frequency of a query term, counted through the index;
  ``ABCD`` writes no weights, which would make GIN recheck every row).
- The text search configuration ``kgmem_neo4j.standard``: Neo4j's ``standard``
  analyzer (lower case, English stop words, no stemming).

All are IMMUTABLE and read no table; the schema is usable by everyone, so the
namespace reader roles (and every writer, whose writes compute the documents) call
them without further grants. The document functions are PL/pgSQL (a SQL function with
a FROM clause and an aggregate ran seven times slower per row) and name every function
by its schema, as they cannot pin a search_path without losing that speed.

Revision ID: 0030_neo4j_fulltext
Revises: 0029_neo4j_vectors
"""

from alembic import op

revision = "0030_neo4j_fulltext"
down_revision = "0029_neo4j_vectors"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE SCHEMA IF NOT EXISTS kgmem_neo4j;
GRANT USAGE ON SCHEMA kgmem_neo4j TO PUBLIC;

CREATE FUNCTION kgmem_neo4j.fulltext_text(value ag_catalog.agtype) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  shown text := pg_catalog.textin(ag_catalog.agtype_out(value));
  parts text[] := ARRAY[]::text[];
  element ag_catalog.agtype;
BEGIN
  IF pg_catalog.left(shown, 1) = '"' THEN
    RETURN ag_catalog.agtype_to_text(value);
  END IF;
  IF pg_catalog.left(shown, 1) <> '[' THEN
    RETURN NULL;
  END IF;
  FOR i IN 0 .. ag_catalog.agtype_to_int4(ag_catalog.age_size(value)) - 1 LOOP
    element := ag_catalog.agtype_access_operator(
      VARIADIC ARRAY[value, pg_catalog.int4out(i)::text::ag_catalog.agtype]);
    IF pg_catalog.left(pg_catalog.textin(ag_catalog.agtype_out(element)), 1) = '"' THEN
      parts := pg_catalog.array_append(parts, ag_catalog.agtype_to_text(element));
    END IF;
  END LOOP;
  RETURN pg_catalog.array_to_string(parts, ' ');
END
$fn$;

CREATE FUNCTION kgmem_neo4j.fulltext_document(
  properties ag_catalog.agtype, keys text[], config regconfig
) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  document tsvector := ''::tsvector;
  words text;
  k integer := 0;
  key text;
BEGIN
  FOREACH key IN ARRAY keys LOOP
    k := k + 1;
    words := kgmem_neo4j.fulltext_text(ag_catalog.agtype_access_operator(
      VARIADIC ARRAY[properties, pg_catalog.to_json(key)::text::ag_catalog.agtype]));
    IF words IS NOT NULL THEN
      document := pg_catalog.tsvector_concat(document, pg_catalog.setweight(
        pg_catalog.to_tsvector(config, words),
        (ARRAY['A', 'B', 'C', 'D'])[LEAST(k, 4)]::"char"));
    END IF;
  END LOOP;
  RETURN document;
END
$fn$;

CREATE FUNCTION kgmem_neo4j.fulltext_lexeme(lexeme text, weights text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''''
          || CASE WHEN weights = 'ABCD' THEN '' ELSE ':' || weights END)::tsquery
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
DROP FUNCTION kgmem_neo4j.fulltext_document(ag_catalog.agtype, text[], regconfig);
DROP FUNCTION kgmem_neo4j.fulltext_text(ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
