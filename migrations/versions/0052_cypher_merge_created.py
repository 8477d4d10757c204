"""``MERGE ... ON CREATE / ON MATCH``: whether this row's MERGE created the entity, and
the entity as it is stored now.

kgmem's rewrite (``kgmem.cypher.merge``) compares the merged entity's graph id with
the largest id of its label table when the statement started: a larger id was created
by the statement. That alone takes every row of a batch that meets the same new entity
(``UNWIND ['a', 'a'] AS k MERGE (n:L {id: k})``, ``MATCH () MERGE (c:City)``) for its
creator, where Neo4j runs ON CREATE on the first row and ON MATCH on the others; and
AGE hands those later rows the entity as its MERGE made it, without what the first
row's SET wrote, which a SET on them would then write back over.

- ``merge_created(entity, largest)`` answers ``true`` for the first row that meets an
  entity with an id above ``largest`` (the largest id its table held when the
  statement started; null when the table held none), and ``false`` for a matched
  entity and for every later row meeting a created one. It claims the id in the
  transaction's temporary table ``kgmem_merged`` (graph, id); AGE never gives an id
  twice, so claims of earlier statements cannot meet a new entity.
- ``stored(entity)`` reads a vertex or edge again from its table, following the moves
  of ``kgmem_cypher.relabel`` (``kgmem_relabelled``), so the SETs after the MERGE
  start from its current properties and labels; an entity that is gone is returned as
  given.

Both read the graph from the transaction's ``kgmem.cypher_graph`` setting, which
``kgmem.storage.graph.relabels`` sets before the statement. ``merge_created`` writes,
so EXECUTE on both is revoked from PUBLIC, as on ``relabel`` (migration 0024).

Revision ID: 0052_cypher_merge_created
Revises: 0051_unlabelled_path_nodes
"""

from alembic import op

revision = "0052_cypher_merge_created"
down_revision = "0051_unlabelled_path_nodes"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher.merge_created(
  entity ag_catalog.agtype, largest ag_catalog.agtype
) RETURNS ag_catalog.agtype
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  graph text := coalesce(current_setting('kgmem.cypher_graph', true), '');
  id bigint;
  claimed integer;
BEGIN
  IF entity IS NULL OR entity OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype THEN
    RETURN 'false'::ag_catalog.agtype;
  END IF;
  id := ag_catalog.age_id(entity)::text::bigint;
  IF largest IS NOT NULL AND NOT largest OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype
     AND id <= largest::text::bigint THEN
    RETURN 'false'::ag_catalog.agtype;
  END IF;
  IF to_regclass('pg_temp.kgmem_merged') IS NULL THEN
    CREATE TEMP TABLE kgmem_merged (graph text, id bigint, PRIMARY KEY (graph, id))
      ON COMMIT DROP;
  END IF;
  INSERT INTO pg_temp.kgmem_merged VALUES (graph, id) ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS claimed = ROW_COUNT;
  RETURN (CASE WHEN claimed > 0 THEN 'true' ELSE 'false' END)::ag_catalog.agtype;
END
$fn$;

CREATE FUNCTION kgmem_cypher.stored(entity ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  graph text := current_setting('kgmem.cypher_graph', true);
  graph_oid oid;
  id ag_catalog.graphid;
  moved ag_catalog.graphid;
  named text;
  kind "char";
  relation regclass;
  start_id ag_catalog.graphid;
  end_id ag_catalog.graphid;
  props ag_catalog.agtype;
BEGIN
  IF entity IS NULL OR entity OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype THEN
    RETURN entity;
  END IF;
  SELECT g.graphid INTO graph_oid FROM ag_catalog.ag_graph g WHERE g.name = graph::name;
  IF graph_oid IS NULL THEN
    RAISE EXCEPTION 'kgmem_cypher.stored needs the setting kgmem.cypher_graph';
  END IF;
  id := ag_catalog.agtype_to_graphid(ag_catalog.age_id(entity));
  IF to_regclass('pg_temp.kgmem_relabelled') IS NOT NULL THEN
    SELECT r.new_id INTO moved FROM pg_temp.kgmem_relabelled r WHERE r.old_id = id;
    id := coalesce(moved, id);
  END IF;
  named := ag_catalog._label_name(graph_oid, id)::text;
  SELECT l.kind, l.relation INTO kind, relation FROM ag_catalog.ag_label l
  WHERE l.graph = graph_oid AND l.name = named::name;
  IF kind = 'v' THEN
    EXECUTE format('SELECT properties FROM ONLY %s WHERE id = $1', relation)
      INTO props USING id;
    IF props IS NOT NULL THEN
      RETURN ag_catalog._agtype_build_vertex(
        id, (CASE WHEN named = '_ag_label_vertex' THEN '' ELSE named END)::cstring, props);
    END IF;
  ELSIF kind = 'e' THEN
    EXECUTE format('SELECT start_id, end_id, properties FROM ONLY %s WHERE id = $1', relation)
      INTO start_id, end_id, props USING id;
    IF props IS NOT NULL THEN
      RETURN ag_catalog._agtype_build_edge(id, start_id, end_id, named::cstring, props);
    END IF;
  END IF;
  RETURN entity;
END
$fn$;

REVOKE EXECUTE ON FUNCTION kgmem_cypher.merge_created(ag_catalog.agtype, ag_catalog.agtype)
  FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION kgmem_cypher.stored(ag_catalog.agtype) FROM PUBLIC;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.stored(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.merge_created(ag_catalog.agtype, ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
