"""APOC's writing procedures as functions of schema ``kgmem_neo4j`` that a Cypher
statement calls (``kgmem.cypher.apoc_writes`` turns each ``CALL`` into a ``WITH`` of
one of these), reading the graph from the transaction's ``kgmem.cypher_graph`` setting
as ``kgmem_cypher.relabel`` does (``kgmem.storage.graph.relabels`` sets it):

- ``apoc_merge_node(labels, ident, on_create, on_match)``: the node carrying every
  label of ``labels`` whose properties contain ``ident``, its properties updated with
  ``on_match``; else a new node in the table of that label set with ``ident`` and
  ``on_create``. A label set without an AGE label yet raises ``KGL01`` (as ``relabel``
  does); the caller creates it and runs the statement again.
- ``apoc_merge_relationship(start, type, ident, on_create, end, on_match)`` and
  ``apoc_create_relationship(start, type, properties, end)``: the same for a
  relationship of ``type`` from ``start`` to ``end``; a type without an AGE label yet
  raises ``KGL02`` (message: the type).
- ``apoc_add_labels`` / ``apoc_set_labels`` / ``apoc_remove_labels(node, labels)``:
  ``relabel`` with the labels to add and remove.

A null value in an update map removes the property, as ``SET n += map`` does. Each
function runs its own SQL, so a later row of the statement finds what an earlier row
merged; a node moved by ``relabel`` earlier in the statement is found by its new id
(``pg_temp.kgmem_relabelled``). The CHECKs of declared constraints apply to what they
write. EXECUTE is revoked from PUBLIC: only the service (write mode) runs them.

Revision ID: 0035_apoc_writes
Revises: 0034_apoc_functions
"""

from alembic import op

revision = "0035_apoc_writes"
down_revision = "0034_apoc_functions"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_neo4j._apoc_graph(what text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog AS $fn$
DECLARE graph text := current_setting('kgmem.cypher_graph', true);
BEGIN
  IF graph IS NULL OR graph = '' THEN
    RAISE EXCEPTION '% needs the setting kgmem.cypher_graph', what;
  END IF;
  RETURN graph;
END
$fn$;

-- The map ``m`` (agtype) with its null values gone, or '{}'.
CREATE FUNCTION kgmem_neo4j._apoc_set(m ag_catalog.agtype, what text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT coalesce(jsonb_strip_nulls(kgmem_neo4j._apoc_map(m, what)), '{}'::jsonb)
$fn$;

-- ``props`` updated by ``m`` as SET += does: null values remove their keys.
CREATE FUNCTION kgmem_neo4j._apoc_update(props jsonb, m ag_catalog.agtype, what text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT (props - coalesce(ARRAY(SELECT e.key FROM jsonb_each(u) e
                                 WHERE jsonb_typeof(e.value) = 'null'), ARRAY[]::text[]))
         || jsonb_strip_nulls(u)
  FROM (SELECT coalesce(kgmem_neo4j._apoc_map(m, what), '{}'::jsonb) AS u) AS s
$fn$;

-- The current graph id of ``node`` (a node moved earlier in the statement: its new id).
CREATE FUNCTION kgmem_neo4j._apoc_node_id(node ag_catalog.agtype, what text)
RETURNS ag_catalog.graphid
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE id ag_catalog.graphid;
        moved ag_catalog.graphid;
BEGIN
  IF node IS NULL OR node OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype
     OR NOT kgmem_neo4j._apoc_entity(node) THEN
    RAISE EXCEPTION '%: expected a node, not %', what,
      coalesce(left(ag_catalog.agtype_out(node)::text, 80), 'null') USING ERRCODE = '22023';
  END IF;
  id := ag_catalog.agtype_to_graphid(ag_catalog.age_id(node));
  IF to_regclass('pg_temp.kgmem_relabelled') IS NOT NULL THEN
    SELECT r.new_id INTO moved FROM pg_temp.kgmem_relabelled r WHERE r.old_id = id;
  END IF;
  RETURN coalesce(moved, id);
END
$fn$;

CREATE FUNCTION kgmem_neo4j._apoc_text(v ag_catalog.agtype, what text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog AS $fn$
DECLARE j jsonb := kgmem_neo4j._apoc_json(v, what);
BEGIN
  IF j IS NULL OR jsonb_typeof(j) <> 'string' OR j #>> '{}' = '' THEN
    RAISE EXCEPTION '%: the relationship type must be a non-empty string, not %', what,
      coalesce(j::text, 'null') USING ERRCODE = '22023';
  END IF;
  RETURN j #>> '{}';
END
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_merge_node(
  labels ag_catalog.agtype, ident ag_catalog.agtype,
  on_create ag_catalog.agtype, on_match ag_catalog.agtype
) RETURNS ag_catalog.agtype
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  what text := 'apoc.merge.node';
  graph text := kgmem_neo4j._apoc_graph(what);
  graph_oid oid := (SELECT g.graphid FROM ag_catalog.ag_graph g WHERE g.name = graph::name);
  wanted text[];
  target text;
  base text;
  keys jsonb := kgmem_neo4j._apoc_map(ident, what);
  found ag_catalog.graphid;
  props jsonb;
  named text;
BEGIN
  IF keys IS NULL OR keys = '{}'::jsonb THEN
    RAISE EXCEPTION 'you need to supply at least one identifying property for a merge'
      USING ERRCODE = '22023';
  END IF;
  IF EXISTS (SELECT 1 FROM jsonb_each(keys) e WHERE jsonb_typeof(e.value) = 'null') THEN
    RAISE EXCEPTION 'the identifying properties of a merge cannot be null: %', keys::text
      USING ERRCODE = '22023';
  END IF;
  wanted := ARRAY(SELECT DISTINCT l COLLATE "C" FROM unnest(kgmem_cypher._texts(labels)) AS l
                  WHERE l <> '' ORDER BY 1);
  target := CASE cardinality(wanted) WHEN 0 THEN '_ag_label_vertex' WHEN 1 THEN wanted[1]
            ELSE kgmem_cypher._composite(wanted) END;
  IF NOT EXISTS (SELECT 1 FROM ag_catalog.ag_label l
                 WHERE l.graph = graph_oid AND l.name = target::name AND l.kind = 'v') THEN
    RAISE EXCEPTION '%', target USING ERRCODE = 'KGL01', DETAIL = to_jsonb(wanted)::text;
  END IF;
  base := CASE WHEN cardinality(wanted) = 0 THEN '_ag_label_vertex' ELSE wanted[1] END;
  EXECUTE format('SELECT t.id, ag_catalog.agtype_out(t.properties)::text::jsonb FROM %I.%I t '
                 'WHERE t.properties @> $1::text::ag_catalog.agtype AND '
                 'kgmem_cypher._label_list(ag_catalog._label_name($2, t.id)::text) @> $3 '
                 'LIMIT 1 FOR UPDATE', graph, base)
    INTO found, props USING keys::text, graph_oid, wanted;
  IF found IS NOT NULL THEN
    props := kgmem_neo4j._apoc_update(props, on_match, what);
    EXECUTE format('UPDATE %I._ag_label_vertex SET properties = $1::text::ag_catalog.agtype '
                   'WHERE id = $2', graph) USING props::text, found;
    named := ag_catalog._label_name(graph_oid, found)::text;
  ELSE
    props := kgmem_neo4j._apoc_set(on_create, what) || keys;
    EXECUTE format('INSERT INTO %I.%I (properties) VALUES ($1::text::ag_catalog.agtype) '
                   'RETURNING id', graph, target) INTO found USING props::text;
    named := target;
  END IF;
  RETURN ag_catalog._agtype_build_vertex(
    found, (CASE WHEN named = '_ag_label_vertex' THEN '' ELSE named END)::cstring,
    props::text::ag_catalog.agtype);
END
$fn$;

CREATE FUNCTION kgmem_neo4j._apoc_edge_label(graph_name text, type_name text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog AS $fn$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM ag_catalog.ag_label l JOIN ag_catalog.ag_graph g
                 ON g.graphid = l.graph WHERE g.name = graph_name::name
                 AND l.name = type_name::name AND l.kind = 'e') THEN
    RAISE EXCEPTION '%', type_name USING ERRCODE = 'KGL02';
  END IF;
END
$fn$;

CREATE FUNCTION kgmem_neo4j._apoc_edge(
  graph text, kind text, id ag_catalog.graphid, s ag_catalog.graphid, e ag_catalog.graphid,
  props jsonb
) RETURNS ag_catalog.agtype
LANGUAGE sql STABLE SET search_path = pg_catalog AS $fn$
  SELECT ag_catalog._agtype_build_edge(id, s, e, kind::cstring, props::text::ag_catalog.agtype)
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_merge_relationship(
  start_node ag_catalog.agtype, rel_type ag_catalog.agtype, ident ag_catalog.agtype,
  on_create ag_catalog.agtype, end_node ag_catalog.agtype, on_match ag_catalog.agtype
) RETURNS ag_catalog.agtype
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  what text := 'apoc.merge.relationship';
  graph text := kgmem_neo4j._apoc_graph(what);
  kind text := kgmem_neo4j._apoc_text(rel_type, what);
  s ag_catalog.graphid := kgmem_neo4j._apoc_node_id(start_node, what);
  e ag_catalog.graphid := kgmem_neo4j._apoc_node_id(end_node, what);
  keys jsonb := coalesce(kgmem_neo4j._apoc_map(ident, what), '{}'::jsonb);
  found ag_catalog.graphid;
  props jsonb;
BEGIN
  PERFORM kgmem_neo4j._apoc_edge_label(graph, kind);
  EXECUTE format('SELECT t.id, ag_catalog.agtype_out(t.properties)::text::jsonb FROM %I.%I t '
                 'WHERE t.start_id = $1 AND t.end_id = $2 '
                 'AND t.properties @> $3::text::ag_catalog.agtype LIMIT 1 FOR UPDATE',
                 graph, kind)
    INTO found, props USING s, e, jsonb_strip_nulls(keys)::text;
  IF found IS NOT NULL THEN
    props := kgmem_neo4j._apoc_update(props, on_match, what);
    EXECUTE format('UPDATE %I.%I SET properties = $1::text::ag_catalog.agtype WHERE id = $2',
                   graph, kind) USING props::text, found;
  ELSE
    props := kgmem_neo4j._apoc_set(on_create, what) || jsonb_strip_nulls(keys);
    EXECUTE format('INSERT INTO %I.%I (start_id, end_id, properties) '
                   'VALUES ($1, $2, $3::text::ag_catalog.agtype) RETURNING id', graph, kind)
      INTO found USING s, e, props::text;
  END IF;
  RETURN kgmem_neo4j._apoc_edge(graph, kind, found, s, e, props);
END
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_create_relationship(
  start_node ag_catalog.agtype, rel_type ag_catalog.agtype, properties ag_catalog.agtype,
  end_node ag_catalog.agtype
) RETURNS ag_catalog.agtype
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  what text := 'apoc.create.relationship';
  graph text := kgmem_neo4j._apoc_graph(what);
  kind text := kgmem_neo4j._apoc_text(rel_type, what);
  s ag_catalog.graphid := kgmem_neo4j._apoc_node_id(start_node, what);
  e ag_catalog.graphid := kgmem_neo4j._apoc_node_id(end_node, what);
  props jsonb := kgmem_neo4j._apoc_set(properties, what);
  made ag_catalog.graphid;
BEGIN
  PERFORM kgmem_neo4j._apoc_edge_label(graph, kind);
  EXECUTE format('INSERT INTO %I.%I (start_id, end_id, properties) '
                 'VALUES ($1, $2, $3::text::ag_catalog.agtype) RETURNING id', graph, kind)
    INTO made USING s, e, props::text;
  RETURN kgmem_neo4j._apoc_edge(graph, kind, made, s, e, props);
END
$fn$;

-- The labels ``node`` carries now (after any move earlier in the statement).
CREATE FUNCTION kgmem_neo4j._apoc_labels_now(node ag_catalog.agtype, what text)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  graph text := kgmem_neo4j._apoc_graph(what);
  graph_oid oid := (SELECT g.graphid FROM ag_catalog.ag_graph g WHERE g.name = graph::name);
  named text := ag_catalog._label_name(graph_oid, kgmem_neo4j._apoc_node_id(node, what))::text;
BEGIN
  RETURN (to_jsonb(kgmem_cypher._label_list(
    CASE WHEN named = '_ag_label_vertex' THEN '' ELSE named END))::text)::ag_catalog.agtype;
END
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_add_labels(node ag_catalog.agtype, labels ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql VOLATILE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_cypher.relabel(node, labels, '[]'::ag_catalog.agtype)
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_remove_labels(node ag_catalog.agtype, labels ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql VOLATILE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_cypher.relabel(node, '[]'::ag_catalog.agtype, labels)
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_set_labels(node ag_catalog.agtype, labels ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql VOLATILE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_cypher.relabel(node, labels, (to_jsonb(ARRAY(
    SELECT l FROM jsonb_array_elements_text(kgmem_cypher._json(
      kgmem_neo4j._apoc_labels_now(node, 'apoc.create.setLabels'))) AS l
    WHERE l <> ALL (kgmem_cypher._texts(labels))))::text)::ag_catalog.agtype)
$fn$;

REVOKE EXECUTE ON FUNCTION kgmem_neo4j.apoc_merge_node(
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION kgmem_neo4j.apoc_merge_relationship(
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype,
  ag_catalog.agtype, ag_catalog.agtype) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION kgmem_neo4j.apoc_create_relationship(
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION kgmem_neo4j.apoc_add_labels(ag_catalog.agtype, ag_catalog.agtype)
  FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION kgmem_neo4j.apoc_remove_labels(ag_catalog.agtype, ag_catalog.agtype)
  FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION kgmem_neo4j.apoc_set_labels(ag_catalog.agtype, ag_catalog.agtype)
  FROM PUBLIC;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_set_labels(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_remove_labels(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_add_labels(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_labels_now(ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_create_relationship(
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_merge_relationship(
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype,
  ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_edge(text, text, ag_catalog.graphid,
  ag_catalog.graphid, ag_catalog.graphid, jsonb);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_edge_label(text, text);
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_merge_node(
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_text(ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_node_id(ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_update(jsonb, ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_set(ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_graph(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
