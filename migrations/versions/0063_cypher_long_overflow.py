"""Integer arithmetic past 64 bits is Neo4j's ArithmeticError "long overflow", where
AGE wrapped around (``9223372036854775807 + 1`` was ``-9223372036854775808``).

- ``kgmem_cypher.+`` (``add``, migration 0062, replaced here) adds two numbers as AGE
  does unless the first lies past ``9223372036854775807 - b`` (for ``b >= 0``) or short of
  ``-9223372036854775808 - b`` (for ``b < 0``): only then can the sum leave 64 bits, and
  ``_exact`` adds them again, raising for two integers and answering AGE's sum for a
  float. Anything else is as 0062 answered it.
- ``kgmem_cypher.-`` (binary, ``subtract``) likewise, with the bounds moved by ``b``.
- ``kgmem_cypher.-`` (prefix, ``negate``): only the least integer has no negation.
- ``kgmem_cypher.*`` (``multiply``) as AGE when both operands lie within ±3037000499
  (no product of two such integers passes 64 bits), otherwise through ``_exact``.

Numbers sort above every other agtype value but null, so ``> true`` finds them; the
bounds are comparisons agtype makes without writing a value out, so the common case costs
one or two comparisons. Each operator is found before ``ag_catalog``'s on the search path
of an analyst's statement, as ``/`` is (migration 0044), and the functions are plain SQL,
inlined where they are used. ``_long_overflow`` raises SQLSTATE 22003 with Java's words,
which kgmem reports as ``CypherArithmeticError``. ``kgmem_cypher.arith`` (migrations
0025 and 0062: ``+`` and ``-`` between values read from the graph, parameters or
variables) subtracts through ``subtract``; the downgrade restores its body and
``add``'s as 0062 left them.

Revision ID: 0063_cypher_long_overflow
Revises: 0062_cypher_boolean_addition
"""

from alembic import op

from kgmem.storage.engine.migration_texts import created, earlier, edited

revision = "0063_cypher_long_overflow"
down_revision = "0062_cypher_boolean_addition"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher._long_overflow() RETURNS ag_catalog.agtype
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '22003', MESSAGE = 'long overflow';
END
$fn$;

-- a op b (op: +, - or *) as AGE answers it, unless both are integers whose exact
-- result does not fit 64 bits.
CREATE FUNCTION kgmem_cypher._exact(a ag_catalog.agtype, b ag_catalog.agtype, op text)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE ta text := ag_catalog.agtype_out(a)::text; tb text := ag_catalog.agtype_out(b)::text;
        exact numeric;
BEGIN
  IF ta ~ '^-?[0-9]+$' AND tb ~ '^-?[0-9]+$' THEN
    exact := CASE op WHEN '+' THEN ta::numeric + tb::numeric
                     WHEN '-' THEN ta::numeric - tb::numeric
                     ELSE ta::numeric * tb::numeric END;
    IF exact NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN
      RETURN kgmem_cypher._long_overflow();
    END IF;
  END IF;
  RETURN CASE op WHEN '+' THEN a OPERATOR(ag_catalog.+) b
                 WHEN '-' THEN a OPERATOR(ag_catalog.-) b
                 ELSE a OPERATOR(ag_catalog.*) b END;
END
$fn$;

-- Not STRICT and without SET: PostgreSQL inlines these into the statement.
CREATE FUNCTION kgmem_cypher.subtract(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN (b OPERATOR(ag_catalog.>=) '0'::ag_catalog.agtype
          AND a OPERATOR(ag_catalog.<) ('-9223372036854775808'::ag_catalog.agtype
                                        OPERATOR(ag_catalog.+) b))
      OR (b OPERATOR(ag_catalog.<) '0'::ag_catalog.agtype
          AND a OPERATOR(ag_catalog.>) ('9223372036854775807'::ag_catalog.agtype
                                        OPERATOR(ag_catalog.+) b))
      THEN kgmem_cypher._exact(a, b, '-')
    ELSE a OPERATOR(ag_catalog.-) b END
$fn$;

CREATE FUNCTION kgmem_cypher.negate(a ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN a OPERATOR(ag_catalog.=) '-9223372036854775808'::ag_catalog.agtype
      THEN kgmem_cypher._exact('0'::ag_catalog.agtype, a, '-')
    ELSE OPERATOR(ag_catalog.-) a END
$fn$;

-- No product of two integers within ±3037000499 passes 64 bits.
CREATE FUNCTION kgmem_cypher.multiply(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN a OPERATOR(ag_catalog.<) '-3037000499'::ag_catalog.agtype
         OR a OPERATOR(ag_catalog.>) '3037000499'::ag_catalog.agtype
         OR b OPERATOR(ag_catalog.<) '-3037000499'::ag_catalog.agtype
         OR b OPERATOR(ag_catalog.>) '3037000499'::ag_catalog.agtype
      THEN kgmem_cypher._exact(a, b, '*')
    ELSE a OPERATOR(ag_catalog.*) b END
$fn$;

CREATE OPERATOR kgmem_cypher.- (
  LEFTARG = ag_catalog.agtype, RIGHTARG = ag_catalog.agtype, FUNCTION = kgmem_cypher.subtract
);

CREATE OPERATOR kgmem_cypher.- (RIGHTARG = ag_catalog.agtype, FUNCTION = kgmem_cypher.negate);

CREATE OPERATOR kgmem_cypher.* (
  LEFTARG = ag_catalog.agtype, RIGHTARG = ag_catalog.agtype, FUNCTION = kgmem_cypher.multiply
);
"""

DOWNGRADE = """
DROP OPERATOR IF EXISTS kgmem_cypher.* (ag_catalog.agtype, ag_catalog.agtype);
DROP OPERATOR IF EXISTS kgmem_cypher.- (NONE, ag_catalog.agtype);
DROP OPERATOR IF EXISTS kgmem_cypher.- (ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.multiply(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.negate(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.subtract(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._exact(ag_catalog.agtype, ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_cypher._long_overflow();
"""

_BOOLEAN_ADDITION = "0062_cypher_boolean_addition"
_AGES_DIFFERENCE = "  RETURN a OPERATOR(ag_catalog.-) b;\n"
_CHECKED_DIFFERENCE = "  RETURN kgmem_cypher.subtract(a, b);\n"


def _add() -> str:
    """``kgmem_cypher.add`` as migration 0062 created it."""
    return created(_BOOLEAN_ADDITION, "kgmem_cypher.add")


# Two numbers (numbers sort above every other agtype value but null, so "> true" tells
# them apart) are added as AGE adds them unless the sum may leave 64 bits.
_BOOLEANS_FIRST = "  SELECT CASE\n    WHEN (kgmem_cypher._is_boolean(a)"
_NUMBERS_FIRST = """  SELECT CASE
    WHEN a OPERATOR(ag_catalog.>) 'true'::ag_catalog.agtype
         AND b OPERATOR(ag_catalog.>) 'true'::ag_catalog.agtype
      THEN CASE
        WHEN (b OPERATOR(ag_catalog.>=) '0'::ag_catalog.agtype
              AND a OPERATOR(ag_catalog.>) ('9223372036854775807'::ag_catalog.agtype
                                            OPERATOR(ag_catalog.-) b))
          OR (b OPERATOR(ag_catalog.<) '0'::ag_catalog.agtype
              AND a OPERATOR(ag_catalog.<) ('-9223372036854775808'::ag_catalog.agtype
                                            OPERATOR(ag_catalog.-) b))
          THEN kgmem_cypher._exact(a, b, '+')
        ELSE a OPERATOR(ag_catalog.+) b END
    WHEN (kgmem_cypher._is_boolean(a)"""


def _arith() -> str:
    """``kgmem_cypher.arith`` as migration 0062 left it."""
    previous = earlier(_BOOLEAN_ADDITION)
    return edited(previous._arith(), [(previous._AGES_ADDITION, previous._CHECKED_ADDITION)])


def upgrade() -> None:
    op.execute(UPGRADE)
    op.execute(edited(_add(), [(_BOOLEANS_FIRST, _NUMBERS_FIRST)]))
    op.execute(edited(_arith(), [(_AGES_DIFFERENCE, _CHECKED_DIFFERENCE)]))


def downgrade() -> None:
    op.execute(_add())
    op.execute(_arith())
    op.execute(DOWNGRADE)
