"""Strings as openCypher reads them: predicates over values that are not strings, and
lengths and case counted in characters.

openCypher answers null when either operand is not a string (``5 CONTAINS 'a'``,
``'abc' STARTS WITH 1``, a list or map). AGE 1.7 answers false for a number or a
boolean and raises "agtype string values expected" for a list or a map, so a filter
such as ``WHERE n.name CONTAINS 'a'`` failed outright as soon as one node's ``name``
was a list.

- ``kgmem_cypher._string_or_null(v)``: ``v`` when it is a string, else null. Strings
  are the agtype values from ``""`` up to ``false`` in agtype's order (maps, lists and
  graph values before them, booleans, numbers and null after), which a comparison tells
  without writing the value out;
- ``kgmem_cypher.string_starts_with(a, b)``, ``string_ends_with(a, b)``,
  ``string_contains(a, b)``: AGE's function of the operator over those, null when
  either is not a string (``contains`` alone is a keyword of AGE's grammar).

- ``kgmem_cypher.string_matches(a, b)``: ``a =~ b``, true when the regular expression
  ``b`` matches the whole of ``a``, as Java's ``matches`` (AGE tests for a match
  anywhere: ``'abc' =~ 'b'`` was true), under the database's character type (AGE's
  uses the C locale); a leading ``(?flags)`` keeps ``i``, ``s`` and ``x`` and reads
  ``m`` as PostgreSQL's ``w`` (``^`` and ``$`` at line ends), other Java flags are
  dropped. Null when either is not a string (AGE raised an error);
- ``kgmem_cypher.size(v)``: ``size`` of a string in characters (AGE counts the bytes
  of its UTF-8: ``size('héllo')`` was 6), AGE's ``size`` of anything else;
- ``kgmem_cypher.to_upper(v)``, ``to_lower(v)``: ``toUpper`` and ``toLower`` by
  PostgreSQL's ``upper``/``lower`` under the database's character type (AGE changes
  ASCII letters only: ``toUpper('é')`` was ``'é'``), AGE's for anything else.

Plain SQL, STABLE (as AGE's reading of an agtype literal is), PARALLEL SAFE, reading no
table, so PostgreSQL inlines them where a query uses them (the property is then read
up to three times where AGE's operator reads it once). kgmem's
rewrites call them in place of the operators (``kgmem.cypher.string_predicates``) and
of the functions (``kgmem.cypher.neo4j_functions``).

Revision ID: 0045_cypher_strings
Revises: 0044_cypher_numbers
"""

from alembic import op

revision = "0045_cypher_strings"
down_revision = "0044_cypher_numbers"
branch_labels = None
depends_on = None

OPERATIONS = ("starts_with", "ends_with", "contains")
"""AGE's operations; kgmem's function of each is ``string_<operation>``."""

_STRING_OR_NULL = r"""
CREATE FUNCTION kgmem_cypher._string_or_null(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN v OPERATOR(ag_catalog.>=) '""'::ag_catalog.agtype
               AND v OPERATOR(ag_catalog.<) 'false'::ag_catalog.agtype THEN v END
$fn$;
"""

_PREDICATE = r"""
CREATE FUNCTION kgmem_cypher.string_{name}(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT ag_catalog.agtype_string_match_{name}(kgmem_cypher._string_or_null(a),
                                              kgmem_cypher._string_or_null(b))
$fn$;
"""

_MATCHES = r"""
CREATE FUNCTION kgmem_cypher._whole_match(pattern text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN flags IS NULL THEN '^(?:' || pattern || ')$'
    WHEN flags = '' THEN '^(?:' || m[2] || ')$'
    ELSE '(?' || flags || ')^(?:' || m[2] || ')$' END
  FROM (SELECT m, pg_catalog.translate(
                    pg_catalog.regexp_replace(m[1], '[^imsx]', '', 'g'), 'm', 'w') AS flags
        FROM (SELECT pg_catalog.regexp_match(pattern, '^\(\?([a-zA-Z]+)\)(.*)$') AS m) AS r
       ) AS f
$fn$;

CREATE FUNCTION kgmem_cypher.string_matches(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN kgmem_cypher._string_or_null(a) IS NOT NULL
               AND kgmem_cypher._string_or_null(b) IS NOT NULL
    THEN ag_catalog.bool_to_agtype(ag_catalog.agtype_to_text(a) OPERATOR(pg_catalog.~)
                                   kgmem_cypher._whole_match(ag_catalog.agtype_to_text(b)))
    END
$fn$;
"""

_CHARACTERS = r"""
CREATE FUNCTION kgmem_cypher.size(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN kgmem_cypher._string_or_null(v) IS NULL THEN ag_catalog.age_size(v)
    ELSE ag_catalog.int8_to_agtype(pg_catalog.char_length(ag_catalog.agtype_to_text(v))) END
$fn$;

CREATE FUNCTION kgmem_cypher.to_upper(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN kgmem_cypher._string_or_null(v) IS NULL THEN ag_catalog.age_toupper(v)
    ELSE ag_catalog.text_to_agtype(pg_catalog.upper(ag_catalog.agtype_to_text(v))) END
$fn$;

CREATE FUNCTION kgmem_cypher.to_lower(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN kgmem_cypher._string_or_null(v) IS NULL THEN ag_catalog.age_tolower(v)
    ELSE ag_catalog.text_to_agtype(pg_catalog.lower(ag_catalog.agtype_to_text(v))) END
$fn$;
"""
_CHARACTER_FUNCTIONS = ("size", "to_upper", "to_lower")


def upgrade() -> None:
    op.execute(_STRING_OR_NULL)
    for name in OPERATIONS:
        op.execute(_PREDICATE.format(name=name))
    op.execute(_MATCHES)
    op.execute(_CHARACTERS)


def downgrade() -> None:
    for name in _CHARACTER_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS kgmem_cypher.{name}(ag_catalog.agtype)")
    op.execute(
        "DROP FUNCTION IF EXISTS kgmem_cypher.string_matches(ag_catalog.agtype, ag_catalog.agtype)"
    )
    op.execute("DROP FUNCTION IF EXISTS kgmem_cypher._whole_match(text)")
    for name in OPERATIONS:
        op.execute(
            f"DROP FUNCTION IF EXISTS kgmem_cypher.string_{name}"
            "(ag_catalog.agtype, ag_catalog.agtype)"
        )
    op.execute("DROP FUNCTION IF EXISTS kgmem_cypher._string_or_null(ag_catalog.agtype)")
