"""Reliability per source and predicate: two more per-namespace score tables.

``kgmem.create_verification_tables(ns)`` now also adds:

- ``_kg_source_predicate_score``: each (source, predicate) pair's learnt reliability
  with the sums an incremental update needs (as ``_kg_source_score`` per source);
- ``_kg_source_predicate_dependence``: source pairs judged to copy each other on one
  predicate.

Written by ``kgmem verify`` and by incremental updates when the estimator learns a
reliability per predicate (``predicate_share``, ``kgmem.verification.predicate_scope``);
``_kg_source_score`` keeps one row per source (the claim-weighted mean of its
per-predicate reliabilities). Existing namespaces get the tables empty and lose no
state: until their next full run (``kgmem verify``) incremental updates keep one
reliability per source, as before. Like the other score tables they carry no foreign keys and live
in the namespace's schema.

Revision ID: 0023_predicate_scores
Revises: 0022_cypher_labels
"""

from alembic import op

revision = "0023_predicate_scores"
down_revision = "0022_cypher_labels"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE OR REPLACE FUNCTION kgmem.create_verification_tables(ns text) RETURNS void
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
  EXECUTE format($q$
    CREATE TABLE IF NOT EXISTS %1$I._kg_source_predicate_score (
      source_id   ag_catalog.graphid NOT NULL,
      predicate   text NOT NULL,
      reliability double precision NOT NULL CHECK (reliability BETWEEN 0 AND 1),
      hit         double precision NOT NULL,
      weight      double precision NOT NULL,
      claims      integer NOT NULL,
      copying     double precision NOT NULL DEFAULT 0,
      PRIMARY KEY (source_id, predicate)
    )$q$, ns);
  EXECUTE format($q$
    CREATE TABLE IF NOT EXISTS %1$I._kg_source_predicate_dependence (
      predicate   text NOT NULL,
      source_a    ag_catalog.graphid NOT NULL,
      source_b    ag_catalog.graphid NOT NULL,
      probability double precision NOT NULL CHECK (probability BETWEEN 0 AND 1),
      PRIMARY KEY (predicate, source_a, source_b)
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
    EXECUTE format('DROP TABLE IF EXISTS %1$I._kg_source_predicate_score, '
                   '%1$I._kg_source_predicate_dependence', ns);
  END LOOP;
END
$drop$;
CREATE OR REPLACE FUNCTION kgmem.create_verification_tables(ns text) RETURNS void
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
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
