"""Neo4j 5's ``valueType(x)``: the most precise type of a value, as Neo4j writes it.

- ``kgmem_cypher.value_type(v)`` answers ``'NULL'`` for null and otherwise the type with
  ``NOT NULL``: ``'INTEGER NOT NULL'``, ``'FLOAT NOT NULL'`` (NaN and the infinities
  too), ``'STRING NOT NULL'``, ``'BOOLEAN NOT NULL'``, ``'MAP NOT NULL'``, ``'POINT NOT
  NULL'`` (a map in kgmem's stored form of a point: its ``crs`` and ``srid`` agree and
  it holds exactly that system's keys), ``'NODE NOT NULL'``, ``'RELATIONSHIP NOT
  NULL'``, ``'PATH NOT NULL'``.
- A list is ``LIST<...> NOT NULL`` around the union of its elements' types, normalised
  as Neo4j normalises a type: each type once, a null element making every member
  nullable (``[1, null]``: ``LIST<INTEGER> NOT NULL``; ``[null]``: ``LIST<NULL> NOT
  NULL``; ``[]``: ``LIST<NOTHING> NOT NULL``), an empty list's type absorbed by any other
  list's, and the members in Neo4j's order (BOOLEAN, STRING, INTEGER, FLOAT, DATE, LOCAL
  TIME, ZONED TIME, LOCAL DATETIME, ZONED DATETIME, DURATION, POINT, NODE, RELATIONSHIP,
  MAP, LIST, PATH; lists by their members), joined by `` | ``:
  ``[1, 'a']`` is ``LIST<STRING NOT NULL | INTEGER NOT NULL> NOT NULL``.

kgmem keeps temporal values as ISO 8601 text (docs/cypher.md), so the type of a
temporal value is ``STRING NOT NULL`` (Neo4j: ``DATE NOT NULL``, ...).

``_value_type(v)`` returns the type's text and its sort key (the rank of each base type,
then the keys of a list's members). IMMUTABLE, PARALLEL SAFE, reading no table; AGE
calls ``value_type`` where a query calls ``valueType``.

Revision ID: 0054_cypher_value_type
Revises: 0053_escaped_label_names
"""

from alembic import op

revision = "0054_cypher_value_type"
down_revision = "0053_escaped_label_names"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher._type_rank(base text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT lpad((array_position(ARRAY['BOOLEAN', 'STRING', 'INTEGER', 'FLOAT', 'DATE',
    'LOCAL TIME', 'ZONED TIME', 'LOCAL DATETIME', 'ZONED DATETIME', 'DURATION', 'POINT',
    'NODE', 'RELATIONSHIP', 'MAP', 'LIST', 'PATH'], base))::text, 2, '0')
$fn$;

CREATE FUNCTION kgmem_cypher._is_point(t text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE j jsonb; keys text[];
BEGIN
  IF t !~ '"crs"' OR t !~ '"srid"' THEN
    RETURN false;
  END IF;
  BEGIN
    j := t::jsonb;
  EXCEPTION WHEN OTHERS THEN  -- a map holding a node or a relationship: not JSON
    RETURN false;
  END;
  SELECT array_agg(k ORDER BY k) INTO keys FROM jsonb_object_keys(j) AS k;
  RETURN (j->>'crs', j->>'srid', keys) IN (
    ('cartesian', '7203', ARRAY['crs', 'srid', 'x', 'y']),
    ('cartesian-3d', '9157', ARRAY['crs', 'srid', 'x', 'y', 'z']),
    ('wgs-84', '4326', ARRAY['crs', 'latitude', 'longitude', 'srid', 'x', 'y']),
    ('wgs-84-3d', '4979',
     ARRAY['crs', 'height', 'latitude', 'longitude', 'srid', 'x', 'y', 'z']));
END
$fn$;

-- {type text, sort key} of v; null for null (the caller knows where null is allowed).
CREATE FUNCTION kgmem_cypher._value_type(v ag_catalog.agtype) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text; base text; member text[]; any_null boolean := false;
        types text[] := '{}'; keys text[] := '{}'; inner_type text; inner_key text;
BEGIN
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  t := ag_catalog.agtype_out(v)::text;
  IF t = 'null' THEN
    RETURN NULL;
  END IF;
  base := CASE
    WHEN t LIKE '%::vertex' THEN 'NODE'
    WHEN t LIKE '%::edge' THEN 'RELATIONSHIP'
    WHEN t LIKE '%::path' THEN 'PATH'
    WHEN left(t, 1) = '"' THEN 'STRING'
    WHEN t IN ('true', 'false') THEN 'BOOLEAN'
    WHEN t ~ '^-?[0-9]+$' THEN 'INTEGER'
    WHEN t ~ '^(-?[0-9][0-9.e+-]*(::numeric)?|NaN|-?Infinity)$' THEN 'FLOAT'
    WHEN left(t, 1) = '{' THEN CASE WHEN kgmem_cypher._is_point(t) THEN 'POINT' ELSE 'MAP' END
    WHEN left(t, 1) = '[' THEN 'LIST'
  END;
  IF base IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'valueType() met ' || left(t, 40);
  END IF;
  IF base <> 'LIST' THEN
    RETURN ARRAY[base || ' NOT NULL', kgmem_cypher._type_rank(base) || '0'];
  END IF;
  FOR member IN
    SELECT kgmem_cypher._value_type(u.x) FROM ag_catalog.age_unnest(v) AS u(x)
  LOOP
    IF member IS NULL THEN
      any_null := true;
    ELSIF NOT member[1] = ANY(types) THEN
      types := types || member[1];
      keys := keys || member[2];
    END IF;
  END LOOP;
  IF cardinality(types) > 1 THEN  -- an empty list's type is within any other list's
    SELECT array_agg(x.ty ORDER BY x.k), array_agg(x.k ORDER BY x.k) INTO types, keys
      FROM unnest(types, keys) AS x(ty, k)
     WHERE x.ty <> 'LIST<NOTHING> NOT NULL'
        OR NOT EXISTS (SELECT 1 FROM unnest(types) AS o(ty)
                        WHERE o.ty LIKE 'LIST<%' AND o.ty <> 'LIST<NOTHING> NOT NULL');
  END IF;
  IF cardinality(types) = 0 THEN
    inner_type := CASE WHEN any_null THEN 'NULL' ELSE 'NOTHING' END;
    inner_key := CASE WHEN any_null THEN '01' ELSE '00' END;
  ELSE
    SELECT string_agg(CASE WHEN any_null THEN regexp_replace(x.ty, ' NOT NULL$', '')
                           ELSE x.ty END, ' | ' ORDER BY x.k),
           string_agg(x.k || CASE WHEN any_null THEN '1' ELSE '' END, '' ORDER BY x.k)
      INTO inner_type, inner_key
      FROM unnest(types, keys) AS x(ty, k);
  END IF;
  RETURN ARRAY['LIST<' || inner_type || '> NOT NULL',
               kgmem_cypher._type_rank('LIST') || inner_key || '~0'];
END
$fn$;

CREATE FUNCTION kgmem_cypher.value_type(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT ag_catalog.text_to_agtype(coalesce((kgmem_cypher._value_type(v))[1], 'NULL'))
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.value_type(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._value_type(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._is_point(text);
DROP FUNCTION IF EXISTS kgmem_cypher._type_rank(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
