"""Agents' decisions and what each relied on.

``decision`` holds what an agent decided, why, the options it weighed, the outcome
and cost (known later, so settable); ``decision_basis`` the facts and episodes (by
uid) it relied on, indexed both ways so "which decisions used this fact" is one
lookup. Whether a relied-on fact has since been closed, refuted or deleted is read
from the graph when a decision is read, not stored.

Revision ID: 0012_decisions
Revises: 0011_budget_ledger
Create Date: 2026-11-24
"""

from alembic import op

revision = "0012_decisions"
down_revision = "0011_budget_ledger"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE kgmem.decision (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  namespace  text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  uid        text NOT NULL,
  agent      text NOT NULL,
  decision   text NOT NULL,
  rationale  text NOT NULL DEFAULT '',
  options    jsonb NOT NULL DEFAULT '[]',
  outcome    text,
  cost       numeric(28, 6),
  metadata   jsonb NOT NULL DEFAULT '{}',
  decided_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  outcome_at timestamptz,
  UNIQUE (namespace, uid)
);
CREATE INDEX decision_agent_time ON kgmem.decision (namespace, agent, decided_at);

CREATE TABLE kgmem.decision_basis (
  decision_id bigint NOT NULL REFERENCES kgmem.decision (id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('fact', 'episode')),
  uid         text NOT NULL,
  PRIMARY KEY (decision_id, kind, uid)
);
CREATE INDEX decision_basis_uid ON kgmem.decision_basis (kind, uid);
"""

DOWNGRADE = r"""
DROP TABLE kgmem.decision_basis;
DROP TABLE kgmem.decision;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
