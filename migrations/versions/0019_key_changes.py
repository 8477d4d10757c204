"""Key changes notify every kgmem process: a trigger on ``kgmem.api_key``.

A row inserted or deleted, or a change of ``revoked_at``, ``scopes``, ``namespaces`` or
``secret_hash``, sends ``key <id>`` on channel ``kgmem_access`` from the transaction
that made it, so the notification is delivered when the change commits and not at all
when it rolls back. Marking a key used (``last_used_at``) notifies nobody. Each process
listens (``kgmem.keys.key_watch``): it forgets its cached key checks and has the connections
and streams open with that key check it again.

Revision ID: 0019_key_changes
Revises: 0018_keyword_index
Create Date: 2026-11-26
"""

from alembic import op

revision = "0019_key_changes"
down_revision = "0018_keyword_index"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem.notify_key_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('kgmem_access', 'key ' || OLD.id);
  ELSE
    PERFORM pg_notify('kgmem_access', 'key ' || NEW.id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER api_key_added_or_removed
AFTER INSERT OR DELETE ON kgmem.api_key
FOR EACH ROW EXECUTE FUNCTION kgmem.notify_key_change();

CREATE TRIGGER api_key_changed
AFTER UPDATE OF revoked_at, scopes, namespaces, secret_hash ON kgmem.api_key
FOR EACH ROW
WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
      OR OLD.scopes IS DISTINCT FROM NEW.scopes
      OR OLD.namespaces IS DISTINCT FROM NEW.namespaces
      OR OLD.secret_hash IS DISTINCT FROM NEW.secret_hash)
EXECUTE FUNCTION kgmem.notify_key_change();
"""

DOWNGRADE = r"""
DROP TRIGGER api_key_changed ON kgmem.api_key;
DROP TRIGGER api_key_added_or_removed ON kgmem.api_key;
DROP FUNCTION kgmem.notify_key_change();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
