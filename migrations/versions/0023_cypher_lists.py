"""Null list elements as openCypher's null (``kgmem_cypher.unnull``) and ``reduce()``
(``kgmem_cypher.fold``).

AGE 1.7 binds a null element of an unwound list to the agtype value ``null`` rather
than to SQL's NULL, so comparisons and boolean operators read it as a value
(``UNWIND [null] AS x RETURN x = 1`` is false, ``x OR false`` fails). kgmem's rewrite
(``kgmem.cypher.unwind``) passes each unwound value through ``unnull``, which gives
SQL's NULL for agtype ``null`` and the value itself otherwise.

``fold(op, init, terms)`` is ``reduce()`` for an accumulator the expression adds to or
multiplies (``kgmem.cypher.reduce``): AGE's ``+`` or ``*`` applied left to right from
``init`` over the list ``terms``; a null term gives null.

Both are IMMUTABLE, PARALLEL SAFE and read no table; ``unnull`` is plain SQL with
schema-qualified names, so PostgreSQL can inline it into the query.

Revision ID: 0023_cypher_lists
Revises: 0020_forget_undoes
"""

from alembic import op

revision = "0023_cypher_lists"
down_revision = "0020_forget_undoes"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher.unnull(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN v OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype THEN NULL ELSE v END
$fn$;

-- reduce(acc = init, x IN l | acc + e) as fold('+', init, [x IN l | e]) (and '*').
CREATE FUNCTION kgmem_cypher.fold(op ag_catalog.agtype, acc ag_catalog.agtype,
                                  terms ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE o text := kgmem_cypher._json(op) #>> '{}'; term ag_catalog.agtype;
BEGIN
  IF terms IS NULL OR kgmem_cypher.unnull(terms) IS NULL THEN RETURN NULL; END IF;
  FOR term IN SELECT t FROM ag_catalog.age_unnest(terms) AS t LOOP
    term := kgmem_cypher.unnull(term);
    acc := kgmem_cypher.unnull(acc);
    IF term IS NULL OR acc IS NULL THEN RETURN NULL; END IF;
    acc := CASE o WHEN '+' THEN acc OPERATOR(ag_catalog.+) term
                  ELSE acc OPERATOR(ag_catalog.*) term END;
  END LOOP;
  RETURN acc;
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.fold(ag_catalog.agtype, ag_catalog.agtype,
                                          ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.unnull(ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
