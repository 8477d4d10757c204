"""Neo4j's vector indexes on AGE label tables: the functions of schema ``kgmem_neo4j``
that read a vector property, check one, and compare two.

A vector stays an ordinary list property in AGE (``n.embedding`` reads it back); a
vector index is a pgvector HNSW expression index on each label table over
``kgmem_neo4j.vector_of(properties, '"embedding"', <dimensions>, <cosine>)`` cast to
``vector(d)`` (``halfvec(d)`` past pgvector's HNSW limit of 2,000 dimensions), built by
``kgmem.storage.neo4j_schema.vector_sql``:

- ``vector_of(properties, key, dimensions, cosine)``: the property as a pgvector value,
  NULL when it is absent or not valid to the index (not a list of finite numbers, of
  another dimension when ``dimensions`` > 0, of norm 0 for a cosine index). As in
  Neo4j, a property that is not valid to the index is stored but not indexed.
- ``vector_value(value, dimensions)``: ``value`` itself when it is a list of finite
  numbers (of ``dimensions`` numbers when that is not null); an error (SQLSTATE 22023)
  naming what is wrong otherwise. ``db.create.setNodeVectorProperty`` and
  ``db.create.setRelationshipVectorProperty`` write through it.
- ``similarity_cosine(a, b)`` / ``similarity_euclidean(a, b)``: Neo4j's
  ``vector.similarity.cosine`` / ``euclidean``: ``(1 + cos) / 2`` and
  ``1 / (1 + d^2)``, null for a null argument, an error for vectors of different
  dimensions or anything but lists of numbers.

All IMMUTABLE and PARALLEL SAFE, reading no table; the namespaces' reader roles may
call them (Cypher reads and ``Reader.sql`` run as those roles).

Revision ID: 0029_neo4j_vectors
Revises: 0028_neo4j_constraints
"""

from alembic import op

revision = "0029_neo4j_vectors"
down_revision = "0028_neo4j_constraints"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE SCHEMA IF NOT EXISTS kgmem_neo4j;
GRANT USAGE ON SCHEMA kgmem_neo4j TO kgmem_cypher_reader;

CREATE FUNCTION kgmem_neo4j._vector(v ag_catalog.agtype)
RETURNS public.vector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text;
BEGIN
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  t := ag_catalog.agtype_out(v)::text;
  IF left(t, 1) <> '[' OR t ~ '^\[\s*\]$' THEN
    RETURN NULL;
  END IF;
  RETURN t::public.vector;  -- pgvector refuses NaN, infinities, strings, nesting
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$fn$;

-- COST: parsing a vector's text is what it costs; at PL/pgSQL's default of 100 the
-- planner would rather compute it for every row of a small table than use the index.
CREATE FUNCTION kgmem_neo4j.vector_of(properties ag_catalog.agtype, key ag_catalog.agtype,
                                      dimensions integer, cosine boolean)
RETURNS public.vector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 10000 SET search_path = pg_catalog AS $fn$
DECLARE v public.vector;
BEGIN
  v := kgmem_neo4j._vector(ag_catalog.agtype_access_operator(VARIADIC ARRAY[properties, key]));
  IF v IS NULL
     OR (dimensions > 0 AND public.vector_dims(v) <> dimensions)
     OR (cosine AND public.vector_norm(v) = 0) THEN
    RETURN NULL;
  END IF;
  RETURN v;
END
$fn$;

CREATE FUNCTION kgmem_neo4j._checked(v ag_catalog.agtype, what text)
RETURNS public.vector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE found public.vector := kgmem_neo4j._vector(v);
BEGIN
  IF found IS NULL THEN
    RAISE EXCEPTION '% must be a non-empty list of finite numbers, not %', what,
      left(ag_catalog.agtype_out(v)::text, 80)
      USING ERRCODE = '22023';
  END IF;
  RETURN found;
END
$fn$;

CREATE FUNCTION kgmem_neo4j.vector_value(v ag_catalog.agtype, dimensions ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE found public.vector := kgmem_neo4j._checked(v, 'a vector property');
        wanted integer := ag_catalog.agtype_out(dimensions)::text::integer;
BEGIN
  IF wanted > 0 AND public.vector_dims(found) <> wanted THEN
    RAISE EXCEPTION 'the vector has % dimensions, but the vector index on this property has %',
      public.vector_dims(found), wanted
      USING ERRCODE = '22023';
  END IF;
  RETURN v;
END
$fn$;

CREATE FUNCTION kgmem_neo4j._null(v ag_catalog.agtype)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT v IS NULL OR ag_catalog.agtype_out(v)::text = 'null'
$fn$;

CREATE FUNCTION kgmem_neo4j._pair(a ag_catalog.agtype, b ag_catalog.agtype, name text)
RETURNS public.vector[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE x public.vector := kgmem_neo4j._checked(a, name || '(a, b): a');
        y public.vector := kgmem_neo4j._checked(b, name || '(a, b): b');
BEGIN
  IF public.vector_dims(x) <> public.vector_dims(y) THEN
    RAISE EXCEPTION '%(a, b): the vectors have different dimensions (% and %)', name,
      public.vector_dims(x), public.vector_dims(y)
      USING ERRCODE = '22023';
  END IF;
  RETURN ARRAY[x, y];
END
$fn$;

CREATE FUNCTION kgmem_neo4j.similarity_cosine(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE p public.vector[];
BEGIN
  IF kgmem_neo4j._null(a) OR kgmem_neo4j._null(b) THEN
    RETURN NULL;
  END IF;
  p := kgmem_neo4j._pair(a, b, 'vector.similarity.cosine');
  IF public.vector_norm(p[1]) = 0 OR public.vector_norm(p[2]) = 0 THEN
    RETURN NULL;  -- no angle: not valid with respect to cosine similarity
  END IF;
  RETURN ((1 + (1 - public.cosine_distance(p[1], p[2]))) / 2)::float8::ag_catalog.agtype;
END
$fn$;

CREATE FUNCTION kgmem_neo4j.similarity_euclidean(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE p public.vector[];
        d float8;
BEGIN
  IF kgmem_neo4j._null(a) OR kgmem_neo4j._null(b) THEN
    RETURN NULL;
  END IF;
  p := kgmem_neo4j._pair(a, b, 'vector.similarity.euclidean');
  d := public.l2_distance(p[1], p[2]);
  RETURN (1 / (1 + d * d))::float8::ag_catalog.agtype;
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_neo4j.similarity_euclidean(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.similarity_cosine(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j._pair(ag_catalog.agtype, ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_neo4j._null(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.vector_value(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j._checked(ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_neo4j.vector_of(ag_catalog.agtype, ag_catalog.agtype, integer,
                                              boolean);
DROP FUNCTION IF EXISTS kgmem_neo4j._vector(ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
