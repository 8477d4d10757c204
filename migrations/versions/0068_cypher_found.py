"""``kgmem_cypher.found``: whether an OPTIONAL MATCH after a write found its row, in a
form PostgreSQL cannot fold away.

kgmem writes a MATCH after a write as an OPTIONAL MATCH whose misses a ``WITH * WHERE``
drops (``kgmem.cypher.written_matches``), so every row of the write is read, and
written, before the pattern is tried. When the pattern cannot match at all (a label
that is a relationship type in the graph), AGE plans it as false, PostgreSQL folds
``m IS NOT NULL`` to false over the whole statement, and the write never ran. The test
goes through this function instead: VOLATILE and in PL/pgSQL, it is neither inlined nor
folded, so it runs on each row after the write. It answers agtype ``true`` when
``value`` holds a value and ``false`` for SQL's NULL, which an OPTIONAL MATCH that
found nothing binds.

Revision ID: 0068_cypher_found
Revises: 0067_cypher_duration_bounds
"""

from alembic import op

revision = "0068_cypher_found"
down_revision = "0067_cypher_duration_bounds"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher.found(value ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE plpgsql VOLATILE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
BEGIN
  IF value IS NULL THEN
    RETURN 'false'::ag_catalog.agtype;
  END IF;
  RETURN 'true'::ag_catalog.agtype;
END
$fn$;
"""

DOWNGRADE = "DROP FUNCTION kgmem_cypher.found(ag_catalog.agtype);"


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
