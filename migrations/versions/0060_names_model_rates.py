"""Each source's rates on lists of names, kept for incremental updates.

A full run (``kgmem verify``) scores lists of names by ACCU and the latent truth model
together (``kgmem.verification.estimators.by_kind``); the model learns a sensitivity
and a false-positive rate per source. ``_kg_source_score`` gains two nullable columns,
``names_sensitivity`` and ``names_false_positive``, where the full run keeps them, so
an incremental update of an author list averages the two models as the full run did,
with those rates held fixed (as ACCU's reliabilities are). Rows of existing namespaces
get nulls: their updates keep ACCU's local step alone until the next full run.

``kgmem.create_verification_tables`` (as migration 0023 left it) adds the columns, and
runs once for every namespace. The downgrade drops them and restores the function.

Revision ID: 0060_names_model_rates
Revises: 0059_apoc_merge_writes
"""

from alembic import op

from kgmem.storage.engine.migration_texts import created, edited

revision = "0060_names_model_rates"
down_revision = "0059_apoc_merge_writes"
branch_labels = None
depends_on = None

_FUNCTION = "kgmem.create_verification_tables"
_END = "    )$q$, ns);\nEND\n$fn$;"
_COLUMNS = """    )$q$, ns);
  EXECUTE format('ALTER TABLE %I._kg_source_score '
                 'ADD COLUMN IF NOT EXISTS names_sensitivity double precision '
                 'CHECK (names_sensitivity BETWEEN 0 AND 1), '
                 'ADD COLUMN IF NOT EXISTS names_false_positive double precision '
                 'CHECK (names_false_positive BETWEEN 0 AND 1)', ns);
END
$fn$;"""
_EVERY_NAMESPACE = "SELECT kgmem.create_verification_tables(name) FROM kgmem.namespace;\n"
_DROP = """
DO $drop$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    EXECUTE format('ALTER TABLE %I._kg_source_score DROP COLUMN IF EXISTS names_sensitivity, '
                   'DROP COLUMN IF EXISTS names_false_positive', ns);
  END LOOP;
END
$drop$;
"""


def _before() -> str:
    return created("0023_predicate_scores", _FUNCTION)


def upgrade() -> None:
    op.execute(edited(_before(), [(_END, _COLUMNS)]))
    op.execute(_EVERY_NAMESPACE)


def downgrade() -> None:
    op.execute(_DROP)
    op.execute(_before())
