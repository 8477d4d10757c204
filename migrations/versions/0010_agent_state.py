"""Agents' state: a versioned JSON document per agent and namespace, every version kept,
and scratch keys that expire.

``agent_state`` holds the current version; ``agent_state_version`` every version ever
written (the current one included), so history reads need no join. Rows go with their
namespace.

Revision ID: 0010_agent_state
Revises: 0900_text_index_locks
Create Date: 2026-11-24
"""

from alembic import op

revision = "0010_agent_state"
down_revision = "0900_text_index_locks"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE kgmem.agent_state (
  namespace  text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  agent      text NOT NULL,
  version    bigint NOT NULL CHECK (version > 0),
  state      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (namespace, agent)
);

CREATE TABLE kgmem.agent_state_version (
  namespace  text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  agent      text NOT NULL,
  version    bigint NOT NULL,
  state      jsonb,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (namespace, agent, version)
);

CREATE TABLE kgmem.agent_scratch (
  namespace  text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  agent      text NOT NULL,
  key        text NOT NULL,
  value      jsonb NOT NULL,
  expires_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (namespace, agent, key)
);
CREATE INDEX agent_scratch_expiry ON kgmem.agent_scratch (expires_at)
  WHERE expires_at IS NOT NULL;
"""

DOWNGRADE = r"""
DROP TABLE kgmem.agent_scratch;
DROP TABLE kgmem.agent_state_version;
DROP TABLE kgmem.agent_state;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
