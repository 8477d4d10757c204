"""Claim history: a source's claim on a value it has moved away from is kept, closed.

When a source says another value of a functional predicate from the same start, its
claim on the former value leaves consensus scoring (``kgmem.graph.statements``). That
claim used to be deleted, so provenance and "as of" reads lost that the source had
ever said the former value. It now moves to ``_kg_claim_history`` with the known time
it was withdrawn:

- ``_kg_claim_history``: the columns of ``_kg_claim`` plus ``withdrawn_at`` (when the
  store stopped counting the claim); nothing reads it for the current consensus.

- ``kgmem.add_claim_history(ns)``: adds the table to a namespace (idempotent);
  ``kgmem.storage.graph.namespaces.create`` calls it for new namespaces.

Claims deleted before this migration are gone; nothing is backfilled. Like the other
side tables it carries no foreign keys; kgmem.storage deletes a fact's history with
the fact.

Revision ID: 0016_claim_history
Revises: 0015_keyword_index_updates
Create Date: 2026-11-24
"""

from alembic import op

revision = "0016_claim_history"
down_revision = "0015_keyword_index_updates"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem.add_claim_history(ns text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format($q$
    CREATE TABLE IF NOT EXISTS %1$I._kg_claim_history (
      fact_id      ag_catalog.graphid NOT NULL,
      source_id    ag_catalog.graphid,
      episode_id   ag_catalog.graphid,
      confidence   double precision,
      observed_at  timestamptz NOT NULL,
      withdrawn_at timestamptz NOT NULL DEFAULT now()
    )$q$, ns);
  EXECUTE format('CREATE INDEX IF NOT EXISTS _kg_claim_history_fact '
                 'ON %I._kg_claim_history (fact_id, withdrawn_at)', ns);
  EXECUTE format('CREATE INDEX IF NOT EXISTS _kg_claim_history_source '
                 'ON %I._kg_claim_history (source_id)', ns);
END
$fn$;

DO $up$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    PERFORM kgmem.add_claim_history(ns);
  END LOOP;
END
$up$;
"""

DOWNGRADE = r"""
DO $down$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I._kg_claim_history', ns);
  END LOOP;
END
$down$;
DROP FUNCTION kgmem.add_claim_history(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
