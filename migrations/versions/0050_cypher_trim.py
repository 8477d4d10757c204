"""``trim``, ``ltrim`` and ``rtrim`` remove whitespace as Neo4j does.

Neo4j trims what Java's ``Character.isWhitespace`` calls whitespace: tabs, line
breaks, form feeds, the separators U+001C to U+001F and Unicode's spaces other than
the non-breaking ones. AGE's ``trim`` removes the space character only
(``trim('\\t x\\n')`` kept the tab and the line break). ``kgmem_cypher.trim``,
``ltrim`` and ``rtrim`` trim that set from a string and answer as AGE's functions for
anything else (null, and a type error for what is not a string); kgmem's rewrite calls
them for Cypher's names (``kgmem.cypher.neo4j_functions``). Plain SQL, STABLE, PARALLEL
SAFE, as migration 0045's string functions.

Revision ID: 0050_cypher_trim
Revises: 0049_cypher_nanoseconds
"""

from alembic import op

revision = "0050_cypher_trim"
down_revision = "0049_cypher_nanoseconds"
branch_labels = None
depends_on = None

_WHITESPACE = (
    "E'\\t\\n\\x0b\\f\\r\\x1c\\x1d\\x1e\\x1f '"
    " || U&'\\1680\\2000\\2001\\2002\\2003\\2004\\2005\\2006'"
    " || U&'\\2008\\2009\\200A\\2028\\2029\\205F\\3000'"
)
"""Java's whitespace, as a PostgreSQL text expression."""

_FUNCTION = """
CREATE FUNCTION kgmem_cypher.{name}(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN kgmem_cypher._string_or_null(v) IS NULL THEN ag_catalog.age_{name}(v)
    ELSE ag_catalog.text_to_agtype(pg_catalog.{sql}(ag_catalog.agtype_to_text(v), {chars})) END
$fn$;
"""
_NAMES = {"trim": "btrim", "ltrim": "ltrim", "rtrim": "rtrim"}
"""Each function by Cypher's name, with PostgreSQL's function it trims with."""


def upgrade() -> None:
    for name, sql in _NAMES.items():
        op.execute(_FUNCTION.format(name=name, sql=sql, chars=_WHITESPACE))


def downgrade() -> None:
    for name in _NAMES:
        op.execute(f"DROP FUNCTION IF EXISTS kgmem_cypher.{name}(ag_catalog.agtype)")
