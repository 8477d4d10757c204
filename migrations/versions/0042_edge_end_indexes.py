"""Indexes on ``start_id(r)`` and ``end_id(r)`` as AGE compiles them, for every edge
label table.

An undirected relationship in a MATCH gets the conditions ``kgmem.cypher.undirected``
adds: ``start_id(r) = id(n) OR end_id(r) = id(n)`` from its bound end ``n``. AGE
compiles them to ``age_start_id(_agtype_build_edge(id, start_id, end_id, ...)) =
age_id(...)``; an expression index on exactly that lets PostgreSQL find ``r`` from
``n`` whatever it guesses of the far end.

``kgmem_neo4j.id_index_sql(graph, table, kind)`` now gives a row per index of a label
table: ``id(n)`` for every label, and for relationship tables ``start_id(r)`` and
``end_id(r)`` too. ``build_id_index`` runs each, and the index-population service
builds whichever a table lacks, concurrently (a label AGE created by itself in a
Cypher ``CREATE``). Their names start ``kgmem_id_``, so a restore leaves them out and
builds them again for the restored graph (their expression names the graph's oid, see
the migration 0027_neo4j_schema).

Revision ID: 0042_edge_end_indexes
Revises: 0041_claim_statements
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0042_edge_end_indexes"
down_revision = "0041_claim_statements"
branch_labels = None
depends_on = None

UPGRADE = r"""
DROP FUNCTION kgmem_neo4j.id_index_sql(oid, regclass, "char");

CREATE FUNCTION kgmem_neo4j.id_index_sql(g oid, rel regclass, kind "char")
RETURNS TABLE (index_name text, statement text)
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  label text := format('ag_catalog._label_name(%s::oid, id)', g);
  element text := CASE kind
    WHEN 'v' THEN 'ag_catalog._agtype_build_vertex(id, ' || label || ', properties)'
    ELSE 'ag_catalog._agtype_build_edge(id, start_id, end_id, ' || label || ', properties)'
  END;
  relname text := (SELECT c.relname FROM pg_class c WHERE c.oid = rel);
  part text;
BEGIN
  FOREACH part IN ARRAY CASE kind WHEN 'e' THEN ARRAY['', 'start', 'end'] ELSE ARRAY[''] END
  LOOP
    index_name := 'kgmem_id_'
      || left(md5(relname || CASE part WHEN '' THEN '' ELSE '/' || part END), 20);
    statement := format(
      'CREATE INDEX IF NOT EXISTS %I ON %s ((ag_catalog.age_%sid(%s)))',
      index_name, rel, CASE part WHEN '' THEN '' ELSE part || '_' END, element);
    RETURN NEXT;
  END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION kgmem_neo4j.build_id_index(g oid, rel regclass, kind "char")
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  s record;
BEGIN
  FOR s IN SELECT * FROM kgmem_neo4j.id_index_sql(g, rel, kind) LOOP
    EXECUTE s.statement;
  END LOOP;
END
$fn$;

SELECT kgmem_neo4j.build_id_indexes(name) FROM ag_catalog.ag_graph;
"""

DOWNGRADE = r"""
DO $drop$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT n.nspname, c.relname
    FROM ag_catalog.ag_label l
    JOIN pg_class c ON c.oid = l.relation
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE l.kind = 'e'
  LOOP
    EXECUTE format('DROP INDEX IF EXISTS %I.%I', r.nspname,
                   'kgmem_id_' || left(md5(r.relname || '/' || 'start'), 20));
    EXECUTE format('DROP INDEX IF EXISTS %I.%I', r.nspname,
                   'kgmem_id_' || left(md5(r.relname || '/' || 'end'), 20));
  END LOOP;
END
$drop$;

DROP FUNCTION kgmem_neo4j.id_index_sql(oid, regclass, "char");
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def _before() -> str:
    """The two functions as migration 0031_neo4j_id_index_sql made them."""
    path = Path(__file__).with_name("0031_neo4j_id_index_sql.py")
    spec = importlib.util.spec_from_file_location("kgmem_migration_0031", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE + _before())
