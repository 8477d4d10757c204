"""Keyword index that PostgreSQL makes durable: tsvector + GIN, BM25 statistics in rows.

The BM25 index of pg_textsearch 1.0 kept its newest entries in shared memory and did
not WAL-log its pages: a restart or crash lost them from keyword search, and a
streaming replica never had them. This replaces it in every namespace with structures
PostgreSQL WAL-logs, recovers and replicates like the rows:

- ``tsv``: a stored generated column of ``_kg_vertex`` and ``_kg_fact``, the text's
  lexemes under the namespace's text search configuration
  (``kgmem.namespace.config->>'text_config'``, ``english`` unless chosen at creation),
  with a GIN index (``_kg_vertex_text``, ``_kg_fact_text``) that finds the rows holding
  a query's lexemes.
- ``_kg_text_stats``: what BM25 needs besides the row, kept exact in the same
  transaction as the rows by statement-level triggers. A row whose ``lexeme`` is NULL
  counts documents (rows with at least one lexeme) and their tokens; a row with a
  lexeme counts the documents holding it. ``kind`` is ``v`` (vertices) or ``f``
  (facts). Writers only ever INSERT signed deltas, so concurrent writers never wait on
  each other here; the true figure is the sum of a key's rows, and
  ``kgmem.compact_text_stats`` folds each key's rows into one (the sum is unchanged).

kgmem scores BM25 itself (``kgmem.storage.indexes.keyword_search``). The advisory lock every
writer took for pg_textsearch (migration ``0900_text_index_locks``) goes, and so does
the extension.

Revision ID: 0018_keyword_index
Revises: 0017_cypher_temporal
Create Date: 2026-11-25
"""

from alembic import op

revision = "0018_keyword_index"
down_revision = "0017_cypher_temporal"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- The indexed lexemes of a text. Texts are cut at 200,000 characters: a tsvector holds
-- at most 1 MB, and kgmem's own limit on indexed text is lower by default.
CREATE FUNCTION kgmem.text_vector(cfg regconfig, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector(cfg, left(coalesce(body, ''), 200000))
$$;

-- A document's length for BM25: its distinct lexemes (read from the tsvector's
-- header, no scan of its entries).
CREATE FUNCTION kgmem.text_length(doc tsvector) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT length(doc)::bigint
$$;

-- The query matching any of ``lexemes`` as they are (no parsing or stemming again);
-- NULL for none, which matches nothing.
CREATE FUNCTION kgmem.any_lexeme(lexemes text[]) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_agg('''' || replace(replace(l, '\', '\\'), '''', '''''') || '''', ' | ')::tsquery
  FROM unnest(lexemes) l
$$;

-- The query matching all of ``lexemes``; NULL for none.
CREATE FUNCTION kgmem.all_lexemes(lexemes text[]) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_agg('''' || replace(replace(l, '\', '\\'), '''', '''''') || '''', ' & ')::tsquery
  FROM unnest(lexemes) l
$$;

-- The query matching two or more of ``lexemes`` (any pair of them); NULL for fewer
-- than two.
CREATE FUNCTION kgmem.lexeme_pairs(lexemes text[]) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH q AS (
    SELECT n, '''' || replace(replace(l, '\', '\\'), '''', '''''') || '''' AS quoted
    FROM unnest(lexemes) WITH ORDINALITY u(l, n)
  )
  SELECT string_agg('(' || a.quoted || ' & ' || b.quoted || ')', ' | ')::tsquery
  FROM q a JOIN q b ON a.n < b.n
$$;

-- Statement triggers: the signed change a statement made to its table's statistics.
CREATE FUNCTION kgmem.text_stats_added() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format($q$
    INSERT INTO %1$I._kg_text_stats (kind, lexeme, docs, tokens)
    SELECT %2$L, NULL, count(*), sum(kgmem.text_length(tsv)) FROM added
    WHERE length(tsv) > 0 HAVING count(*) > 0
    UNION ALL
    SELECT %2$L, u.lexeme, count(*), 0 FROM added a, unnest(a.tsv) u GROUP BY u.lexeme
  $q$, TG_TABLE_SCHEMA, TG_ARGV[0]);
  RETURN NULL;
END
$fn$;

CREATE FUNCTION kgmem.text_stats_removed() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format($q$
    INSERT INTO %1$I._kg_text_stats (kind, lexeme, docs, tokens)
    SELECT %2$L, NULL, -count(*), -sum(kgmem.text_length(tsv)) FROM removed
    WHERE length(tsv) > 0 HAVING count(*) > 0
    UNION ALL
    SELECT %2$L, u.lexeme, -count(*), 0 FROM removed r, unnest(r.tsv) u GROUP BY u.lexeme
  $q$, TG_TABLE_SCHEMA, TG_ARGV[0]);
  RETURN NULL;
END
$fn$;

CREATE FUNCTION kgmem.text_stats_updated() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format($q$
    WITH changed AS (
      SELECT o.tsv AS before, n.tsv AS after FROM removed o JOIN added n ON n.id = o.id
      WHERE o.tsv IS DISTINCT FROM n.tsv
    ), parts AS (
      SELECT NULL::text AS lexeme,
             (length(after) > 0)::int - (length(before) > 0)::int AS docs,
             kgmem.text_length(after) - kgmem.text_length(before) AS tokens
      FROM changed
      UNION ALL SELECT u.lexeme, 1, 0 FROM changed c, unnest(c.after) u
      UNION ALL SELECT u.lexeme, -1, 0 FROM changed c, unnest(c.before) u
    )
    INSERT INTO %1$I._kg_text_stats (kind, lexeme, docs, tokens)
    SELECT %2$L, lexeme, sum(docs), sum(tokens) FROM parts GROUP BY lexeme
    HAVING sum(docs) <> 0 OR sum(tokens) <> 0
  $q$, TG_TABLE_SCHEMA, TG_ARGV[0]);
  RETURN NULL;
END
$fn$;

-- Gives namespace ``ns`` the keyword index under text search configuration ``cfg``
-- (idempotent: a namespace that has one gets it again under ``cfg``, statistics
-- recomputed from the rows).
CREATE FUNCTION kgmem.add_text_index(ns text, cfg regconfig) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  side record;
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS %I._kg_text_stats', ns);
  EXECUTE format($q$
    CREATE TABLE %I._kg_text_stats (
      kind   "char" NOT NULL CHECK (kind IN ('v', 'f')),
      lexeme text,
      docs   bigint NOT NULL,
      tokens bigint NOT NULL DEFAULT 0
    )$q$, ns);
  EXECUTE format('CREATE INDEX _kg_text_stats_key ON %I._kg_text_stats (kind, lexeme)', ns);
  FOR side IN SELECT * FROM (VALUES ('_kg_vertex', 'v'), ('_kg_fact', 'f')) AS s(tbl, kind) LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS _kg_lock_text_index ON %I.%I', ns, side.tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS _kg_text_added ON %I.%I', ns, side.tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS _kg_text_updated ON %I.%I', ns, side.tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS _kg_text_removed ON %I.%I', ns, side.tbl);
    EXECUTE format('DROP INDEX IF EXISTS %I.%I', ns, side.tbl || '_text');
    EXECUTE format('ALTER TABLE %I.%I DROP COLUMN IF EXISTS tsv', ns, side.tbl);
    EXECUTE format('ALTER TABLE %I.%I ADD COLUMN tsv tsvector '
                   'GENERATED ALWAYS AS (kgmem.text_vector(%L::regconfig, text)) STORED',
                   ns, side.tbl, cfg::text);
    EXECUTE format('CREATE INDEX %I ON %I.%I USING gin (tsv)', side.tbl || '_text', ns, side.tbl);
    EXECUTE format($q$
      INSERT INTO %1$I._kg_text_stats (kind, lexeme, docs, tokens)
      SELECT %3$L, NULL, count(*), coalesce(sum(kgmem.text_length(tsv)), 0) FROM %1$I.%2$I
      WHERE length(tsv) > 0 HAVING count(*) > 0
      UNION ALL
      SELECT %3$L, u.lexeme, count(*), 0 FROM %1$I.%2$I s, unnest(s.tsv) u GROUP BY u.lexeme
    $q$, ns, side.tbl, side.kind);
    EXECUTE format('CREATE TRIGGER _kg_text_added AFTER INSERT ON %I.%I '
                   'REFERENCING NEW TABLE AS added FOR EACH STATEMENT '
                   'EXECUTE FUNCTION kgmem.text_stats_added(%L)', ns, side.tbl, side.kind);
    EXECUTE format('CREATE TRIGGER _kg_text_updated AFTER UPDATE ON %I.%I '
                   'REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT '
                   'EXECUTE FUNCTION kgmem.text_stats_updated(%L)', ns, side.tbl, side.kind);
    EXECUTE format('CREATE TRIGGER _kg_text_removed AFTER DELETE ON %I.%I '
                   'REFERENCING OLD TABLE AS removed FOR EACH STATEMENT '
                   'EXECUTE FUNCTION kgmem.text_stats_removed(%L)', ns, side.tbl, side.kind);
  END LOOP;
  UPDATE kgmem.namespace SET config = config || jsonb_build_object('text_config', cfg::text)
  WHERE name = ns;
END
$fn$;

-- Folds each key's delta rows of ``ns``'s statistics into one row (keys that sum to
-- nothing go). Rows written meanwhile by concurrent writers are not in this
-- statement's snapshot, so they are neither deleted nor summed: every sum stays
-- exact. One compaction per namespace at a time; another returns 0 at once.
CREATE FUNCTION kgmem.compact_text_stats(ns text) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
  folded bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('kgmem.text_stats'), hashtext(ns)) THEN
    RETURN 0;
  END IF;
  EXECUTE format($q$
    WITH many AS (
      -- A lexeme is never empty, so '' stands for the corpus row's NULL: a hashable key.
      SELECT kind, lexeme FROM %1$I._kg_text_stats GROUP BY kind, lexeme HAVING count(*) > 1
    ), gone AS (
      DELETE FROM %1$I._kg_text_stats s USING many m
      WHERE s.kind = m.kind AND coalesce(s.lexeme, '') = coalesce(m.lexeme, '')
      RETURNING s.kind, s.lexeme, s.docs, s.tokens
    ), put AS (
      INSERT INTO %1$I._kg_text_stats (kind, lexeme, docs, tokens)
      SELECT kind, lexeme, sum(docs), sum(tokens) FROM gone GROUP BY kind, lexeme
      HAVING sum(docs) <> 0 OR sum(tokens) <> 0
    )
    SELECT count(*) FROM gone
  $q$, ns) INTO folded;
  RETURN folded;
END
$fn$;

DO $up$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    PERFORM kgmem.add_text_index(ns, coalesce(
      (SELECT config->>'text_config' FROM kgmem.namespace WHERE name = ns), 'english')::regconfig);
  END LOOP;
END
$up$;

DROP FUNCTION IF EXISTS kgmem.add_text_index_locks(text);
DROP FUNCTION IF EXISTS kgmem.lock_text_index();
DROP EXTENSION IF EXISTS pg_textsearch CASCADE;
"""

DOWNGRADE = r"""
DO $down$
DECLARE
  ns text;
  tbl text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    FOREACH tbl IN ARRAY ARRAY['_kg_vertex', '_kg_fact'] LOOP
      EXECUTE format('DROP TRIGGER IF EXISTS _kg_text_added ON %I.%I', ns, tbl);
      EXECUTE format('DROP TRIGGER IF EXISTS _kg_text_updated ON %I.%I', ns, tbl);
      EXECUTE format('DROP TRIGGER IF EXISTS _kg_text_removed ON %I.%I', ns, tbl);
      EXECUTE format('ALTER TABLE %I.%I DROP COLUMN IF EXISTS tsv', ns, tbl);
      -- Full-text ranking, as kgmem did without pg_textsearch before this revision.
      EXECUTE format('CREATE INDEX %I ON %I.%I '
                     'USING gin (to_tsvector(''english'', coalesce(text, '''')))',
                     tbl || '_text', ns, tbl);
    END LOOP;
    EXECUTE format('DROP TABLE IF EXISTS %I._kg_text_stats', ns);
  END LOOP;
END
$down$;
CREATE FUNCTION kgmem.lock_text_index() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('kgmem.text_index'), hashtext(TG_TABLE_SCHEMA));
  RETURN NULL;
END
$fn$;
CREATE FUNCTION kgmem.add_text_index_locks(ns text) RETURNS void
LANGUAGE plpgsql AS $fn$ BEGIN END $fn$;
DROP FUNCTION kgmem.compact_text_stats(text);
DROP FUNCTION kgmem.add_text_index(text, regconfig);
DROP FUNCTION kgmem.text_stats_updated();
DROP FUNCTION kgmem.text_stats_removed();
DROP FUNCTION kgmem.text_stats_added();
DROP FUNCTION kgmem.any_lexeme(text[]);
DROP FUNCTION kgmem.all_lexemes(text[]);
DROP FUNCTION kgmem.lexeme_pairs(text[]);
DROP FUNCTION kgmem.text_length(tsvector);
DROP FUNCTION kgmem.text_vector(regconfig, text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
