"""``shortestPath`` and ``allShortestPaths``: a bounded breadth-first search in SQL.

AGE 1.7 has no shortest-path search, and its variable-length patterns enumerate every
path (exponential on a dense graph). kgmem's rewrite (``kgmem.cypher.shortest_paths``)
calls ``kgmem_cypher.shortest_paths(graph, source, target, types, direction, lower,
upper, every, most)`` from the Cypher text instead:

- ``graph``: the namespace (a parameter kgmem binds, never the analyst's text);
- ``source``, ``target``: the end nodes (null gives null);
- ``types``: the relationship types to follow, or null for every type;
- ``direction``: ``'out'``, ``'in'`` or ``'both'``;
- ``lower`` (0 or 1) and ``upper``: the bounds of the path's length;
- ``every``: all shortest paths (``allShortestPaths``), else one;
- ``most``: the most nodes the search may reach before it stops with SQLSTATE
  ``54KG1`` (kgmem answers ``limit_exceeded``).

It answers the list of paths found (empty when there is none within ``upper``). The
search expands one layer of the graph per SQL statement, from the whole frontier at
once through the edge tables' indexes on ``start_id`` / ``end_id``, and never visits a
node twice, so its cost is bounded by the nodes and relationships within ``upper`` hops
of the source, whatever the graph's density. Of several shortest paths, ``every =
false`` answers the one whose relationships have the lowest graph ids at each step
back from the target. A source equal to the target with ``lower = 1`` raises Neo4j's
error. The function reads the graph as its caller (SECURITY INVOKER): the namespace
reader role reads only its own graph.

Revision ID: 0033_cypher_shortest_paths
Revises: 0032_cypher_functions
"""

from alembic import op

revision = "0033_cypher_shortest_paths"
down_revision = "0032_cypher_functions"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher._path_step(
  graph text, types text[], direction text, every boolean
) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  tables text[];
  parts text[] := ARRAY[]::text[];
  t text;
BEGIN
  IF types IS NULL THEN
    tables := ARRAY[format('%I._ag_label_edge', graph)];
  ELSE
    tables := ARRAY(
      SELECT format('%I.%I', graph, x) FROM unnest(types) AS u(x)
      WHERE to_regclass(format('%I.%I', graph, x)) IS NOT NULL
    );
  END IF;
  FOREACH t IN ARRAY tables LOOP
    IF direction IN ('out', 'both') THEN
      parts := parts || format(
        'SELECT e.end_id AS nb, e.id AS eid, e.start_id AS pr FROM %s e '
        'WHERE e.start_id = ANY($1)', t);
    END IF;
    IF direction IN ('in', 'both') THEN
      parts := parts || format(
        'SELECT e.start_id AS nb, e.id AS eid, e.end_id AS pr FROM %s e '
        'WHERE e.end_id = ANY($1)', t);
    END IF;
  END LOOP;
  IF cardinality(parts) = 0 THEN
    RETURN NULL;
  END IF;
  RETURN 'SELECT coalesce(array_agg(nb ORDER BY nb, eid), ''{}''), '
    || 'coalesce(array_agg(eid ORDER BY nb, eid), ''{}''), '
    || 'coalesce(array_agg(pr ORDER BY nb, eid), ''{}'') FROM ('
    || CASE WHEN every THEN 'SELECT DISTINCT nb, eid, pr'
            ELSE 'SELECT DISTINCT ON (nb) nb, eid, pr' END
    || ' FROM (' || array_to_string(parts, ' UNION ALL ') || ') s '
    || 'WHERE NOT EXISTS (SELECT 1 FROM unnest($2) AS seen(x) WHERE seen.x = s.nb) '
    || 'ORDER BY nb, eid) found';
END
$fn$;

CREATE FUNCTION kgmem_cypher._path_texts(graph text, paths text[])
RETURNS ag_catalog.agtype
LANGUAGE plpgsql STABLE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  goid oid := (SELECT a.graphid FROM ag_graph a WHERE a.name = graph);
  vertices graphid[];
  edges graphid[];
  texts jsonb;
BEGIN
  -- Each path is the text of an array of graph ids: vertex, edge, vertex, ...
  SELECT array_agg(DISTINCT x::graphid) FILTER (WHERE k % 2 = 1),
         array_agg(DISTINCT x::graphid) FILTER (WHERE k % 2 = 0)
  INTO vertices, edges
  FROM unnest(paths) AS q(p), unnest(p::text[]) WITH ORDINALITY AS e(x, k);
  EXECUTE format(
    'SELECT jsonb_object_agg(id, txt) FROM ('
    'SELECT v.id::text AS id, agtype_out(_agtype_build_vertex(v.id, _label_name($1, v.id), '
    'v.properties))::text AS txt FROM %1$I._ag_label_vertex v WHERE v.id = ANY($2) '
    'UNION ALL SELECT e.id::text, agtype_out(_agtype_build_edge(e.id, e.start_id, e.end_id, '
    '_label_name($1, e.id), e.properties))::text FROM %1$I._ag_label_edge e '
    'WHERE e.id = ANY($3)) s', graph)
  INTO texts USING goid, vertices, coalesce(edges, '{}');
  RETURN (
    SELECT ('[' || string_agg(
      '[' || (
        SELECT string_agg(texts ->> x, ', ' ORDER BY k)
        FROM unnest(p::text[]) WITH ORDINALITY AS e(x, k)
      ) || ']::path', ', ' ORDER BY p) || ']')::agtype
    FROM unnest(paths) AS q(p)
  );
END
$fn$;

CREATE FUNCTION kgmem_cypher.shortest_paths(
  graph ag_catalog.agtype, source ag_catalog.agtype, target ag_catalog.agtype,
  types ag_catalog.agtype, direction ag_catalog.agtype, lower ag_catalog.agtype,
  upper ag_catalog.agtype, every ag_catalog.agtype, most ag_catalog.agtype
) RETURNS ag_catalog.agtype
LANGUAGE plpgsql STABLE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  g text := kgmem_cypher._json(graph) #>> '{}';
  wanted text[];
  way text := kgmem_cypher._json(direction) #>> '{}';
  low int := (kgmem_cypher._json(lower) #>> '{}')::int;
  high int := (kgmem_cypher._json(upper) #>> '{}')::int;
  all_paths boolean := (kgmem_cypher._json(every) #>> '{}')::boolean;
  cap int := (kgmem_cypher._json(most) #>> '{}')::int;
  src graphid;
  dst graphid;
  step text;
  frontier graphid[];
  seen graphid[];
  nbs graphid[];
  eids graphid[];
  prs graphid[];
  l_nb graphid[] := '{}';
  l_eid graphid[] := '{}';
  l_pr graphid[] := '{}';
  l_depth int[] := '{}';
  depth int := 0;
  found boolean := false;
  paths text[];
  parents jsonb;
  ways jsonb;
BEGIN
  IF source IS NULL OR target IS NULL THEN
    RETURN NULL;
  END IF;
  src := age_id(source)::graphid;
  dst := age_id(target)::graphid;
  IF types IS NOT NULL THEN
    wanted := ARRAY(SELECT jsonb_array_elements_text(kgmem_cypher._json(types)));
  END IF;
  IF src = dst THEN
    IF low = 0 THEN
      RETURN kgmem_cypher._path_texts(g, ARRAY[ARRAY[src::text]::text]);
    END IF;
    RAISE EXCEPTION 'The shortest path algorithm does not work when the start and end nodes '
      'are the same. This can happen if you perform a shortestPath search after a cartesian '
      'product that might have the same start and end nodes for some of the rows passed to '
      'shortestPath. Add WHERE a <> b (the end nodes) to leave those rows out.'
      USING ERRCODE = 'P0001';
  END IF;
  step := kgmem_cypher._path_step(g, wanted, way, all_paths);
  IF step IS NULL THEN
    RETURN '[]'::agtype;
  END IF;
  frontier := ARRAY[src];
  seen := ARRAY[src];
  WHILE depth < high AND cardinality(frontier) > 0 AND NOT found LOOP
    depth := depth + 1;
    EXECUTE step INTO nbs, eids, prs USING frontier, seen;
    l_nb := l_nb || nbs;
    l_eid := l_eid || eids;
    l_pr := l_pr || prs;
    l_depth := l_depth || array_fill(depth, ARRAY[cardinality(nbs)]);
    frontier := ARRAY(SELECT DISTINCT x FROM unnest(nbs) AS u(x));
    seen := seen || frontier;
    found := dst = ANY(frontier);
    IF cardinality(seen) > cap THEN
      RAISE EXCEPTION 'the shortest-path search reached more than % nodes within % hops, '
        'kgmem''s limit: give the path a smaller upper bound, relationship types or a '
        'direction', cap, depth USING ERRCODE = '54KG1';
    END IF;
  END LOOP;
  IF NOT found THEN
    RETURN '[]'::agtype;
  END IF;
  -- Each node reached has its parents (previous node, relationship) in the layer
  -- before its own: count the paths layer by layer, then walk back from the target.
  SELECT jsonb_object_agg(nb, ps) INTO parents FROM (
    SELECT l.nb::text AS nb, jsonb_agg(jsonb_build_array(l.pr::text, l.eid::text)
                                       ORDER BY l.eid) AS ps
    FROM unnest(l_nb, l_eid, l_pr) AS l(nb, eid, pr) GROUP BY l.nb
  ) s;
  IF all_paths THEN
    ways := jsonb_build_object(src::text, 1);
    FOR d IN 1..depth LOOP
      ways := ways || coalesce((
        SELECT jsonb_object_agg(nb, n) FROM (
          SELECT l.nb::text AS nb, sum((ways ->> l.pr::text)::numeric) AS n
          FROM unnest(l_nb, l_pr, l_depth) AS l(nb, pr, dd) WHERE l.dd = d GROUP BY l.nb
        ) s), '{}');
    END LOOP;
    IF (ways ->> dst::text)::numeric > cap THEN
      RAISE EXCEPTION 'allShortestPaths found % shortest paths, more than % (kgmem''s '
        'limit): give the path relationship types or a direction', ways ->> dst::text, cap
        USING ERRCODE = '54KG1';
    END IF;
  END IF;
  WITH RECURSIVE back(node, elems) AS (
    SELECT dst::text, ARRAY[dst::text]
    UNION ALL
    SELECT x.p ->> 0, ARRAY[x.p ->> 0, x.p ->> 1] || b.elems
    FROM back b, jsonb_array_elements(parents -> b.node) WITH ORDINALITY AS x(p, k)
    WHERE b.node <> src::text AND (all_paths OR x.k = 1)
  )
  SELECT array_agg(elems::text) INTO paths FROM back WHERE node = src::text;
  RETURN kgmem_cypher._path_texts(g, paths);
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.shortest_paths(
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype,
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype,
  ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._path_texts(text, text[]);
DROP FUNCTION IF EXISTS kgmem_cypher._path_step(text, text[], text, boolean);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
