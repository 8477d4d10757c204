"""A duration computed from the graph keeps Neo4j's bounds: its seconds, and its length
at the average month (2,629,746 s) and day in seconds, fit a 64-bit long, or the
statement fails with Neo4j's words, "Invalid value for duration, will cause overflow"
(``duration({days: n.big})``, ``duration({seconds: n.big}) + duration('PT1S')``).

Every duration kgmem computes in SQL leaves as text through
``kgmem_cypher._duration_text`` (migration 0017), so the check sits there, before the
text is written: ``kgmem_cypher._duration_fits`` raises SQLSTATE 22008, which kgmem
reports as the semantic error the constant form raises when it plans the query
(``kgmem.cypher.temporal.Duration``). Before, such a duration came back as text no
driver could read as a duration (Bolt sent it as a string).

Revision ID: 0067_cypher_duration_bounds
Revises: 0066_cypher_write_targets
"""

from alembic import op

from kgmem.storage.engine.migration_texts import created, edited

revision = "0067_cypher_duration_bounds"
down_revision = "0066_cypher_write_targets"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher._duration_fits(r kgmem_cypher.tv) RETURNS void
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE seconds numeric := trunc(r.secs);
BEGIN
  IF seconds NOT BETWEEN -9223372036854775808 AND 9223372036854775807
     OR r.months::numeric * 2629746 + r.days::numeric * 86400 + seconds
        NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN
    RAISE EXCEPTION USING ERRCODE = '22008', MESSAGE = format(
      'Invalid value for duration, will cause overflow. Value was months=%s, days=%s, '
      'seconds=%s, nanos=%s', r.months, r.days, seconds, trunc((r.secs - seconds) * 1e9));
  END IF;
END
$fn$;
"""

DOWNGRADE = "DROP FUNCTION kgmem_cypher._duration_fits(kgmem_cypher.tv);"

_TEMPORAL = "0017_cypher_temporal"
_FIRST_LINE = "BEGIN\n  years := trunc(r.months / 12.0);"
_CHECKED_FIRST = (
    "BEGIN\n  PERFORM kgmem_cypher._duration_fits(r);\n  years := trunc(r.months / 12.0);"
)


def _duration_text() -> str:
    """``kgmem_cypher._duration_text`` as migration 0017 created it."""
    return created(_TEMPORAL, "kgmem_cypher._duration_text")


def upgrade() -> None:
    op.execute(UPGRADE)
    op.execute(edited(_duration_text(), [(_FIRST_LINE, _CHECKED_FIRST)]))


def downgrade() -> None:
    op.execute(_duration_text())
    op.execute(DOWNGRADE)
