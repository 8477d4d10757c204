"""Core store: extensions, kgmem schema, API keys, and the per-namespace side tables.

Each namespace is an AGE graph (a schema). Its side tables live inside that schema, so
dropping the graph drops them too; kgmem.create_namespace_tables() creates them and is
the one definition of their shape. Later migrations that change the side tables
replace the function and alter every existing namespace.

The side tables carry no foreign keys, like AGE's own label tables: on the fact write
path their row triggers cost about a quarter of the insert (measured: 13 of 50 us per
fact). kgmem.storage deletes and re-points dependent rows itself, in the same
transaction, and kgmem.storage.backups.integrity finds any orphan.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE EXTENSION IF NOT EXISTS age;
CREATE EXTENSION IF NOT EXISTS vector;
DO $ext$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_textsearch') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_textsearch;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_textsearch unavailable (%); keyword search uses full-text ranking', SQLERRM;
    END;
  END IF;
END
$ext$;

CREATE SCHEMA IF NOT EXISTS kgmem;

CREATE TABLE kgmem.store_meta (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kgmem.namespace (
  name        text PRIMARY KEY,
  description text NOT NULL DEFAULT '',
  config      jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kgmem.api_key (
  id           text PRIMARY KEY,
  name         text NOT NULL,
  secret_hash  bytea NOT NULL,
  scopes       text[] NOT NULL
               CHECK (scopes <@ ARRAY['read', 'write', 'admin'] AND cardinality(scopes) > 0),
  namespaces   text[],
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  last_used_at timestamptz
);

-- A fact's validity or belief interval as a range, for queries ("valid_at" is
-- kgmem.time_range(valid_from, valid_to) @> t). Instants are closed ranges so that
-- valid_from = valid_to is not an empty range.
CREATE FUNCTION kgmem.time_range(lo timestamptz, hi timestamptz) RETURNS tstzrange
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT tstzrange(lo, hi, CASE WHEN lo = hi THEN '[]' ELSE '[)' END)
$$;

CREATE FUNCTION kgmem.create_namespace_tables(ns text, dim integer) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  bm25 boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_textsearch');
BEGIN
  EXECUTE format($q$
    CREATE TABLE %1$I._kg_vertex (
      id         ag_catalog.graphid PRIMARY KEY,
      uid        text NOT NULL UNIQUE,
      label      text NOT NULL,
      name       text,
      text       text,
      lat        double precision CHECK (lat BETWEEN -90 AND 90),
      lon        double precision CHECK (lon BETWEEN -180 AND 180),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((lat IS NULL) = (lon IS NULL))
    )$q$, ns, dim);
  EXECUTE format('CREATE INDEX _kg_vertex_label_uid ON %I._kg_vertex (label, uid)', ns);
  EXECUTE format('CREATE INDEX _kg_vertex_name ON %I._kg_vertex (lower(name))', ns);
  -- Vectors apart from the side rows (see kgmem/storage/indexes/embeddings.py for why).
  EXECUTE format($q$
    CREATE TABLE %1$I._kg_vertex_vector (
      id        ag_catalog.graphid PRIMARY KEY,
      embedding vector(%2$s) NOT NULL
    )$q$, ns, dim);
  EXECUTE format('CREATE INDEX _kg_vertex_embedding ON %I._kg_vertex_vector '
                 'USING hnsw (embedding vector_cosine_ops)', ns);
  EXECUTE format('CREATE INDEX _kg_vertex_point ON %I._kg_vertex '
                 'USING gist (point(lon, lat)) WHERE lat IS NOT NULL', ns);

  EXECUTE format($q$
    CREATE TABLE %1$I._kg_fact (
      id          ag_catalog.graphid PRIMARY KEY,
      uid         text NOT NULL UNIQUE,
      predicate   text NOT NULL,
      subject_id  ag_catalog.graphid NOT NULL,
      object_id   ag_catalog.graphid NOT NULL,
      valid_from  timestamptz,
      valid_to    timestamptz,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      expired_at  timestamptz,
      confidence  double precision CHECK (confidence BETWEEN 0 AND 1),
      text        text,
      CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to),
      CHECK (expired_at IS NULL OR recorded_at <= expired_at)
    )$q$, ns, dim);
  -- No index on subject_id/object_id: facts are found from their endpoints through AGE's
  -- own start_id/end_id indexes on the edge label tables (two more B-trees cost 12 us
  -- per fact insert, measured at 100k).
  -- B-trees on the bounds and a BRIN on recorded_at (which grows with insertion order):
  -- measured at 100k facts, GiST on the two tstzranges cost 26 us per insert, these 6.
  EXECUTE format('CREATE INDEX _kg_fact_valid_from ON %I._kg_fact (valid_from)', ns);
  EXECUTE format('CREATE INDEX _kg_fact_valid_to ON %I._kg_fact (valid_to)', ns);
  EXECUTE format('CREATE INDEX _kg_fact_recorded ON %I._kg_fact USING brin (recorded_at)', ns);
  EXECUTE format($q$
    CREATE TABLE %1$I._kg_fact_vector (
      id        ag_catalog.graphid PRIMARY KEY,
      embedding vector(%2$s) NOT NULL
    )$q$, ns, dim);
  EXECUTE format('CREATE INDEX _kg_fact_embedding ON %I._kg_fact_vector '
                 'USING hnsw (embedding vector_cosine_ops)', ns);

  EXECUTE format($q$
    CREATE TABLE %1$I._kg_claim (
      fact_id     ag_catalog.graphid NOT NULL,
      source_id   ag_catalog.graphid,
      episode_id  ag_catalog.graphid,
      confidence  double precision CHECK (confidence BETWEEN 0 AND 1),
      observed_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE NULLS NOT DISTINCT (fact_id, source_id, episode_id)
    )$q$, ns);
  EXECUTE format('CREATE INDEX _kg_claim_fact ON %I._kg_claim (fact_id)', ns);
  EXECUTE format('CREATE INDEX _kg_claim_source ON %I._kg_claim (source_id)', ns);
  EXECUTE format('CREATE INDEX _kg_claim_episode ON %I._kg_claim (episode_id)', ns);

  IF bm25 THEN
    EXECUTE format('CREATE INDEX _kg_vertex_text ON %I._kg_vertex '
                   'USING bm25 (text) WITH (text_config = ''english'')', ns);
    EXECUTE format('CREATE INDEX _kg_fact_text ON %I._kg_fact '
                   'USING bm25 (text) WITH (text_config = ''english'')', ns);
  ELSE
    EXECUTE format('CREATE INDEX _kg_vertex_text ON %I._kg_vertex '
                   'USING gin (to_tsvector(''english'', coalesce(text, '''')))', ns);
    EXECUTE format('CREATE INDEX _kg_fact_text ON %I._kg_fact '
                   'USING gin (to_tsvector(''english'', coalesce(text, '''')))', ns);
  END IF;
END
$fn$;
"""

DOWNGRADE = r"""
DO $drop$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    IF EXISTS (SELECT 1 FROM ag_catalog.ag_graph WHERE name = ns) THEN
      PERFORM ag_catalog.drop_graph(ns, true);
    END IF;
  END LOOP;
END
$drop$;
DROP SCHEMA kgmem CASCADE;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
