"""Retrieval: a vertex's time, an exact great-circle distance, and per-namespace upkeep.

- ``_kg_vertex.occurred_at``: when an episode or event happened (from its
  ``occurred_at`` or ``starts_at`` property), for time filters and recency decay on
  vertices; a B-tree on it.
- ``kgmem.haversine_km(lat1, lon1, lat2, lon2)``: great-circle distance on a sphere of
  radius 6371.0088 km (the IUGG mean radius), written with ``asin(sqrt(...))`` and the
  argument clamped to 1, which stays exact for antipodal and coincident points.
- ``kgmem.add_retrieval_columns(ns)``: adds the above to a namespace (idempotent);
  ``kgmem.storage.graph.namespaces.create`` calls it after ``create_namespace_tables``.

Revision ID: 0400_issue4_retrieval
Revises: 0105_issue5_ingest
Create Date: 2026-11-22
"""

from alembic import op

revision = "0400_issue4_retrieval"
down_revision = "0105_issue5_ingest"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem.haversine_km(lat1 float8, lon1 float8, lat2 float8, lon2 float8)
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT 2 * 6371.0088 * asin(least(1.0, sqrt(
           sin(radians(lat2 - lat1) / 2) ^ 2
         + cos(radians(lat1)) * cos(radians(lat2)) * sin(radians(lon2 - lon1) / 2) ^ 2)))
$$;

CREATE FUNCTION kgmem.add_retrieval_columns(ns text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('ALTER TABLE %I._kg_vertex ADD COLUMN IF NOT EXISTS occurred_at timestamptz',
                 ns);
  EXECUTE format('CREATE INDEX IF NOT EXISTS _kg_vertex_occurred ON %I._kg_vertex (occurred_at) '
                 'WHERE occurred_at IS NOT NULL', ns);
END
$fn$;

DO $up$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    PERFORM kgmem.add_retrieval_columns(ns);
  END LOOP;
END
$up$;
"""

DOWNGRADE = r"""
DO $down$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    EXECUTE format('ALTER TABLE %I._kg_vertex DROP COLUMN IF EXISTS occurred_at', ns);
  END LOOP;
END
$down$;
DROP FUNCTION kgmem.add_retrieval_columns(text);
DROP FUNCTION kgmem.haversine_km(float8, float8, float8, float8);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
