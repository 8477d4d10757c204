"""Null list elements as openCypher's null: ``kgmem_cypher.unnull``.

AGE 1.7 binds a null element of an unwound list to the agtype value ``null`` rather
than to SQL's NULL, so comparisons and boolean operators read it as a value
(``UNWIND [null] AS x RETURN x = 1`` is false, ``x OR false`` fails). kgmem's rewrite
(``kgmem.cypher.unwind``) passes each unwound value through ``unnull``, which gives
SQL's NULL for agtype ``null`` and the value itself otherwise.

The function is IMMUTABLE, PARALLEL SAFE, reads no table and is plain SQL with
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
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.unnull(ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
