"""Keyword index and updated rows: every update of a side row adds a BM25 index entry.

The BM25 index (pg_textsearch) of ``_kg_vertex.text`` and ``_kg_fact.text`` loses a
row that was updated in place without a change to any indexed column (a heap-only
update), once VACUUM has pruned the row's old version: keyword search then never
finds it. Building updates every episode it stores (stored pending, then with its
extraction status), so built episodes dropped out of keyword search.

An update that changes an indexed column is never heap-only. Each vertex write sets
``updated_at``, and closing or revising a fact sets ``expired_at`` or ``revised_at``:
B-trees over them make those updates add an index entry for the new row version in
every index, the BM25 one included.

- ``kgmem.add_update_indexes(ns)``: adds the B-trees to a namespace (idempotent);
  ``kgmem.storage.graph.namespaces.create`` calls it for new namespaces.

Rows already lost from an existing namespace's BM25 index come back when its side
tables are rewritten (``VACUUM FULL <ns>._kg_vertex``, ``VACUUM FULL <ns>._kg_fact``),
which cannot run inside this migration's transaction.

Revision ID: 0015_keyword_index_updates
Revises: 0014_memory_tiers
Create Date: 2026-11-24
"""

from alembic import op

revision = "0015_keyword_index_updates"
down_revision = "0014_memory_tiers"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem.add_update_indexes(ns text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('CREATE INDEX IF NOT EXISTS _kg_vertex_updated '
                 'ON %I._kg_vertex (updated_at)', ns);
  EXECUTE format('CREATE INDEX IF NOT EXISTS _kg_fact_revised '
                 'ON %I._kg_fact (expired_at, revised_at)', ns);
END
$fn$;

DO $up$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    PERFORM kgmem.add_update_indexes(ns);
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
    EXECUTE format('DROP INDEX IF EXISTS %I._kg_vertex_updated', ns);
    EXECUTE format('DROP INDEX IF EXISTS %I._kg_fact_revised', ns);
  END LOOP;
END
$down$;
DROP FUNCTION kgmem.add_update_indexes(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
