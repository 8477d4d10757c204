"""Which write closed a fact: ``_kg_fact.closed_by``, so forgetting it can undo the close.

A new value of a functional predicate closes the value it supersedes
(``kgmem.graph.statements``). Forgetting the newer fact (deleting its episode, or the
fact itself) must leave the store as if it had never been written, so the facts it
closed hold again unless something else still closes them. For that the store keeps
the closer:

- ``_kg_fact.closed_by``: the graph id of the fact whose value closed this one; null
  when the fact is open or was closed by hand (a close nobody's forgetting undoes).

- ``kgmem.add_closers(ns)``: adds the column to a namespace (idempotent);
  ``kgmem.storage.graph.namespaces.create`` calls it for new namespaces.

Facts closed before this migration get, as closer, another value of their subject and
predicate that starts exactly when they end (the shape of every supersession); a fact
with no such value keeps a null closer and stays closed when anything is forgotten.

Revision ID: 0020_forget_undoes
Revises: 0019_key_changes
"""

from alembic import op

revision = "0020_forget_undoes"
down_revision = "0019_key_changes"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem.add_closers(ns text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('ALTER TABLE %I._kg_fact ADD COLUMN IF NOT EXISTS closed_by ag_catalog.graphid',
                 ns);
END
$fn$;

DO $up$
DECLARE
  ns text;
BEGIN
  -- The keyword index's trigger on _kg_fact compares graph ids: AGE's operators.
  PERFORM set_config('search_path', 'ag_catalog, ' || current_setting('search_path'), true);
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    PERFORM kgmem.add_closers(ns);
    EXECUTE format($q$
      UPDATE %1$I._kg_fact f SET closed_by = (
        SELECT n.id FROM %1$I._kg_fact n
        WHERE n.subject_id OPERATOR(ag_catalog.=) f.subject_id AND n.predicate = f.predicate
          AND n.object_id OPERATOR(ag_catalog.<>) f.object_id AND n.valid_from = f.valid_to
        ORDER BY n.id USING OPERATOR(ag_catalog.<) LIMIT 1)
      WHERE f.expired_at IS NOT NULL AND f.valid_to IS NOT NULL$q$, ns);
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
    EXECUTE format('ALTER TABLE %I._kg_fact DROP COLUMN IF EXISTS closed_by', ns);
  END LOOP;
END
$down$;
DROP FUNCTION kgmem.add_closers(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
