"""``apoc.refactor.mergeNodes(nodes, config)`` as a function of schema ``kgmem_neo4j``
that a Cypher statement calls (``kgmem.cypher.apoc_writes`` turns the ``CALL`` into a
``WITH`` of it), as the other APOC writes of migration 0035 are.

``apoc_merge_nodes(nodes, config)`` merges the nodes of the list onto its first one:

- the first node takes every label of the others (``kgmem_cypher.relabel`` moves it
  to the table of its new label set, re-pointing its relationships);
- its properties merge those of the others by ``config.properties``: a strategy for
  every key (``'discard'``: the first value given wins; ``'overwrite'`` or
  ``'override'``, the default: the last one wins; ``'combine'``: one value stays one,
  several different ones become a list) or a map from key patterns (regular
  expressions; a key named exactly wins over a pattern) to strategies;
- every relationship of the others moves to it; with ``produceSelfRel: false`` the
  ones between merged nodes go instead of becoming loops;
- with ``mergeRels: true``, relationships of one type between the same two nodes in
  the same direction become one (the oldest), their properties merged as the nodes'
  are (``'combine'`` when ``config.properties`` is not given);
- the others are deleted.

Nodes missing from the graph (merged away earlier in the statement) and repeats are
skipped; a list with nothing left answers null. Declared constraints' CHECKs apply to
what it writes. EXECUTE is revoked from PUBLIC: only the service (write mode) runs it.

Revision ID: 0038_apoc_merge_nodes
Revises: 0037_cosine_subnormals
"""

from alembic import op

revision = "0038_apoc_merge_nodes"
down_revision = "0037_cosine_subnormals"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- The ids of the nodes of the list ``nodes`` still in the graph, in order, once each.
CREATE FUNCTION kgmem_neo4j._apoc_live_ids(nodes ag_catalog.agtype, what text)
RETURNS ag_catalog.graphid[]
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  graph text := kgmem_neo4j._apoc_graph(what);
  ids ag_catalog.graphid[] := ARRAY[]::ag_catalog.graphid[];
  node ag_catalog.agtype;
  id ag_catalog.graphid;
  alive boolean;
BEGIN
  IF nodes IS NULL OR nodes OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype THEN
    RETURN ids;
  END IF;
  IF left(ag_catalog.agtype_out(nodes)::text, 1) <> '[' THEN
    RAISE EXCEPTION '%: expected a list of nodes, not %', what,
      left(ag_catalog.agtype_out(nodes)::text, 80) USING ERRCODE = '22023';
  END IF;
  FOR i IN 0 .. kgmem_cypher._size(nodes) - 1 LOOP
    node := ag_catalog.agtype_access_operator(VARIADIC ARRAY[nodes, i::text::ag_catalog.agtype]);
    CONTINUE WHEN node IS NULL OR node OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype;
    IF ag_catalog.agtype_out(node)::text !~ '::vertex$' THEN
      RAISE EXCEPTION '%: expected a list of nodes, not one holding %', what,
        left(ag_catalog.agtype_out(node)::text, 80) USING ERRCODE = '22023';
    END IF;
    id := kgmem_neo4j._apoc_node_id(node, what);
    EXECUTE format('SELECT true FROM %I._ag_label_vertex WHERE id = $1', graph)
      INTO alive USING id;
    IF alive AND NOT (id = ANY (ids)) THEN
      ids := ids || id;
    END IF;
  END LOOP;
  RETURN ids;
END
$fn$;

-- The strategy ``config`` (a strategy, or a map from key patterns to strategies)
-- names for property ``prop``, else ``fallback``.
CREATE FUNCTION kgmem_neo4j._apoc_strategy(config jsonb, prop text, fallback text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog AS $fn$
DECLARE chosen text;
BEGIN
  IF config IS NULL OR jsonb_typeof(config) = 'null' THEN
    RETURN fallback;
  ELSIF jsonb_typeof(config) = 'string' THEN
    chosen := config #>> '{}';
  ELSIF jsonb_typeof(config) = 'object' THEN
    chosen := coalesce(config ->> prop, (
      SELECT e.value #>> '{}' FROM jsonb_each(config) e
      WHERE prop ~ ('^(?:' || e.key || ')$') ORDER BY length(e.key) DESC, e.key LIMIT 1));
  ELSE
    RAISE EXCEPTION 'apoc.refactor.mergeNodes: properties must be a strategy or a map of '
      'them, not %', left(config::text, 80) USING ERRCODE = '22023';
  END IF;
  chosen := lower(coalesce(chosen, fallback));
  IF chosen NOT IN ('discard', 'overwrite', 'override', 'combine') THEN
    RAISE EXCEPTION 'apoc.refactor.mergeNodes: unknown properties strategy %; use '
      '''discard'', ''overwrite'' or ''combine''', chosen USING ERRCODE = '22023';
  END IF;
  RETURN chosen;
END
$fn$;

-- The property maps ``maps`` (in order) merged key by key as ``config`` says.
CREATE FUNCTION kgmem_neo4j._apoc_merge_maps(
  maps jsonb[], config jsonb, fallback text, single_as_list boolean
) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog AS $fn$
DECLARE
  merged jsonb := '{}'::jsonb;
  key text;
  strategy text;
  given jsonb[];
  kept jsonb[];
BEGIN
  FOR key IN SELECT k FROM unnest(maps) WITH ORDINALITY AS m(props, at),
             LATERAL jsonb_object_keys(m.props) AS k GROUP BY k ORDER BY min(m.at), k LOOP
    given := ARRAY(SELECT m.props -> key FROM unnest(maps) WITH ORDINALITY AS m(props, at)
                   WHERE m.props ? key AND jsonb_typeof(m.props -> key) <> 'null'
                   ORDER BY m.at);
    CONTINUE WHEN cardinality(given) = 0;
    strategy := kgmem_neo4j._apoc_strategy(config, key, fallback);
    IF strategy = 'discard' THEN
      merged := merged || jsonb_build_object(key, given[1]);
    ELSIF strategy IN ('overwrite', 'override') THEN
      merged := merged || jsonb_build_object(key, given[cardinality(given)]);
    ELSE
      kept := ARRAY(SELECT v FROM (
        SELECT v, min(at) AS first FROM unnest(given) WITH ORDINALITY AS g(value, at),
        LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(g.value) = 'array'
          THEN g.value ELSE jsonb_build_array(g.value) END) AS x(v)
        GROUP BY v) AS d ORDER BY first);
      merged := merged || jsonb_build_object(key, CASE
        WHEN cardinality(kept) = 1 AND NOT single_as_list THEN kept[1]
        ELSE to_jsonb(kept) END);
    END IF;
  END LOOP;
  RETURN merged;
END
$fn$;

CREATE FUNCTION kgmem_neo4j._apoc_props_of(graph text, tab text, id ag_catalog.graphid)
RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE props jsonb;
BEGIN
  EXECUTE format('SELECT ag_catalog.agtype_out(properties)::text::jsonb FROM %I.%I '
                 'WHERE id = $1', graph, tab) INTO props USING id;
  RETURN coalesce(props, '{}'::jsonb);
END
$fn$;

-- Relationships of one type, direction and pair of nodes at ``node`` made one.
CREATE FUNCTION kgmem_neo4j._apoc_merge_rels(
  graph text, node ag_catalog.graphid, config jsonb, single_as_list boolean
) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  twins record;
BEGIN
  FOR twins IN EXECUTE format(
      'SELECT e.tableoid::regclass::text AS tab, array_agg(e.id ORDER BY e.id) AS ids, '
      'array_agg(ag_catalog.agtype_out(e.properties)::text::jsonb ORDER BY e.id) AS maps '
      'FROM %I._ag_label_edge e WHERE e.start_id = $1 OR e.end_id = $1 '
      'GROUP BY e.tableoid, e.start_id, e.end_id HAVING count(*) > 1', graph) USING node LOOP
    EXECUTE format('UPDATE %s SET properties = $1::text::ag_catalog.agtype WHERE id = $2',
                   twins.tab)
      USING kgmem_neo4j._apoc_merge_maps(twins.maps, config, 'combine', single_as_list)::text,
            twins.ids[1];
    EXECUTE format('DELETE FROM %s WHERE id = ANY ($1)', twins.tab)
      USING twins.ids[2:];
  END LOOP;
END
$fn$;

CREATE FUNCTION kgmem_neo4j.apoc_merge_nodes(nodes ag_catalog.agtype, config ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  what text := 'apoc.refactor.mergeNodes';
  graph text := kgmem_neo4j._apoc_graph(what);
  graph_oid oid := (SELECT g.graphid FROM ag_catalog.ag_graph g WHERE g.name = graph::name);
  cfg jsonb := coalesce(kgmem_neo4j._apoc_map(config, what), '{}'::jsonb);
  single_as_list boolean := coalesce((cfg ->> 'singleElementAsArray')::boolean, false);
  ids ag_catalog.graphid[] := kgmem_neo4j._apoc_live_ids(nodes, what);
  first ag_catalog.graphid;
  others ag_catalog.graphid[];
  labels text[];
  named text;
  maps jsonb[];
  merged jsonb;
BEGIN
  IF cardinality(ids) = 0 THEN
    RETURN NULL;
  END IF;
  first := ids[1];
  others := ids[2:];
  labels := ARRAY(SELECT DISTINCT l FROM unnest(ids) AS i,
                  LATERAL unnest(kgmem_cypher._label_list(
                    ag_catalog._label_name(graph_oid, i)::text)) AS l
                  WHERE l NOT IN ('', '_ag_label_vertex'));
  IF cardinality(others) > 0 THEN
    first := ag_catalog.agtype_to_graphid(ag_catalog.age_id(kgmem_cypher.relabel(
      ag_catalog._agtype_build_vertex(first, ''::cstring, '{}'::ag_catalog.agtype),
      to_jsonb(labels)::text::ag_catalog.agtype, '[]'::ag_catalog.agtype)));
    maps := ARRAY(SELECT kgmem_neo4j._apoc_props_of(graph, '_ag_label_vertex', i)
                  FROM unnest(first || others) AS i);
    merged := kgmem_neo4j._apoc_merge_maps(maps, cfg -> 'properties', 'overwrite',
                                           single_as_list);
    EXECUTE format('UPDATE %I._ag_label_vertex SET properties = $1::text::ag_catalog.agtype '
                   'WHERE id = $2', graph) USING merged::text, first;
    IF NOT coalesce((cfg ->> 'produceSelfRel')::boolean, true) THEN
      EXECUTE format('DELETE FROM %I._ag_label_edge WHERE (start_id = ANY ($1) '
                     'OR end_id = ANY ($1)) AND start_id = ANY ($2) AND end_id = ANY ($2)',
                     graph) USING others, first || others;
    END IF;
    EXECUTE format('UPDATE %I._ag_label_edge SET '
                   'start_id = CASE WHEN start_id = ANY ($1) THEN $2 ELSE start_id END, '
                   'end_id = CASE WHEN end_id = ANY ($1) THEN $2 ELSE end_id END '
                   'WHERE start_id = ANY ($1) OR end_id = ANY ($1)', graph)
      USING others, first;
    EXECUTE format('DELETE FROM %I._ag_label_vertex WHERE id = ANY ($1)', graph) USING others;
    IF coalesce((cfg ->> 'mergeRels')::boolean, false) THEN
      PERFORM kgmem_neo4j._apoc_merge_rels(graph, first,
        coalesce(cfg -> 'properties', '"combine"'::jsonb), single_as_list);
    END IF;
  END IF;
  named := ag_catalog._label_name(graph_oid, first)::text;
  RETURN ag_catalog._agtype_build_vertex(
    first, (CASE WHEN named = '_ag_label_vertex' THEN '' ELSE named END)::cstring,
    kgmem_neo4j._apoc_props_of(graph, '_ag_label_vertex', first)::text::ag_catalog.agtype);
END
$fn$;

REVOKE EXECUTE ON FUNCTION kgmem_neo4j.apoc_merge_nodes(ag_catalog.agtype, ag_catalog.agtype)
  FROM PUBLIC;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_neo4j.apoc_merge_nodes(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_merge_rels(text, ag_catalog.graphid, jsonb, boolean);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_props_of(text, text, ag_catalog.graphid);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_merge_maps(jsonb[], jsonb, text, boolean);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_strategy(jsonb, text, text);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_live_ids(ag_catalog.agtype, text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
