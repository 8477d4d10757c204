"""``toInteger`` and ``toBoolean`` of strings and large floats as Neo4j answers them.

- ``kgmem_cypher.to_integer`` (migration 0044's is kept as ``_to_integer_0044``): a
  string is read as Java reads a long, else as a decimal number cut toward zero
  (``'42'``, ``'-7.9'`` is -7, ``'1e3'`` is 1000); anything else, spaces and hex
  included, is null (AGE read ``' 42 '`` as 42 and ``'0x1F'`` as 31), and a number
  beyond the 64-bit range is an error (``integer, ..., is too large``; AGE answered
  the largest integer). A float beyond that range is the nearest end of it, NaN is 0,
  as Java's cast gives (AGE answered null).
- ``kgmem_cypher.to_boolean``: a string is trimmed before it is read (``' true '`` is
  true; AGE answered null); everything else as AGE's ``toBoolean``.
- ``kgmem_cypher._or_null`` (migration 0032's is kept as ``_or_null_0032``), behind
  ``toBooleanOrNull`` and ``toBooleanList``, reads strings as ``to_boolean`` does.

Revision ID: 0047_cypher_conversions
Revises: 0046_cypher_values
"""

from alembic import op

revision = "0047_cypher_conversions"
down_revision = "0046_cypher_values"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER FUNCTION kgmem_cypher.to_integer(ag_catalog.agtype) RENAME TO _to_integer_0044;
ALTER FUNCTION kgmem_cypher._or_null(text, ag_catalog.agtype) RENAME TO _or_null_0032;

CREATE FUNCTION kgmem_cypher._integer_text(s text) RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE n numeric;
BEGIN
  IF s !~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$' THEN
    RETURN NULL;
  END IF;
  n := trunc(s::numeric);
  IF n > 9223372036854775807 OR n < -9223372036854775808 THEN
    RAISE EXCEPTION USING ERRCODE = '22003', MESSAGE = 'integer, ' || s || ', is too large';
  END IF;
  RETURN n::bigint::text::ag_catalog.agtype;
END
$fn$;

CREATE FUNCTION kgmem_cypher.to_integer(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text := ag_catalog.agtype_out(v)::text; x float8;
BEGIN
  IF t ~ '^".*"$' THEN
    RETURN kgmem_cypher._integer_text(substr(t, 2, length(t) - 2));
  ELSIF t = 'NaN' THEN
    RETURN '0'::ag_catalog.agtype;
  ELSIF t ~ '^-?Infinity$' OR t ~ '^-?[0-9][0-9]*(\.[0-9]+)?(e[-+]?[0-9]+)?$' AND t ~ '[.e]' THEN
    x := t::float8;
    IF x >= 9223372036854775807::float8 THEN
      RETURN '9223372036854775807'::ag_catalog.agtype;
    ELSIF x <= -9223372036854775808::float8 THEN
      RETURN '-9223372036854775808'::ag_catalog.agtype;
    END IF;
    RETURN trunc(x)::bigint::text::ag_catalog.agtype;
  END IF;
  RETURN kgmem_cypher._to_integer_0044(v);
END
$fn$;

CREATE FUNCTION kgmem_cypher.to_boolean(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text := ag_catalog.agtype_out(v)::text;
BEGIN
  IF t ~ '^".*"$' THEN
    RETURN CASE lower(btrim(substr(t, 2, length(t) - 2), E' \t\n\r\f\v'))
      WHEN 'true' THEN 'true'::ag_catalog.agtype
      WHEN 'false' THEN 'false'::ag_catalog.agtype
    END;
  END IF;
  RETURN ag_catalog.age_toboolean(v);
END
$fn$;

CREATE FUNCTION kgmem_cypher._or_null(kind text, v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
BEGIN
  IF kind = 'boolean' AND v IS NOT NULL AND ag_catalog.agtype_out(v)::text ~ '^".*"$' THEN
    RETURN kgmem_cypher.to_boolean(v);
  END IF;
  RETURN kgmem_cypher._or_null_0032(kind, v);
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher._or_null(text, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.to_boolean(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.to_integer(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._integer_text(text);
ALTER FUNCTION kgmem_cypher._or_null_0032(text, ag_catalog.agtype) RENAME TO _or_null;
ALTER FUNCTION kgmem_cypher._to_integer_0044(ag_catalog.agtype) RENAME TO to_integer;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
