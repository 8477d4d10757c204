"""Neo4j's schema language: the SQL schema ``kgmem_neo4j`` that holds kgmem's functions
for declared indexes and constraints (the other ``0027_neo4j_schema_*`` migrations add
theirs there), readable by the namespaces' Cypher readers; and an index on ``id(n)``
for every label table.

AGE compiles ``WHERE id(n) = x`` to ``age_id(_agtype_build_vertex(id, _label_name(<graph
oid>, id), properties)) = x`` (``_agtype_build_edge(id, start_id, end_id, ...)`` for
relationships): an expression index on exactly that makes it an index scan. The graph
oid is written into the index, so a restored graph (a new oid) must not get the dumped
index back: restores leave these indexes out (their names start ``kgmem_id_``) and
build them again with ``kgmem_neo4j.build_id_indexes(graph)``
(``kgmem.storage.backups.backup``).

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

-- The id(n) index of one label table (kind 'v' or 'e') of the graph with oid g.
CREATE FUNCTION kgmem_neo4j.build_id_index(g oid, rel regclass, kind "char")
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  label text := 'ag_catalog._label_name(%s::oid, id)';
  element text := CASE kind
    WHEN 'v' THEN 'ag_catalog._agtype_build_vertex(id, ' || label || ', properties)'
    ELSE 'ag_catalog._agtype_build_edge(id, start_id, end_id, ' || label || ', properties)'
  END;
BEGIN
  EXECUTE format(
    'CREATE INDEX IF NOT EXISTS %I ON %s ((ag_catalog.age_id(' || format(element, g) || ')))',
    'kgmem_id_' || left(md5((SELECT relname FROM pg_class WHERE oid = rel)), 20),
    rel);
END
$fn$;

-- The id(n) indexes of every label table of graph graph_name (if it exists).
CREATE FUNCTION kgmem_neo4j.build_id_indexes(graph_name name)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT l.graph, l.relation, l.kind FROM ag_catalog.ag_label l
    JOIN ag_catalog.ag_graph g ON g.graphid = l.graph
    WHERE g.name = graph_name AND l.name NOT IN ('_ag_label_vertex', '_ag_label_edge')
  LOOP
    PERFORM kgmem_neo4j.build_id_index(r.graph, r.relation, r.kind);
  END LOOP;
END
$fn$;

SELECT kgmem_neo4j.build_id_indexes(name) FROM ag_catalog.ag_graph;
"""

DOWNGRADE = r"""
DROP SCHEMA IF EXISTS kgmem_neo4j CASCADE;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
