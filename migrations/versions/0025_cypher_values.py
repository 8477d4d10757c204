"""``+`` and ``-`` between values read from the graph that may be temporal
(``kgmem_cypher.arith``), and ``toString`` / ``toInteger`` as openCypher defines them
(``kgmem_cypher.to_string``, ``kgmem_cypher.to_integer``).

kgmem stores a temporal value as its ISO 8601 text, so AGE reads ``n.start +
n.length`` (a date and a duration, both stored) as two strings and concatenates them.
kgmem's rewrite (``kgmem.cypher.stored_arithmetic``) writes such a sum or difference
of two stored or passed values as ``arith(op, a, b)``: when both are strings and one is
a duration's text (``P...``), it is the temporal sum or difference
(``kgmem_cypher.plus``, migration 0017); when that fails (a string that is no temporal
value's text) or the operands are anything else, it is AGE's own ``+`` or ``-``.

AGE's ``toString`` writes a float without its fraction when it has none
(``toString(1.0)`` is ``'1'``; openCypher: ``'1.0'``), and its ``toInteger('')`` is 0
(openCypher: null). ``to_string`` writes a float as agtype writes it (``'1.0'``,
``'-0.0'``) and everything else as AGE's ``toString``; ``to_integer`` gives null for a
string of blanks and AGE's ``toInteger`` otherwise. kgmem's rewrite
(``kgmem.cypher.conversions``) calls them where a query calls ``toString`` or
``toInteger``.

All IMMUTABLE, STRICT, PARALLEL SAFE, reading no table.

Revision ID: 0025_cypher_values
Revises: 0024_cypher_relabel
"""

from alembic import op

revision = "0025_cypher_values"
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

CREATE FUNCTION kgmem_cypher.to_string(v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text := ag_catalog.agtype_out(v)::text;
BEGIN
  IF t ~ '^-?[0-9][0-9]*(\.[0-9]+)?(e[-+]?[0-9]+)?$' AND t ~ '[.e]' THEN
    RETURN kgmem_cypher._out(t);
  END IF;
  RETURN ag_catalog.age_tostring(v);
END
$fn$;

CREATE FUNCTION kgmem_cypher.to_integer(v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
BEGIN
  IF ag_catalog.agtype_out(v)::text ~ '^"\s*"$' THEN
    RETURN NULL;
  END IF;
  RETURN ag_catalog.age_tointeger(v);
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.to_string(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.to_integer(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.arith(ag_catalog.agtype, ag_catalog.agtype,
                                           ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
