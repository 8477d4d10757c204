"""Batch imports: a journal of committed batches and the registry of RDF terms.

``kgmem.import_batch`` records every committed batch of an import, keyed by
(namespace, load key, batch number); the load key names the file's content and the
options that shape its batches, so a rerun of an interrupted import skips exactly
the batches that committed. ``kgmem.rdf_term`` maps the IRIs an RDF import met to
the labels and property keys it chose for them (``foaf:Person`` -> ``Person``), so
an export rebuilds the IRIs. ``kgmem.deferred_index`` keeps the definitions of
indexes a large import dropped until it builds them again. All three go with their
namespace (``ON DELETE CASCADE``).

Revision ID: 0300_issue3_imports
Revises: 0700_issue7_cypher_reader
Create Date: 2026-11-22
"""

from alembic import op

revision = "0300_issue3_imports"
down_revision = "0700_issue7_cypher_reader"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE kgmem.import_batch (
  namespace   text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  load_key    text NOT NULL,
  batch_no    integer NOT NULL,
  counts      jsonb NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, load_key, batch_no)
);

CREATE TABLE kgmem.rdf_term (
  namespace text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  kind      text NOT NULL CHECK (kind IN ('vertex_label', 'edge_label', 'property')),
  name      text NOT NULL,
  iri       text NOT NULL,
  PRIMARY KEY (namespace, kind, name),
  UNIQUE (namespace, kind, iri)
);

-- Non-unique indexes a large import dropped to load faster, with their definitions;
-- the import (or its rerun after a crash) creates them again and deletes the rows.
CREATE TABLE kgmem.deferred_index (
  namespace  text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  name       text NOT NULL,
  definition text NOT NULL,
  PRIMARY KEY (namespace, name)
);
"""

DOWNGRADE = r"""
DROP TABLE kgmem.deferred_index;
DROP TABLE kgmem.rdf_term;
DROP TABLE kgmem.import_batch;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
