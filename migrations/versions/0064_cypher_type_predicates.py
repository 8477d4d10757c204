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
  names it (``LIST`` for any list): the classification migration 0054's
  ``_value_type`` made inline, which now calls it (its downgrade restores 0054's text).

PL/pgSQL and SQL, IMMUTABLE, PARALLEL SAFE, reading no table.

Revision ID: 0064_cypher_type_predicates
Revises: 0063_cypher_long_overflow
"""

from alembic import op

from kgmem.storage.engine.migration_texts import created, edited

revision = "0064_cypher_type_predicates"
down_revision = "0063_cypher_long_overflow"
branch_labels = None
depends_on = None

UPGRADE = r"""
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

_VALUE_TYPE = "kgmem_cypher._value_type"


def _value_type() -> str:
    """``kgmem_cypher._value_type`` as migration 0054 created it."""
    return created("0054_cypher_value_type", _VALUE_TYPE)


def _classification() -> str:
    """0054's inline CASE that names a value's base type from its agtype text ``t``."""
    body = _value_type()
    start = body.index("  base := CASE\n")
    return body[start : body.index("  END;\n", start) + len("  END;\n")]


def _base_type() -> str:
    """``_base_type(t)``: that CASE as a function of its own."""
    case = _classification().removeprefix("  base := ").removesuffix(";\n")
    return (
        "CREATE FUNCTION kgmem_cypher._base_type(t text) RETURNS text\n"
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$\n"
        f"  SELECT {case}\n$fn$;\n"
    )


DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.is_typed(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._typed(ag_catalog.agtype, jsonb);
DROP FUNCTION IF EXISTS kgmem_cypher._base_type(text);
"""


def upgrade() -> None:
    op.execute(_base_type())
    op.execute(UPGRADE)
    calls = "  base := kgmem_cypher._base_type(t);\n"
    op.execute(edited(_value_type(), [(_classification(), calls)]))


def downgrade() -> None:
    op.execute(_value_type())
    op.execute(DOWNGRADE)
