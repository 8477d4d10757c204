"""Each fact's estimate beside its trust.

ACCU's published trust weighs each claim by its source's accuracy without the claim's
own item (``kgmem.verification.consensus.held_out``), while the sources' accuracy sums
count the estimator's own probability. ``_kg_fact_score`` gains a nullable column,
``estimate``, where every run keeps that probability, so an incremental update takes
out of its sources' sums what a fact added to them, not its trust (a calibrated or
held-out trust would otherwise move the sums at every update). Rows of existing
namespaces get nulls, read as their trust, which is what their runs stored before.

``kgmem.create_verification_tables`` (as migration 0060 left it) adds the column, and
runs once for every namespace. The downgrade drops it and restores the function.

Revision ID: 0065_fact_estimates
Revises: 0064_cypher_type_predicates
"""

from alembic import op

from kgmem.storage.engine.migration_texts import earlier, edited

revision = "0065_fact_estimates"
down_revision = "0064_cypher_type_predicates"
branch_labels = None
depends_on = None

_RATES = earlier("0060_names_model_rates")
_END = "'CHECK (names_false_positive BETWEEN 0 AND 1)', ns);\nEND\n$fn$;"
_COLUMN = """'CHECK (names_false_positive BETWEEN 0 AND 1)', ns);
  EXECUTE format('ALTER TABLE %I._kg_fact_score '
                 'ADD COLUMN IF NOT EXISTS estimate double precision '
                 'CHECK (estimate BETWEEN 0 AND 1)', ns);
END
$fn$;"""
_DROP = """
DO $drop$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    EXECUTE format('ALTER TABLE %I._kg_fact_score DROP COLUMN IF EXISTS estimate', ns);
  END LOOP;
END
$drop$;
"""


def _before() -> str:
    return edited(_RATES._before(), [(_RATES._END, _RATES._COLUMNS)])


def upgrade() -> None:
    op.execute(edited(_before(), [(_END, _COLUMN)]))
    op.execute(_RATES._EVERY_NAMESPACE)


def downgrade() -> None:
    op.execute(_DROP)
    op.execute(_before())
