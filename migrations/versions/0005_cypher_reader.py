"""The base role of the Cypher pass-through's read-only roles.

Read-mode Cypher runs as a per-namespace role (``kgmem_read_<namespace>``, created on
first use by ``kgmem.storage.graph.cypher``) that has SELECT on that graph's label tables
only. Each of those roles is a member of ``kgmem_cypher_reader``, which carries what
every reader needs to call ``cypher()``: USAGE on ``ag_catalog`` and SELECT on AGE's
catalog tables. It has no write grant anywhere and no access to the ``kgmem`` schema.

Roles belong to the whole PostgreSQL cluster, not to one database, so the role is
created only when missing and the downgrade revokes this database's grants but keeps
the role (another database of the cluster may use it).

Revision ID: 0700_issue7_cypher_reader
Revises: 0400_issue4_retrieval
Create Date: 2026-11-22
"""

from alembic import op

revision = "0700_issue7_cypher_reader"
down_revision = "0400_issue4_retrieval"
branch_labels = None
depends_on = None

UPGRADE = r"""
DO $role$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kgmem_cypher_reader') THEN
    CREATE ROLE kgmem_cypher_reader NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object THEN
  NULL;  -- created concurrently by another database's migration
END
$role$;
GRANT USAGE ON SCHEMA ag_catalog TO kgmem_cypher_reader;
GRANT SELECT ON ag_catalog.ag_graph, ag_catalog.ag_label TO kgmem_cypher_reader;
"""

DOWNGRADE = r"""
REVOKE SELECT ON ag_catalog.ag_graph, ag_catalog.ag_label FROM kgmem_cypher_reader;
REVOKE USAGE ON SCHEMA ag_catalog FROM kgmem_cypher_reader;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
