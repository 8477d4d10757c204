"""Budgets and their double-entry ledger.

A transaction posts legs to accounts that sum to zero: a grant moves funds from
``funding`` to ``available``, a spend from ``available`` to ``agent:<name>``, a refund
back. Transactions and legs are append-only (a trigger refuses updates and deletes
unless the whole namespace goes). ``ledger_balance`` keeps each account's running
balance for the limit checks; balances as of a past time are sums over the legs.

Revision ID: 0011_budget_ledger
Revises: 0010_agent_state
Create Date: 2026-11-24
"""

from alembic import op

revision = "0011_budget_ledger"
down_revision = "0010_agent_state"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE kgmem.budget (
  namespace   text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  name        text NOT NULL,
  unit        text NOT NULL,
  capped      boolean NOT NULL,
  agent_limit numeric(28, 6) CHECK (agent_limit >= 0),
  description text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (namespace, name)
);

CREATE TABLE kgmem.ledger_transaction (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  namespace       text NOT NULL,
  budget          text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('grant', 'spend', 'refund')),
  amount          numeric(28, 6) NOT NULL CHECK (amount > 0),
  agent           text,
  idempotency_key text,
  memo            text NOT NULL DEFAULT '',
  metadata        jsonb NOT NULL DEFAULT '{}',
  posted_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  FOREIGN KEY (namespace, budget) REFERENCES kgmem.budget (namespace, name) ON DELETE CASCADE,
  UNIQUE (namespace, budget, idempotency_key)
);
CREATE INDEX ledger_transaction_time ON kgmem.ledger_transaction (namespace, budget, posted_at);

CREATE TABLE kgmem.ledger_entry (
  transaction_id bigint NOT NULL REFERENCES kgmem.ledger_transaction (id) ON DELETE CASCADE,
  account        text NOT NULL,
  amount         numeric(28, 6) NOT NULL,
  PRIMARY KEY (transaction_id, account)
);
CREATE INDEX ledger_entry_account ON kgmem.ledger_entry (account);

CREATE TABLE kgmem.ledger_balance (
  namespace text NOT NULL,
  budget    text NOT NULL,
  account   text NOT NULL,
  balance   numeric(28, 6) NOT NULL,
  FOREIGN KEY (namespace, budget) REFERENCES kgmem.budget (namespace, name) ON DELETE CASCADE,
  PRIMARY KEY (namespace, budget, account)
);

CREATE FUNCTION kgmem.ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF pg_trigger_depth() > 1 THEN  -- a cascade from deleting the namespace or budget
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'raise_exception';
END
$fn$;
CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE
  ON kgmem.ledger_transaction FOR EACH ROW EXECUTE FUNCTION kgmem.ledger_append_only();
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE
  ON kgmem.ledger_entry FOR EACH ROW EXECUTE FUNCTION kgmem.ledger_append_only();
"""

DOWNGRADE = r"""
DROP TABLE kgmem.ledger_balance;
DROP TABLE kgmem.ledger_entry;
DROP TABLE kgmem.ledger_transaction;
DROP TABLE kgmem.budget;
DROP FUNCTION kgmem.ledger_append_only();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
