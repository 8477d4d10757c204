"""Fact revisions: what the store believed about a fact's validity before it changed.

Closing a fact (by hand, by supersession, by a merge) or reopening it rewrites the
fact's ``valid_to`` and ``expired_at``. So that an "as of" read (known time T') still
sees what was believed at T', every such change first keeps the version it replaces:

- ``_kg_fact_revision``: one row per earlier version of a fact's validity
  (``valid_from``, ``valid_to``, ``expired_at``), believed over the known-time span
  ``[known_from, known_to)``;
- ``_kg_fact.revised_at``: since when the side row's own version is believed (null:
  since ``recorded_at``, it was never revised).

Facts closed before this migration get one revision: open (no ``valid_to``) from their
``recorded_at`` until their close. Whether a fact closed then had an end of its own
before its close was not kept; open is how nearly every fact is written.

Like the other side tables it carries no foreign keys; kgmem.storage deletes a fact's
revisions with the fact.

Revision ID: 0013_fact_revisions
Revises: 0012_decisions
Create Date: 2026-11-24
"""

from alembic import op

revision = "0013_fact_revisions"
down_revision = "0012_decisions"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem.add_fact_revisions(ns text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('ALTER TABLE %I._kg_fact ADD COLUMN IF NOT EXISTS revised_at timestamptz', ns);
  EXECUTE format($q$
    CREATE TABLE IF NOT EXISTS %1$I._kg_fact_revision (
      fact_id    ag_catalog.graphid NOT NULL,
      valid_from timestamptz,
      valid_to   timestamptz,
      expired_at timestamptz,
      known_from timestamptz NOT NULL,
      known_to   timestamptz NOT NULL,
      CHECK (known_from <= known_to)
    )$q$, ns);
  EXECUTE format('CREATE INDEX IF NOT EXISTS _kg_fact_revision_fact '
                 'ON %I._kg_fact_revision (fact_id, known_to)', ns);
  EXECUTE format('CREATE INDEX IF NOT EXISTS _kg_fact_revision_known '
                 'ON %I._kg_fact_revision (known_to)', ns);
END
$fn$;

DO $up$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    PERFORM kgmem.add_fact_revisions(ns);
    EXECUTE format($q$
      INSERT INTO %1$I._kg_fact_revision
        (fact_id, valid_from, valid_to, expired_at, known_from, known_to)
      SELECT id, valid_from, NULL, NULL, recorded_at, expired_at
      FROM %1$I._kg_fact WHERE expired_at IS NOT NULL$q$, ns);
    EXECUTE format('UPDATE %I._kg_fact SET revised_at = expired_at '
                   'WHERE expired_at IS NOT NULL', ns);
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
    EXECUTE format('DROP TABLE IF EXISTS %I._kg_fact_revision', ns);
    EXECUTE format('ALTER TABLE %I._kg_fact DROP COLUMN IF EXISTS revised_at', ns);
  END LOOP;
END
$down$;
DROP FUNCTION kgmem.add_fact_revisions(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
