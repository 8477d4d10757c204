"""The statement that builds a label table's ``id(n)`` index, as text.

``kgmem_neo4j.id_index_sql(graph, table, kind)`` gives the index's name and its
``CREATE INDEX IF NOT EXISTS`` statement, and ``build_id_index`` now runs exactly that:
so the index-population service (``kgmem.neo4j_schema.population``) can build the index
``CONCURRENTLY`` on a label table AGE created by itself in a Cypher ``CREATE``, from
the same one definition.

Revision ID: 0031_neo4j_id_index_sql
Revises: 0030_neo4j_fulltext
"""

from alembic import op

revision = "0031_neo4j_id_index_sql"
down_revision = "0030_neo4j_fulltext"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_neo4j.id_index_sql(g oid, rel regclass, kind "char",
                                         OUT index_name text, OUT statement text)
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  label text := format('ag_catalog._label_name(%s::oid, id)', g);
  element text := CASE kind
    WHEN 'v' THEN 'ag_catalog._agtype_build_vertex(id, ' || label || ', properties)'
    ELSE 'ag_catalog._agtype_build_edge(id, start_id, end_id, ' || label || ', properties)'
  END;
BEGIN
  index_name := 'kgmem_id_' || left(md5((SELECT relname FROM pg_class WHERE oid = rel)), 20);
  statement := format(
    'CREATE INDEX IF NOT EXISTS %I ON %s ((ag_catalog.age_id(%s)))', index_name, rel, element);
END
$fn$;

CREATE OR REPLACE FUNCTION kgmem_neo4j.build_id_index(g oid, rel regclass, kind "char")
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE (SELECT s.statement FROM kgmem_neo4j.id_index_sql(g, rel, kind) s);
END
$fn$;
"""

DOWNGRADE = r"""
CREATE OR REPLACE FUNCTION kgmem_neo4j.build_id_index(g oid, rel regclass, kind "char")
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
DROP FUNCTION kgmem_neo4j.id_index_sql(oid, regclass, "char");
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
