"""Checks of what a writing clause writes to, of the map a SET copies and of a slice's
bounds, where AGE 1.7 crashes its server process.

AGE dereferences a null pointer, and PostgreSQL restarts every backend of every
tenant, when a SET, REMOVE or DELETE is given the empty list for a node or relationship
(``MATCH ()-[r*0..1]->() DELETE r`` on a zero-length match, ``WITH collect(n) AS l SET
l.x = 1`` over no rows), or when a CREATE is given null or the empty list for a
relationship's end node (``OPTIONAL MATCH (a:Missing) CREATE (a)-[:T]->(:B)``). kgmem
puts these checks before such a clause (``kgmem.cypher.write_targets``); each answers
true, or raises Neo4j's type error before AGE sees the value:

- ``kgmem_cypher.written(v, name)``: ``v`` is not the empty list;
- ``kgmem_cypher.endpoint(v, name)``: ``v`` is neither null nor the empty list;
- ``kgmem_cypher.written_each(l, name, endpoint)``: ``l`` (a FOREACH's list) with every
  element checked as above, returned unchanged;
- ``kgmem_cypher.settable(v, replace)``: the right side of ``SET n += m`` (null: the
  empty map, nothing to add) or ``SET n = m`` (null: a type error), where AGE crashed
  on null (``kgmem.cypher.map_updates``);
- ``kgmem_cypher.slice_bound(v)``: ``v``, a list slice's bound, when it is null or a
  number (AGE crashed on a list or map there: ``[1, 2][[1]..2]``), else AGE's own
  error for a string (``kgmem.cypher.slices``).

SQL functions PostgreSQL inlines (the raising one aside); one agtype comparison a row.

Revision ID: 0066_cypher_write_targets
Revises: 0065_fact_estimates
"""

from alembic import op

revision = "0066_cypher_write_targets"
down_revision = "0065_fact_estimates"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- Neo4j's type error in its words, with the variable's name (null: none) for its %s.
CREATE FUNCTION kgmem_cypher._type_error(message text, name ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '42804',
    MESSAGE = format(message, btrim(ag_catalog.agtype_out(name)::text, '"'));
END
$fn$;

-- Not STRICT and without SET: PostgreSQL inlines these into the statement.
CREATE FUNCTION kgmem_cypher.written(v ag_catalog.agtype, name ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN v OPERATOR(ag_catalog.=) '[]'::ag_catalog.agtype
      THEN kgmem_cypher._type_error(
        'Type mismatch: expected a node or relationship for `%s` but was an empty list', name)
    ELSE 'true'::ag_catalog.agtype END
$fn$;

CREATE FUNCTION kgmem_cypher.endpoint(v ag_catalog.agtype, name ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN v IS NULL OR v OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype
      THEN kgmem_cypher._type_error(
        'Failed to create relationship: node `%s` is missing (null)', name)
    WHEN v OPERATOR(ag_catalog.=) '[]'::ag_catalog.agtype
      THEN kgmem_cypher.written(v, name)
    ELSE 'true'::ag_catalog.agtype END
$fn$;

-- The right side of SET n = m (replace true) or SET n += m: null is no map to copy.
CREATE FUNCTION kgmem_cypher.settable(v ag_catalog.agtype, replace ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN v IS NOT NULL AND v OPERATOR(ag_catalog.<>) 'null'::ag_catalog.agtype THEN v
    WHEN replace OPERATOR(ag_catalog.=) 'true'::ag_catalog.agtype
      THEN kgmem_cypher._type_error('Type mismatch: SET n = expected a map but was null', NULL)
    ELSE '{}'::ag_catalog.agtype END
$fn$;

-- Numbers sort above every other agtype value but null, so "> true" finds them.
CREATE FUNCTION kgmem_cypher.slice_bound(v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN v IS NULL OR v OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype
         OR v OPERATOR(ag_catalog.>) 'true'::ag_catalog.agtype THEN v
    ELSE kgmem_cypher._type_error('array slices must resolve to an integer value', NULL) END
$fn$;

CREATE FUNCTION kgmem_cypher.written_each(
  l ag_catalog.agtype, name ag_catalog.agtype, endpoint ag_catalog.agtype
) RETURNS ag_catalog.agtype
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE x ag_catalog.agtype;
BEGIN
  IF l IS NULL OR ag_catalog.agtype_out(l)::text NOT LIKE '[%' THEN
    RETURN l;
  END IF;
  FOR x IN SELECT u FROM ag_catalog.age_unnest(l) AS u LOOP
    IF endpoint OPERATOR(ag_catalog.=) 'true'::ag_catalog.agtype THEN
      PERFORM kgmem_cypher.endpoint(x, name);
    ELSE
      PERFORM kgmem_cypher.written(x, name);
    END IF;
  END LOOP;
  RETURN l;
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.written_each(
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.settable(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.slice_bound(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.endpoint(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.written(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._type_error(text, ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
