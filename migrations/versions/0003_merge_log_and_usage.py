"""Memory-graph building: the entity merge log and LLM token usage per namespace.

Both are store-wide tables keyed by namespace name, removed with the namespace
(foreign key to kgmem.namespace). A merge row keeps what unmerge needs: the merged
vertex as it was (label and properties) and the facts that were re-pointed.

Revision ID: 0105_issue5_ingest
Revises: 0100_issue6_consensus
Create Date: 2026-11-22
"""

from alembic import op

revision = "0105_issue5_ingest"
down_revision = "0100_issue6_consensus"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE kgmem.entity_merge (
  id          bigserial PRIMARY KEY,
  namespace   text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  kept_uid    text NOT NULL,
  merged_uid  text NOT NULL,
  evidence    jsonb NOT NULL,
  snapshot    jsonb NOT NULL,
  merged_at   timestamptz NOT NULL DEFAULT now(),
  undone_at   timestamptz
);
CREATE INDEX entity_merge_kept ON kgmem.entity_merge (namespace, kept_uid);

CREATE TABLE kgmem.llm_usage (
  namespace   text PRIMARY KEY REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  tokens      bigint NOT NULL DEFAULT 0 CHECK (tokens >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
"""

DOWNGRADE = r"""
DROP TABLE kgmem.llm_usage;
DROP TABLE kgmem.entity_merge;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
