"""APOC's functions the Neo4j libraries call, as functions of schema ``kgmem_neo4j``
that AGE calls with agtype arguments (``kgmem.cypher.apoc_functions`` names them):

- ``apoc_map_clean(map, keys, values)``: the map without the keys listed, without
  null values and without the values listed (a value also goes when its text is
  listed, as in APOC);
- ``apoc_map_merge(a, b)``: ``a`` with ``b``'s entries over it (null reads as ``{}``);
- ``apoc_any_property(x, key)`` / ``apoc_any_properties(x[, keys])``: a property of a
  node, a relationship, a virtual one (a map of ``kind`` node/relationship, as
  ``apoc.meta.graph`` yields) or a map;
- ``apoc_coll_to_set(list)``: the distinct elements, in first-seen order;
  ``apoc_coll_flatten(list[, recursive])``: nested lists spliced in.

Values travel as JSON (``agtype_out`` then ``jsonb``), which holds every property value
kgmem stores; an argument holding nodes or relationships inside a map or list is
refused (SQLSTATE 22023) with a message naming the function. All IMMUTABLE and
PARALLEL SAFE, reading no table.

Revision ID: 0034_apoc_functions
Revises: 0033_cypher_shortest_paths
"""

from alembic import op

revision = "0034_apoc_functions"
down_revision = "0033_cypher_shortest_paths"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_neo4j._apoc_json(v ag_catalog.agtype, what text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text;
BEGIN
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  t := ag_catalog.agtype_out(v)::text;
  IF t = 'null' THEN
    RETURN NULL;
  END IF;
  RETURN t::jsonb;
EXCEPTION WHEN invalid_text_representation THEN
  RAISE EXCEPTION '%: expected a map or a list of property values, not %', what, left(t, 80)
    USING ERRCODE = '22023';
END
$fn$;

CREATE FUNCTION kgmem_neo4j._apoc_map(v ag_catalog.agtype, what text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE j jsonb := kgmem_neo4j._apoc_json(v, what);
BEGIN
  IF j IS NOT NULL AND jsonb_typeof(j) <> 'object' THEN
    RAISE EXCEPTION '%: expected a map, not %', what, left(j::text, 80) USING ERRCODE = '22023';
  END IF;
  RETURN j;
END
$fn$;

CREATE FUNCTION kgmem_neo4j._apoc_agtype(j jsonb)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN j IS NULL OR jsonb_typeof(j) = 'null' THEN NULL
              ELSE (j::text)::ag_catalog.agtype END
$fn$;

CREATE FUNCTION kgmem_neo4j._apoc_entity(v ag_catalog.agtype)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT ag_catalog.agtype_out(v)::text ~ '::(vertex|edge)$'
$fn$;

-- The property map of a node, a relationship, a virtual one or a map.
CREATE FUNCTION kgmem_neo4j._apoc_properties(v ag_catalog.agtype, what text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE j jsonb;
BEGIN
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  IF kgmem_neo4j._apoc_entity(v) THEN
    j := kgmem_neo4j._apoc_json(ag_catalog.age_properties(v), what);
  ELSE
    j := kgmem_neo4j._apoc_json(v, what);
  END IF;
  IF j IS NULL THEN
    RETURN NULL;
  END IF;
  IF jsonb_typeof(j) <> 'object' THEN
    RAISE EXCEPTION '%: expected a node, a relationship or a map, not %', what,
      left(j::text, 80) USING ERRCODE = '22023';
  END IF;
  IF j->>'kind' IN ('node', 'relationship') AND jsonb_typeof(j->'properties') = 'object' THEN
    RETURN j->'properties';
  END IF;
  RETURN j;
END
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_any_property(v ag_catalog.agtype, key ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_neo4j._apoc_agtype(
    kgmem_neo4j._apoc_properties(v, 'apoc.any.property')
      -> (kgmem_neo4j._apoc_json(key, 'apoc.any.property') #>> '{}'))
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_any_properties(v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_neo4j._apoc_agtype(kgmem_neo4j._apoc_properties(v, 'apoc.any.properties'))
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_any_properties(v ag_catalog.agtype, keys ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_neo4j._apoc_agtype(CASE WHEN k IS NULL THEN p ELSE
    (SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) FROM jsonb_each(p) e
     WHERE k @> jsonb_build_array(e.key)) END)
  FROM (SELECT kgmem_neo4j._apoc_properties(v, 'apoc.any.properties') AS p,
               kgmem_neo4j._apoc_json(keys, 'apoc.any.properties') AS k) AS s
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_map_clean(m ag_catalog.agtype, keys ag_catalog.agtype,
                                           vals ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_neo4j._apoc_agtype(CASE WHEN j IS NULL THEN NULL ELSE
    (SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) FROM jsonb_each(j) e
     WHERE jsonb_typeof(e.value) <> 'null'
       AND NOT coalesce(k, '[]') @> jsonb_build_array(e.key)
       AND NOT coalesce(x, '[]') @> jsonb_build_array(e.value)
       AND NOT coalesce(x, '[]') @> jsonb_build_array(e.value #>> '{}')) END)
  FROM (SELECT kgmem_neo4j._apoc_map(m, 'apoc.map.clean') AS j,
               kgmem_neo4j._apoc_json(keys, 'apoc.map.clean') AS k,
               kgmem_neo4j._apoc_json(vals, 'apoc.map.clean') AS x) AS s
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_map_merge(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_neo4j._apoc_agtype(
    coalesce(kgmem_neo4j._apoc_map(a, 'apoc.map.merge'), '{}'::jsonb)
    || coalesce(kgmem_neo4j._apoc_map(b, 'apoc.map.merge'), '{}'::jsonb))
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_coll_to_set(l ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_neo4j._apoc_agtype(CASE WHEN j IS NULL THEN NULL ELSE
    (SELECT coalesce(jsonb_agg(x ORDER BY i), '[]'::jsonb) FROM (
       SELECT DISTINCT ON (x) x, i FROM jsonb_array_elements(j) WITH ORDINALITY AS t(x, i)
       WHERE jsonb_typeof(x) <> 'null' ORDER BY x, i) AS d) END)
  FROM (SELECT kgmem_neo4j._apoc_json(l, 'apoc.coll.toSet') AS j) AS s
$fn$;

-- The elements of ``j`` with nested lists spliced in (all levels deep), in order.
CREATE FUNCTION kgmem_neo4j._apoc_deep(j jsonb) RETURNS jsonb[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE out jsonb[] := ARRAY[]::jsonb[];
        x jsonb;
BEGIN
  FOR x IN SELECT e FROM jsonb_array_elements(j) WITH ORDINALITY AS t(e, i) ORDER BY i LOOP
    IF jsonb_typeof(x) = 'array' THEN
      out := out || kgmem_neo4j._apoc_deep(x);
    ELSE
      out := array_append(out, x);
    END IF;
  END LOOP;
  RETURN out;
END
$fn$;

CREATE FUNCTION kgmem_neo4j._apoc_flat(j jsonb, deep boolean)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN j IS NULL THEN NULL
              WHEN deep THEN to_jsonb(kgmem_neo4j._apoc_deep(j))
              ELSE (SELECT coalesce(jsonb_agg(y ORDER BY i, k), '[]'::jsonb)
                    FROM jsonb_array_elements(j) WITH ORDINALITY AS t(x, i),
                    LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(x) = 'array' THEN x
                      ELSE jsonb_build_array(x) END) WITH ORDINALITY AS u(y, k)) END
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_coll_flatten(l ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_neo4j._apoc_agtype(
    kgmem_neo4j._apoc_flat(kgmem_neo4j._apoc_json(l, 'apoc.coll.flatten'), false))
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_coll_flatten(l ag_catalog.agtype, deep ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_neo4j._apoc_agtype(kgmem_neo4j._apoc_flat(
    kgmem_neo4j._apoc_json(l, 'apoc.coll.flatten'),
    coalesce((kgmem_neo4j._apoc_json(deep, 'apoc.coll.flatten') #>> '{}')::boolean, false)))
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_coll_flatten(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_coll_flatten(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_flat(jsonb, boolean);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_deep(jsonb);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_coll_to_set(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_map_merge(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_map_clean(ag_catalog.agtype, ag_catalog.agtype,
                                                   ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_any_properties(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_any_properties(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_any_property(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_properties(ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_entity(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_agtype(jsonb);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_map(ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_json(ag_catalog.agtype, text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
