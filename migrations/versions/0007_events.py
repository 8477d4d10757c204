"""Change events for the live stream when Redis is not in use (or is down).

``kgmem.event_head`` holds each namespace's last event sequence and the highest
sequence trimmed away; ``kgmem.event`` holds the most recent events (bounded by
KGMEM_EVENTS_RETENTION, trimmed by the publisher). Neither references
``kgmem.namespace``: the sequence of a namespace that is deleted and created again
keeps growing, so a client's Last-Event-ID never points at a different event.

Revision ID: 0800_issue8_events
Revises: 0300_issue3_imports
Create Date: 2026-11-22
"""

from alembic import op

revision = "0800_issue8_events"
down_revision = "0300_issue3_imports"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE kgmem.event_head (
  namespace text PRIMARY KEY,
  seq       bigint NOT NULL DEFAULT 0,
  trimmed   bigint NOT NULL DEFAULT 0
);

CREATE TABLE kgmem.event (
  namespace text NOT NULL,
  seq       bigint NOT NULL,
  type      text NOT NULL,
  body      jsonb NOT NULL,
  PRIMARY KEY (namespace, seq)
);
"""

DOWNGRADE = r"""
DROP TABLE kgmem.event;
DROP TABLE kgmem.event_head;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
