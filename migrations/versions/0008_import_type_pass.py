"""Batch imports: the types of an N-Triples / N-Quads file, read before its load.

``kgmem.import_type`` holds, for one running import (namespace, load key), the label
each subject's first ``rdf:type`` statement gives it, with that statement's line. The
import reads them in a quick first pass over the file, so a vertex that an earlier
statement names as an object is created under its label straight away rather than as
an ``Entity`` moved to its label when its type comes (a move re-points every edge,
fact and claim of the vertex). The rows live on disk, so the importer's memory stays
flat in the file's size; UNLOGGED, as the import writes them again on every run and
deletes them when it ends.

Revision ID: 0310_issue3_type_pass
Revises: 0800_issue8_events
Create Date: 2026-11-22
"""

from alembic import op

revision = "0310_issue3_type_pass"
down_revision = "0800_issue8_events"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE UNLOGGED TABLE kgmem.import_type (
  namespace text NOT NULL,
  load_key  text NOT NULL,
  uid       text NOT NULL,
  line      bigint NOT NULL,
  label     text NOT NULL
);
CREATE INDEX import_type_uid ON kgmem.import_type (namespace, load_key, uid, line);
"""

DOWNGRADE = r"""
DROP TABLE kgmem.import_type;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
