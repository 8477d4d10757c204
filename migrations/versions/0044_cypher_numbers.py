"""Neo4j's numeric functions where AGE 1.7 lacks them or answers otherwise.

- ``kgmem_cypher.round(x)``: ties rounded towards positive infinity, as Neo4j does
  (``round(-2.5)`` is ``-2.0``; AGE rounds them away from zero). ``round(x, precision)``
  rounds half up (away from zero) at ``precision`` decimals, except that precision 0
  rounds as ``round(x)``; ``round(x, precision, mode)`` takes Neo4j's modes
  (``CEILING``, ``FLOOR``, ``UP``, ``DOWN``, ``HALF_UP``, ``HALF_DOWN``, ``HALF_EVEN``,
  ``UNNECESSARY``), which AGE does not. The value is read as its shortest decimal text,
  as Neo4j reads a float, and the result is a float. NaN and infinities stay as they are.
- ``kgmem_cypher.is_nan(x)``: ``isNaN``; false for an integer.
- ``kgmem_cypher.haversin(x)``: half of one minus the cosine.
- ``kgmem_cypher./``: the division of Cypher values, as AGE's, except that a float
  divided by zero (or any number by ``0.0``) is ``Infinity``, ``-Infinity`` or ``NaN``,
  as Neo4j answers, where AGE raises "division by zero" (an integer divided by the
  integer 0 still does, as in Neo4j). AGE writes ``a / b`` with the operator the search
  path finds first, and kgmem puts ``kgmem_cypher`` before ``ag_catalog`` for an
  analyst's statement (``kgmem.storage.graph.cypher.enter_read`` / ``enter_write``). Its
  function is plain SQL, inlined where it is used.
- ``kgmem_cypher.to_string``: as migration 0025's, with a float written as Java writes
  it, as Neo4j does: its shortest decimal digits, plainly between 0.001 and 10^7
  (``'0.5'``, ``'123.0'``), otherwise in scientific notation (``'1.0E10'``,
  ``'1.0E-5'``, ``'1.23456789012345E14'``); ``'NaN'``, ``'Infinity'``, ``'-0.0'``.
- ``kgmem_cypher.to_integer``: as migration 0025's, and a boolean is 1 or 0
  (``toInteger(true)``), as Neo4j 5 converts it.

A value of another type raises SQLSTATE 22023 (a Cypher type error); null gives null.
All IMMUTABLE, STRICT, PARALLEL SAFE, reading no table. kgmem's rewrite
(``kgmem.cypher.neo4j_functions``) calls them where a query calls ``round``, ``isNaN``
or ``haversin``.

Revision ID: 0044_cypher_numbers
Revises: 0043_keyword_own_words
"""

from alembic import op

revision = "0044_cypher_numbers"
down_revision = "0043_keyword_own_words"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher._number_text(v ag_catalog.agtype, fn text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text := ag_catalog.agtype_out(v)::text;
BEGIN
  IF t ~ '^(-?[0-9][0-9.e+-]*|NaN|-?Infinity)$' THEN
    RETURN t;
  END IF;
  RAISE EXCEPTION USING ERRCODE = '22023',
    MESSAGE = fn || '() needs a number, not ' || left(t, 40);
END
$fn$;

CREATE FUNCTION kgmem_cypher._float_out(x float8) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT x::ag_catalog.agtype
$fn$;

-- Not STRICT and without SET: PostgreSQL inlines it into the statement.
CREATE FUNCTION kgmem_cypher.divide(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN b OPERATOR(ag_catalog.=) '0'::ag_catalog.agtype
         AND ag_catalog.agtype_out(a)::text ~ '^(-?[0-9][0-9.e+-]*|NaN|-?Infinity)$'
         AND (ag_catalog.agtype_out(a)::text || ag_catalog.agtype_out(b)::text) ~ '[.eIN]'
    THEN (CASE
      WHEN ag_catalog.agtype_out(a)::text::float8 = 0
           OR ag_catalog.agtype_out(a)::text = 'NaN' THEN 'NaN'::float8
      WHEN (ag_catalog.agtype_out(a)::text::float8 > 0)
           = (left(ag_catalog.agtype_out(b)::text, 1) <> '-') THEN 'Infinity'::float8
      ELSE '-Infinity'::float8 END)::ag_catalog.agtype
    ELSE a OPERATOR(ag_catalog./) b
  END
$fn$;

CREATE OPERATOR kgmem_cypher./ (
  LEFTARG = ag_catalog.agtype, RIGHTARG = ag_catalog.agtype, FUNCTION = kgmem_cypher.divide
);

CREATE FUNCTION kgmem_cypher.round(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE x float8 := kgmem_cypher._number_text(v, 'round')::float8; f float8;
BEGIN
  IF x = 'NaN'::float8 OR x IN ('Infinity'::float8, '-Infinity'::float8) THEN
    RETURN kgmem_cypher._float_out(x);
  END IF;
  f := floor(x);
  RETURN kgmem_cypher._float_out(CASE WHEN x - f >= 0.5 THEN f + 1 ELSE f END);
END
$fn$;

CREATE FUNCTION kgmem_cypher.round(v ag_catalog.agtype, digits ag_catalog.agtype,
                                   mode ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text := kgmem_cypher._number_text(v, 'round');
        p text := ag_catalog.agtype_out(digits)::text;
        m text := upper(trim(both '"' FROM ag_catalog.agtype_out(mode)::text));
        scale numeric; n numeric; a numeric; r numeric; d numeric;
BEGIN
  IF p !~ '^-?[0-9]+$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'round() needs an integer precision, not ' || left(p, 40);
  END IF;
  IF t IN ('NaN', 'Infinity', '-Infinity') THEN
    RETURN kgmem_cypher._float_out(t::float8);
  END IF;
  scale := power(10::numeric, p::int);
  n := t::numeric * scale;
  a := abs(n);
  d := a - floor(a);
  r := CASE m
    WHEN 'CEILING' THEN ceil(n)
    WHEN 'FLOOR' THEN floor(n)
    WHEN 'UP' THEN sign(n) * ceil(a)
    WHEN 'DOWN' THEN trunc(n)
    WHEN 'HALF_UP' THEN sign(n) * floor(a + 0.5)
    WHEN 'HALF_DOWN' THEN sign(n) * ceil(a - 0.5)
    WHEN 'HALF_EVEN' THEN sign(n) * (floor(a) + CASE WHEN d > 0.5 THEN 1 WHEN d < 0.5 THEN 0
                                                     ELSE mod(floor(a), 2) END)
    WHEN 'UNNECESSARY' THEN n
  END;
  IF r IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'round() has no rounding mode ' || m || ' (CEILING, FLOOR, UP, DOWN, '
                || 'HALF_UP, HALF_DOWN, HALF_EVEN, UNNECESSARY)';
  END IF;
  IF m = 'UNNECESSARY' AND n <> trunc(n) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'round() with mode UNNECESSARY of a value that needs rounding: ' || t;
  END IF;
  RETURN kgmem_cypher._float_out((r / scale)::float8);
END
$fn$;

CREATE FUNCTION kgmem_cypher.round(v ag_catalog.agtype, digits ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN ag_catalog.agtype_out(digits)::text = '0' THEN kgmem_cypher.round(v)
              ELSE kgmem_cypher.round(v, digits, '"HALF_UP"'::ag_catalog.agtype) END
$fn$;

CREATE FUNCTION kgmem_cypher.is_nan(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT (kgmem_cypher._number_text(v, 'isNaN') = 'NaN')::text::ag_catalog.agtype
$fn$;

CREATE FUNCTION kgmem_cypher.haversin(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_cypher._float_out((1 - cos(kgmem_cypher._number_text(v, 'haversin')::float8)) / 2)
$fn$;

CREATE FUNCTION kgmem_cypher._java_float(x float8) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE m text; point int; digits text; lead int; k int; sign text := '';
        d numeric; c numeric;
BEGIN
  IF x = 'NaN'::float8 THEN RETURN 'NaN'; END IF;
  IF x = 'Infinity'::float8 THEN RETURN 'Infinity'; END IF;
  IF x = '-Infinity'::float8 THEN RETURN '-Infinity'; END IF;
  IF x::text LIKE '-%' THEN sign := '-'; END IF;
  IF x = 0 THEN RETURN sign || '0.0'; END IF;
  -- the fewest significant digits that read back as x (PostgreSQL's own text of a
  -- float may have more: 6.9844131922541696e+16 for 6.98441319225417e16)
  d := abs(x)::text::numeric;
  FOR n IN 1..17 LOOP
    c := round(d, n - 1 - floor(log(d))::int);
    EXIT WHEN c::float8 = abs(x);
  END LOOP;
  m := c::text;
  point := position('.' IN m);
  IF point = 0 THEN point := length(m) + 1; END IF;
  digits := replace(m, '.', '');
  lead := length(digits) - length(ltrim(digits, '0'));
  digits := rtrim(ltrim(digits, '0'), '0');
  k := point - 1 - lead;  -- |x| = 0.<digits> * 10^k
  IF abs(x) >= 1e-3 AND abs(x) < 1e7 THEN
    IF k <= 0 THEN
      RETURN sign || '0.' || repeat('0', -k) || digits;
    ELSIF k >= length(digits) THEN
      RETURN sign || digits || repeat('0', k - length(digits)) || '.0';
    END IF;
    RETURN sign || left(digits, k) || '.' || substr(digits, k + 1);
  END IF;
  RETURN sign || left(digits, 1) || '.' || coalesce(nullif(substr(digits, 2), ''), '0')
         || 'E' || (k - 1)::text;
END
$fn$;

CREATE OR REPLACE FUNCTION kgmem_cypher.to_string(v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text := ag_catalog.agtype_out(v)::text;
BEGIN
  IF t ~ '^-?[0-9][0-9]*(\.[0-9]+)?(e[-+]?[0-9]+)?$' AND t ~ '[.e]'
     OR t IN ('NaN', 'Infinity', '-Infinity') THEN
    RETURN kgmem_cypher._out(kgmem_cypher._java_float(t::float8));
  END IF;
  RETURN ag_catalog.age_tostring(v);
END
$fn$;

CREATE OR REPLACE FUNCTION kgmem_cypher.to_integer(v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text := ag_catalog.agtype_out(v)::text;
BEGIN
  IF t ~ '^"\s*"$' THEN
    RETURN NULL;
  ELSIF t = 'true' THEN
    RETURN '1'::ag_catalog.agtype;
  ELSIF t = 'false' THEN
    RETURN '0'::ag_catalog.agtype;
  END IF;
  RETURN ag_catalog.age_tointeger(v);
END
$fn$;
"""

DOWNGRADE = r"""
CREATE OR REPLACE FUNCTION kgmem_cypher.to_integer(v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
BEGIN
  IF ag_catalog.agtype_out(v)::text ~ '^"\s*"$' THEN
    RETURN NULL;
  END IF;
  RETURN ag_catalog.age_tointeger(v);
END
$fn$;
DROP OPERATOR IF EXISTS kgmem_cypher./ (ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.divide(ag_catalog.agtype, ag_catalog.agtype);
CREATE OR REPLACE FUNCTION kgmem_cypher.to_string(v ag_catalog.agtype)
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
DROP FUNCTION IF EXISTS kgmem_cypher._java_float(float8);
DROP FUNCTION IF EXISTS kgmem_cypher.haversin(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.is_nan(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.round(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.round(ag_catalog.agtype, ag_catalog.agtype,
                                           ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.round(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._float_out(float8);
DROP FUNCTION IF EXISTS kgmem_cypher._number_text(ag_catalog.agtype, text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
