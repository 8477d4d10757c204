"""Memory tiers: per-namespace policies, and the tier, recalls and archive of episodes.

- ``kgmem.tier_policy``: one JSON policy per namespace (promotion, decay, archiving);
  absent means the defaults, which neither decay nor archive anything.
- ``kgmem.memory_tier``: one row per episode that was promoted, recalled or archived,
  keyed by its graph id. ``tier`` is ``episodic`` or ``semantic`` (an episode younger
  than the policy's working window is ``working`` without a row saying so). An archived
  episode's indexed text and vector are moved here (``archived_text``,
  ``archived_vector``) out of the namespace's BM25 and HNSW indexes; its vertex and
  every edge stay as they were, and a restore moves both back.

Rows go with their namespace (foreign key, on delete cascade); an episode forgotten
later leaves a row no read joins to.

Revision ID: 0014_memory_tiers
Revises: 0013_fact_revisions
Create Date: 2026-11-24
"""

from alembic import op

revision = "0014_memory_tiers"
down_revision = "0013_fact_revisions"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE kgmem.tier_policy (
  namespace  text PRIMARY KEY REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  policy     jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE kgmem.memory_tier (
  namespace        text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  id               ag_catalog.graphid NOT NULL,
  uid              text NOT NULL,
  tier             text NOT NULL DEFAULT 'episodic' CHECK (tier IN ('episodic', 'semantic')),
  promoted_at      timestamptz,
  promoted_because text,
  recalls          integer NOT NULL DEFAULT 0 CHECK (recalls >= 0),
  last_recalled_at timestamptz,
  archived_at      timestamptz,
  archived_text    text,
  archived_vector  vector,
  PRIMARY KEY (namespace, id)
);
CREATE INDEX memory_tier_uid ON kgmem.memory_tier (namespace, uid);
CREATE INDEX memory_tier_archived ON kgmem.memory_tier (namespace, archived_at)
  WHERE archived_at IS NOT NULL;

"""

DOWNGRADE = r"""
DROP TABLE kgmem.memory_tier;
DROP TABLE kgmem.tier_policy;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
