"""``+`` and ``-`` between values read from the graph that may be temporal
(``kgmem_cypher.arith``).

kgmem stores a temporal value as its ISO 8601 text, so AGE reads ``n.start +
n.length`` (a date and a duration, both stored) as two strings and concatenates them.
kgmem's rewrite (``kgmem.cypher.stored_arithmetic``) writes such a sum or difference
of two stored or passed values as ``arith(op, a, b)``: when both are strings and one is
a duration's text (``P...``), it is the temporal sum or difference
(``kgmem_cypher.plus``, migration 0017); when that fails (a string that is no temporal
value's text) or the operands are anything else, it is AGE's own ``+`` or ``-``.

IMMUTABLE, STRICT, PARALLEL SAFE, reads no table.

Revision ID: 0025_cypher_arith
Revises: 0024_cypher_relabel
"""

from alembic import op

revision = "0025_cypher_arith"
down_revision = "0024_cypher_relabel"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher.arith(op ag_catalog.agtype, a ag_catalog.agtype,
                                   b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE o text := ag_catalog.agtype_out(op)::text; ta text := ag_catalog.agtype_out(a)::text;
        tb text := ag_catalog.agtype_out(b)::text;
BEGIN
  -- agtype's text of a string is quoted; a duration's text starts with P (or -P)
  IF left(ta, 1) = '"' AND left(tb, 1) = '"'
     AND (tb ~ '^"-?P' OR (o = '"+"' AND ta ~ '^"-?P')) THEN
    BEGIN
      RETURN kgmem_cypher.plus(a, b, kgmem_cypher._n(CASE o WHEN '"+"' THEN 1 ELSE -1 END));
    EXCEPTION WHEN others THEN
      NULL;  -- not temporal values' text: strings, added as AGE adds them
    END;
  END IF;
  IF o = '"+"' THEN
    RETURN a OPERATOR(ag_catalog.+) b;
  END IF;
  RETURN a OPERATOR(ag_catalog.-) b;
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.arith(ag_catalog.agtype, ag_catalog.agtype,
                                           ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
