"""Neo4j 5's newer string functions: ``btrim``, ``ltrim`` and ``rtrim`` with the
characters to trim, ``trim([LEADING|TRAILING|BOTH] [c] FROM s)``, ``upper``,
``lower``, ``char_length``, ``character_length``, ``normalize`` and ``split`` by a list
of delimiters.

- ``kgmem_cypher.trim(v, chars)``, ``ltrim(v, chars)``, ``rtrim(v, chars)``: ``v``
  with every leading and/or trailing character that is one of ``chars`` removed (an
  empty ``chars`` removes nothing); null when either is null; a type error when either
  is another value (the one-argument forms of migration 0050 answer ``btrim(v)`` too).
- ``kgmem_cypher.trim_character(side, c, v)``: ``trim(side c FROM v)``, where ``c`` must
  be exactly one character (Neo4j's ArgumentError, here SQLSTATE 22023).
- ``kgmem_cypher.char_length(v)``: the characters of a string; null for null; a type
  error for anything else (``size`` also counts lists).
- ``kgmem_cypher.normalize(v, form)``: PostgreSQL's Unicode normalisation of a string
  (NFC, NFD, NFKC or NFKD; kgmem's rewrite passes Neo4j's form keyword as text).
- ``kgmem_cypher.split(v, d)``: AGE's ``split`` for a string delimiter; for a list of
  strings, ``v`` split at each occurrence of any of them.
- ``kgmem_cypher.||``: ``a || b`` of two strings is their concatenation, as in Neo4j 5
  (AGE made the list ``['a', 'b']``); null when either is null; a string and another
  value is a type error; lists concatenate as AGE's operator does. AGE writes ``||``
  with the operator the search path finds first, as ``/`` (migration 0044).

The functions are plain SQL or PL/pgSQL, STABLE, PARALLEL SAFE, reading no table.
kgmem's rewrite calls them for Cypher's names (``kgmem.cypher.neo4j_functions``,
``kgmem.cypher.trim_forms``).

Revision ID: 0061_cypher_string_functions
Revises: 0060_names_model_rates
"""

from alembic import op

revision = "0061_cypher_string_functions"
down_revision = "0060_names_model_rates"
branch_labels = None
depends_on = None

_TRIM = """
CREATE FUNCTION kgmem_cypher.{name}(v ag_catalog.agtype, chars ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN kgmem_cypher._is_null(v) OR kgmem_cypher._is_null(chars) THEN NULL
    WHEN kgmem_cypher._string_or_null(v) IS NULL THEN kgmem_cypher.{name}(v)
    WHEN kgmem_cypher._string_or_null(chars) IS NULL
      THEN kgmem_cypher._not_a_string('{cypher}()', chars)
    ELSE ag_catalog.text_to_agtype(pg_catalog.{sql}(ag_catalog.agtype_to_text(v),
                                                   ag_catalog.agtype_to_text(chars))) END
$fn$;
"""
_TRIMS = {"trim": ("btrim", "btrim"), "ltrim": ("ltrim", "ltrim"), "rtrim": ("rtrim", "rtrim")}
"""kgmem's function by its one-argument name: (Cypher's name, PostgreSQL's function)."""

HELPERS = r"""
CREATE FUNCTION kgmem_cypher._is_null(v ag_catalog.agtype) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT v IS NULL OR ag_catalog.agtype_out(v)::text = 'null'
$fn$;

CREATE FUNCTION kgmem_cypher._not_a_string(what text, v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '42804',
    MESSAGE = format('Type mismatch: %s expected a String but was %s', what,
                     (kgmem_cypher._value_type(v))[1]);
END
$fn$;
"""

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher.char_length(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN kgmem_cypher._is_null(v) THEN NULL
    WHEN kgmem_cypher._string_or_null(v) IS NULL
      THEN kgmem_cypher._not_a_string('char_length()', v)
    ELSE pg_catalog.char_length(ag_catalog.agtype_to_text(v))::text::ag_catalog.agtype END
$fn$;

CREATE FUNCTION kgmem_cypher.trim_character(
  side ag_catalog.agtype, c ag_catalog.agtype, v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE
  chars text;
BEGIN
  IF kgmem_cypher._is_null(c) OR kgmem_cypher._is_null(v) THEN
    RETURN NULL;
  END IF;
  IF kgmem_cypher._string_or_null(c) IS NULL THEN
    RETURN kgmem_cypher._not_a_string('trim()', c);
  END IF;
  chars := ag_catalog.agtype_to_text(c);
  IF pg_catalog.char_length(chars) <> 1 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('trim() needs exactly one character to trim, not %L', chars);
  END IF;
  CASE ag_catalog.agtype_to_text(side)
    WHEN 'leading' THEN RETURN kgmem_cypher.ltrim(v, c);
    WHEN 'trailing' THEN RETURN kgmem_cypher.rtrim(v, c);
    ELSE RETURN kgmem_cypher.trim(v, c);
  END CASE;
END
$fn$;

CREATE FUNCTION kgmem_cypher.normalize(v ag_catalog.agtype, form ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN kgmem_cypher._is_null(v) THEN NULL
    WHEN kgmem_cypher._string_or_null(v) IS NULL
      THEN kgmem_cypher._not_a_string('normalize()', v)
    ELSE ag_catalog.text_to_agtype(pg_catalog.normalize(ag_catalog.agtype_to_text(v),
                                                        ag_catalog.agtype_to_text(form))) END
$fn$;

CREATE FUNCTION kgmem_cypher.split(v ag_catalog.agtype, d ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN kgmem_cypher._is_null(d) OR left(ag_catalog.agtype_out(d)::text, 1) <> '['
      THEN ag_catalog.age_split(v, d)
    WHEN kgmem_cypher._is_null(v) THEN NULL
    WHEN kgmem_cypher._string_or_null(v) IS NULL THEN kgmem_cypher._not_a_string('split()', v)
    ELSE (SELECT pg_catalog.to_jsonb(CASE WHEN pg_catalog.count(x) = 0
                 THEN ARRAY[ag_catalog.agtype_to_text(v)]
                 ELSE pg_catalog.regexp_split_to_array(ag_catalog.agtype_to_text(v),
                   pg_catalog.string_agg(
                     pg_catalog.regexp_replace(x, '([^A-Za-z0-9 ])', '\\\1', 'g'), '|')) END
               )::text::ag_catalog.agtype
          FROM pg_catalog.jsonb_array_elements_text(d::text::jsonb) AS x
          WHERE x <> '') END
$fn$;

-- Not STRICT and without SET: PostgreSQL inlines it into the statement.
CREATE FUNCTION kgmem_cypher.concatenate(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE
    WHEN kgmem_cypher._is_null(a) OR kgmem_cypher._is_null(b) THEN NULL
    WHEN kgmem_cypher._string_or_null(a) IS NOT NULL
         AND kgmem_cypher._string_or_null(b) IS NOT NULL
      THEN ag_catalog.text_to_agtype(ag_catalog.agtype_to_text(a) || ag_catalog.agtype_to_text(b))
    WHEN kgmem_cypher._string_or_null(a) IS NOT NULL
      THEN kgmem_cypher._not_a_string('the operator ||', b)
    WHEN kgmem_cypher._string_or_null(b) IS NOT NULL
      THEN kgmem_cypher._not_a_string('the operator ||', a)
    ELSE a OPERATOR(ag_catalog.||) b END
$fn$;

CREATE OPERATOR kgmem_cypher.|| (
  LEFTARG = ag_catalog.agtype, RIGHTARG = ag_catalog.agtype,
  FUNCTION = kgmem_cypher.concatenate
);
"""

DOWNGRADE = """
DROP OPERATOR IF EXISTS kgmem_cypher.|| (ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.concatenate(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.split(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.normalize(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.trim_character(
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.char_length(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._not_a_string(text, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._is_null(ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(HELPERS)
    for name, (cypher, sql) in _TRIMS.items():
        op.execute(_TRIM.format(name=name, cypher=cypher, sql=sql))
    op.execute(UPGRADE)


def downgrade() -> None:
    for name in _TRIMS:
        op.execute(f"DROP FUNCTION IF EXISTS kgmem_cypher.{name}({_TWO})")
    op.execute(DOWNGRADE)


_TWO = "ag_catalog.agtype, ag_catalog.agtype"
