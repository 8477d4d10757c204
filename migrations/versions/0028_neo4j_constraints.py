"""Neo4j 5's constraints, enforced by PostgreSQL on AGE's label tables: the functions
of schema ``kgmem_neo4j`` that the constraints' CHECKs call.

A declared constraint (``kgmem.neo4j_schema.constraints``) is a CHECK on its label's
table (PostgreSQL copies it to the composite tables inheriting from it, and
``extend`` adds it to a new one before it inherits) calling one of these functions
with the row's ``id`` and ``properties`` and the constraint's own constants. AGE's
Cypher writes skip triggers but evaluate CHECKs, and so do kgmem's SQL inserts and
COPY, so every door is fenced. A function RAISEs a Neo4j-style error when the row
breaks the constraint and returns true otherwise (a CHECK that returns false breaks
AGE's error path):

- ``unique(seq, id, props, name, entity, label, keys)``: no other row of the label
  (its table and every table inheriting from it) holds the same values of ``keys``;
  a row missing one of them is not concerned. SQLSTATE 23505. ``seq`` is the label's
  id sequence as a regclass constant: it names the schema to look in. AGE's Cypher
  writes leave ``tableoid`` unset (0) in a CHECK, and a regclass of the label table
  itself would be resolved inside its own CREATE TABLE when pg_dump's output is
  restored; the sequence is created before the table, and the constant follows a
  schema rename (a namespace restored under another name). A restore that sets
  ``kgmem_neo4j.restoring`` to ``on`` skips the lookup: it copies rows that met the
  constraint when they were dumped, before the indexes that serve the lookup exist.
- ``present(id, props, name, entity, label, keys)``: every one of ``keys`` is there
  and not null. SQLSTATE 23502.
- ``typed(id, props, name, entity, label, key, allowed)``: the value of ``key``, when
  there is one, is of one of the Neo4j types ``allowed`` (``value_type`` names them).
  SQLSTATE 23514.

Every error carries DETAIL ``kgmem_neo4j constraint <name>`` (and the constraint's
name as its CONSTRAINT field), which ``kgmem.storage.engine.driver_errors`` reads to
tell it from kgmem's own uid uniqueness.

Uniqueness against concurrent writers: before looking for another row, ``unique``
takes a transaction-level advisory lock on a hash of (schema, constraint name, values)
folded into ``_BUCKETS`` buckets (one lock per distinct value would fill PostgreSQL's
shared lock table on a large write). A second writer of the same values waits for the
first to end; under READ COMMITTED its lookup, a new query of a VOLATILE function,
then sees the first one's committed row, and it raises 40001 (serialization failure):
kgmem runs a one-statement write again, where a MERGE now finds the node and a CREATE
is refused with 23505 (an explicit transaction gets the 40001 to retry). The lookup is
served by the constraint's btree expression index on each table.

The functions a CHECK calls on every row name everything they use by its schema (or
use pg_catalog's, which PostgreSQL searches first) and carry no ``SET search_path``:
switching it on every call costs more than the check, and invalidates the prepared
lookup's plan.

Revision ID: 0028_neo4j_constraints
Revises: 0027_neo4j_schema
"""

from alembic import op

revision = "0028_neo4j_constraints"
down_revision = "0027_neo4j_schema"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE SCHEMA IF NOT EXISTS kgmem_neo4j;

-- Neo4j's name of the type of a stored property value: BOOLEAN, STRING, INTEGER,
-- FLOAT, MAP, NULL, LIST<T NOT NULL> for a list of one type, LIST<NOTHING> for the
-- empty list, LIST<ANY> otherwise. kgmem stores temporal values as their text, so
-- they are STRING here.
CREATE FUNCTION kgmem_neo4j.value_type(v ag_catalog.agtype) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  t text;
  inner_types text[];
BEGIN
  IF v IS NULL THEN
    RETURN 'NULL';
  END IF;
  t := ag_catalog.agtype_out(v)::text;
  CASE left(t, 1)
    WHEN '"' THEN RETURN 'STRING';
    WHEN 't', 'f' THEN RETURN 'BOOLEAN';
    WHEN 'n' THEN RETURN 'NULL';
    WHEN '{' THEN RETURN 'MAP';
    WHEN '[' THEN
      inner_types := ARRAY(SELECT DISTINCT kgmem_neo4j.value_type(e)
                           FROM ag_catalog.age_unnest(v) AS e);
      IF cardinality(inner_types) = 0 THEN
        RETURN 'LIST<NOTHING>';
      ELSIF cardinality(inner_types) = 1 AND inner_types[1] <> 'NULL' THEN
        RETURN 'LIST<' || inner_types[1] || ' NOT NULL>';
      END IF;
      RETURN 'LIST<ANY>';
    ELSE
      NULL;
  END CASE;
  IF t ~ '^-?[0-9]+$' THEN
    RETURN 'INTEGER';
  END IF;
  RETURN 'FLOAT';  -- 1.5, 1e+300, NaN, Infinity, and AGE's numeric
END
$fn$;

-- A value as Neo4j's messages write it: strings in single quotes.
CREATE FUNCTION kgmem_neo4j._shown(v ag_catalog.agtype) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN left(t, 1) = '"' THEN quote_literal((t::jsonb) #>> '{}') ELSE t END
  FROM (SELECT ag_catalog.agtype_out(v)::text AS t) AS s
$fn$;

-- The text a value is locked by: numbers as float8, so 1 and 1.0 (equal to agtype's
-- btree, and so to the constraint) share a lock.
CREATE FUNCTION kgmem_neo4j._lock_text(v ag_catalog.agtype) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE t text := ag_catalog.agtype_out(v)::text;
BEGIN
  IF left(t, 1) = '[' THEN
    RETURN '[' || coalesce((SELECT string_agg(kgmem_neo4j._lock_text(e), ',')
                            FROM ag_catalog.age_unnest(v) AS e), '') || ']';
  END IF;
  IF t ~ '^-?[0-9]' THEN
    RETURN split_part(t, '::', 1)::float8::text;
  END IF;
  RETURN t;
END
$fn$;

CREATE FUNCTION kgmem_neo4j._get(props ag_catalog.agtype, key text) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN ag_catalog.agtype_out(v)::text = 'null' THEN NULL ELSE v END
  FROM (SELECT ag_catalog.agtype_access_operator(
          VARIADIC ARRAY[props, (to_jsonb(key)::text)::ag_catalog.agtype]) AS v) AS s
$fn$;

CREATE FUNCTION kgmem_neo4j._element(entity text, id ag_catalog.graphid, label text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN entity = 'NODE' THEN format('Node(%s) with label `%s`', id::text, label)
              ELSE format('Relationship(%s) with type `%s`', id::text, label) END
$fn$;

-- The lookup of ``unique``, prepared once per session and (schema, label, keys):
-- planning the query over a label and its inheriting tables costs far more than
-- running it, on every row of a large write.
CREATE FUNCTION kgmem_neo4j._lookup(schema_name text, label text, keys text[]) RETURNS text
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  stmt text := 'kgd_' || md5(schema_name || E'\x1f' || label || E'\x1f'
                                     || array_to_string(keys, E'\x1f'));
  cond text := '';
BEGIN
  -- A setting of the session marks the statement prepared: far cheaper to read than
  -- pg_prepared_statements. It is undone by a rollback and by RESET ALL, which keep
  -- the statement: the view is read again then.
  IF current_setting('kgmem_neo4j.' || stmt, true) = 'y' THEN
    RETURN stmt;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_prepared_statements p WHERE p.name = stmt) THEN
    FOR i IN 1 .. cardinality(keys) LOOP
      cond := cond || format(
        ' AND ag_catalog.agtype_access_operator(VARIADIC ARRAY[properties, %L::ag_catalog.agtype])'
        ' OPERATOR(ag_catalog.=) $1[%s]', to_jsonb(keys[i])::text, i);
    END LOOP;
    EXECUTE format('PREPARE %I(ag_catalog.agtype[], ag_catalog.graphid) AS SELECT id FROM %I.%I '
                   'WHERE id OPERATOR(ag_catalog.<>) $2%s LIMIT 1', stmt, schema_name, label, cond);
  END IF;
  PERFORM set_config('kgmem_neo4j.' || stmt, 'y', false);
  RETURN stmt;
END
$fn$;

CREATE FUNCTION kgmem_neo4j.unique(
  seq regclass, id ag_catalog.graphid, props ag_catalog.agtype, name text, entity text,
  label text, keys text[]
) RETURNS boolean
-- A write that fills a new label plans the lookup while the label's table is still
-- tiny, and PostgreSQL keeps that plan: a sequential scan would then make the write
-- quadratic.
LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $fn$
DECLARE
  vals ag_catalog.agtype[] := ARRAY[]::ag_catalog.agtype[];
  v ag_catalog.agtype;
  k text;
  locked text := '';
  shown text := '';
  schema_name text;
  other ag_catalog.graphid;
  k1 integer;
  k2 integer;
  waited boolean := false;
BEGIN
  FOREACH k IN ARRAY keys LOOP
    v := kgmem_neo4j._get(props, k);
    IF v IS NULL THEN
      RETURN true;  -- Neo4j: a row missing one of the properties is not concerned
    END IF;
    vals := array_append(vals, v);
    locked := locked || E'\x1f' || kgmem_neo4j._lock_text(v);
  END LOOP;
  IF current_setting('kgmem_neo4j.restoring', true) = 'on' THEN
    RETURN true;  -- a restore copies rows that met the constraint when dumped
  END IF;
  SELECT n.nspname INTO schema_name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = seq;
  k1 := hashtext(schema_name || E'\x1f' || name);
  k2 := hashtext(locked) & 1023;
  IF NOT pg_try_advisory_xact_lock(k1, k2) THEN
    PERFORM pg_advisory_xact_lock(k1, k2);
    waited := true;
  END IF;
  EXECUTE format('EXECUTE %I(%L, %L)', kgmem_neo4j._lookup(schema_name, label, keys),
                 vals, id) INTO other;
  IF other IS NOT NULL AND waited THEN
    -- Another transaction wrote the value while this one waited: run again, a MERGE
    -- then finds its node (as two racing MERGEs of Neo4j do) and a CREATE is refused.
    RAISE EXCEPTION USING
      ERRCODE = '40001',
      MESSAGE = format('a concurrent transaction wrote the same value of constraint `%s`',
                       name);
  END IF;
  IF other IS NOT NULL THEN
    FOR i IN 1 .. cardinality(keys) LOOP
      shown := shown || CASE WHEN i = 1 THEN '' ELSE ', ' END
               || format('`%s` = %s', keys[i], kgmem_neo4j._shown(vals[i]));
    END LOOP;
    RAISE EXCEPTION USING
      ERRCODE = '23505',
      MESSAGE = format('%s(%s) already exists with %s `%s` and %s %s',
                       CASE WHEN entity = 'NODE' THEN 'Node' ELSE 'Relationship' END,
                       other::text, CASE WHEN entity = 'NODE' THEN 'label' ELSE 'type' END,
                       label, CASE WHEN cardinality(keys) = 1 THEN 'property'
                                   ELSE 'properties' END, shown),
      DETAIL = 'kgmem_neo4j constraint ' || name,
      CONSTRAINT = name;
  END IF;
  RETURN true;
END
$fn$;

CREATE FUNCTION kgmem_neo4j.present(
  id ag_catalog.graphid, props ag_catalog.agtype, name text, entity text, label text,
  keys text[]
) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE k text;
BEGIN
  FOREACH k IN ARRAY keys LOOP
    IF kgmem_neo4j._get(props, k) IS NULL THEN
      RAISE EXCEPTION USING
        ERRCODE = '23502',
        MESSAGE = format('%s must have the property `%s`',
                         kgmem_neo4j._element(entity, id, label), k),
        DETAIL = 'kgmem_neo4j constraint ' || name,
        CONSTRAINT = name;
    END IF;
  END LOOP;
  RETURN true;
END
$fn$;

-- Whether a value of Neo4j type ``found`` meets ``allowed``: the empty list meets
-- every list type.
CREATE FUNCTION kgmem_neo4j._conforms(found text, allowed text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT found = ANY (allowed)
      OR (found = 'LIST<NOTHING>' AND EXISTS (SELECT 1 FROM unnest(allowed) AS a
                                               WHERE a LIKE 'LIST<%'))
$fn$;

CREATE FUNCTION kgmem_neo4j.typed(
  id ag_catalog.graphid, props ag_catalog.agtype, name text, entity text, label text,
  key text, allowed text[]
) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  v ag_catalog.agtype := kgmem_neo4j._get(props, key);
  found text;
BEGIN
  IF v IS NULL THEN
    RETURN true;
  END IF;
  found := kgmem_neo4j.value_type(v);
  IF NOT kgmem_neo4j._conforms(found, allowed) THEN
    RAISE EXCEPTION USING
      ERRCODE = '23514',
      MESSAGE = format('%s required the property `%s` to be of type `%s`, but was of type `%s`',
                       kgmem_neo4j._element(entity, id, label), key,
                       array_to_string(allowed, ' | '), found),
      DETAIL = 'kgmem_neo4j constraint ' || name,
      CONSTRAINT = name;
  END IF;
  RETURN true;
END
$fn$;

GRANT USAGE ON SCHEMA kgmem_neo4j TO PUBLIC;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_neo4j.typed(ag_catalog.graphid, ag_catalog.agtype, text, text,
                                          text, text, text[]);
DROP FUNCTION IF EXISTS kgmem_neo4j._conforms(text, text[]);
DROP FUNCTION IF EXISTS kgmem_neo4j.present(ag_catalog.graphid, ag_catalog.agtype, text, text,
                                            text, text[]);
DROP FUNCTION IF EXISTS kgmem_neo4j.unique(regclass, ag_catalog.graphid, ag_catalog.agtype, text,
                                           text, text, text[]);
DROP FUNCTION IF EXISTS kgmem_neo4j._lookup(text, text, text[]);
DROP FUNCTION IF EXISTS kgmem_neo4j._element(text, ag_catalog.graphid, text);
DROP FUNCTION IF EXISTS kgmem_neo4j._get(ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_neo4j._lock_text(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j._shown(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.value_type(ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
