"""``+`` with a boolean operand is a type error, as in Neo4j, unless the other operand is
a list (``[1] + true`` appends).

AGE's ``+`` answered ``1 + true`` and ``true + true`` with the lists ``[1, true]`` and
``[true, true]``, and ``'a' + true`` with ``'a'``: wrong answers where Neo4j raises
"Cannot add". ``kgmem_cypher.+`` (found before ``ag_catalog.+`` on the search path of an
analyst's statement, as ``/`` is: migration 0044) raises SQLSTATE 42804 (a Cypher type
error) for those, and is AGE's ``+`` for everything else. Its function is plain SQL,
inlined where it is used: two comparisons per operand that agtype orders without
writing the value out (booleans sort between strings and numbers). ``kgmem_cypher.arith``
(migration 0025: ``+`` between two values read from the graph, parameters or variables,
which may be temporal) adds through it too; the downgrade restores 0025's body.

Revision ID: 0062_cypher_boolean_addition
Revises: 0061_cypher_string_functions
"""

from alembic import op

from kgmem.storage.engine.migration_texts import created, edited

revision = "0062_cypher_boolean_addition"
down_revision = "0061_cypher_string_functions"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher._is_boolean(v ag_catalog.agtype) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT coalesce(v OPERATOR(ag_catalog.>=) 'false'::ag_catalog.agtype
                  AND v OPERATOR(ag_catalog.<=) 'true'::ag_catalog.agtype, false)
$fn$;

CREATE FUNCTION kgmem_cypher._cannot_add(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '42804',
    MESSAGE = format('Cannot add %s and %s',
                     replace((kgmem_cypher._value_type(a))[1], ' NOT NULL', ''),
                     replace((kgmem_cypher._value_type(b))[1], ' NOT NULL', ''));
END
$fn$;

-- Not STRICT and without SET: PostgreSQL inlines it into the statement.
CREATE FUNCTION kgmem_cypher.add(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN (kgmem_cypher._is_boolean(a) OR kgmem_cypher._is_boolean(b))
         AND left(ag_catalog.agtype_out(a)::text, 1) <> '['
         AND left(ag_catalog.agtype_out(b)::text, 1) <> '['
      THEN kgmem_cypher._cannot_add(a, b)
    ELSE a OPERATOR(ag_catalog.+) b END
$fn$;

CREATE OPERATOR kgmem_cypher.+ (
  LEFTARG = ag_catalog.agtype, RIGHTARG = ag_catalog.agtype, FUNCTION = kgmem_cypher.add
);
"""

DOWNGRADE = """
DROP OPERATOR IF EXISTS kgmem_cypher.+ (ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.add(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._cannot_add(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._is_boolean(ag_catalog.agtype);
"""


_ARITH = "kgmem_cypher.arith"
_AGES_ADDITION = "    RETURN a OPERATOR(ag_catalog.+) b;\n"
_CHECKED_ADDITION = "    RETURN kgmem_cypher.add(a, b);\n"


def _arith() -> str:
    return created("0025_cypher_values", _ARITH)


def upgrade() -> None:
    op.execute(UPGRADE)
    op.execute(edited(_arith(), [(_AGES_ADDITION, _CHECKED_ADDITION)]))


def downgrade() -> None:
    op.execute(_arith())
    op.execute(DOWNGRADE)
