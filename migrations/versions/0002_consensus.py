"""Consensus scoring: per-namespace score tables for facts and sources.

``kgmem.create_verification_tables(ns)`` adds to a namespace:

- ``_kg_fact_score``: one row per scored fact (trust, support, contradiction,
  consensus, status) written by ``kgmem verify`` and by incremental updates;
- ``_kg_source_score``: each source's learnt reliability with the sufficient
  statistics an incremental update needs (the weighted sum of the probabilities of
  what it asserts, their total weight, the prior used, its copy dependence);
- ``_kg_source_history``: every reliability a source was given, and when;
- ``_kg_source_dependence``: source pairs judged to copy each other.

Like the core side tables they carry no foreign keys and live in the namespace's
schema, so dropping the namespace drops them.

Revision ID: 0100_issue6_consensus
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "0100_issue6_consensus"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem.create_verification_tables(ns text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format($q$
    CREATE TABLE IF NOT EXISTS %1$I._kg_fact_score (
      fact_id       ag_catalog.graphid PRIMARY KEY,
      trust         double precision NOT NULL CHECK (trust BETWEEN 0 AND 1),
      support       double precision NOT NULL CHECK (support >= 0),
      contradiction integer NOT NULL CHECK (contradiction >= 0),
      consensus     double precision NOT NULL CHECK (consensus BETWEEN 0 AND 1),
      status        text NOT NULL
                    CHECK (status IN ('verified', 'contested', 'unverified', 'refuted')),
      chosen        boolean NOT NULL,
      scored_at     timestamptz NOT NULL DEFAULT now()
    )$q$, ns);
  EXECUTE format($q$
    CREATE TABLE IF NOT EXISTS %1$I._kg_source_score (
      source_id   ag_catalog.graphid PRIMARY KEY,
      reliability double precision NOT NULL CHECK (reliability BETWEEN 0 AND 1),
      prior       double precision NOT NULL CHECK (prior BETWEEN 0 AND 1),
      hit         double precision NOT NULL,
      weight      double precision NOT NULL,
      claims      integer NOT NULL,
      copying     double precision NOT NULL DEFAULT 0,
      scored_at   timestamptz NOT NULL DEFAULT now()
    )$q$, ns);
  EXECUTE format($q$
    CREATE TABLE IF NOT EXISTS %1$I._kg_source_history (
      source_id   ag_catalog.graphid NOT NULL,
      reliability double precision NOT NULL,
      claims      integer NOT NULL,
      run         text NOT NULL CHECK (run IN ('full', 'incremental')),
      scored_at   timestamptz NOT NULL DEFAULT now()
    )$q$, ns);
  EXECUTE format('CREATE INDEX IF NOT EXISTS _kg_source_history_source '
                 'ON %I._kg_source_history (source_id, scored_at)', ns);
  EXECUTE format($q$
    CREATE TABLE IF NOT EXISTS %1$I._kg_source_dependence (
      source_a    ag_catalog.graphid NOT NULL,
      source_b    ag_catalog.graphid NOT NULL,
      probability double precision NOT NULL CHECK (probability BETWEEN 0 AND 1),
      PRIMARY KEY (source_a, source_b)
    )$q$, ns);
END
$fn$;

SELECT kgmem.create_verification_tables(name) FROM kgmem.namespace;
"""

DOWNGRADE = r"""
DO $drop$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    EXECUTE format('DROP TABLE IF EXISTS %1$I._kg_fact_score, %1$I._kg_source_score, '
                   '%1$I._kg_source_history, %1$I._kg_source_dependence', ns);
  END LOOP;
END
$drop$;
DROP FUNCTION kgmem.create_verification_tables(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
