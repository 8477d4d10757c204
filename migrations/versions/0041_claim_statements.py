"""``_kg_claim.stated_from`` and ``stated_to``: the validity each claim's write stated
(``stated``: whether it is known; a bulk import's source claims do not know it).

A fact keeps the validity of the write that made it; a later write that restates it
adds only its claim. When the making write is forgotten (its episode or its source)
and others still claim the fact, the fact takes the validity its earliest remaining
claim stated, as if the forgotten write had never been made
(``kgmem.storage.graph.claim_statements``).

- ``kgmem.add_claim_statements(ns)``: adds the columns to a namespace (idempotent);
  ``kgmem.storage.graph.namespaces.create`` calls it for new namespaces.

Claims made before this migration state their fact's validity as stored (a fact that a
supersession closed, its start only).

Revision ID: 0041_claim_statements
Revises: 0040_graph_attribute
"""

from alembic import op

revision = "0041_claim_statements"
down_revision = "0040_graph_attribute"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem.add_claim_statements(ns text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('ALTER TABLE %I._kg_claim ADD COLUMN IF NOT EXISTS stated_from timestamptz, '
                 'ADD COLUMN IF NOT EXISTS stated_to timestamptz, '
                 'ADD COLUMN IF NOT EXISTS stated boolean NOT NULL DEFAULT false', ns);
END
$fn$;

DO $up$
DECLARE
  ns text;
BEGIN
  PERFORM set_config('search_path', 'ag_catalog, ' || current_setting('search_path'), true);
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    PERFORM kgmem.add_claim_statements(ns);
    EXECUTE format($q$
      UPDATE %1$I._kg_claim c SET stated = true, stated_from = f.valid_from,
        stated_to = CASE WHEN f.closed_by IS NULL THEN f.valid_to END
      FROM %1$I._kg_fact f WHERE f.id OPERATOR(ag_catalog.=) c.fact_id$q$, ns);
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
    EXECUTE format('ALTER TABLE %I._kg_claim DROP COLUMN IF EXISTS stated_from, '
                   'DROP COLUMN IF EXISTS stated_to, DROP COLUMN IF EXISTS stated', ns);
  END LOOP;
END
$down$;
DROP FUNCTION kgmem.add_claim_statements(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
