"""Neo4j's schema language: the SQL schema ``kgmem_neo4j`` that holds kgmem's functions
for declared indexes and constraints (the other ``0027_neo4j_schema_*`` migrations add
theirs there), readable by the namespaces' Cypher readers.

A namespace's declarations live in its own graph schema (``_kg_declared``, created on
first use by ``kgmem.storage.neo4j_schema.catalog``), not here.

Revision ID: 0027_neo4j_schema
Revises: 0026_import_jobs
"""

from alembic import op

revision = "0027_neo4j_schema"
down_revision = "0026_import_jobs"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE SCHEMA IF NOT EXISTS kgmem_neo4j;
GRANT USAGE ON SCHEMA kgmem_neo4j TO kgmem_cypher_reader;
"""

DOWNGRADE = r"""
DROP SCHEMA IF EXISTS kgmem_neo4j CASCADE;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
