"""Neo4j 5's type predicate expressions (``x IS :: INTEGER``, ``x IS NOT TYPED
LIST<STRING> NOT NULL``, ``x :: INTEGER | FLOAT``).

- ``kgmem_cypher.is_typed(v, d)``: true when ``v`` belongs to the type ``d`` describes,
  false otherwise (never null). ``d`` is the JSON text kgmem's rewrite writes for the
  analyst's type (``kgmem.cypher.type_predicates``): ``{"null": b, "types": [...],
  "lists": [d, ...]}``, the union of the base types ``types`` (``ANY``, ``BOOLEAN``,
  ``STRING``, ``INTEGER``, ``FLOAT``, ``POINT``, ``MAP``, ``NODE``, ``RELATIONSHIP``,
  ``PATH``), of the lists whose every element belongs to one of ``lists``, and of null
  when ``null`` is true; a ``"negated"`` key asks for the opposite (``IS NOT ::``).
- ``_base_type(t)``: the base type of a value by its agtype text, as ``valueType``
  names it (migration 0054; ``LIST`` for any list).

PL/pgSQL and SQL, IMMUTABLE, PARALLEL SAFE, reading no table.

Revision ID: 0064_cypher_type_predicates
Revises: 0063_cypher_long_overflow
"""

from alembic import op

revision = "0064_cypher_type_predicates"
down_revision = "0063_cypher_long_overflow"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher._base_type(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE
    WHEN t LIKE '%::vertex' THEN 'NODE'
    WHEN t LIKE '%::edge' THEN 'RELATIONSHIP'
    WHEN t LIKE '%::path' THEN 'PATH'
    WHEN left(t, 1) = '"' THEN 'STRING'
    WHEN t IN ('true', 'false') THEN 'BOOLEAN'
    WHEN t ~ '^-?[0-9]+$' THEN 'INTEGER'
    WHEN t ~ '^(-?[0-9][0-9.e+-]*(::numeric)?|NaN|-?Infinity)$' THEN 'FLOAT'
    WHEN left(t, 1) = '{' THEN CASE WHEN kgmem_cypher._is_point(t) THEN 'POINT' ELSE 'MAP' END
    WHEN left(t, 1) = '[' THEN 'LIST'
  END
$fn$;

CREATE FUNCTION kgmem_cypher._typed(v ag_catalog.agtype, d jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text; base text; member jsonb;
BEGIN
  t := ag_catalog.agtype_out(v)::text;
  IF t IS NULL OR t = 'null' THEN
    RETURN (d->>'null')::boolean;
  END IF;
  IF d->'types' ? 'ANY' THEN
    RETURN true;
  END IF;
  base := kgmem_cypher._base_type(t);
  IF d->'types' ? base THEN
    RETURN true;
  END IF;
  IF base IS DISTINCT FROM 'LIST' THEN
    RETURN false;
  END IF;
  FOR member IN SELECT jsonb_array_elements(d->'lists') LOOP
    IF NOT EXISTS (SELECT 1 FROM ag_catalog.age_unnest(v) AS u(x)
                    WHERE NOT kgmem_cypher._typed(u.x, member)) THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END
$fn$;

CREATE FUNCTION kgmem_cypher.is_typed(v ag_catalog.agtype, d ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE j jsonb := ((ag_catalog.agtype_out(d)::text)::jsonb #>> '{}')::jsonb;
BEGIN
  RETURN (kgmem_cypher._typed(v, j) <> (j ? 'negated'))::text::ag_catalog.agtype;
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.is_typed(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._typed(ag_catalog.agtype, jsonb);
DROP FUNCTION IF EXISTS kgmem_cypher._base_type(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
